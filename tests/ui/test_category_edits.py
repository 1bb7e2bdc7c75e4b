"""Creating and deleting categories from the Catalog menu, the keyboard and the tree's context menu, over
a real working copy: the new-category form proposes a slug and refuses bad ones as you type, the new
category is selected, a delete says what becomes of the products and subcategories, is one undo step,
and the outbox holds exactly the create or delete afterwards. Against the sandbox the new category
reaches the server (full and docs-only); a docs-only server cannot delete one, and the editor says so."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QCursor, QKeySequence
from PySide6.QtWidgets import QAbstractItemView, QApplication, QMenu, QMessageBox
from sqlalchemy import select

from synq_desktop.api.client import SynqClient
from synq_desktop.app.engine_sync_control import EngineSyncControl
from synq_desktop.store import schema
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.engine import SyncEngine
from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.category_form import NewCategoryDialog, category_problem, proposed_slug
from synq_desktop.ui.main_window import MainWindow
from synq_desktop.ui.shortcuts_dialog import shortcut_rows
from synq_desktop.ui.store_catalog_source import StoreCatalogSource
from synq_desktop.ui.sync_control import NoSync
from tests.ui.editors import started_editor
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG
SHOTS = Path(__file__).resolve().parents[2] / "shots"
CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _queued(copy) -> list[tuple[str, str, str, dict]]:
    ob = schema.outbox
    return copy.read_blocking(lambda c: [tuple(r) for r in c.execute(
        select(ob.c.entity_type, ob.c.entity_id, ob.c.kind, ob.c.payload).order_by(ob.c.seq))])


def _shown(qtbot, kind: type, name: str | None = None):
    found: list = []

    def look() -> bool:
        found.extend(w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()
                     and (name is None or w.objectName() == name))
        return bool(found)

    qtbot.waitUntil(look)
    return found[0]


def _editor(qtbot, source, sync=None) -> CatalogEditor:
    editor = started_editor(qtbot, source, sync)
    qtbot.waitExposed(editor)
    return editor


def _focus_tree(qtbot, editor: CatalogEditor, category_id: str | None) -> None:
    editor.activateWindow()  # a closed dialog leaves no window active offscreen
    editor.select_category(category_id) if category_id else editor.tree.setCurrentIndex(
        editor.categories.index(0, 0))
    editor.tree.setFocus()
    qtbot.waitUntil(editor.tree.hasFocus)


def test_the_form_rules_and_the_proposed_slug():
    taken = {"shirts": "Shirts", "shirts-2": "Shirts"}
    assert category_problem("", "x", taken) == "A category needs a name."
    assert "needs a slug" in category_problem("Tops", "", taken)
    assert "is not a slug" in category_problem("Tops", "Tops Now", taken)
    assert "is not a slug" in category_problem("Tops", "tops--now", taken)
    assert "at most 120" in category_problem("Tops", "a" * 121, taken)
    assert category_problem("Shirts", "shirts", taken) == "The slug “shirts” is already used by the category “Shirts”."
    assert category_problem("Tops", "tops", taken) is None
    assert proposed_slug("Men's Outerwear", taken) == "men-s-outerwear"
    assert proposed_slug("Shirts", taken) == "shirts-3"  # a free one
    assert proposed_slug("日本", taken) == ""  # nothing to make one of: the user types it
    assert proposed_slug("Item", taken) == "item"


def test_new_category_from_the_keyboard_is_checked_as_typed_and_selected(qloop, qtbot, qtmodeltester, catalog):
    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    cats = editor.categories
    messages: list[str] = []
    editor.message.connect(messages.append)

    # Ctrl+Shift+G in the tree with "Kitchen" selected: a category inside it.
    _focus_tree(qtbot, editor, ids.categories["kitchen"])
    qtbot.keyClick(editor.tree, Qt.Key.Key_G, CTRL_SHIFT)
    form = _shown(qtbot, NewCategoryDialog)
    assert form.where.text() == "Home › Kitchen"
    qtbot.waitUntil(form.name_edit.hasFocus)  # typing goes straight into the name
    assert not form.create_button.isEnabled() and form.problems.text() == ""  # nothing typed: no red line
    qtbot.keyClicks(form.name_edit, "Chef's Knives")
    assert form.slug_edit.text() == "chef-s-knives" and form.create_button.isEnabled()
    form.slug_edit.setText("Chef Knives")
    assert not form.create_button.isEnabled() and "“Chef Knives” is not a slug" in form.problems.text()
    form.slug_edit.setText("knives")  # a slug of this copy
    assert not form.create_button.isEnabled()
    assert form.problems.text() == "✖ The slug “knives” is already used by the category “Knives”."
    form.slug_edit.setText("chef-knives")
    form.name_edit.setText("  ")
    assert not form.create_button.isEnabled() and form.problems.text() == "✖ A category needs a name."
    form.name_edit.setText("Chef's Knives")
    assert form.slug_edit.text() == "chef-knives"  # typed by the user: the name no longer drives it
    assert form.create_button.isEnabled() and form.problems.text() == ""
    SHOTS.mkdir(exist_ok=True)
    form.grab().save(str(SHOTS / "new_category_form.png"))
    form.slug_edit.setText("knives")
    form.grab().save(str(SHOTS / "new_category_form_taken.png"))
    qtbot.keyClick(form.slug_edit, Qt.Key.Key_Return)  # Enter on a refused slug creates nothing
    assert form.isVisible()
    form.slug_edit.setText("chef-knives")
    qtbot.keyClick(form.slug_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(_queued(copy)) == 1)
    [(etype, new_id, kind, payload)] = _queued(copy)
    assert (etype, kind) == ("category", "create")
    assert payload["name"] == "Chef's Knives" and payload["slug"] == "chef-knives"
    assert payload["parent_id"] == ids.categories["kitchen"]
    # The new category is selected (the grid shows its products: none yet) and has the keyboard.
    qtbot.waitUntil(lambda: cats.category_id(editor.tree.currentIndex()) == new_id)
    assert cats.node(new_id).parent_id == ids.categories["kitchen"]
    editor.activateWindow()  # offscreen, a closed dialog gives the activation back to no window
    qtbot.waitUntil(editor.tree.hasFocus)
    qtbot.waitUntil(lambda: editor.products.rowCount() == 0)
    assert messages[-1] == "Created the category “Chef's Knives”; it is sent at the next sync."
    qtmodeltester.check(cats, force_py=True)

    # Ctrl+Shift+L: a top-level one, whatever is selected; Cancel creates nothing.
    qtbot.keyClick(editor.tree, Qt.Key.Key_L, CTRL_SHIFT)
    form = _shown(qtbot, NewCategoryDialog)
    assert form.windowTitle() == "New top-level category" and form.where.text() == "the top level of the tree"
    qtbot.keyClicks(form.name_edit, "Garden")
    qtbot.keyClick(form, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: not form.isVisible())
    assert len(_queued(copy)) == 1
    _focus_tree(qtbot, editor, new_id)
    qtbot.keyClick(editor.tree, Qt.Key.Key_L, CTRL_SHIFT)
    form = _shown(qtbot, NewCategoryDialog)
    qtbot.keyClicks(form.name_edit, "Garden")
    qtbot.keyClick(form.name_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(_queued(copy)) == 2)
    garden = _queued(copy)[1]
    assert garden[3]["slug"] == "garden" and garden[3]["parent_id"] is None
    qtbot.waitUntil(lambda: cats.category_id(editor.tree.currentIndex()) == garden[1])
    assert cats.index_of(garden[1]).parent() == cats.index(0, 0)
    # Creating is not an undo step (as for products and brands): nothing to undo here.
    assert editor.undo_stack.count() == 0

    # F2 in the tree still renames in place (an undo step); Catalog › Rename category does the same.
    editor.activateWindow()
    qtbot.waitUntil(editor.tree.hasFocus)
    qtbot.keyClick(editor.tree, Qt.Key.Key_F2)
    assert editor.tree.state() == QAbstractItemView.State.EditingState
    line = QApplication.focusWidget()
    line.selectAll()
    qtbot.keyClick(line, Qt.Key.Key_Delete)  # inside the editor Delete deletes text, not the category
    assert line.text() == "" and not [w for w in QApplication.topLevelWidgets()
                                      if isinstance(w, QMessageBox) and w.isVisible()]
    qtbot.keyClicks(line, "Garden & patio")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    run_coroutine(qtbot, editor.writes.drain())
    assert cats.node(garden[1]).name == "Garden & patio" and _queued(copy)[1][3]["name"] == "Garden & patio"
    assert editor.rename_category_action.isEnabled() and editor.rename_category_action.trigger() is None
    assert editor.tree.state() == QAbstractItemView.State.EditingState
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)


def test_delete_says_what_happens_asks_first_and_undoes(qloop, qtbot, catalog):
    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    cats = editor.categories
    messages: list[str] = []
    editor.message.connect(messages.append)
    kitchen, knives = ids.categories["kitchen"], ids.categories["knives"]
    direct = cats.node(kitchen).product_count
    in_knives = cats.node(knives).product_count
    assert direct and in_knives

    # "All products" is not a category: nothing to delete, and the menu item says so.
    _focus_tree(qtbot, editor, None)
    assert not editor.delete_category_action.isEnabled()
    assert editor.delete_category_action.toolTip() == "Select a category to delete it."
    qtbot.keyClick(editor.tree, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: bool(messages))
    assert "Select a category to delete it" in messages[-1]

    # Delete in the tree on "Kitchen": the question names its products and subcategory; Cancel (the
    # default, so Enter) keeps everything.
    _focus_tree(qtbot, editor, kitchen)
    assert editor.delete_category_action.isEnabled()
    qtbot.keyClick(editor.tree, Qt.Key.Key_Delete)
    box = _shown(qtbot, QMessageBox, "confirmDeleteCategory")
    assert box.text() == "Delete the category “Kitchen”?"
    text = box.informativeText()
    assert f"Its {direct} products stay in the catalog and keep “Kitchen” as their category" in text
    assert f"Its subcategory “Knives” stays, with the {in_knives} products in it, and moves to the top level" in text
    assert "Ctrl+Z" in text
    SHOTS.mkdir(exist_ok=True)
    box.grab().save(str(SHOTS / "delete_category_confirm.png"))
    qtbot.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not box.isVisible())
    run_coroutine(qtbot, editor.writes.drain())
    assert _queued(copy) == [] and cats.node(kitchen) is not None

    # Again, through the Catalog menu's item, and confirm: one delete queued; Knives moves to the top;
    # the products stay, with their category.
    _focus_tree(qtbot, editor, kitchen)
    task = editor._spawn(editor.delete_category())
    box = _shown(qtbot, QMessageBox, "confirmDeleteCategory")
    qtbot.mouseClick(next(b for b in box.buttons() if b.text() == "&Delete category"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done)
    assert task.result() is True
    assert [(e, i, k) for e, i, k, _p in _queued(copy)] == [("category", kitchen, "delete")]
    assert cats.node(kitchen) is None and cats.index_of(knives).parent() == cats.index(0, 0)
    assert cats.category_id(editor.tree.currentIndex()) is None  # back on All products
    p = schema.products
    assert copy.read_blocking(lambda c: c.execute(select(p.c.category_id, p.c.category_sort).where(
        p.c.category_id == kitchen, p.c.deleted == 0)).all()) == [(kitchen, "Kitchen")] * direct
    assert messages[-1].startswith("Deleted the category “Kitchen”")

    # Ctrl+Z brings it back (nothing left to send); Ctrl+Shift+Z deletes it again.
    assert editor.undo_stack.undoText() == "Delete category 'Kitchen'"
    editor.undo_stack.undo()
    qtbot.waitUntil(lambda: cats.node(kitchen) is not None)
    run_coroutine(qtbot, editor.writes.drain())
    assert _queued(copy) == [] and cats.node(knives).parent_id == kitchen
    editor.undo_stack.redo()
    qtbot.waitUntil(lambda: cats.node(kitchen) is None)
    run_coroutine(qtbot, editor.writes.drain())
    assert [(i, k) for _e, i, k, _p in _queued(copy)] == [(kitchen, "delete")]


def test_a_category_other_unsent_changes_need_is_refused_and_the_context_menu(qloop, qtbot, catalog):
    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    cats = editor.categories
    messages: list[str] = []
    editor.message.connect(messages.append)
    new_id = run_coroutine(qtbot, cats.create_category("Outdoor", "outdoor", None))
    assert new_id is not None
    editor.select_category(new_id)
    qtbot.waitUntil(lambda: editor._current_category == new_id)
    product = run_coroutine(qtbot, editor.new_product())  # its create names the unsent category
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
    assert product is not None

    # The menu key (the pointer elsewhere) opens the tree's menu for the current category and keeps it.
    editor.activateWindow()
    QCursor.setPos(editor.mapToGlobal(QPoint(1300, 700)))
    editor.tree.customContextMenuRequested.emit(editor.tree.visualRect(cats.index(0, 0)).center())
    menu = _shown(qtbot, QMenu, "categoryTreeMenu")
    assert cats.category_id(editor.tree.currentIndex()) == new_id
    menu.close()
    qtbot.waitUntil(lambda: not menu.isVisible())
    # A right-click on another category makes it current first; then back on "Outdoor": new inside, new
    # top-level, rename, delete.
    for target in (ids.categories["shirts"], new_id):
        center = editor.tree.visualRect(cats.index_of(target)).center()
        QCursor.setPos(editor.tree.viewport().mapToGlobal(center))
        editor.tree.customContextMenuRequested.emit(center)
        menu = _shown(qtbot, QMenu, "categoryTreeMenu")
        assert cats.category_id(editor.tree.currentIndex()) == target
        if target != new_id:
            menu.close()
            qtbot.waitUntil(lambda shown=menu: not shown.isVisible())
    assert [a.text() for a in menu.actions() if not a.isSeparator()] == [
        "New cate&gory…", "New top-&level category…", "Rena&me category\tF2", "Delete categor&y…\tDel"]
    assert all(a.isEnabled() for a in menu.actions())
    SHOTS.mkdir(exist_ok=True)
    menu.grab().save(str(SHOTS / "category_tree_menu.png"))
    menu.actions()[-1].trigger()
    menu.close()
    box = _shown(qtbot, QMessageBox, "confirmDeleteCategory")
    assert "Its 1 product stays in the catalog and keeps “Outdoor” as its category" in box.informativeText()
    qtbot.mouseClick(next(b for b in box.buttons() if b.text() == "&Delete category"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(messages) and "was not deleted" in messages[-1])
    assert "“Outdoor” was not deleted" in messages[-1] and "need it" in messages[-1]
    assert cats.node(new_id) is not None and editor.undo_stack.count() == 0
    assert sorted(k for _e, _i, k, _p in _queued(copy)) == ["create", "create"]


def test_help_lists_the_category_commands_with_their_keys(qloop, qtbot, catalog):
    source, _copy, _ids = catalog
    editor = CatalogEditor(source, NoSync())
    window = MainWindow()
    qtbot.addWidget(window)
    window.set_catalog_editor(editor, editor.sync_bar, editor.message)
    rows = dict(shortcut_rows(window.menu_actions()))
    native = QKeySequence.SequenceFormat.NativeText
    assert rows["New category"] == QKeySequence("Ctrl+Shift+G").toString(native)
    assert rows["New top-level category"] == QKeySequence("Ctrl+Shift+L").toString(native)
    assert rows["Rename category"] == "F2" and rows["Delete category"] == "Del"


def test_a_read_only_copy_offers_no_category_edits(qloop, qtbot, catalog):
    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    messages: list[str] = []
    editor.message.connect(messages.append)
    editor.set_read_only(True)
    _focus_tree(qtbot, editor, ids.categories["kitchen"])
    for action in (editor.new_category_action, editor.new_top_category_action, editor.rename_category_action,
                   editor.delete_category_action):
        assert not action.isEnabled()
    assert editor.delete_category_action.toolTip() == editor.read_only_note.text()
    assert run_coroutine(qtbot, editor.new_category(top_level=True)) is None
    assert not run_coroutine(qtbot, editor.delete_category())
    assert messages[-1] == editor.read_only_note.text() and _queued(copy) == []
    editor.set_read_only(False)
    assert editor.new_category_action.isEnabled() and editor.delete_category_action.isEnabled()


@contextmanager
def _synced_editor(qtbot, tmp_path: Path, creds) -> Iterator[tuple[CatalogEditor, EngineSyncControl]]:
    copy = WorkingCopy.open(tmp_path / "catalog.sqlite")
    client = SynqClient(creds.url, creds.token, creds.tenant_id, creds.org_id,
                        capability_cache=tmp_path / "capabilities.json")
    control = EngineSyncControl(SyncEngine(copy, client, lock_dir=tmp_path), auto=False)
    editor = _editor(qtbot, StoreCatalogSource(copy), control)
    try:
        _sync(qtbot, editor, control)
        qtbot.waitUntil(lambda: editor.categories.rowCount(editor.categories.index(0, 0)) > 0)
        yield editor, control
    finally:
        run_coroutine(qtbot, control.close())
        run_coroutine(qtbot, editor.settle())
        run_coroutine(qtbot, client.aclose())
        copy.close()


def _sync(qtbot, editor: CatalogEditor, control: EngineSyncControl) -> None:
    seen = editor.syncs_seen
    control.start_sync()
    qtbot.waitUntil(lambda: editor.syncs_seen > seen and not control.running, timeout=60_000)
    assert control.status.online, control.status.message


def _create_in_form(qtbot, editor: CatalogEditor, name: str) -> str:
    task = editor._spawn(editor.new_category(top_level=False))
    form = _shown(qtbot, NewCategoryDialog)
    qtbot.keyClicks(form.name_edit, name)
    qtbot.mouseClick(form.create_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done)
    assert task.result() is not None
    return task.result()


def _server_categories(creds) -> dict[str, dict]:
    """What the server holds now: slug -> category (the demo catalog has fewer than 100)."""
    with creds.client() as http:
        answer = http.get("/categories")
        answer.raise_for_status()
        return {c["slug"]: c for c in answer.json()}


def test_a_new_category_reaches_the_server_and_its_delete_too(qloop, qtbot, tmp_path, sandbox):
    creds = sandbox.mint("ADMIN")
    sandbox.seed_demo(creds, products=4, seed=3)
    with _synced_editor(qtbot, tmp_path, creds) as (editor, control):
        cats = editor.categories
        parent_id = cats.category_id(cats.index(0, 0, cats.index(0, 0)))
        parent = cats.node(parent_id)
        editor.select_category(parent_id)
        new_id = _create_in_form(qtbot, editor, "Made on the desk")
        _sync(qtbot, editor, control)
        on_server = _server_categories(creds)["made-on-the-desk"]
        assert on_server["name"] == "Made on the desk"
        assert on_server["parent_id"] == _server_categories(creds)[parent.slug]["id"]
        assert cats.node(new_id) is not None

        editor.select_category(new_id)
        task = editor._spawn(editor.delete_category())
        box = _shown(qtbot, QMessageBox, "confirmDeleteCategory")
        assert "No product is directly in it." in box.informativeText()
        qtbot.mouseClick(next(b for b in box.buttons() if b.text() == "&Delete category"),
                         Qt.MouseButton.LeftButton)
        qtbot.waitUntil(task.done)
        assert task.result() is True
        _sync(qtbot, editor, control)
        assert "made-on-the-desk" not in _server_categories(creds)
        # A sent delete cannot be undone: undo says so, and nothing comes back.
        messages: list[str] = []
        editor.message.connect(messages.append)
        editor.undo_stack.undo()
        qtbot.waitUntil(lambda: bool(messages))
        assert "cannot be brought back by undo" in messages[-1] and cats.node(new_id) is None


def test_docs_only_server_creates_categories_but_cannot_delete_them(qloop, qtbot, tmp_path, docs_only_sandbox):
    creds = docs_only_sandbox.mint("ADMIN")
    docs_only_sandbox.seed_demo(creds, products=4, seed=3)
    with _synced_editor(qtbot, tmp_path, creds) as (editor, control):
        reason = editor.limits.category_edit
        assert reason and "cannot rename, move or delete a category" in reason
        cats = editor.categories
        top_id = cats.category_id(cats.index(0, 0, cats.index(0, 0)))
        messages: list[str] = []
        editor.message.connect(messages.append)
        _focus_tree(qtbot, editor, top_id)
        for action in (editor.delete_category_action, editor.rename_category_action):
            assert not action.isEnabled() and action.toolTip() == reason
        assert editor.new_category_action.isEnabled() and editor.new_top_category_action.isEnabled()
        qtbot.keyClick(editor.tree, Qt.Key.Key_Delete)  # the tree's key says why instead of asking
        qtbot.waitUntil(lambda: bool(messages))
        assert messages[-1] == reason
        assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
        assert not run_coroutine(qtbot, cats.delete_category(top_id)) and cats.node(top_id) is not None

        # The context menu shows delete off, with the reason as its tooltip.
        editor.tree.customContextMenuRequested.emit(editor.tree.visualRect(cats.index_of(top_id)).center())
        menu = _shown(qtbot, QMenu, "categoryTreeMenu")
        delete = menu.actions()[-1]
        assert not delete.isEnabled() and delete.toolTip() == reason
        SHOTS.mkdir(exist_ok=True)
        menu.grab().save(str(SHOTS / "category_tree_menu_docs_only.png"))
        menu.close()

        # Creating is a documented POST: it reaches the server, inside the selected category.
        new_id = _create_in_form(qtbot, editor, "Docs only child")
        _sync(qtbot, editor, control)
        server = _server_categories(creds)
        assert server["docs-only-child"]["parent_id"] == server[cats.node(top_id).slug]["id"]
        assert cats.node(new_id) is not None
