"""The catalog editor over a real working copy: tree, grids, drag and drop through the models,
confirmation dialogs, variants, the status bar, conflicts, focus order and remembered layout."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from synq_desktop.store import outbox, schema
from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.category_tree_model import CATEGORY_ID_ROLE
from synq_desktop.ui.conflict_dialog import ConflictResolverDialog
from synq_desktop.ui.main_window import MainWindow
from synq_desktop.ui.product_table_model import COLUMN_BY_KEY
from synq_desktop.ui.sync_control import NoSync
from synq_desktop.ui.variant_table_model import COLUMN_BY_KEY as VARIANT_COLUMN
from tests.ui.editors import started_editor
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG


def _editor(qtbot, source) -> CatalogEditor:
    editor = started_editor(qtbot, source)
    qtbot.waitUntil(lambda: editor.products.rowCount() > 0 and editor.tree.currentIndex().isValid())
    return editor


def _drain(qtbot, editor: CatalogEditor) -> None:
    run_coroutine(qtbot, editor.writes.drain())


def _tree_index(editor: CatalogEditor, category_id: str):
    return editor.categories.index_of(category_id)


def _row(copy, table, local_id: str):
    return copy.read_blocking(lambda c: c.execute(select(table).where(table.c.local_id == local_id)).one())


def _ops(copy, entity_id: str):
    ob = schema.outbox
    return copy.read_blocking(lambda c: c.execute(select(ob.c.kind, ob.c.payload, ob.c.state).where(
        ob.c.entity_id == entity_id).order_by(ob.c.seq)).all())


def _click_message_box(qtbot, name: str, button: QMessageBox.StandardButton) -> None:
    boxes: list[QMessageBox] = []

    def shown() -> bool:
        boxes[:] = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
                    and w.objectName() == name]
        return bool(boxes)

    qtbot.waitUntil(shown)
    qtbot.mouseClick(boxes[0].button(button), Qt.MouseButton.LeftButton)


def test_models_pass_qtmodeltester(qloop, qtbot, qtmodeltester, catalog):
    source, _copy, _ids = catalog
    editor = _editor(qtbot, source)
    qtmodeltester.check(editor.categories, force_py=True)
    editor.grid.select_block(0, 0, 0, 0)
    qtbot.waitUntil(lambda: editor.variants.rowCount() == 3)  # two variants and the new-variant row
    qtmodeltester.check(editor.variants, force_py=True)


def test_tree_shows_hierarchy_and_counts_and_filters_the_grid(qloop, qtbot, catalog):
    source, _copy, ids = catalog
    editor = _editor(qtbot, source)
    cats = editor.categories
    root = cats.index(0, 0)
    assert root.data() == "All products"
    assert [cats.index(r, 0, root).data() for r in range(cats.rowCount(root))] == ["Clothing", "Home"]
    home = _tree_index(editor, ids.categories["home"])
    kitchen = _tree_index(editor, ids.categories["kitchen"])
    assert kitchen.parent() == home
    # 50 products over four leaf categories in turn: kitchen 12 directly, knives 12 below it.
    assert cats.index(kitchen.row(), 1, home).data() == 24
    assert cats.index(home.row(), 1, root).data() == 24
    editor.tree.setCurrentIndex(kitchen)
    qtbot.waitUntil(lambda: editor.products.rowCount() == 24)
    editor.search.setText("green")
    qtbot.waitUntil(lambda: editor.products.rowCount() == 8)
    editor.tree.setCurrentIndex(root)
    qtbot.waitUntil(lambda: editor.products.rowCount() == len([i for i in ids.products if int(i[-5:]) % 3 == 2]))


def test_drag_a_category_onto_another_moves_it_and_undo_moves_it_back(qloop, qtbot, catalog):
    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    cats = editor.categories
    knives = _tree_index(editor, ids.categories["knives"])
    clothing = _tree_index(editor, ids.categories["clothing"])
    mime = cats.mimeData([knives])
    assert cats.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, clothing)
    assert cats.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, clothing)
    _drain(qtbot, editor)
    assert _row(copy, schema.categories, "cat-knives").parent_id == "cat-clothing"
    assert [(k, p) for k, p, _s in _ops(copy, "cat-knives")] == [("update", {"parent_id": "cat-clothing"})]
    qtbot.waitUntil(lambda: _tree_index(editor, "cat-knives").parent().data(CATEGORY_ID_ROLE) == "cat-clothing")
    assert cats.index(_tree_index(editor, "cat-clothing").row(), 1, cats.index(0, 0)).data() == 50 - 12

    editor.undo_stack.undo()
    _drain(qtbot, editor)
    assert _row(copy, schema.categories, "cat-knives").parent_id == "cat-kitchen"
    assert _ops(copy, "cat-knives") == []  # back to the server's value: nothing to send


def test_a_category_cannot_be_dropped_into_its_own_subtree(qloop, qtbot, catalog):
    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    cats = editor.categories
    mime = cats.mimeData([_tree_index(editor, ids.categories["home"])])
    knives = _tree_index(editor, ids.categories["knives"])
    assert not cats.canDropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, knives)
    with qtbot.waitSignal(cats.problem):
        assert not cats.dropMimeData(mime, Qt.DropAction.MoveAction, -1, -1, knives)
    assert _row(copy, schema.categories, "cat-home").parent_id is None


def test_dragging_products_onto_a_category_assigns_them_in_one_undo_step(qloop, qtbot, catalog):
    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    editor.grid.select_block(0, 0, 2, 0)
    chosen = editor.selected_product_ids()
    mime = editor.products.mimeData(editor.grid.selectionModel().selectedIndexes())
    home = _tree_index(editor, ids.categories["home"])
    assert editor.categories.dropMimeData(mime, Qt.DropAction.CopyAction, -1, -1, home)
    assert editor.undo_stack.count() == 1
    _drain(qtbot, editor)
    assert {_row(copy, schema.products, pid).category_id for pid in chosen} == {"cat-home"}
    qtbot.waitUntil(lambda: editor.categories.total_products("cat-home") == 24 + 0 + sum(
        1 for pid in chosen if int(pid[-5:]) % 4 not in (2, 3)))
    editor.undo_stack.undo()
    _drain(qtbot, editor)
    leafs = ["cat-shirts", "cat-trousers", "cat-knives", "cat-kitchen"]
    assert [_row(copy, schema.products, pid).category_id for pid in chosen] == [
        leafs[int(pid[-5:]) % 4] for pid in chosen]


def test_rename_a_category_in_place(qloop, qtbot, catalog):
    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    assert editor.categories.setData(_tree_index(editor, ids.categories["shirts"]), "Shirts & blouses")
    _drain(qtbot, editor)
    assert _row(copy, schema.categories, "cat-shirts").name == "Shirts & blouses"
    # The grid's stored category names follow (the working copy's triggers), after a refetch.
    qtbot.waitUntil(lambda: _tree_index(editor, "cat-shirts").data() == "Shirts & blouses")


def test_delete_asks_first_and_cancel_keeps_the_product(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    editor = _editor(qtbot, source)
    target = editor.products.ids[0]
    editor.grid.select_block(0, 0, 0, 0)
    editor.grid.setFocus()
    task = editor._spawn(editor.delete_products([0]))
    _click_message_box(qtbot, "confirmDelete", QMessageBox.StandardButton.Cancel)
    qtbot.waitUntil(task.done)
    assert task.result() is False
    assert _row(copy, schema.products, target).deleted == 0

    task = editor._spawn(editor.delete_products([0, 1]))
    _click_message_box(qtbot, "confirmDelete", QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(task.done)
    assert task.result() is True
    assert _row(copy, schema.products, target).deleted == 1
    assert [k for k, _p, _s in _ops(copy, target)] == ["delete"]
    qtbot.waitUntil(lambda: target not in editor.products.ids)
    # Undo brings both back (their deletes were not sent yet) and nothing is left to send.
    editor.undo_stack.undo()
    _drain(qtbot, editor)
    assert _row(copy, schema.products, target).deleted == 0
    assert _ops(copy, target) == []
    qtbot.waitUntil(lambda: target in editor.products.ids and editor.products.rowCount() == 50)


def test_variants_edit_validate_create_and_refuse_to_delete_synced(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    editor = _editor(qtbot, source)
    editor.grid.select_block(0, 0, 0, 0)
    product_id = editor.products.ids[0]
    variants = editor.variants
    qtbot.waitUntil(lambda: variants.product_ids == [product_id] and variants.rowCount() == 3)
    price = VARIANT_COLUMN["price"]
    # Validation as you type: EUR has two decimals; a bad GTIN check digit.
    assert "2 decimals" in variants.validate(price, "12.345", 0)
    assert "check digit" in variants.validate(VARIANT_COLUMN["barcode"], "4006381333932", 0)
    assert variants.validate(VARIANT_COLUMN["barcode"], "4006381333931", 0) is None
    assert variants.setData(variants.index(0, price), "24.50")
    _drain(qtbot, editor)
    first = variants.variant(0)
    assert _row(copy, schema.variants, first.id).price == "24.50"

    # The new-variant row creates a variant of the selected product.
    new_row = variants.rowCount() - 1
    assert variants.index(new_row, 0).data() == "new variant…"
    assert variants.setData(variants.index(new_row, 0), "SKU-NEW-1")
    qtbot.waitUntil(lambda: variants.rowCount() == 4)
    created = next(v for v in (variants.variant(r) for r in range(3)) if v.sku == "SKU-NEW-1")
    assert not created.synced
    assert [k for k, _p, _s in _ops(copy, created.id)] == ["create"]

    # A synced variant cannot be deleted: the app says so and nothing changes.
    synced_row = next(r for r in range(3) if variants.variant(r).synced)
    task = editor._spawn(editor.discard_variants([synced_row]))
    _click_message_box(qtbot, "cannotDeleteVariant", QMessageBox.StandardButton.Ok)
    qtbot.waitUntil(task.done)
    assert task.result() is False
    # An unsent one can be discarded.
    new_index = next(r for r in range(3) if variants.variant(r).id == created.id)
    task = editor._spawn(editor.discard_variants([new_index]))
    _click_message_box(qtbot, "confirmDiscard", QMessageBox.StandardButton.Yes)
    qtbot.waitUntil(task.done)
    assert task.result() is True
    qtbot.waitUntil(lambda: variants.rowCount() == 3)
    assert copy.read_blocking(lambda c: c.execute(select(schema.variants.c.local_id).where(
        schema.variants.c.local_id == created.id)).first()) is None


def test_status_bar_counts_pending_operations(qloop, qtbot, catalog):
    source, _copy, _ids = catalog
    editor = _editor(qtbot, source)
    bar = editor.sync_bar
    assert bar.online.text() == "offline"
    assert bar.pending.text() == "0 pending"
    assert not bar.conflicts.isEnabled()
    editor.products.setData(editor.products.index(0, COLUMN_BY_KEY["title"]), "Edited")
    editor.products.setData(editor.products.index(1, COLUMN_BY_KEY["title"]), "Edited too")
    qtbot.waitUntil(lambda: bar.pending.text() == "2 pending")
    editor.sync_action.trigger()
    assert editor.sync.requests == 1


def test_conflict_resolver_take_theirs_and_new_value(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    editor = _editor(qtbot, source)
    title = COLUMN_BY_KEY["title"]
    first, second = editor.products.ids[:2]
    editor.products.setData(editor.index_of_product(first, title), "Mine A")
    editor.products.setData(editor.index_of_product(second, title), "Mine B")
    _drain(qtbot, editor)

    def clash(connection, product_id, theirs_title):
        ob = schema.outbox
        op_id = connection.execute(select(ob.c.op_id).where(ob.c.entity_id == product_id)).scalar_one()
        record = dict(_row(copy, schema.products, product_id)._mapping["base"], title=theirs_title, id=product_id)
        outbox.mark_conflict(connection, op_id, record, theirs_by="ana@example.com", theirs_at="2026-11-02T09:00:00Z")

    copy.write_blocking(clash, first, "Theirs A")
    copy.write_blocking(clash, second, "Theirs B")
    run_coroutine(qtbot, editor.sync_bar.refresh_counts())
    assert editor.sync_bar.conflicts.text() == "2 conflicts" and editor.sync_bar.conflicts.isEnabled()

    dialog = ConflictResolverDialog(source, editor)
    run_coroutine(qtbot, dialog.reload())
    dialog.open()
    assert dialog.table.rowCount() == 2
    assert [dialog.table.item(0, c).text() for c in range(1, 6)][:4] == ["title", _title(first), "Mine A", "Theirs A"]
    assert "ana@example.com" in dialog.table.item(0, 5).text()
    with qtbot.waitSignal(dialog.resolved):
        qtbot.mouseClick(dialog.take_theirs, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 1
    dialog.new_value.setText("Agreed B")
    with qtbot.waitSignal(dialog.resolved):
        qtbot.mouseClick(dialog.use_value, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 0 and dialog.empty.isVisible()
    dialog.close()
    assert _row(copy, schema.products, first).title == "Theirs A"
    assert _ops(copy, first) == []
    assert _row(copy, schema.products, second).title == "Agreed B"
    assert [(k, p, s) for k, p, s in _ops(copy, second)] == [("update", {"title": "Agreed B"}, "PENDING")]


def _title(product_id: str) -> str:
    n = int(product_id[-5:])
    return f"Product {n:05d} {('red', 'blue', 'green')[n % 3]}"


def test_keyboard_focus_order(qloop, qtbot, catalog):
    source, _copy, _ids = catalog
    window = MainWindow()
    qtbot.addWidget(window)
    editor = CatalogEditor(source, NoSync())
    window.set_catalog_editor(editor, editor.sync_bar, editor.message)
    window.show()
    run_coroutine(qtbot, editor.start())
    qtbot.waitExposed(window)
    editor.search.setFocus()
    qtbot.waitUntil(editor.search.hasFocus)
    order = []
    for _ in range(7):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        order.append(QApplication.focusWidget().objectName())
    assert order == ["savedViews", "saveView", "newProduct", "categoryTree", "productGrid", "sideTabBar",
                     "variantGrid"]
    # Ctrl+F brings the search box back from anywhere in the editor.
    qtbot.keyClick(editor.variant_grid, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert editor.search.hasFocus()


def test_layout_and_column_widths_are_remembered(qloop, qtbot, catalog, tmp_path):
    source, _copy, _ids = catalog
    settings = QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat)
    editor = _editor(qtbot, source)
    editor.grid.setColumnWidth(0, 411)
    editor.splitter.setSizes([300, 700, 400])
    sizes = editor.splitter.sizes()
    editor.save_state(settings)
    settings.sync()
    again = _editor(qtbot, source)
    again.restore_state(QSettings(str(tmp_path / "layout.ini"), QSettings.Format.IniFormat))
    assert again.grid.columnWidth(0) == 411
    assert again.splitter.sizes() == sizes
    assert copy_is_unchanged(source)


def copy_is_unchanged(source) -> bool:
    return source.copy.read_blocking(lambda c: c.execute(select(schema.outbox.c.seq)).first()) is None


def test_viewer_copy_is_read_only(qloop, qtbot, catalog):
    source, _copy, _ids = catalog
    editor = _editor(qtbot, source)
    editor.set_read_only(True)
    index = editor.products.index(0, COLUMN_BY_KEY["title"])
    assert not editor.products.flags(index) & Qt.ItemFlag.ItemIsEditable
    assert not editor.products.setData(index, "x")
    assert not editor.categories.flags(_tree_index(editor, "cat-home")) & Qt.ItemFlag.ItemIsDragEnabled
    assert not editor.variants.has_new_row


def test_refused_changes_can_be_retried_discarded_or_reverted(qloop, qtbot, catalog):
    from synq_desktop.ui.operations_dialog import OperationsDialog

    source, copy, _ids = catalog
    editor = _editor(qtbot, source)
    title = COLUMN_BY_KEY["title"]
    first, second = editor.products.ids[:2]
    editor.products.setData(editor.index_of_product(first, title), "Refused A")
    editor.products.setData(editor.index_of_product(second, title), "Refused B")
    _drain(qtbot, editor)

    def refuse(connection, product_id):
        ob = schema.outbox
        op_id = connection.execute(select(ob.c.op_id).where(ob.c.entity_id == product_id)).scalar_one()
        outbox.mark_rejected(connection, op_id, "title: too long", http_status=400)

    copy.write_blocking(refuse, first)
    copy.write_blocking(refuse, second)
    run_coroutine(qtbot, editor.sync_bar.refresh_counts())
    assert editor.sync_bar.pending.text() == "0 pending, 2 rejected"
    assert editor.sync_bar.pending.isEnabled()

    dialog = OperationsDialog(source, editor)
    run_coroutine(qtbot, dialog.reload())
    dialog.open()
    assert dialog.table.rowCount() == 2
    assert dialog.table.item(0, 1).text() == 'title → "Refused A"'
    assert dialog.table.item(0, 3).text() == "title: too long (HTTP 400)"
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.discard, Qt.MouseButton.LeftButton)
    assert _row(copy, schema.products, first).title == _title(first)  # the server's value is back
    assert _ops(copy, first) == []
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.retry, Qt.MouseButton.LeftButton)
    assert [s for _k, _p, s in _ops(copy, second)] == ["PENDING"]
    assert dialog.table.rowCount() == 0
    dialog.close()


def test_find_and_replace_in_the_shown_products_is_one_undo_step(qloop, qtbot, catalog):
    from synq_desktop.ui.find_replace import FindReplaceDialog

    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    editor.search.setText("blue")
    qtbot.waitUntil(lambda: editor.products.rowCount() == 17)  # 1, 4, ... 49
    task = editor._spawn(editor.find_and_replace())
    dialogs: list[FindReplaceDialog] = []
    qtbot.waitUntil(lambda: bool(dialogs.extend(editor.findChildren(FindReplaceDialog)) or dialogs))
    qtbot.keyClicks(dialogs[0].find, "BLUE")
    qtbot.keyClicks(dialogs[0].replace, "navy")
    qtbot.mouseClick(dialogs[0].replace_all, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done)
    assert task.result() == 17
    assert editor.undo_stack.count() == 1
    _drain(qtbot, editor)
    blue = [pid for pid in ids.products if int(pid[-5:]) % 3 == 1]
    assert {_row(copy, schema.products, pid).title.split()[-1] for pid in blue} == {"navy"}
    editor.undo_stack.undo()
    _drain(qtbot, editor)
    assert {_row(copy, schema.products, pid).title.split()[-1] for pid in blue} == {"blue"}
    assert all(_ops(copy, pid) == [] for pid in blue)


def test_saved_view_keeps_category_search_columns_and_sort(qloop, qtbot, catalog):
    from PySide6.QtWidgets import QInputDialog

    source, _copy, ids = catalog
    editor = _editor(qtbot, source)
    editor.tree.setCurrentIndex(_tree_index(editor, ids.categories["kitchen"]))
    editor.search.setText("green")
    editor.grid.sortByColumn(COLUMN_BY_KEY["title"], Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: editor.products.query.descending and editor.products.rowCount() == 8)
    menu = editor.grid.column_menu()
    next(a for a in menu.actions() if a.text() == "Template").setChecked(False)
    header = editor.grid.horizontalHeader()
    header.moveSection(header.visualIndex(COLUMN_BY_KEY["status"]), 1)
    task = editor._spawn(editor.save_view())
    dialogs: list[QInputDialog] = []
    qtbot.waitUntil(lambda: bool(dialogs.extend(d for d in editor.findChildren(QInputDialog) if d.isVisible())
                                 or dialogs))
    dialogs[0].setTextValue("Green kitchen")
    dialogs[0].accept()
    qtbot.waitUntil(task.done)
    assert task.result() is not None
    assert editor.views.currentText() == "Green kitchen"

    # Elsewhere, with every column back, the view brings it all back.
    editor.apply_view(None)
    editor.tree.setCurrentIndex(editor.categories.index(0, 0))
    editor.search.clear()
    qtbot.waitUntil(lambda: editor.products.rowCount() == 50)
    assert not header.isSectionHidden(COLUMN_BY_KEY["template"])
    editor.views.setCurrentIndex(editor.views.findText("Green kitchen"))
    editor.views.activated.emit(editor.views.currentIndex())
    qtbot.waitUntil(lambda: editor.products.rowCount() == 8 and editor.products.query.descending)
    assert editor.search.text() == "green"
    assert editor.categories.category_id(editor.tree.currentIndex()) == "cat-kitchen"
    assert header.isSectionHidden(COLUMN_BY_KEY["template"])
    assert header.visualIndex(COLUMN_BY_KEY["status"]) == 1
    menu.deleteLater()


def test_brands_list_create_rename_and_assign_from_the_grid(qloop, qtbot, qtmodeltester, catalog):
    source, copy, _ids = catalog
    editor = _editor(qtbot, source)
    brands = editor.brands
    qtbot.waitUntil(lambda: brands.rowCount() == 3)
    qtmodeltester.check(brands, force_py=True)
    qtbot.keyClicks(editor.new_brand, "Delta Goods")
    qtbot.keyClick(editor.new_brand, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: brands.rowCount() == 4)
    created = next(brands.brand(r) for r in range(4) if brands.brand(r).name == "Delta Goods")
    assert [k for k, _p, _s in _ops(copy, created.id)] == ["create"]
    with qtbot.waitSignal(brands.problem):
        qtbot.keyClicks(editor.new_brand, "acme")  # names are unique, case-blind
        qtbot.keyClick(editor.new_brand, Qt.Key.Key_Return)
    assert brands.rowCount() == 4

    acme_row = next(r for r in range(4) if brands.brand(r).name == "Acme")
    assert brands.setData(brands.index(acme_row), "Acme Corp")
    _drain(qtbot, editor)
    assert _row(copy, schema.brands, "brand-acme").name == "Acme Corp"
    # The grid shows the new name (the working copy keeps the sort names current).
    qtbot.waitUntil(lambda: editor.products.row_data(0) is not None and any(
        editor.products.row_data(r).brand == "Acme Corp" for r in range(3)))
    editor.undo_stack.undo()
    _drain(qtbot, editor)
    assert _row(copy, schema.brands, "brand-acme").name == "Acme"

    # Assign the new brand from the grid by typing its name.
    first = editor.products.ids[0]
    qtbot.waitUntil(lambda: "Delta Goods" in editor.products.lookups.brands.values())
    assert editor.products.setData(editor.index_of_product(first, COLUMN_BY_KEY["brand"]), "delta goods")
    _drain(qtbot, editor)
    assert _row(copy, schema.products, first).brand_id == created.id


def test_variant_grid_paste_is_one_batch_and_one_undo(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    editor = _editor(qtbot, source)
    editor.grid.select_block(0, 0, 1, 0)  # two products: four variants, no new-variant row
    qtbot.waitUntil(lambda: editor.variants.rowCount() == 4)
    assert not editor.variants.has_new_row
    price = VARIANT_COLUMN["price"]
    editor.variant_grid.select_block(0, price, 0, price)
    # LibreOffice: LF line ends; price and currency side by side.
    assert editor.variant_grid.paste_text("9.50\tusd\n10\tUSD\n10.5\tUSD\n11\tUSD\n") == 8
    assert editor.undo_stack.count() == 1
    _drain(qtbot, editor)
    ids = [editor.variants.variant(r).id for r in range(4)]
    from decimal import Decimal

    assert [(Decimal(_row(copy, schema.variants, v).price), _row(copy, schema.variants, v).currency)
            for v in ids] == [(Decimal(p), "USD") for p in ("9.50", "10", "10.5", "11")]
    editor.undo_stack.undo()
    _drain(qtbot, editor)
    assert {(_row(copy, schema.variants, v).price, _row(copy, schema.variants, v).currency) for v in ids} == {
        ("19.99", "EUR")}


def test_typing_in_the_grid_edits_with_validation_as_you_type(qloop, qtbot, catalog):
    from PySide6.QtWidgets import QLineEdit

    source, copy, _ids = catalog
    editor = _editor(qtbot, source)
    grid = editor.grid
    target = editor.products.ids[2]
    grid.setFocus()
    grid.setCurrentIndex(editor.index_of_product(target, COLUMN_BY_KEY["brand"]))
    qtbot.keyClick(grid, Qt.Key.Key_F2)
    cell = grid.findChild(QLineEdit, "cellEditor")
    assert cell is not None and cell.text() == ("Acme", "Borealis", "Cobalt")[2 % 3]
    cell.selectAll()
    said: list[str] = []
    editor.message.connect(said.append)
    qtbot.keyClicks(cell, "Nobody")
    assert "no brand named 'Nobody'" in said[-1]  # checked at every keystroke
    assert cell.property("problem") and "border" in cell.styleSheet()
    cell.selectAll()
    qtbot.keyClicks(cell, "Acme")
    assert cell.property("problem") == ""
    qtbot.keyClick(cell, Qt.Key.Key_Return)
    _drain(qtbot, editor)
    assert _row(copy, schema.products, target).brand_id == "brand-acme"

    # Type over a title straight away (any key starts editing), Enter commits.
    grid.setCurrentIndex(editor.index_of_product(target, COLUMN_BY_KEY["title"]))
    qtbot.keyClick(grid, "T")
    cell = next(e for e in grid.findChildren(QLineEdit, "cellEditor") if e.isVisible())
    assert cell.text() == "T"
    qtbot.keyClicks(cell, "yped title")
    qtbot.keyClick(cell, Qt.Key.Key_Return)
    _drain(qtbot, editor)
    assert _row(copy, schema.products, target).title == "Typed title"
    assert editor.undo_stack.count() == 2
    editor.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is editor)
    qtbot.keyClick(grid, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)  # the standard shortcut
    _drain(qtbot, editor)
    assert _row(copy, schema.products, target).title == _title(target)


def test_issues_tab_shows_findings_as_edits_make_them(qloop, qtbot, catalog):
    source, _copy, _ids = catalog
    editor = _editor(qtbot, source)
    target = editor.products.ids[0]
    editor.grid.select_block(0, 0, 0, 0)
    qtbot.waitUntil(lambda: editor.issues.topLevelItemCount() == 0 and editor.variants.product_ids == [target])
    editor.products.setData(editor.index_of_product(target, COLUMN_BY_KEY["title"]), "")
    qtbot.waitUntil(lambda: any(i.message == "The product has no title." for i in editor.issues.issues))
    found = next(i for i in editor.issues.issues if i.message == "The product has no title.")
    assert (found.entity_id, found.severity, found.found_by) == (target, "ERROR", "this copy")
    # The grid's badge says so too, once the row is refetched.
    qtbot.waitUntil(lambda: editor.products.index(0, COLUMN_BY_KEY["issue_level"]).data() == "✖ error")


def test_new_product_lands_in_the_selected_category_ready_to_type_its_title(qloop, qtbot, catalog):
    from PySide6.QtWidgets import QLineEdit

    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    editor.tree.setCurrentIndex(_tree_index(editor, ids.categories["knives"]))
    qtbot.waitUntil(lambda: editor.products.rowCount() == 12)
    task = editor._spawn(editor.new_product())
    qtbot.waitUntil(task.done)
    new_id = task.result()
    assert new_id in editor.products.ids and editor.products.rowCount() == 13
    row = _row(copy, schema.products, new_id)
    assert (row.title, row.status, row.category_id, row.server_id) == ("New product", "DRAFT", "cat-knives", None)
    assert [k for k, _p, _s in _ops(copy, new_id)] == ["create"]
    cell = next(e for e in editor.grid.findChildren(QLineEdit, "cellEditor") if e.isVisible())
    cell.selectAll()
    qtbot.keyClicks(cell, "Santoku knife")
    qtbot.keyClick(cell, Qt.Key.Key_Return)
    _drain(qtbot, editor)
    assert _row(copy, schema.products, new_id).title == "Santoku knife"
    # Still one create in the outbox: the title edit coalesced into it.
    assert [(k, p.get("title")) for k, p, _s in _ops(copy, new_id)] == [("create", "Santoku knife")]
    assert editor.categories.total_products("cat-knives") == 13


def test_tree_rebuilds_keep_the_selected_category_and_expansion(qloop, qtbot, catalog):
    source, _copy, ids = catalog
    editor = _editor(qtbot, source)
    kitchen = _tree_index(editor, ids.categories["kitchen"])
    editor.tree.expand(kitchen)
    editor.tree.setCurrentIndex(_tree_index(editor, ids.categories["knives"]))
    qtbot.waitUntil(lambda: editor.products.rowCount() == 12)
    assert editor.categories.setData(_tree_index(editor, ids.categories["knives"]), "Blades")
    _drain(qtbot, editor)
    qtbot.waitUntil(lambda: _tree_index(editor, "cat-knives").data() == "Blades")
    assert editor.categories.category_id(editor.tree.currentIndex()) == "cat-knives"
    assert editor.tree.isExpanded(_tree_index(editor, "cat-kitchen"))
    assert editor.products.rowCount() == 12
