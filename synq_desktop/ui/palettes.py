"""A dark palette for desktops whose platform theme cannot switch Qt's colour scheme (plain X11, Xvfb).

The app follows the system palette by default; this is used only when the user (or a screenshot run)
asks for dark explicitly and `QStyleHints.setColorScheme` had no effect.
"""
from __future__ import annotations

from PySide6.QtGui import QColor, QPalette

_ROLES = QPalette.ColorRole


def dark_palette() -> QPalette:
    palette = QPalette()
    base, window, text = QColor(30, 31, 34), QColor(43, 45, 48), QColor(223, 225, 229)
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        palette.setColor(group, _ROLES.Window, window)
        palette.setColor(group, _ROLES.WindowText, text)
        palette.setColor(group, _ROLES.Base, base)
        palette.setColor(group, _ROLES.AlternateBase, QColor(38, 40, 43))
        palette.setColor(group, _ROLES.ToolTipBase, window)
        palette.setColor(group, _ROLES.ToolTipText, text)
        palette.setColor(group, _ROLES.Text, text)
        palette.setColor(group, _ROLES.Button, window)
        palette.setColor(group, _ROLES.ButtonText, text)
        palette.setColor(group, _ROLES.BrightText, QColor(255, 90, 90))
        palette.setColor(group, _ROLES.Highlight, QColor(53, 116, 240))
        palette.setColor(group, _ROLES.HighlightedText, QColor(255, 255, 255))
        palette.setColor(group, _ROLES.Link, QColor(110, 160, 255))
        palette.setColor(group, _ROLES.PlaceholderText, QColor(140, 143, 148))
        palette.setColor(group, _ROLES.Mid, QColor(60, 62, 66))
        palette.setColor(group, _ROLES.Dark, QColor(20, 21, 23))
        palette.setColor(group, _ROLES.Light, QColor(70, 72, 76))
    disabled = QPalette.ColorGroup.Disabled
    for role in (_ROLES.Text, _ROLES.WindowText, _ROLES.ButtonText):
        palette.setColor(disabled, role, QColor(120, 122, 127))
    palette.setColor(disabled, _ROLES.Base, base)
    palette.setColor(disabled, _ROLES.Window, window)
    palette.setColor(disabled, _ROLES.Button, window)
    return palette
