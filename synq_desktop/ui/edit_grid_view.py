"""A spreadsheet-like table view for the product and variant grids.

Keyboard first: arrows and Tab move, typing or F2 edits, Ctrl+C copies the selected range as TSV
(Excel and LibreOffice read it), Ctrl+V pastes a TSV block at the current cell (or fills the selection
with a single value), Ctrl+D fills the first selected row's values down the selection, Delete asks the
owner to delete the selected rows. A paste or fill of any size is one batch and one undo step.

The model must offer `changes_for_cells(cells)` and `push_edit(changes, text)` (see
product_table_model.py); the view only turns selections and clipboard text into cells.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtGui import QAction, QFontMetricsF, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QStyle, QTableView, QWidget

from synq_desktop.ui.clipboard_tsv import format_tsv, parse_tsv
from synq_desktop.ui.grid_columns import GridColumn
from synq_desktop.ui.item_roles import EDIT


class EditGridView(QTableView):
    delete_requested = Signal(list)  # row numbers
    problem = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # (row, column) -> why that cell cannot be changed here, or None: set by the owner for what the
        # server cannot take (server_limits.py); typing, F2, paste and fill down all respect it.
        self.cell_lock: Callable[[int, int], str | None] | None = None
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.setAlternatingRowColors(True)
        self.setSortingEnabled(True)
        self.setWordWrap(False)
        self.setTabKeyNavigation(True)
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.horizontalHeader().setHighlightSections(False)
        self.horizontalHeader().setSectionsMovable(True)
        header = self.horizontalHeader()
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        header.customContextMenuRequested.connect(self._column_menu)
        self._add_action("Copy", QKeySequence.StandardKey.Copy, self.copy_selection)
        self._add_action("Paste", QKeySequence.StandardKey.Paste, self.paste_clipboard)
        self._add_action("Fill down", QKeySequence("Ctrl+D"), self.fill_down)
        self._add_action("Delete rows", QKeySequence.StandardKey.Delete, self.request_delete)

    def size_columns(self, columns: Sequence[GridColumn]) -> None:
        """Each column at its width, widened where a text it must show uncut (`GridColumn.fits`) needs more
        in this grid's font: the delegate keeps a margin of the focus frame plus one pixel on each side, and
        the grid line takes one pixel of the cell."""
        margin = 2 * (self.style().pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, self) + 1) + 1
        metrics = QFontMetricsF(self.font())  # fractional advances: the text layout rounds up, not down
        for i, column in enumerate(columns):
            needed = max((math.ceil(metrics.horizontalAdvance(text)) + margin for text in column.fits), default=0)
            self.setColumnWidth(i, max(column.width, needed))

    def _add_action(self, text: str, shortcut: Any, slot: Any) -> QAction:
        action = QAction(text, self)
        action.setShortcut(shortcut)
        action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        action.triggered.connect(slot)
        self.addAction(action)
        return action

    def column_menu(self, menu: QMenu | None = None) -> QMenu:
        """Show or hide columns (a saved view remembers the choice): a new menu, or `menu` filled."""
        menu = QMenu(self) if menu is None else menu
        header = self.horizontalHeader()
        model = self.model()
        for logical in range(model.columnCount()):
            action = menu.addAction(str(model.headerData(logical, Qt.Orientation.Horizontal)))
            action.setCheckable(True)
            action.setChecked(not header.isSectionHidden(logical))
            action.toggled.connect(lambda shown, c=logical: header.setSectionHidden(c, not shown))
        return menu

    def _column_menu(self, position: Any) -> None:
        menu = self.column_menu()
        menu.aboutToHide.connect(menu.deleteLater)
        menu.popup(self.horizontalHeader().mapToGlobal(position))

    # -- selection helpers -----------------------------------------------------------------------
    def selected_block(self) -> tuple[int, int, int, int] | None:
        """(top, left, bottom, right) of the selection's bounding box, or None."""
        indexes = self.selectionModel().selectedIndexes() if self.selectionModel() else []
        if not indexes:
            current = self.currentIndex()
            if not current.isValid():
                return None
            return current.row(), current.column(), current.row(), current.column()
        rows = [i.row() for i in indexes]
        cols = [i.column() for i in indexes]
        return min(rows), min(cols), max(rows), max(cols)

    def selected_rows(self) -> list[int]:
        model = self.selectionModel()
        if model is None:
            return []
        return sorted({i.row() for i in model.selectedIndexes()})

    def select_block(self, top: int, left: int, bottom: int, right: int) -> None:
        model = self.model()
        selection = self.selectionModel()
        selection.select(
            _selection(model.index(top, left), model.index(bottom, right)),
            QItemSelectionModel.SelectionFlag.ClearAndSelect,
        )
        selection.setCurrentIndex(model.index(top, left), QItemSelectionModel.SelectionFlag.NoUpdate)

    # -- clipboard -------------------------------------------------------------------------------
    def selection_as_tsv(self) -> str:
        block = self.selected_block()
        if block is None:
            return ""
        top, left, bottom, right = block
        model = self.model()
        rows = []
        for r in range(top, bottom + 1):
            cells = []
            for c in range(left, right + 1):
                value = model.index(r, c).data(EDIT)
                cells.append("" if value is None else str(value))
            rows.append(cells)
        return format_tsv(rows)

    def copy_selection(self) -> None:
        QGuiApplication.clipboard().setText(self.selection_as_tsv())

    def paste_clipboard(self) -> None:
        self.paste_text(QGuiApplication.clipboard().text())

    def paste_text(self, text: str) -> int:
        """Paste TSV at the selection; returns the number of cells changed. A single value pasted
        over a larger selection fills it (as spreadsheets do)."""
        block = self.selected_block()
        rows = parse_tsv(text)
        if block is None or not rows:
            return 0
        top, left, bottom, right = block
        model = self.model()
        cells: list[tuple[int, int, str]] = []
        if len(rows) == 1 and len(rows[0]) == 1:
            value = rows[0][0]
            cells = [(r, c, value) for r in range(top, bottom + 1) for c in range(left, right + 1)]
        else:
            for dr, row in enumerate(rows):
                for dc, value in enumerate(row):
                    cells.append((top + dr, left + dc, value))
        last_row = model.rowCount() - 1
        skipped = sum(1 for r, _c, _v in cells if r > last_row)
        cells = [cell for cell in cells if cell[0] <= last_row]
        count = self._apply(cells, "Paste")
        if skipped:
            self.problem.emit(f"{skipped} pasted cells fell below the last row and were left out.")
        if rows:
            height = min(len(rows), last_row - top + 1) if not (len(rows) == 1 and len(rows[0]) == 1) else None
            if height:
                width = max(len(r) for r in rows)
                self.select_block(top, left, top + height - 1, min(left + width - 1, model.columnCount() - 1))
        return count

    def fill_down(self) -> int:
        block = self.selected_block()
        if block is None:
            return 0
        top, left, bottom, right = block
        if bottom == top:
            return 0
        model = self.model()
        first = [model.index(top, c).data(EDIT) for c in range(left, right + 1)]
        cells = [
            (r, c, "" if first[c - left] is None else str(first[c - left]))
            for r in range(top + 1, bottom + 1) for c in range(left, right + 1)
        ]
        return self._apply(cells, "Fill down")

    def _apply(self, cells: Iterable[tuple[int, int, str]], text: str) -> int:
        model: Any = self.model()
        locks: list[str] = []
        if self.cell_lock is not None:
            kept = []
            for cell in cells:
                lock = self.cell_lock(cell[0], cell[1])
                if lock:
                    locks.append(lock)
                else:
                    kept.append(cell)
            cells = kept
        changes, problems = model.changes_for_cells(cells)
        problems = list(dict.fromkeys(locks)) + list(problems)
        if problems:
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            self.problem.emit(problems[0] + more)
        if changes:
            model.push_edit(changes, text)
        return len(changes)

    def edit(self, index: QModelIndex, trigger: Any = None, event: Any = None) -> bool:  # type: ignore[override]
        """As Qt's, and when the user tried to edit a cell the model keeps locked (`locked_reason`), the
        reason goes to the status line instead of nothing happening."""
        lock = self.cell_lock(index.row(), index.column()) if self.cell_lock and index.isValid() else None
        if trigger is None:
            return False if lock else super().edit(index)  # the public slot: grid.edit(index)
        if lock:
            if trigger in (QAbstractItemView.EditTrigger.EditKeyPressed, QAbstractItemView.EditTrigger.AnyKeyPressed,
                           QAbstractItemView.EditTrigger.DoubleClicked):
                self.problem.emit(lock)
            return False
        started = super().edit(index, trigger, event)
        user_tried = trigger in (QAbstractItemView.EditTrigger.EditKeyPressed,
                                 QAbstractItemView.EditTrigger.AnyKeyPressed,
                                 QAbstractItemView.EditTrigger.DoubleClicked)
        locked_reason = getattr(self.model(), "locked_reason", None)
        if not started and user_tried and locked_reason is not None and index.isValid():
            reason = locked_reason(index)
            if reason:
                self.problem.emit(reason)
        return started

    def request_delete(self) -> None:
        rows = self.selected_rows()
        if not rows and self.currentIndex().isValid():
            rows = [self.currentIndex().row()]
        if rows:
            self.delete_requested.emit(rows)


def _selection(top_left: QModelIndex, bottom_right: QModelIndex) -> Any:
    from PySide6.QtCore import QItemSelection

    return QItemSelection(top_left, bottom_right)
