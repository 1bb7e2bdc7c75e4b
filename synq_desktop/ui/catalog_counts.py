"""The dashboard's catalog counts: one row per number GET /stats reports.

The server may spell keys in snake_case or camelCase (API.md: the client reads both) and may nest
counts (e.g. products by status); everything is flattened to snake_case keys with readable labels, so
whatever the server adds shows up without a code change.
"""
from __future__ import annotations

import re
from collections.abc import Mapping

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QWidget

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def snake(key: str) -> str:
    return _CAMEL_BOUNDARY.sub("_", key).replace("-", "_").lower()


def flatten_counts(stats: Mapping[str, object], prefix: str = "") -> dict[str, float | int]:
    """Numbers of a /stats answer keyed by snake_case path (`products_by_status.active`); booleans,
    strings and nulls are not counts and are left out."""
    flat: dict[str, float | int] = {}
    for key, value in stats.items():
        name = prefix + snake(str(key))
        if isinstance(value, bool):
            continue
        if isinstance(value, int | float):
            flat[name] = value
        elif isinstance(value, Mapping):
            flat.update(flatten_counts(value, name + "."))
    return flat


def label_for(key: str) -> str:
    """`total_products` → "Products", `products_by_status.active` → "Products by status: active"."""
    parts = key.split(".")
    head = parts[0]
    head = head.removeprefix("total_")
    text = head.replace("_", " ").strip().capitalize() or key
    if len(parts) > 1:
        text += ": " + " ".join(parts[1:]).replace("_", " ")
    return text


def format_count(value: float) -> str:
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.1f}"


class CatalogCountsPanel(QWidget):
    """A form of label → number; `counts()` gives what is shown, for tests and the status bar."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("catalogCounts")
        self._layout = QFormLayout(self)
        self._layout.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self._counts: dict[str, float | int] = {}

    def set_stats(self, stats: Mapping[str, object]) -> None:
        while self._layout.rowCount():
            self._layout.removeRow(0)
        self._counts = flatten_counts(stats)
        for key, value in self._counts.items():
            number = QLabel(format_count(value))
            number.setObjectName(f"count:{key}")
            number.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            number.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._layout.addRow(label_for(key), number)

    def counts(self) -> dict[str, float | int]:
        return dict(self._counts)
