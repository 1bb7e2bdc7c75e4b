"""The product grid's model over a real working copy: paging, sorting, search, edits, paste, undo."""
from __future__ import annotations

import asyncio

from PySide6.QtGui import QUndoStack
from sqlalchemy import func, select, text

from synq_desktop.store import schema
from synq_desktop.ui.catalog_source import ProductQuery
from synq_desktop.ui.clipboard_tsv import format_tsv
from synq_desktop.ui.edit_grid_view import EditGridView
from synq_desktop.ui.item_roles import EDIT as EDIT_ROLE
from synq_desktop.ui.product_table_model import COLUMN_BY_KEY, ID_ROLE, PAGE_SIZE, ProductTableModel
from synq_desktop.ui.write_queue import WriteQueue
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine
from tests.ui.working_copy_data import make_working_copy

pytestmark = STRICT_QT_LOG
TITLE = COLUMN_BY_KEY["title"]
STATUS = COLUMN_BY_KEY["status"]
BRAND = COLUMN_BY_KEY["brand"]
CATEGORY = COLUMN_BY_KEY["category"]


def _title(product_id: str) -> str:
    n = int(product_id[-5:])
    return f"Product {n:05d} {('red', 'blue', 'green')[n % 3]}"


def _model(qtbot, source) -> ProductTableModel:
    writes = WriteQueue()
    model = ProductTableModel(source, writes)
    model.undo_stack = QUndoStack(model)
    run_coroutine(qtbot, model.reload())
    return model


def _load_all(qtbot, model: ProductTableModel) -> None:
    for row in range(model.rowCount()):
        model.index(row, 0).data()
    qtbot.waitUntil(lambda: model.all_loaded(0, model.rowCount() - 1))


def _drain(qtbot, model: ProductTableModel) -> None:
    run_coroutine(qtbot, model.writes.drain())


def _outbox(copy, entity_id: str | None = None) -> list:
    ob = schema.outbox
    statement = select(ob.c.entity_id, ob.c.kind, ob.c.payload, ob.c.state).order_by(ob.c.seq)
    if entity_id is not None:
        statement = statement.where(ob.c.entity_id == entity_id)
    return copy.read_blocking(lambda c: c.execute(statement).all())


def _titles(copy, ids) -> list[str]:
    p = schema.products
    rows = copy.read_blocking(lambda c: {i: t for i, t in c.execute(select(p.c.local_id, p.c.title).where(
        p.c.local_id.in_(list(ids))))})
    return [rows[i] for i in ids]


def test_model_passes_qtmodeltester(qloop, qtbot, qtmodeltester, catalog):
    source, _copy, catalog_ids = catalog
    ids = catalog_ids.products
    model = _model(qtbot, source)
    assert model.rowCount() == len(ids)
    _load_all(qtbot, model)
    qtmodeltester.check(model, force_py=True)


def test_sorting_and_search_run_in_sql(qloop, qtbot, catalog):
    source, _copy, catalog_ids = catalog
    ids = catalog_ids.products
    model = _model(qtbot, source)
    run_coroutine(qtbot, model.set_query(ProductQuery(sort_key="title", descending=True)))
    assert model.ids == sorted(ids, reverse=True)  # titles sort as their numbers do
    run_coroutine(qtbot, model.set_query(ProductQuery(text="green")))
    assert len(model.ids) == len(ids) // 3 and all(int(i[-5:]) % 3 == 2 for i in model.ids)
    # SKU fragments find the product through its variants (trigram FTS).
    run_coroutine(qtbot, model.set_query(ProductQuery(text="U-00007")))
    assert model.ids == ["prod-00007"]
    # A category filter (the tree passes a category and its descendants).
    run_coroutine(qtbot, model.set_query(ProductQuery(category_id="cat-kitchen")))
    assert model.ids and all(int(i[-5:]) % 4 in (2, 3) for i in model.ids)  # kitchen and knives below it


def test_sort_keeps_the_selection_on_the_same_products(qloop, qtbot, catalog):
    source, _copy, _ids = catalog
    model = _model(qtbot, source)
    view = EditGridView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.select_block(3, 0, 3, 0)
    chosen = model.index(3, 0).data(ID_ROLE)
    model.sort(TITLE, order=__import__("PySide6.QtCore", fromlist=["Qt"]).Qt.SortOrder.DescendingOrder)
    qtbot.waitUntil(lambda: model.ids[0] != chosen and model.ids[0] == "prod-00049")
    assert view.currentIndex().data(ID_ROLE) == chosen


