"""A read-only table to pick one row from: the list part of the dialogs that act on one item at a time
(conflicts to resolve, changes that need a person).

Rows are whole rows (selection behaviour and mode say so), nothing is edited in place, every column
shares the width, and each cell's tooltip is its full text, since long values are cut off in the cell.
"""
from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem, QWidget


class PickListTable(QTableWidget):
    def __init__(self, headers: Sequence[str], object_name: str, parent: QWidget | None = None) -> None:
        super().__init__(0, len(headers), parent)
        self.setObjectName(object_name)
        self.setHorizontalHeaderLabels(list(headers))
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().hide()

    def set_rows(self, rows: Sequence[tuple[Sequence[str], object]]) -> None:
        """Show `rows`, each its cell texts and a value kept in every cell's UserRole (None: nothing kept);
        the first row is selected when there is one."""
        self.setRowCount(len(rows))
        for r, (cells, data) in enumerate(rows):
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                if data is not None:
                    item.setData(Qt.ItemDataRole.UserRole, data)
                self.setItem(r, col, item)
        if rows:
            self.selectRow(0)

    def picked_row(self) -> int | None:
        """The selected row's number (None: nothing selected)."""
        rows = self.selectionModel().selectedRows()
        return rows[0].row() if rows else None
