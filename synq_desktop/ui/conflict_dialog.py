"""The conflict resolver: each conflicting field of each record once, base / mine / theirs side by side
with who changed it on the server and when; keep mine, take theirs, or type a new value.

Opened with `open()` (never `exec()` in a coroutine); each decision is written to the working copy at
once (the operation goes back to PENDING when no field of it is left open) and the list reloads.
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
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from synq_desktop.store.outbox import DELETED_HERE, WHOLE_RECORD
from synq_desktop.ui.catalog_source import CatalogSource, ConflictRow
from synq_desktop.ui.pick_list_table import PickListTable

log = logging.getLogger(__name__)
HEADERS = ("Record", "Field", "Base (last synced)", "Mine", "Theirs", "Changed on the server by")
# Why a whole-record conflict has no value to type: the only choices are the record's fate.
NO_VALUE_REASON = {
    DELETED_HERE: "You deleted this record and the server changed it: there is no value to type. Keep mine "
                  "deletes it on the server too; take theirs keeps the server's version.",
    WHOLE_RECORD: "The server deleted this record and you changed it: there is no value to type. Keep mine "
                  "sends it again as a new record; take theirs removes it here too.",
}


def shown(value: object) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _cells(c: ConflictRow) -> tuple[str, ...]:
    who = " ".join(part for part in (c.theirs_by or "", (c.theirs_at or "").replace("T", " ")[:16]) if part)
    field = "(deleted on the server)" if c.field == WHOLE_RECORD else c.field
    return (f"{c.entity_type} {c.label}".strip(), field, shown(c.base), shown(c.mine), shown(c.theirs),
            who or "unknown")


class ConflictResolverDialog(QDialog):
    resolved = Signal()

    def __init__(self, source: CatalogSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("conflictResolver")
        self.setWindowTitle("Resolve conflicts")
        self.resize(900, 420)
        self.source = source
        self.conflicts: list[ConflictRow] = []
        self.table = PickListTable(HEADERS, "conflictTable", self)
        self.empty = QLabel("No conflicts: every change you made can be sent.")
        self.keep_mine = QPushButton("Keep &mine")
        self.keep_mine.setObjectName("keepMine")
        self.take_theirs = QPushButton("Take &theirs")
        self.take_theirs.setObjectName("takeTheirs")
        self.new_value = QLineEdit(placeholderText="or type a new value")
        self.new_value.setObjectName("newValue")
        self.use_value = QPushButton("&Use this value")
        self.use_value.setObjectName("useValue")
        self.keep_mine.clicked.connect(lambda: self._decide("mine"))
        self.take_theirs.clicked.connect(lambda: self._decide("theirs"))
        self.use_value.clicked.connect(lambda: self._decide("value"))
        self.new_value.returnPressed.connect(lambda: self._decide("value"))
        self.table.itemSelectionChanged.connect(self._selection_changed)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        for widget in (self.keep_mine, self.take_theirs, self.new_value, self.use_value):
            row.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(self.empty)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self._busy: asyncio.Future[None] | None = None
        self._selection_changed()

    def reload(self) -> asyncio.Future[None]:
        return asyncio.ensure_future(self._reload())

    async def _reload(self) -> None:
        self.conflicts = await self.source.conflicts()
        self.table.set_rows([(_cells(c), c.id) for c in self.conflicts])
        self.empty.setVisible(not self.conflicts)
        self._selection_changed()

    def current(self) -> ConflictRow | None:
        row = self.table.picked_row()
        return None if row is None else self.conflicts[row]

    def _selection_changed(self) -> None:
        chosen = self.current()
        for widget in (self.keep_mine, self.take_theirs, self.use_value, self.new_value):
            widget.setEnabled(chosen is not None)
        refusal = NO_VALUE_REASON.get(chosen.field, "") if chosen is not None else ""
        for widget in (self.use_value, self.new_value):
            widget.setEnabled(chosen is not None and not refusal)
            widget.setToolTip(refusal)  # a disabled control says why it is disabled
        if chosen is not None:
            self.new_value.setText("" if chosen.mine is None else shown(chosen.mine))

    def _decide(self, choice: str) -> None:
        chosen = self.current()
        if chosen is None or (self._busy is not None and not self._busy.done()):
            return
        if choice == "value" and chosen.field in NO_VALUE_REASON:
            return  # disabled for such a row; the store would refuse it anyway
        self._busy = asyncio.ensure_future(self.decide(chosen.id, choice, self.new_value.text()))

    async def decide(self, conflict_id: int, choice: str, value: object = None) -> None:
        try:
            await self.source.resolve_conflict(conflict_id, choice, value if choice == "value" else None)
        except Exception as exc:  # noqa: BLE001 - a refusal is shown, the dialog stays usable
            log.warning("resolving a conflict failed: %s", exc)
            self.empty.setText(f"Not resolved: {exc}")
            self.empty.setVisible(True)
            return
        await self._reload()
        self.resolved.emit()
