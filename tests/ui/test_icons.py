"""The icon set: every icon the code asks for exists as an SVG file and draws something at 16 and 32 px,
in the palette's ink (light and dark), with a dimmer disabled form; the window carries the app icon."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QImage

from synq_desktop.ui import icons
from synq_desktop.ui.main_window import MainWindow
from tests.ui.qasync_harness import STRICT_QT_LOG

pytestmark = STRICT_QT_LOG
PACKAGE = Path(icons.__file__).resolve().parents[1]


def _drawn_pixels(image: QImage) -> int:
    return sum(1 for x in range(image.width()) for y in range(image.height()) if image.pixelColor(x, y).alpha() > 64)


def test_every_icon_the_code_names_is_in_the_set_and_on_disk():
    used: set[str] = set()
    for module in [*PACKAGE.glob("ui/*.py"), PACKAGE / "app" / "gui.py"]:
        used |= set(re.findall(r"\bicon\(\"([a-z0-9-]+)\"\)", module.read_text(encoding="utf-8")))
    assert used, "no icon(...) call found: the pattern no longer matches the code"
    assert used <= set(icons.NAMES), used - set(icons.NAMES)
    for name in icons.NAMES:
        assert icons.icon_path(name).is_file(), name
    with pytest.raises(KeyError):
        icons.icon_path("no-such-icon")


@pytest.mark.parametrize("size", [16, 32])
def test_every_icon_renders_at_small_sizes(qapp, size):
    for name in icons.NAMES:
        icon = icons.icon(name)
        assert not icon.isNull(), name
        image = icon.pixmap(size, size).toImage()
        assert image.width() >= size, name  # a pixmap of its own size, not a scaled-up smaller one
        assert _drawn_pixels(image) >= size * size // 16, f"{name} at {size} px is (nearly) empty"
        disabled = icon.pixmap(size, size, QIcon.Mode.Disabled).toImage()
        assert disabled != image, f"{name} has no disabled look"


def test_line_icons_take_the_palettes_ink(qapp):
    """`currentColor` becomes the palette's text colour: dark ink on light, light ink on dark."""
    for ink in (QColor(20, 20, 20), QColor(230, 230, 230)):
        find = icons.render("find", 32, ink).toImage()
        drawn = [find.pixelColor(x, y) for x in range(32) for y in range(32) if find.pixelColor(x, y).alpha() == 255]
        assert drawn and all(abs(c.lightness() - ink.lightness()) < 8 for c in drawn)


def test_sharp_at_twice_the_scale(qapp):
    """A 16 px icon on a 2x screen is the 32 px rendering, not a blown-up 16 px one."""
    pixmap = icons.icon("sync").pixmap(QSize(16, 16), 2.0)
    assert pixmap.width() == 32 and pixmap.devicePixelRatio() == 2.0
    assert pixmap.toImage() == icons.icon("sync").pixmap(32, 32).toImage()


def test_window_has_the_app_icon(qloop, qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    assert window.windowIcon().pixmap(32, 32).toImage() == icons.icon("app").pixmap(32, 32).toImage()