def test_typed_edit_goes_to_the_working_copy_and_outbox_and_undoes(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    model = _model(qtbot, source)
    _load_all(qtbot, model)
    index = model.index(model.row_of("prod-00004"), TITLE)
    assert model.setData(index, "Linen shirt")
    assert index.data() == "Linen shirt"  # shown at once, before the write
    _drain(qtbot, model)
    assert _titles(copy, ["prod-00004"]) == ["Linen shirt"]
    ops = _outbox(copy, "prod-00004")
    assert [(op.kind, op.payload, op.state) for op in ops] == [("update", {"title": "Linen shirt"}, "PENDING")]
    qtbot.waitUntil(lambda: model.row_data(model.row_of("prod-00004")).sync_state == "PENDING")

    model.undo_stack.undo()
    _drain(qtbot, model)
    assert _titles(copy, ["prod-00004"]) == [_title("prod-00004")]
    assert _outbox(copy, "prod-00004") == []  # the undo coalesced into the unsent update: nothing to send
    model.undo_stack.redo()
    _drain(qtbot, model)
    assert _titles(copy, ["prod-00004"]) == ["Linen shirt"]


def test_unknown_brand_is_refused_with_a_message(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    model = _model(qtbot, source)
    _load_all(qtbot, model)
    with qtbot.waitSignal(model.problem) as said:
        assert not model.setData(model.index(0, BRAND), "Nonexistent")
    assert "no brand named 'Nonexistent'" in said.args[0]
    assert model.setData(model.index(0, BRAND), "cobalt")  # case-blind match
    _drain(qtbot, model)
    p = schema.products
    assert copy.read_blocking(lambda c: c.execute(select(p.c.brand_id).where(
        p.c.local_id == model.ids[0])).scalar()) == "brand-cobalt"


def test_paste_of_1000_rows_is_one_batch_and_one_undo(qloop, qtbot, tmp_path):
    copy, _ids = make_working_copy(tmp_path / "big.sqlite", products=1200, variants_per_product=0)
    try:
        from synq_desktop.ui.store_catalog_source import StoreCatalogSource

        model = _model(qtbot, StoreCatalogSource(copy))
        view = EditGridView()
        qtbot.addWidget(view)
        view.setModel(model)
        _load_all(qtbot, model)
        # Excel's clipboard: CRLF rows, a quoted cell with an embedded line break and quotes.
        rows = [[f'Pasted "{n}"\r\nsecond line' if n == 0 else f"Pasted {n}", "knives"] for n in range(1000)]
        view.select_block(100, TITLE, 100, TITLE)
        history_before = copy.read_blocking(lambda c: c.execute(text("SELECT count(*) FROM history")).scalar())
        already_knives = sum(1 for pid in model.ids[100:1100] if int(pid[-5:]) % 4 == 2)
        # Cells that already hold the pasted value are not changes.
        assert view.paste_text(format_tsv(rows)) == 2000 - already_knives
        assert model.undo_stack.count() == 1
        _drain(qtbot, model)
        targets = model.ids[100:1100]
        assert _titles(copy, targets[:2]) == ['Pasted "0"\r\nsecond line', "Pasted 1"]
        assert _titles(copy, targets[-1:]) == ["Pasted 999"]
        h = schema.history
        batches = copy.read_blocking(lambda c: c.execute(select(func.count(func.distinct(h.c.batch_id))).where(
            h.c.id > history_before)).scalar())
        assert batches == 1
        p = schema.products
        categories = copy.read_blocking(lambda c: set(c.execute(select(p.c.category_id).where(
            p.c.local_id.in_(targets))).scalars()))
        assert categories == {"cat-knives"}
        assert len(_outbox(copy)) == 1000
        # The selection now covers what was pasted.
        assert view.selected_block() == (100, TITLE, 1099, CATEGORY)

        model.undo_stack.undo()
        _drain(qtbot, model)
        assert _titles(copy, targets) == [_title(t) for t in targets]
        categories = copy.read_blocking(lambda c: {i: cat for i, cat in c.execute(
            select(p.c.local_id, p.c.category_id).where(p.c.local_id.in_(targets)))})
        leafs = ["cat-shirts", "cat-trousers", "cat-knives", "cat-kitchen"]
        assert categories == {t: leafs[int(t[-5:]) % 4] for t in targets}
    finally:
        copy.close()


def test_fill_down_and_single_value_paste_fill_the_selection(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    model = _model(qtbot, source)
    view = EditGridView()
    qtbot.addWidget(view)
    view.setModel(model)
    _load_all(qtbot, model)
    view.select_block(0, STATUS, 0, STATUS)
    view.paste_text("archived\r\n")
    view.select_block(0, STATUS, 5, STATUS)
    assert view.fill_down() == 5
    assert model.undo_stack.count() == 2
    _drain(qtbot, model)
    p = schema.products
    chosen = model.ids[:6]
    statuses = copy.read_blocking(lambda c: set(c.execute(select(p.c.status).where(
        p.c.local_id.in_(chosen))).scalars()))
    assert statuses == {"ARCHIVED"}
    assert asyncio.iscoroutinefunction(source.update_products)


def test_copy_then_paste_through_the_system_clipboard(qloop, qtbot, catalog):
    from PySide6.QtGui import QGuiApplication

    source, copy, _ids = catalog
    model = _model(qtbot, source)
    view = EditGridView()
    qtbot.addWidget(view)
    view.setModel(model)
    _load_all(qtbot, model)
    view.select_block(0, TITLE, 2, CATEGORY)
    view.copy_selection()
    text = QGuiApplication.clipboard().text()
    assert text.endswith("\r\n") and text.count("\r\n") == 3 and text.count("\t") == 3
    view.select_block(10, TITLE, 10, TITLE)
    view.paste_clipboard()
    _drain(qtbot, model)
    assert _titles(copy, model.ids[10:13]) == _titles(copy, model.ids[0:3])
    p = schema.products
    categories = copy.read_blocking(lambda c: [c.execute(select(p.c.category_id).where(
        p.c.local_id == pid)).scalar() for pid in model.ids[0:3] + model.ids[10:13]])
    assert categories[:3] == categories[3:]


def test_fast_typing_coalesces_queries_and_the_latest_wins(qloop, qtbot, catalog):
    source, _copy, catalog_ids = catalog
    model = _model(qtbot, source)
    asked: list[str] = []
    real = source.product_head

    async def counting(query, count):
        asked.append(query.text)
        return await real(query, count)

    source.product_head = counting
    for typed in ("g", "gr", "gre", "gree", "green"):
        done = model.set_query(ProductQuery(text=typed))
    run_coroutine(qtbot, done)
    assert asked == ["green"]  # typed faster than the loop turns: only the latest reaches the reader
    assert model.ids == sorted(i for i in catalog_ids.products if int(i[-5:]) % 3 == 2)


def test_an_empty_title_shows_a_placeholder_but_stays_empty(qloop, qtbot, qtmodeltester, catalog):
    from PySide6.QtGui import QBrush, QFont

    from synq_desktop.ui.item_roles import FONT, FOREGROUND, TOOLTIP
    from synq_desktop.ui.product_table_model import UNTITLED

    source, copy, _ids = catalog
    model = _model(qtbot, source)
    _load_all(qtbot, model)
    row = model.row_of("prod-00004")
    assert model.setData(model.index(row, TITLE), "")
    _drain(qtbot, model)
    assert _titles(copy, ["prod-00004"]) == [""]  # the stored value stays empty
    run_coroutine(qtbot, model.reload())
    _load_all(qtbot, model)
    cell = model.index(model.row_of("prod-00004"), TITLE)
    assert cell.data() == UNTITLED
    assert cell.data(EDIT_ROLE) == ""  # an editor starts from empty, not from the placeholder
    font = cell.data(FONT)
    assert isinstance(font, QFont) and font.italic()
    assert isinstance(cell.data(FOREGROUND), QBrush)
    assert cell.data(TOOLTIP)
    titled = model.index(model.row_of("prod-00005"), TITLE)
    assert titled.data() == _title("prod-00005") and titled.data(FONT) is None
    assert model.index(cell.row(), STATUS).data() == "ACTIVE"  # only the title cell says it
    view = EditGridView()
    qtbot.addWidget(view)
    view.setModel(model)
    view.select_block(cell.row(), TITLE, cell.row(), STATUS)
    assert view.selection_as_tsv().split("\t")[0] == ""  # copied to a spreadsheet: empty, not the placeholder
    qtmodeltester.check(model, force_py=True)
    # Typing a title replaces the placeholder; the copy gets the typed text.
    assert model.setData(cell, "Named at last")
    _drain(qtbot, model)
    assert cell.data() == "Named at last" and _titles(copy, ["prod-00004"]) == ["Named at last"]


def _long_catalog(qtbot, tmp_path, products: int = 1200):
    from synq_desktop.ui.store_catalog_source import StoreCatalogSource

    copy, ids = make_working_copy(tmp_path / "long.sqlite", products=products, variants_per_product=0)
    return StoreCatalogSource(copy), copy, ids


def test_a_long_list_shows_its_head_first_then_appends_the_rest(qloop, qtbot, tmp_path, monkeypatch):
    source, copy, catalog_ids = _long_catalog(qtbot, tmp_path)
    try:
        model = ProductTableModel(source, WriteQueue())
        seen: list[int] = []
        model.ids_changed.connect(lambda: seen.append(model.rowCount()))
        resets: list[int] = []
        model.modelReset.connect(lambda: resets.append(model.rowCount()))
        run_coroutine(qtbot, model.reload())
        assert seen == [PAGE_SIZE, 1200]  # the head (one page, with its rows) first, then the whole list
        assert resets == [PAGE_SIZE]  # the rest is appended: the view does not move
        assert model.ids == sorted(catalog_ids.products)
        assert model.all_loaded(0, PAGE_SIZE - 1)
        # A broad search too: its first page, then the rest of its matches.
        from synq_desktop.store import queries

        monkeypatch.setattr(queries, "SMALL_MATCH", 100)
        seen.clear()
        run_coroutine(qtbot, model.set_query(ProductQuery(text="blue")))
        assert seen == [PAGE_SIZE, 400]
        assert model.ids == sorted(i for i in catalog_ids.products if int(i[-5:]) % 3 == 1)
    finally:
        copy.close()


def test_a_new_order_keeps_the_rows_size_and_the_selection(qloop, qtbot, tmp_path):
    source, copy, catalog_ids = _long_catalog(qtbot, tmp_path)
    try:
        model = _model(qtbot, source)
        view = EditGridView()
        qtbot.addWidget(view)
        view.setModel(model)
        view.select_block(700, 0, 700, 0)  # below the first page: not in the new order's head
        near_top = model.ids[3]
        chosen = model.index(700, 0).data(ID_ROLE)
        shown: list[tuple[int, str | None]] = []
        model.ids_changed.connect(lambda: shown.append(
            (model.rowCount(), view.currentIndex().data(ID_ROLE))))
        run_coroutine(qtbot, model.set_query(ProductQuery(sort_key="title", descending=True)))
        expected = sorted(catalog_ids.products, reverse=True)
        # Head first, at full size, the selected product still selected; then the whole new order.
        assert shown == [(1200, chosen), (1200, chosen)]
        assert model.ids == expected
        assert view.currentIndex().data(ID_ROLE) == chosen and view.currentIndex().row() == expected.index(chosen)
        assert model.row_of(near_top) == expected.index(near_top)
        # A product selected in the top rows that the new order's head pushes out finds its place too.
        view.select_block(3, 0, 3, 0)
        top = model.index(3, 0).data(ID_ROLE)
        run_coroutine(qtbot, model.set_query(ProductQuery(sort_key="title")))
        assert model.ids == sorted(catalog_ids.products)
        assert view.currentIndex().data(ID_ROLE) == top and view.currentIndex().row() == model.ids.index(top)
    finally:
        copy.close()


def test_a_newer_query_abandons_the_rest_of_an_older_one(qloop, qtbot, tmp_path, monkeypatch):
    import threading

    from synq_desktop.store import product_search

    source, copy, catalog_ids = _long_catalog(qtbot, tmp_path)
    monkeypatch.setattr(product_search, "FETCH_BATCH", 10)
    try:
        gate = threading.Event()
        copy.submit_read(lambda _c: gate.wait(10))  # the reader is busy: both reads queue behind it

        async def older_rest_then_newer_head():
            rest = asyncio.ensure_future(source.product_ids(ProductQuery(sort_key="updated_at")))
            await asyncio.sleep(0)  # the rest is asked for first
            head = asyncio.ensure_future(source.product_head(ProductQuery(sort_key="title"), 5))
            await asyncio.sleep(0)
            gate.set()
            return await rest, await head

        rest, head = run_coroutine(qtbot, older_rest_then_newer_head())
        assert rest is None  # given up part way: the newer query did not wait for all of it
        assert head.ids == sorted(catalog_ids.products)[:5] and not head.complete
        assert run_coroutine(qtbot, source.product_ids(ProductQuery(sort_key="title"))) == sorted(
            catalog_ids.products)
    finally:
        copy.close()


def test_a_head_followed_at_once_by_a_newer_query_never_reads_its_rest(qloop, qtbot, tmp_path):
    source, copy, _ids = _long_catalog(qtbot, tmp_path)
    try:
        model = ProductTableModel(source, WriteQueue())
        wholes: list[str] = []
        real = source.product_ids

        async def counting(query):
            wholes.append(query.sort_key)
            return await real(query)

        source.product_ids = counting
        newer = ProductQuery(sort_key="updated_at", descending=True)
        typed = []

        def next_query_at_once() -> None:  # as a typist's next key, right after the head is shown
            if not typed:
                typed.append(model.set_query(newer))

        model.ids_changed.connect(next_query_at_once)
        run_coroutine(qtbot, model.reload())
        run_coroutine(qtbot, typed[0])
        assert wholes == ["updated_at"]  # the first list's rest was never read
        assert model.ids == run_coroutine(qtbot, real(newer)) and len(model.ids) == 1200
    finally:
        copy.close()
