"""Every editing command of the catalog editor from the keyboard alone, with the standard keys, each
checked in the working copy and the outbox: F2, Ctrl+C/V, Ctrl+D, Ctrl+Z, Ctrl+Shift+Z, Ctrl+Y,
Ctrl+F, Ctrl+H, Ctrl+S, Delete (asks first), Ctrl+N; in the main window the conflict resolver
(Ctrl+Shift+C), the changes that need the user (Ctrl+Shift+O), a new variant (Ctrl+Alt+N) and the
list of keys (F1); every command sits in a menu with its key, and no key or mnemonic is bound twice."""
from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QAbstractItemView, QApplication, QDialog, QMessageBox, QTabBar
from sqlalchemy import select

from synq_desktop.store import outbox, schema
from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.conflict_dialog import ConflictResolverDialog
from synq_desktop.ui.find_replace import FindReplaceDialog
from synq_desktop.ui.main_window import MainWindow
from synq_desktop.ui.operations_dialog import OperationsDialog
from synq_desktop.ui.product_table_model import COLUMN_BY_KEY
from synq_desktop.ui.shortcuts_dialog import KeyboardShortcutsDialog
from synq_desktop.ui.sync_control import NoSync
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG
SHOTS = Path(__file__).resolve().parents[2] / "shots"
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


def _shown_dialog(qtbot, parent, kind: type[QDialog]) -> QDialog:
    found: list[QDialog] = []
    qtbot.waitUntil(lambda: bool(found.extend(d for d in parent.findChildren(kind) if d.isVisible()) or found))
    return found[0]


def _mnemonic(text: str) -> str | None:
    found = re.search(r"&([^&])", text)
    return found.group(1).lower() if found else None


