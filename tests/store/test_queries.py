"""Grid queries: sorted id lists, filters, FTS trigram search (SKU fragments too), pages, tree, views."""
from __future__ import annotations

import pytest

from synq_desktop.store import edits, product_search, pull, queries
from synq_desktop.store.errors import EditError
from synq_desktop.store.queries import PRODUCT_SORTS, ProductFilter
from synq_desktop.store.states import EntityType as E


@pytest.fixture
def catalog(w):
    w(pull.upsert_server_records, E.CATEGORY, [
        {"id": "apparel", "name": "Apparel", "slug": "apparel"},
        {"id": "knit", "name": "Knitwear", "slug": "knitwear", "parent_id": "apparel"},
        {"id": "socks", "name": "Socks", "slug": "socks", "parent_id": "knit"},
        {"id": "tools", "name": "Tools", "slug": "tools"}])
    w(pull.upsert_server_records, E.BRAND, [{"id": "b1", "name": "Zeta"}, {"id": "b2", "name": "Alpha"}])
    w(pull.upsert_server_records, E.PRODUCT, [
        {"id": "p1", "title": "Merino Sweater", "description": "Soft wool", "category_id": "knit", "brand_id": "b1",
         "status": "ACTIVE", "data_quality_score": 80, "updated_at": "2026-01-03T00:00:00Z"},
        {"id": "p2", "title": "hiking socks", "description": "Wool blend", "category_id": "socks", "brand_id": "b2",
         "status": "DRAFT", "data_quality_score": 40, "updated_at": "2026-01-01T00:00:00Z"},
        {"id": "p3", "title": "Claw Hammer", "description": "Steel", "category_id": "tools",
         "status": "ACTIVE", "data_quality_score": 100, "updated_at": "2026-01-02T00:00:00Z"}])
    w(pull.upsert_server_records, E.VARIANT, [
        {"id": f"v{i}", "product_id": pid, "sku": sku, "barcode": bc, "price": price, "currency": "EUR"}
        for i, (pid, sku, bc, price) in enumerate([
            ("p1", "MWS-RED-S", "4006381333931", "89.99"), ("p1", "MWS-RED-M", None, "9.50"),
            ("p1", "MWS-BLU-L", None, "100"), ("p3", "HAM-001", None, "15")])])


def ids(r, **kwargs):
    sort = kwargs.pop("sort", "title")
    descending = kwargs.pop("descending", False)
    return r(queries.product_ids, ProductFilter(**kwargs), sort, descending)


def test_sorts_by_every_grid_column(r, catalog) -> None:
    assert ids(r) == ["p3", "p2", "p1"]  # case-insensitive: Claw, hiking, Merino
    assert ids(r, sort="title", descending=True) == ["p1", "p2", "p3"]
    assert ids(r, sort="variant_count") == ["p2", "p3", "p1"]
    assert ids(r, sort="quality") == ["p2", "p1", "p3"]
    assert ids(r, sort="updated_at", descending=True) == ["p1", "p3", "p2"]
    assert ids(r, sort="category") == ["p1", "p2", "p3"]  # Knitwear, Socks, Tools
    assert ids(r, sort="brand")[1:] == ["p2", "p1"]  # no brand first, then Alpha, Zeta
    assert ids(r, sort="status") == ["p1", "p3", "p2"]
    for sort in PRODUCT_SORTS:
        assert sorted(ids(r, sort=sort)) == ["p1", "p2", "p3"]
    with pytest.raises(EditError):
        ids(r, sort="title; DROP TABLE products")


def test_text_search_title_description_and_sku_fragments(r, catalog) -> None:
    assert ids(r, text="wool") == ["p2", "p1"]
    assert ids(r, text="RED-M") == ["p1"]
    assert ids(r, text="red-") == ["p1"]
    assert ids(r, text="ham-0") == ["p3"]
    assert ids(r, text="wool soft") == ["p1"]  # every word must match
    assert ids(r, text="sweater red-m") == ["p1"]  # one word in the title, one in a SKU
    assert ids(r, text="hammer red-m") == []
    assert ids(r, text="4006381333931") == ["p1"]  # a whole barcode
    assert ids(r, text="cl") == ["p3"]  # shorter than a trigram: title LIKE
    assert ids(r, text="nothing-like-it") == []


def test_filters_category_subtree_status_and_sync_state(w, r, catalog) -> None:
    assert ids(r, category_id="apparel") == ["p2", "p1"]
    assert ids(r, category_id="apparel", include_subcategories=False) == []
    assert ids(r, category_id="knit", text="wool") == ["p2", "p1"]
    assert ids(r, statuses=("DRAFT",)) == ["p2"]
    w(edits.update, E.PRODUCT, "p3", {"title": "Claw Hammer XL"})
    assert ids(r, sync_states=("PENDING",)) == ["p3"]
    w(edits.delete, E.PRODUCT, "p2")
    assert ids(r) == ["p3", "p1"]  # a pending delete hides the row


