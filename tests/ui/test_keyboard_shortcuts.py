"""Every editing command of the catalog editor from the keyboard alone, with the standard keys, each
checked in the working copy and the outbox: F2, Ctrl+C/V, Ctrl+D, Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y,
Ctrl+F, Ctrl+H, Ctrl+S, Delete (asks first), Ctrl+N."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMessageBox
from sqlalchemy import select

from synq_desktop.store import schema
from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.find_replace import FindReplaceDialog
from synq_desktop.ui.product_table_model import COLUMN_BY_KEY
from synq_desktop.ui.sync_control import NoSync
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier
TITLE = COLUMN_BY_KEY["title"]


def _title(copy, product_id: str) -> str:
    p = schema.products
    return copy.read_blocking(lambda c: c.execute(select(p.c.title).where(p.c.local_id == product_id)).scalar_one())


def _queued(copy) -> list[tuple[str, str]]:
    ob = schema.outbox
    return copy.read_blocking(lambda c: c.execute(select(ob.c.entity_id, ob.c.kind).order_by(ob.c.seq)).all())


def test_every_command_from_the_keyboard(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    sync = NoSync()
    editor = CatalogEditor(source, sync)
    qtbot.addWidget(editor)
    editor.resize(1400, 800)
    editor.show()
    run_coroutine(qtbot, editor.start())
    qtbot.waitUntil(lambda: editor.products.rowCount() == 50)
    qtbot.waitExposed(editor)
    grid = editor.grid
    first, second, third = editor.products.ids[:3]

    def drain() -> None:
        run_coroutine(qtbot, editor.writes.drain())

    def key(k: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        target = QApplication.focusWidget()
        assert target is not None, "nothing has the keyboard focus"
        qtbot.keyClick(target, k, mods)

    def focus_grid() -> None:
        editor.activateWindow()  # a closed dialog leaves no window active offscreen
        grid.setFocus()
        qtbot.waitUntil(grid.hasFocus)

    focus_grid()
    grid.setCurrentIndex(editor.products.index(0, TITLE))
    # F2 edits the current cell; Escape leaves it unchanged.
    key(Qt.Key.Key_F2)
    assert grid.state() == QAbstractItemView.State.EditingState
    key(Qt.Key.Key_Escape)
    assert grid.state() != QAbstractItemView.State.EditingState and _queued(copy) == []

    # Ctrl+C copies the cell; Ctrl+V pastes it onto the second row's title.
    grid.select_block(0, TITLE, 0, TITLE)
    key(Qt.Key.Key_C, CTRL)
    assert QGuiApplication.clipboard().text().strip() == "Product 00000 red"
    grid.select_block(1, TITLE, 1, TITLE)
    key(Qt.Key.Key_V, CTRL)
    drain()
    assert _title(copy, second) == "Product 00000 red" and _queued(copy) == [(second, "update")]
    # Ctrl+Z undoes it (nothing left to send); Ctrl+Shift+Z and Ctrl+Y redo it.
    key(Qt.Key.Key_Z, CTRL)
    drain()
    assert _title(copy, second) == "Product 00001 blue" and _queued(copy) == []
    key(Qt.Key.Key_Z, CTRL | SHIFT)
    drain()
    assert _title(copy, second) == "Product 00000 red"
    key(Qt.Key.Key_Z, CTRL)
    drain()
    key(Qt.Key.Key_Y, CTRL)
    drain()
    assert _title(copy, second) == "Product 00000 red"
    key(Qt.Key.Key_Z, CTRL)
    drain()

    # Ctrl+D fills the first row's title down over the selection: one undo step.
    grid.select_block(0, TITLE, 2, TITLE)
    key(Qt.Key.Key_D, CTRL)
    drain()
    assert _title(copy, second) == _title(copy, third) == "Product 00000 red"
    key(Qt.Key.Key_Z, CTRL)
    drain()
    assert _title(copy, third) == "Product 00002 green" and _queued(copy) == []

    # Ctrl+S asks for a sync.
    key(Qt.Key.Key_S, CTRL)
    assert sync.requests == 1
    # Ctrl+H opens find and replace; Escape closes it without changes.
    key(Qt.Key.Key_H, CTRL)
    dialogs: list[FindReplaceDialog] = []
    qtbot.waitUntil(lambda: bool(dialogs.extend(d for d in editor.findChildren(FindReplaceDialog)
                                                if d.isVisible()) or dialogs))
    qtbot.keyClick(dialogs[0], Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not dialogs[0].isVisible())
    assert _queued(copy) == []

    # Delete asks first; Cancel (the default button: Enter) keeps the product.
    focus_grid()
    grid.select_block(0, TITLE, 0, TITLE)
    key(Qt.Key.Key_Delete)
    boxes: list[QMessageBox] = []
    qtbot.waitUntil(lambda: bool(boxes.extend(w for w in QApplication.topLevelWidgets() + editor.findChildren(
        QMessageBox) if isinstance(w, QMessageBox) and w.isVisible() and w.objectName() == "confirmDelete")
        or boxes))
    qtbot.keyClick(boxes[0], Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not boxes[0].isVisible())
    drain()
    assert first in editor.products.ids and _queued(copy) == []

    # Ctrl+F goes to the search box from the grid.
    focus_grid()
    key(Qt.Key.Key_F, CTRL)
    assert editor.search.hasFocus()
    # Ctrl+N makes a draft product and puts the cursor in its title.
    focus_grid()
    key(Qt.Key.Key_N, CTRL)
    qtbot.waitUntil(lambda: editor.products.rowCount() == 51)
    qtbot.waitUntil(lambda: grid.state() == QAbstractItemView.State.EditingState)
    [(new_id, kind)] = _queued(copy)
    assert kind == "create" and _title(copy, new_id) == "New product"
    assert editor.products.ids[grid.currentIndex().row()] == new_id
    key(Qt.Key.Key_Escape)
