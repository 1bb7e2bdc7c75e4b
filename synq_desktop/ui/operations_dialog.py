"""Changes that need a person: operations the server refused (REJECTED, with its reason) and those
whose outcome is unknown (UNCERTAIN). Nothing is ever dropped silently, so each waits here until the
user fixes its values and sends it again (a refused create or update), retries it as it is, adopts the
server record an uncertain create made, discards it (its local effect is undone), or reverts the whole
record to the server's version.
"""
from __future__ import annotations

import asyncio
import json
import logging

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from synq_desktop.ui.catalog_source import CatalogSource, OperationRow
from synq_desktop.ui.dialog_future import ask
from synq_desktop.ui.operation_fix_form import AdoptOperationDialog, FixOperationDialog
from synq_desktop.ui.pick_list_table import PickListTable

log = logging.getLogger(__name__)
HEADERS = ("Record", "Change", "State", "Why")


def describe(op: OperationRow) -> str:
    if op.kind == "update":
        return ", ".join(f"{k} → {json.dumps(v, ensure_ascii=False, default=str)}" for k, v in op.payload.items())
    return op.kind


def why(op: OperationRow) -> str:
    # Imported here, not at the top: the sync engine pulls in the API client (httpx, pydantic), and the
    # window's first page must not wait for them. By the time a person opens this dialog it is loaded.
    from synq_desktop.sync.reconcile import AMBIGUOUS

    text = op.reason + (f" (HTTP {op.http_status})" if op.http_status else "")
    if op.state == "UNCERTAIN" and not text:
        return "The answer was lost: the server may or may not have it."
    if text.startswith(AMBIGUOUS + ": "):
        return text.removeprefix(AMBIGUOUS + ": ")  # the state column says it is uncertain; say what is known
    return text


class OperationsDialog(QDialog):
    changed = Signal()

    def __init__(self, source: CatalogSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("operationsDialog")
        self.setWindowTitle("Changes that need you")
        self.resize(900, 380)
        self.source = source
        self.operations: list[OperationRow] = []
        self.table = PickListTable(HEADERS, "operationsTable", self)
        self.note = QLabel("Nothing waits for you: every change can be sent.")
        self.note.setWordWrap(True)
        self.fix = QPushButton("&Fix…")
        self.fix.setObjectName("fix")
        self.fix.setToolTip("Correct the values the server refused and send them again")
        self.retry = QPushButton("&Retry")
        self.retry.setObjectName("retry")
        self.retry.setToolTip("Send it again as it is (an uncertain create: it was not made)")
        self.adopt = QPushButton("&Adopt…")
        self.adopt.setObjectName("adopt")
        self.adopt.setToolTip("The server did make this record: take its record as this one")
        self.discard = QPushButton("&Discard")
        self.discard.setObjectName("discard")
        self.discard.setToolTip("Give this change up; its effect here is undone")
        self.revert = QPushButton("Re&vert record")
        self.revert.setObjectName("revert")
        self.revert.setToolTip("Give up every change of this record: back to the server's version")
        self.fix.clicked.connect(lambda: self._act("fix"))
        self.retry.clicked.connect(lambda: self._act("retry"))
        self.adopt.clicked.connect(lambda: self._act("adopt"))
        self.discard.clicked.connect(lambda: self._act("discard"))
        self.revert.clicked.connect(lambda: self._act("revert"))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        for widget in (self.fix, self.retry, self.adopt, self.discard, self.revert):
            row.addWidget(widget)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.note)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self._busy: asyncio.Future[None] | None = None
        self._selection_changed()

    def reload(self) -> asyncio.Future[None]:
        return asyncio.ensure_future(self._reload())

    async def _reload(self) -> None:
        self.operations = await self.source.operations_needing_person()
        self.table.set_rows([((f"{op.entity_type} {op.label}".strip(), describe(op), op.state.lower(), why(op)), None)
                             for op in self.operations])
        self.note.setText("Nothing waits for you: every change can be sent.")
        self.note.setVisible(not self.operations)
        self._selection_changed()

    def current(self) -> OperationRow | None:
        row = self.table.picked_row()
        return None if row is None else self.operations[row]

    def _selection_changed(self) -> None:
        op = self.current()
        enabled = op is not None
        for button in (self.retry, self.discard, self.revert):
            button.setEnabled(enabled)
        self.fix.setEnabled(op is not None and op.state == "REJECTED" and op.kind in ("create", "update")
                            and bool(op.payload))
        self.adopt.setEnabled(op is not None and op.state == "UNCERTAIN" and op.kind == "create")

    def _act(self, action: str) -> None:
        chosen = self.current()
        if chosen is None or (self._busy is not None and not self._busy.done()):
            return
        self._busy = asyncio.ensure_future(self.ask_and_act(chosen, action))

    async def ask_and_act(self, op: OperationRow, action: str) -> None:
        """Fix and adopt first ask for the values (a dialog awaited, never exec()); the others act."""
        if action == "fix":
            form = FixOperationDialog(op, self)
            accepted = await ask(form) == QDialog.DialogCode.Accepted.value
            changes = dict(form.changes())
            form.deleteLater()
            if accepted and changes:
                await self.act(op, "fix", changes)
            elif accepted:
                await self.act(op, "retry")  # nothing altered: "send again" as it is
            return
        if action == "adopt":
            form = AdoptOperationDialog(op, self)
            accepted = await ask(form) == QDialog.DialogCode.Accepted.value
            server_id = form.server_id()
            form.deleteLater()
            if accepted and server_id:
                await self.act(op, "adopt", server_id)
            return
        await self.act(op, action)

    async def act(self, op: OperationRow, action: str, value: object = None) -> None:
        try:
            if action == "fix":
                assert isinstance(value, dict)
                await self.source.fix_operation(op.op_id, value)
            elif action == "adopt":
                await self.source.adopt_operation(op.op_id, str(value))
            elif action == "retry":
                await self.source.retry_operation(op.op_id)
            elif action == "discard":
                await self.source.discard_operation(op.op_id)
            else:
                await self.source.revert_record(op.entity_type, op.entity_id)
        except Exception as exc:  # noqa: BLE001 - shown; the dialog stays usable
            log.warning("%s failed: %s", action, exc)
            self.note.setText(f"Not done: {exc}")
            self.note.setVisible(True)
            return
        await self._reload()
        self.changed.emit()