def test_sync_dialogs_new_variant_and_help_from_the_keyboard(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    editor = CatalogEditor(source, NoSync())
    window = MainWindow()
    qtbot.addWidget(window)
    window.set_catalog_editor(editor, editor.sync_bar, editor.message)
    window.show()
    run_coroutine(qtbot, editor.start())
    qtbot.waitUntil(lambda: editor.products.rowCount() == 50)
    qtbot.waitExposed(window)
    first, second = editor.products.ids[:2]
    title = editor.products.index(0, TITLE)
    editor.products.setData(title, "Mine")
    editor.products.setData(editor.products.index(1, TITLE), "Refused")
    run_coroutine(qtbot, editor.writes.drain())

    def conflict_and_refusal(connection) -> None:
        ob = schema.outbox
        op_of = {e: o for e, o in connection.execute(select(ob.c.entity_id, ob.c.op_id))}
        outbox.mark_conflict(connection, op_of[first], {"title": "Theirs", "id": first},
                             theirs_by="ana@example.com", theirs_at="2026-11-02T09:00:00Z")
        outbox.mark_rejected(connection, op_of[second], "title: too long", http_status=400)

    copy.write_blocking(conflict_and_refusal)

    def key(k: Qt.Key, mods: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier) -> None:
        target = QApplication.focusWidget()
        assert target is not None, "nothing has the keyboard focus"
        qtbot.keyClick(target, k, mods)

    def focus_grid() -> None:
        window.activateWindow()
        editor.grid.setFocus()
        qtbot.waitUntil(editor.grid.hasFocus)

    # Ctrl+Shift+C: the conflict resolver with the one conflict; Escape closes it unchanged.
    focus_grid()
    key(Qt.Key.Key_C, CTRL | SHIFT)
    conflicts = _shown_dialog(qtbot, editor, ConflictResolverDialog)
    assert isinstance(conflicts, ConflictResolverDialog)
    qtbot.waitUntil(lambda: conflicts.table.rowCount() == 1)
    assert conflicts.table.item(0, 4).text() == "Theirs"
    qtbot.keyClick(conflicts, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not conflicts.isVisible())
    # Ctrl+Shift+O: the changes that need the user, with the refused one and its reason.
    focus_grid()
    key(Qt.Key.Key_O, CTRL | SHIFT)
    operations = _shown_dialog(qtbot, editor, OperationsDialog)
    assert isinstance(operations, OperationsDialog)
    qtbot.waitUntil(lambda: operations.table.rowCount() == 1)
    assert operations.table.item(0, 3).text() == "title: too long (HTTP 400)"
    qtbot.keyClick(operations, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not operations.isVisible())
    assert [s for (s,) in copy.read_blocking(lambda c: c.execute(select(schema.outbox.c.state)).all())] == [
        "CONFLICT", "REJECTED"]

    # Ctrl+Alt+N: the cursor lands in the new-variant row of the one selected product; typing a SKU
    # and Enter queues the variant's create.
    focus_grid()
    editor.grid.selectRow(2)
    qtbot.waitUntil(lambda: editor.variants.has_new_row and editor.variants.rowCount() == 3)
    key(Qt.Key.Key_N, CTRL | Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: editor.variant_grid.state() == QAbstractItemView.State.EditingState)
    assert editor.variants.is_new_row(editor.variant_grid.currentIndex().row())
    qtbot.keyClicks(QApplication.focusWidget(), "SKU-KEY-1")
    key(Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: editor.variants.rowCount() == 4)
    v = schema.variants
    assert copy.read_blocking(lambda c: c.execute(select(v.c.sku).where(v.c.sku == "SKU-KEY-1")).scalar())

    # F1: every command with its keys, read from the menus.
    key(Qt.Key.Key_F1)
    help_dialog = _shown_dialog(qtbot, window, KeyboardShortcutsDialog)
    assert isinstance(help_dialog, KeyboardShortcutsDialog)
    rows = dict(help_dialog.rows)
    ctrl_shift = QKeySequence("Ctrl+Shift+C").toString(QKeySequence.SequenceFormat.NativeText)
    assert rows["Resolve conflicts"] == ctrl_shift
    assert rows["Changes that need you"] == QKeySequence("Ctrl+Shift+O").toString(
        QKeySequence.SequenceFormat.NativeText)
    assert rows["Sync now"] and rows["Undo"] and rows["Quit"] and rows["Paste"] == "Ctrl+V"
    SHOTS.mkdir(exist_ok=True)
    help_dialog.grab().save(str(SHOTS / "keyboard_shortcuts.png"))
    qtbot.keyClick(help_dialog, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not help_dialog.isVisible())


def test_every_command_is_in_a_menu_with_unique_keys_and_mnemonics(qloop, qtbot, catalog):
    source, _copy, _ids = catalog
    editor = CatalogEditor(source, NoSync())
    window = MainWindow()
    qtbot.addWidget(window)
    window.set_catalog_editor(editor, editor.sync_bar, editor.message)
    menu_actions = window.menu_actions()
    # Each command the editor and the window bind a key to is in a menu, and shows its key there.
    bound = [a for a in window.findChildren(QAction) if a.shortcuts()
             and a.shortcutContext() != Qt.ShortcutContext.WidgetShortcut]
    assert {id(a) for a in bound} <= {id(a) for a in menu_actions}
    for wanted in (editor.conflicts_action, editor.operations_action, editor.sync_action, editor.new_variant_action):
        assert wanted in menu_actions and wanted.icon().isNull() is False
    # No key bound twice in the window (the grids' own keys included: Ctrl+C, Ctrl+V, Ctrl+D, Delete).
    grid_keys = [k.toString() for a in editor.grid.actions() for k in a.shortcuts()]
    keys = [k.toString() for a in bound for k in a.shortcuts()]
    assert len(keys) == len(set(keys)), keys
    assert not set(keys) & set(grid_keys)
    # Every menu item has a mnemonic, unique within its menu; the menu titles, tabs and buttons share none.
    titles = [top.text() for top in window.menuBar().actions()]
    assert [t.replace("&", "") for t in titles] == ["File", "Edit", "Catalog", "Sync", "Help"]
    for top in window.menuBar().actions():
        letters = [_mnemonic(a.text()) for a in top.menu().actions() if not a.isSeparator()]
        assert None not in letters and len(letters) == len(set(letters)), (top.text(), letters)
    # The grid's column chooser (a right-click on its header) is in the Catalog menu too.
    assert editor.columns_menu.menuAction() in window.menuBar().actions()[2].menu().actions()
    editor.columns_menu.aboutToShow.emit()
    brand = next(a for a in editor.columns_menu.actions() if a.text() == "Brand")
    assert brand.isChecked()
    brand.trigger()
    assert editor.grid.horizontalHeader().isSectionHidden(COLUMN_BY_KEY["brand"])
    editor.columns_menu.aboutToShow.emit()  # refilled, not doubled
    assert len(editor.columns_menu.actions()) == editor.products.columnCount()
    window_letters = [_mnemonic(t) for t in titles]
    for bar in window.findChildren(QTabBar):
        window_letters += [_mnemonic(bar.tabText(i)) for i in range(bar.count())]
    window_letters += [_mnemonic(b.text()) for b in window.findChildren(QAbstractButton) if "&" in b.text()]
    window_letters = [m for m in window_letters if m]
    assert len(window_letters) == len(set(window_letters)), sorted(window_letters)