def test_page_fetch_keeps_the_order_asked(r, catalog) -> None:
    rows = r(queries.product_rows, ["p3", "missing", "p1"])
    assert [(x["local_id"], x["variant_count"], x["category_sort"]) for x in rows] == [
        ("p3", 1, "Tools"), ("p1", 3, "Knitwear")]
    variants = r(queries.variant_ids, ["p1"], "price")
    assert [v["price"] for v in r(queries.variant_rows, variants)] == ["9.50", "89.99", "100"]
    assert r(queries.search_variants, "MWS RED") == ["v1", "v0"]


def test_counts_and_category_tree(r, catalog) -> None:
    counts = r(queries.counts)
    assert (counts["product"], counts["variant"], counts["category"], counts["brand"]) == (3, 4, 4, 2)
    tree = r(queries.category_tree)
    assert [(n.name, n.product_count, n.total_count) for n in tree] == [("Apparel", 0, 2), ("Tools", 1, 1)]
    knit = tree[0].children[0]
    assert (knit.name, knit.total_count, [c.name for c in knit.children]) == ("Knitwear", 2, ["Socks"])
    assert sorted(r(queries.category_subtree_ids, "knit")) == ["knit", "socks"]


def test_saved_views(w, r) -> None:
    view_id = w(queries.save_view, "Drafts", {"statuses": ["DRAFT"]}, ["title", "status"], {"column": "title"})
    assert w(queries.save_view, "Drafts", {"statuses": ["DRAFT", "ARCHIVED"]}) == view_id
    [view] = r(queries.saved_views)
    assert view.filters == {"statuses": ["DRAFT", "ARCHIVED"]}
    w(queries.delete_view, view_id)
    assert r(queries.saved_views) == []


def test_first_product_ids_is_the_head_of_every_sorted_list(r, w, catalog) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [{"id": f"q{n}", "title": f"Quilt {n % 7}", "status": "ACTIVE",
                                               "data_quality_score": n % 5} for n in range(40)])
    for sort in PRODUCT_SORTS:
        for descending in (False, True):
            whole = ids(r, sort=sort, descending=descending)
            assert r(queries.first_product_ids, sort, descending, 10) == whole[:10], (sort, descending)
            r(queries.product_ids, None, sort, descending)  # now from the kept list: the same answer
            assert r(queries.first_product_ids, sort, descending, 10) == whole[:10], (sort, descending)
    assert r(queries.first_product_ids, "title", False, 500) == ids(r)  # a short list comes whole
    with pytest.raises(EditError):
        r(queries.first_product_ids, "title; DROP TABLE products")


def test_a_long_read_gives_way_when_its_caller_abandons_it(r, catalog, monkeypatch) -> None:
    monkeypatch.setattr(product_search, "FETCH_BATCH", 1)  # ask between every row
    with pytest.raises(product_search.Abandoned):  # asked before it starts: a newer query already waits
        r(queries.product_ids, None, "updated_at", False, lambda: True)
    # Nothing half-read was kept: the same list read to its end is whole and right.
    assert r(queries.product_ids, None, "updated_at", False, lambda: False) == ["p2", "p3", "p1"]
    asked: list[int] = []

    def abandon_at_the_second_ask() -> bool:
        asked.append(1)
        return len(asked) >= 2

    for build in queries.search_cache_builders("title", abandon=abandon_at_the_second_ask)[1:]:
        asked.clear()
        with pytest.raises(product_search.Abandoned):  # part way through
            r(build)


def test_product_head_is_the_head_of_product_ids(r, w, catalog, monkeypatch) -> None:
    monkeypatch.setattr(queries, "SMALL_MATCH", 0)  # every search walks the sorted list
    w(pull.upsert_server_records, E.PRODUCT, [{"id": f"q{n}", "title": f"Quilt {n % 7}", "status": "ACTIVE",
                                               "data_quality_score": n % 5} for n in range(40)])
    for text in ("", "quilt", "wool", "qu", "quilt 3", "mws-red"):
        for sort, descending in (("title", False), ("quality", True), ("updated_at", False)):
            whole = ids(r, text=text, sort=sort, descending=descending)
            head, complete = r(queries.product_head, ProductFilter(text=text), sort, descending, 5)
            assert head == whole[:5] and complete == (len(whole) < 5), (text, sort)
    # A category (or any filter) comes whole.
    head, complete = r(queries.product_head, ProductFilter(category_id="apparel"), "title", False, 1)
    assert complete and head == ids(r, category_id="apparel")


def test_a_search_walk_gives_way_too(r, catalog, monkeypatch) -> None:
    monkeypatch.setattr(queries, "SMALL_MATCH", 0)  # the sorted walk, not SQL's sort
    monkeypatch.setattr(queries, "WALK_SLICE", 1)
    flt = ProductFilter(text="wool")
    with pytest.raises(product_search.Abandoned):
        r(queries.product_ids, flt, "title", False, lambda: True)
    assert r(queries.product_ids, flt, "title", False, lambda: False) == ["p2", "p1"]
