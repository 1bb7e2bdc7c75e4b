"""The Qt item data roles the catalog's models answer, as the plain ints PySide6 passes to `data()` and
`setData()` (comparing an int with a `Qt.ItemDataRole` member is always false, so the `.value`s are taken
once, here).

`ID_ROLE` carries a row's record id (a product's, a variant's) for the views and tests that need to know
which record a row shows, whatever the sort.
"""
from __future__ import annotations

from PySide6.QtCore import Qt

DISPLAY = Qt.ItemDataRole.DisplayRole.value
EDIT = Qt.ItemDataRole.EditRole.value
TOOLTIP = Qt.ItemDataRole.ToolTipRole.value
FONT = Qt.ItemDataRole.FontRole.value
FOREGROUND = Qt.ItemDataRole.ForegroundRole.value
ALIGN = Qt.ItemDataRole.TextAlignmentRole.value
ID_ROLE = Qt.ItemDataRole.UserRole.value + 1
ALIGN_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)  # numbers line up
