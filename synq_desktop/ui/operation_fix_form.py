"""The small forms behind "Fix…" and "Adopt…" in the list of changes that need a person.

Fix: a refused create or update shows each value it carries in a box; the user corrects them and the
operation is sent again with the new values (CatalogSource.fix_operation). Adopt: an uncertain create
whose lookup found several candidates (or could not look) asks which server record it made; the ids
the lookup named are offered, any other can be typed (CatalogSource.adopt_operation).
"""
from __future__ import annotations

import json
import re
from collections.abc import Mapping

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from synq_desktop.ui.catalog_source import OperationRow

# Server ids named in a reconcile reason: "3 products titled 'X' were created since the attempt (id1, id2)".
_PARENTHESISED = re.compile(r"\(([^()]*)\)")
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")


def as_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def candidate_ids(reason: str) -> list[str]:
    """The server ids a reason names, in order, without repeats: UUIDs anywhere, else the comma list
    in the last parentheses (a server's ids need not be UUIDs)."""
    found = _UUID.findall(reason)
    if not found:
        groups = _PARENTHESISED.findall(reason)
        found = [part.strip() for part in groups[-1].split(",")] if groups else []
        found = [f for f in found if f and " " not in f]
    return list(dict.fromkeys(found))


class FixOperationDialog(QDialog):
    """One box per value the refused operation carries; `changes()` is what the user altered."""

    def __init__(self, op: OperationRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("fixOperation")
        self.setWindowTitle("Fix the refused change")
        self.setMinimumWidth(520)
        self.op = op
        why = op.reason + (f" (HTTP {op.http_status})" if op.http_status else "")
        heading = QLabel(f"<b>{op.entity_type} {op.label}</b> — the server said: {why or 'no reason given'}")
        heading.setWordWrap(True)
        self.boxes: dict[str, QLineEdit] = {}
        form = QFormLayout()
        for name, value in op.payload.items():
            box = QLineEdit(as_text(value))
            box.setObjectName(name)
            self.boxes[name] = box
            form.addRow(name.replace("_", " "), box)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.send: QPushButton = buttons.addButton("&Send again", QDialogButtonBox.ButtonRole.AcceptRole)
        self.send.setObjectName("sendFixed")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def changes(self) -> Mapping[str, object]:
        """Altered values; an emptied box clears the field (None)."""
        out: dict[str, object] = {}
        for name, box in self.boxes.items():
            text = box.text()
            if text != as_text(self.op.payload.get(name)):
                out[name] = text if text.strip() else None
        return out


class AdoptOperationDialog(QDialog):
    """Which server record did this create make? `server_id()` is the answer."""

    def __init__(self, op: OperationRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("adoptOperation")
        self.setWindowTitle("Adopt the server's record")
        self.setMinimumWidth(520)
        note = QLabel(
            f"The answer to creating <b>{op.entity_type} {op.label}</b> was lost. If the server made it, "
            "choose (or paste) the id of the record it made: this copy takes that record as its own and "
            "does not create another. If it did not, close this and use Retry.")
        note.setWordWrap(True)
        self.choice = QComboBox()
        self.choice.setObjectName("serverId")
        self.choice.setEditable(True)
        self.choice.addItems(candidate_ids(op.reason))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.adopt: QPushButton = buttons.addButton("&Adopt", QDialogButtonBox.ButtonRole.AcceptRole)
        self.adopt.setObjectName("adoptChosen")
        self.choice.currentTextChanged.connect(lambda text: self.adopt.setEnabled(bool(text.strip())))
        self.adopt.setEnabled(bool(self.choice.currentText().strip()))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow("Server &id", self.choice)
        layout = QVBoxLayout(self)
        # A wrapped label needs its height for the dialog's width: grow to fit it, never clip it.
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        note.setMinimumWidth(500)
        layout.addWidget(note)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def server_id(self) -> str:
        return self.choice.currentText().strip()
