"""The variant grid's model: the variants of the selected product(s), plus a new-variant row.

A product has at most a few dozen variants, so the rows are read whole (on the reader thread) when
the selection changes. Typing into the last row ("new variant…") creates a variant of the selected
product. Edits are undoable commands like the product grid's (cell_edit_commands.py); values are
checked as typed with the domain rules (GTIN check digit, ISO 4217 code, price precision).

A variant the server knows cannot be deleted (the API has no way); `discard_problem` says so and an
unsent one can be discarded.
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Iterable, Sequence

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QApplication

from synq_desktop.domain.currency import is_currency
from synq_desktop.domain.validation import check_barcode, check_currency, check_price
from synq_desktop.ui.catalog_source import CatalogSource, FieldChange, VariantRow
from synq_desktop.ui.grid_columns import Editor, GridColumn
from synq_desktop.ui.item_roles import ALIGN, ALIGN_RIGHT, DISPLAY, EDIT, FONT, FOREGROUND, ID_ROLE, TOOLTIP
from synq_desktop.ui.write_queue import WriteQueue

log = logging.getLogger(__name__)

NEW_ROW_TEXT = "new variant…"
_ISSUE_TEXT = {0: "", 1: "⚠ warning", 2: "✖ error"}
# The sync column shows a state's name in lower case (SYNCED shows nothing).
_SYNC_TEXTS = ("pending", "in flight", "blocked", "uncertain", "rejected", "conflict")

COLUMNS: tuple[GridColumn, ...] = (
    GridColumn("sku", "SKU", "sku", "sku", Editor.TEXT, 180),  # the demo SKUs (SHX00467-GRY-ONE-SIZE) fit
    GridColumn("barcode", "Barcode", "barcode", "barcode", Editor.TEXT, 120),
    GridColumn("price", "Price", "price", "price", Editor.MONEY, 80),
    GridColumn("currency", "Currency", "currency", "currency", Editor.TEXT, 70),
    GridColumn("cost_price", "Cost price", None, "cost_price", Editor.MONEY, 80),
    GridColumn("options", "Options", None, width=160),
    GridColumn("quality", "Quality", "data_quality_score", width=60),
    GridColumn("sync_state", "Sync", "sync_state", width=80, fits=_SYNC_TEXTS),
    GridColumn("issue_level", "Validation", "issue_level", width=80, fits=tuple(_ISSUE_TEXT.values())),
)
COLUMN_BY_KEY = {c.key: i for i, c in enumerate(COLUMNS)}
_NUMERIC = {"price", "cost_price", "quality"}


def variant_problem(column: GridColumn, text: str, currency: str | None) -> str | None:
    """What the domain rules say about `text` in `column` (None: fine). Warnings only: saved anyway."""
    value = text.strip()
    if column.field == "barcode":
        finding = check_barcode(value or None)
    elif column.field == "currency":
        finding = check_currency(value.upper())
    elif column.field == "price":
        finding = check_price(value, currency if currency and is_currency(currency) else None)
    elif column.field == "cost_price":
        finding = check_price(value, currency if currency and is_currency(currency) else None,
                              field="cost_price", required=False)
    elif column.field == "sku":
        return None if value else "A variant without a SKU is hard to find again."
    else:
        return None
    return finding.message if finding else None


def _stored(column: GridColumn, text: str) -> object:
    value = text.strip()
    if column.field == "currency":
        return value.upper() or None
    return value or None


class VariantTableModel(QAbstractTableModel):
    loaded = Signal()
    problem = Signal(str)

    def __init__(self, source: CatalogSource, writes: WriteQueue, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.writes = writes
        self.undo_stack = None
        self.read_only = False
        # Why the server cannot take an update of a variant it already has (docs-only), or None: such
        # rows are then not editable, and say why in their tooltip (new, unsent variants still are).
        self.update_blocked: str | None = None
        self.product_ids: list[str] = []
        self._rows: list[VariantRow] = []
        self._generation = 0

    # -- loading ---------------------------------------------------------------------------------
    def show_products(self, product_ids: Sequence[str]) -> asyncio.Future[None]:
        self.product_ids = list(product_ids)
        return self.reload()

    def reload(self) -> asyncio.Future[None]:
        self._generation += 1
        return asyncio.ensure_future(self._reload(self._generation))

    async def _reload(self, generation: int) -> None:
        try:
            rows = await self.source.variants_of(self.product_ids) if self.product_ids else []
        except Exception as exc:  # noqa: BLE001 - a failed query keeps the old rows and says why
            log.warning("reading variants failed: %s", exc)
            self.problem.emit(f"Could not read the variants: {exc}")
            return
        if generation != self._generation:
            return
        self.beginResetModel()
        self._rows = rows
        self.endResetModel()
        self.loaded.emit()

    @property
    def has_new_row(self) -> bool:
        return len(self.product_ids) == 1 and not self.read_only

    def is_new_row(self, row: int) -> bool:
        return self.has_new_row and row == len(self._rows)

    def variant(self, row: int) -> VariantRow | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    # -- Qt model interface ----------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows) + (1 if self.has_new_row else 0)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> object:
        if role == DISPLAY and orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section].header
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> object:
        if not index.isValid():
            return None
        column = COLUMNS[index.column()]
        row = self.variant(index.row())
        if row is None:  # the new-variant row
            if role == DISPLAY and index.column() == 0:
                return NEW_ROW_TEXT
            if role == FONT:
                font = QFont()
                font.setItalic(True)
                return font
            if role == FOREGROUND:
                return QApplication.palette().brush(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
            if role == EDIT:
                return ""
            return None
        if role == ID_ROLE:
            return row.id
        if role in (DISPLAY, EDIT):
            if column.key == "options":
                return ", ".join(f"{k}: {v}" for k, v in sorted(row.option_values.items()))
            if column.key == "issue_level":
                return _ISSUE_TEXT.get(row.issue_level, "") if role == DISPLAY else None
            if column.key == "sync_state":
                return "" if row.sync_state == "SYNCED" else row.sync_state.lower().replace("_", " ")
            value = getattr(row, column.key)
            return "" if value is None else value
        if role == TOOLTIP and column.key == "issue_level" and row.issues:
            return "\n".join(row.issues)
        if role == TOOLTIP and column.editable and self._locked(row):
            return self.update_blocked
        if role == ALIGN and column.key in _NUMERIC:
            return ALIGN_RIGHT
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if COLUMNS[index.column()].editable and not self.read_only and not self._locked(self.variant(index.row())):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def locked_reason(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        """Why this editable cell cannot be edited (the server cannot update the variant), or None."""
        if index.isValid() and COLUMNS[index.column()].editable and self._locked(self.variant(index.row())):
            return self.update_blocked
        return None

    def _locked(self, row: VariantRow | None) -> bool:
        """A variant the server has, on a server that cannot update one."""
        return self.update_blocked is not None and row is not None and row.synced

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: object, role: int = EDIT) -> bool:
        if not index.isValid() or role != EDIT or self.read_only:
            return False
        column = COLUMNS[index.column()]
        if not column.editable:
            return False
        if self.is_new_row(index.row()):
            text = str(value).strip()
            if not text:
                return False
            asyncio.ensure_future(self.create_variant({column.field: _stored(column, text)}))  # type: ignore[dict-item]
            return True
        changes, problems = self.changes_for_cells([(index.row(), index.column(), str(value))])
        if problems:
            self.problem.emit(problems[0])
        if not changes:
            return False
        self.push_edit(changes, f"Edit {column.header.lower()}")
        return True

    # -- edits -----------------------------------------------------------------------------------
    def validate(self, column_no: int, text: str, row: int | None = None) -> str | None:
        variant = self.variant(row) if row is not None else None
        return variant_problem(COLUMNS[column_no], text, variant.currency if variant else None)

    def changes_for_cells(
        self, cells: Iterable[tuple[int, int, str]]
    ) -> tuple[list[tuple[FieldChange, object]], list[str]]:
        changes: list[tuple[FieldChange, object]] = []
        problems: list[str] = []
        for row_no, col_no, text in cells:
            variant = self.variant(row_no)
            if variant is None or not 0 <= col_no < len(COLUMNS):
                continue
            column = COLUMNS[col_no]
            if not column.editable:
                continue
            if self._locked(variant):
                problems.append(f"{variant.sku or 'Variant'}: {self.update_blocked}")
                continue
            assert column.field is not None
            problem = variant_problem(column, text, variant.currency)
            if problem:
                problems.append(f"{variant.sku or 'Variant'}, {column.header}: {problem}")
            value = _stored(column, text)
            old = getattr(variant, column.field)
            if old == value:
                continue
            changes.append((FieldChange(variant.id, column.field, value), old))
        return changes, problems

    def push_edit(self, changes: list[tuple[FieldChange, object]], text: str) -> None:
        from synq_desktop.ui.cell_edit_commands import CellEditCommand

        command = CellEditCommand(self, changes, f"{text} (variants)")
        if self.undo_stack is not None:
            self.undo_stack.push(command)
        else:
            command.redo()

    def apply_changes(self, changes: Sequence[FieldChange]) -> None:
        by_id: dict[str, dict[str, object]] = {}
        for change in changes:
            by_id.setdefault(change.id, {})[change.field] = change.value
        for i, row in enumerate(self._rows):
            if row.id in by_id:
                self._rows[i] = dataclasses.replace(row, **by_id[row.id], sync_state="PENDING")  # type: ignore[arg-type]
                self.dataChanged.emit(self.index(i, 0), self.index(i, len(COLUMNS) - 1))
        batch = list(changes)
        self.writes.submit(lambda: self.source.update_variants(batch), after=self.reload)

    async def create_variant(self, fields: dict[str, object]) -> str | None:
        if len(self.product_ids) != 1:
            self.problem.emit("Select one product to add a variant to it.")
            return None
        await self.writes.drain()
        try:
            new_id = await self.source.create_variant(self.product_ids[0], fields)
        except Exception as exc:  # noqa: BLE001 - refused edits are reported, never raised into Qt
            self.problem.emit(f"The variant was not created: {exc}")
            return None
        await self.reload()
        return new_id

    def discard_problem(self, rows: Iterable[int]) -> str | None:
        """Why these rows cannot be discarded, or None when all can (unsent variants only)."""
        synced = [v for v in (self.variant(r) for r in rows) if v is not None and v.synced]
        if synced:
            names = ", ".join(v.sku or "(no SKU)" for v in synced[:3])
            return (f"Synced variants cannot be deleted: the Synq API has no way to delete a variant ({names}). "
                    "Only variants not yet sent can be discarded.")
        return None

    async def discard(self, rows: Iterable[int]) -> None:
        ids = [v.id for v in (self.variant(r) for r in rows) if v is not None and not v.synced]
        await self.writes.drain()
        for variant_id in ids:
            try:
                await self.source.discard_variant(variant_id)
            except Exception as exc:  # noqa: BLE001 - reported to the user
                self.problem.emit(f"Not discarded: {exc}")
        await self.reload()
