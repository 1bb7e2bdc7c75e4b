"""The app's icons: small SVG files drawn in `currentColor`, tinted with the palette's text colour.

The files live in the package (`synq_desktop/resources/icons/`, shipped as package data; a PyInstaller
build keeps the package layout under `sys._MEIPASS`), so one lookup serves a source checkout, an
installed wheel and a frozen build. Each icon is rendered once per size into a QIcon (normal and
faded for disabled) at the sizes the UI asks for, 1x and 2x: a 16 px icon at QT_SCALE_FACTOR=2 is the
32 px rendering and stays sharp. Icons are built after the palette is chosen (dark or light), so the ink
matches it; accent colours in the files (green, orange, red) read on both.
"""
from __future__ import annotations

import sys
from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

ICON_DIR_IN_PACKAGE = Path("resources") / "icons"
# Every icon the UI asks for; the icon test renders each one.
NAMES = (
    "app", "sync", "new-product", "new-variant", "new-category", "delete", "undo", "redo", "conflicts", "operations",
    "find", "online", "offline", "keyboard", "quit",
)
RENDER_SIZES = (16, 24, 32, 48)  # 16 and 24 px (menus, buttons; the toolbar) at 1x and 2x


def icon_dir() -> Path:
    """Where the SVG files are: inside the frozen bundle, else beside this package's modules."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle is not None:
        frozen = Path(bundle) / "synq_desktop" / ICON_DIR_IN_PACKAGE
        if frozen.is_dir():
            return frozen
    return Path(__file__).resolve().parent.parent / ICON_DIR_IN_PACKAGE


def icon_path(name: str) -> Path:
    if name not in NAMES:
        raise KeyError(f"no icon named {name!r}")
    return icon_dir() / f"{name}.svg"


def _ink(group: QPalette.ColorGroup) -> QColor:
    return QGuiApplication.palette().color(group, QPalette.ColorRole.WindowText)


def _renderer(name: str, ink: QColor) -> QSvgRenderer:
    svg = icon_path(name).read_text(encoding="utf-8").replace("currentColor", ink.name())
    return QSvgRenderer(QByteArray(svg.encode()))


def _draw(renderer: QSvgRenderer, size: int) -> QPixmap:
    pixmap = QPixmap(size, size)
    pixmap.fill(Qt.GlobalColor.transparent)
    if renderer.isValid():
        painter = QPainter(pixmap)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter, QRectF(0, 0, size, size))
        painter.end()
    return pixmap


def render(name: str, size: int, ink: QColor) -> QPixmap:
    """The icon drawn at `size` px with `currentColor` = `ink` (a transparent pixmap)."""
    return _draw(_renderer(name, ink), size)


def _faded(pixmap: QPixmap) -> QPixmap:
    """The disabled look: the same drawing at 45 % opacity, so accent colours (the orange conflict
    triangle, the green online dot) fade too instead of looking active."""
    faded = QPixmap(pixmap.size())
    faded.fill(Qt.GlobalColor.transparent)
    painter = QPainter(faded)
    painter.setOpacity(0.45)
    painter.drawPixmap(0, 0, pixmap)
    painter.end()
    return faded


@cache
def _icon(name: str, ink: str) -> QIcon:
    # One parse per icon, a few sizes: building the whole set costs about 20 ms at start-up.
    renderer = _renderer(name, QColor(ink))
    icon = QIcon()
    for size in RENDER_SIZES:
        pixmap = _draw(renderer, size)
        icon.addPixmap(pixmap, QIcon.Mode.Normal)
        icon.addPixmap(_faded(pixmap), QIcon.Mode.Disabled)
    return icon


def icon(name: str) -> QIcon:
    """The named icon in the current palette's ink (cached per palette)."""
    return _icon(name, _ink(QPalette.ColorGroup.Active).name())
