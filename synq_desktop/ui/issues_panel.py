"""Validation issues of the selected product(s) and their variants: what this copy finds as you edit
(the domain rules) and what the server's /validation reported at the last sync, side by side."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from PySide6.QtWidgets import QHeaderView, QTreeWidget, QTreeWidgetItem, QWidget

from synq_desktop.ui.catalog_source import CatalogSource, IssueRow

log = logging.getLogger(__name__)
HEADERS = ("Record", "Severity", "Problem", "Found by")


class IssuesPanel(QTreeWidget):
    def __init__(self, source: CatalogSource, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("issuesPanel")
        self.source = source
        self.issues: list[IssueRow] = []
        self.setColumnCount(len(HEADERS))
        self.setHeaderLabels(HEADERS)
        self.setRootIsDecorated(False)
        self.setAlternatingRowColors(True)
        self.header().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self._generation = 0

    def show_products(self, product_ids: Sequence[str]) -> asyncio.Future[None]:
        self._generation += 1
        return asyncio.ensure_future(self._load(list(product_ids), self._generation))

    async def _load(self, product_ids: list[str], generation: int) -> None:
        try:
            issues = await self.source.issues_of(product_ids) if product_ids else []
        except Exception as exc:  # noqa: BLE001 - keep the old list
            log.warning("reading issues failed: %s", exc)
            return
        if generation != self._generation:
            return
        self.issues = issues
        self.clear()
        for issue in issues:
            item = QTreeWidgetItem([f"{issue.entity_type} {issue.label}", issue.severity.lower(), issue.message,
                                    issue.found_by])
            item.setToolTip(2, issue.message)
            self.addTopLevelItem(item)
