"""Saved views of the product grid: a name for a category, a search, the visible columns in their
order and the sort. Kept in the working copy (saved_views table), so they travel with the profile."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHeaderView, QWidget

from synq_desktop.ui.catalog_source import CatalogSource, ProductQuery, SavedViewRow
from synq_desktop.ui.product_table_model import COLUMN_BY_KEY, COLUMNS

log = logging.getLogger(__name__)
NO_VIEW = "All columns"


def header_columns(header: QHeaderView) -> list[str]:
    """Keys of the visible columns, in the order the user sees them."""
    visible = [(header.visualIndex(i), COLUMNS[i].key) for i in range(len(COLUMNS)) if not header.isSectionHidden(i)]
    return [key for _pos, key in sorted(visible)]


def apply_columns(header: QHeaderView, keys: list[str]) -> None:
    """Show exactly `keys` in that order (unknown keys are ignored; no keys shows every column)."""
    wanted = [COLUMN_BY_KEY[k] for k in keys if k in COLUMN_BY_KEY] or list(range(len(COLUMNS)))
    for logical in range(len(COLUMNS)):
        header.setSectionHidden(logical, logical not in wanted)
    for position, logical in enumerate(wanted):
        header.moveSection(header.visualIndex(logical), position)


class SavedViewsBox(QComboBox):
    """The view picker: choosing a view emits `chosen`; the editor applies it."""

    chosen = Signal(object)  # SavedViewRow, or None for the plain grid

    def __init__(self, source: CatalogSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("savedViews")
        self.setToolTip("Saved views: a category, a search, columns and a sort under a name")
        self.source = source
        self.views: list[SavedViewRow] = []
        self.activated.connect(self._activated)
        self._fill()

    def _fill(self, current: str | None = None) -> None:
        self.blockSignals(True)
        self.clear()
        self.addItem(NO_VIEW, None)
        for view in self.views:
            self.addItem(view.name, view.id)
        index = self.findText(current) if current else 0
        self.setCurrentIndex(max(index, 0))
        self.blockSignals(False)

    def reload(self, current: str | None = None) -> asyncio.Future[None]:
        async def run() -> None:
            try:
                self.views = await self.source.saved_views()
            except Exception as exc:  # noqa: BLE001 - the picker just stays as it was
                log.warning("reading saved views failed: %s", exc)
                return
            self._fill(current)

        return asyncio.ensure_future(run())

    def _activated(self, index: int) -> None:
        view_id = self.itemData(index)
        self.chosen.emit(next((v for v in self.views if v.id == view_id), None))

    async def save(self, name: str, query: ProductQuery, columns: list[str],
                   after: Callable[[], None] | None = None) -> int:
        filters = {"category_id": query.category_id, "text": query.text}
        sort = {"key": query.sort_key, "descending": query.descending}
        view_id = await self.source.save_view(name, filters, columns, sort)
        await self.reload(current=name)
        if after is not None:
            after()
        return view_id
