"""Find and replace over the products the grid shows (its current filter and search): one batch,
one undo step, however many products change. Reading the texts runs on the store's reader thread."""
from __future__ import annotations

import re
from collections.abc import Mapping

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

# field -> label; only free-text fields: names of categories and brands are not replaced as text
FIELDS: Mapping[str, str] = {"title": "Title", "description": "Description"}


def replaced(text: str | None, find: str, replace: str, match_case: bool) -> str | None:
    """`text` with every `find` replaced, or None when it does not occur."""
    if not text or not find:
        return None
    pattern = re.compile(re.escape(find), 0 if match_case else re.IGNORECASE)
    new, count = pattern.subn(lambda _m: replace, text)
    return new if count else None


class FindReplaceDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("findReplaceDialog")
        self.setWindowTitle("Find and replace")
        self.find = QLineEdit()
        self.find.setObjectName("find")
        self.replace = QLineEdit()
        self.replace.setObjectName("replace")
        self.field = QComboBox()
        self.field.setObjectName("field")
        for key, label in FIELDS.items():
            self.field.addItem(label, key)
        self.match_case = QCheckBox("Match &case")
        note = QLabel("Applies to the products the grid shows now (its category, filter and search). "
                      "One undo step.")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Find", self.find)
        form.addRow("&Replace with", self.replace)
        form.addRow("&In", self.field)
        form.addRow("", self.match_case)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.replace_all = buttons.addButton("Replace &all", QDialogButtonBox.ButtonRole.AcceptRole)
        self.replace_all.setObjectName("replaceAll")
        self.replace_all.setEnabled(False)
        self.find.textChanged.connect(lambda text: self.replace_all.setEnabled(bool(text)))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)

    def request(self) -> tuple[str, str, str, bool]:
        return self.find.text(), self.replace.text(), str(self.field.currentData()), self.match_case.isChecked()
