"""Search results do not depend on the path a search takes (SQL sort of a small match set, or a walk
of the cached sorted list; SKU matches by join, by the cached variant map, or by a scan of the SKUs
kept in memory), and the caches follow every write."""
from __future__ import annotations

import pytest

from synq_desktop.store import edits, product_search, pull, queries
from synq_desktop.store.queries import ProductFilter
from synq_desktop.store.states import EntityType as E

SEARCHES = ("", "wool", "w", "ol", "sweater wool", "RED", "red-s", "MWS wool", "4006381333931", "BLU s", "ha",
            "no-such", "x", "socks", "HAM-001 claw")


@pytest.fixture
def catalog(w):
    w(pull.upsert_server_records, E.CATEGORY, [{"id": "knit", "name": "Knitwear", "slug": "knitwear"}])
    w(pull.upsert_server_records, E.PRODUCT, [
        {"id": "p1", "title": "Merino Sweater", "description": "Soft wool", "category_id": "knit",
         "status": "ACTIVE"},
        {"id": "p2", "title": "hiking socks", "description": "Wool blend", "status": "DRAFT"},
        {"id": "p3", "title": "Claw Hammer", "description": "Steel", "status": "ACTIVE"}])
    w(pull.upsert_server_records, E.VARIANT, [
        {"id": f"v{i}", "product_id": pid, "sku": sku, "barcode": bc, "price": "1", "currency": "EUR"}
        for i, (pid, sku, bc) in enumerate([
            ("p1", "MWS-RED-S", "4006381333931"), ("p1", "MWS-BLU-L", None), ("p2", "SOCK-RED-M", None),
            ("p3", "HAM-001", None)])])


def every_search(r) -> dict[tuple[str, str, bool], list[str]]:
    return {(text, sort, desc): r(queries.product_ids, ProductFilter(text=text), sort, desc)
            for text in SEARCHES for sort in ("title", "updated_at", "variant_count") for desc in (False, True)}


def test_every_path_gives_the_same_answer(r, catalog, monkeypatch) -> None:
    by_sql = every_search(r)
    assert by_sql[("wool", "title", False)] == ["p2", "p1"]
    assert by_sql[("RED", "title", False)] == ["p2", "p1"]
    assert by_sql[("4006381333931", "title", False)] == ["p1"]
    assert by_sql[("MWS wool", "title", False)] == ["p1"]
    monkeypatch.setattr(queries, "SMALL_MATCH", -1)  # always walk the sorted list
    monkeypatch.setattr(product_search, "MANY_VARIANTS", -1)  # always map SKUs through the variant map
    assert every_search(r) == by_sql
    assert every_search(r) == by_sql  # and again from the caches
    monkeypatch.setattr(product_search, "BROAD_SKU", 0)  # every SKU word scans the SKUs kept in memory
    warm(r)
    assert r(product_search._product_skus, build=False) is not None
    assert every_search(r) == by_sql


def warm(r, sort: str = "title", descending: bool = False) -> None:
    for step in queries.search_cache_builders(sort, descending):
        r(step)


def test_a_non_ascii_sku_keeps_searches_on_fts(r, w, catalog, monkeypatch) -> None:
    # FTS5 folds case the Unicode way (the Kelvin sign is a k to it); folding A-Z alone would differ.
    w(pull.upsert_server_records, E.VARIANT, [
        {"id": "vk", "product_id": "p3", "sku": "HAM-\u212a02", "price": "1", "currency": "EUR"}])
    by_sql = every_search(r)
    monkeypatch.setattr(product_search, "BROAD_SKU", 0)
    warm(r)
    assert r(product_search._product_skus, build=False) is None
    assert r(product_search._variant_products, build=False) is not None  # the map stands in for the SKUs
    assert every_search(r) == by_sql


@pytest.mark.parametrize("kept_skus", [False, True], ids=["variant-map", "kept-skus"])
def test_the_caches_follow_writes(r, w, catalog, monkeypatch, kept_skus: bool) -> None:
    monkeypatch.setattr(queries, "SMALL_MATCH", -1)
    monkeypatch.setattr(product_search, "MANY_VARIANTS", -1)
    if kept_skus:  # rebuilt after every write, as the catalog source does when the reader is idle
        monkeypatch.setattr(product_search, "BROAD_SKU", 0)
        original = w

        def w(*args):  # the fixture, followed by a rebuild
            result = original(*args)
            warm(r)
            assert r(product_search._product_skus, build=False) is not None
            return result

        warm(r)
    assert r(queries.product_ids, ProductFilter(text="RED")) == ["p2", "p1"]
    assert r(queries.product_ids, ProductFilter(text="wool")) == ["p2", "p1"]
    new_id = w(edits.create, E.PRODUCT, {"title": "A wool hat"})
    hat_red = w(edits.create, E.VARIANT, {"product_id": new_id, "sku": "HAT-RED"})
    assert r(queries.product_ids, ProductFilter(text="wool")) == [new_id, "p2", "p1"]
    assert r(queries.product_ids, ProductFilter(text="RED")) == [new_id, "p2", "p1"]
    assert r(queries.product_ids, None) == [new_id, "p3", "p2", "p1"]
    w(edits.delete, E.VARIANT, hat_red)  # discarded before it was sent
    w(edits.delete, E.PRODUCT, "p1")
    assert r(queries.product_ids, ProductFilter(text="RED")) == ["p2"]
    assert r(queries.product_ids, None) == [new_id, "p3", "p2"]


def test_a_sort_and_its_reverse_come_from_sql_order(r, w, catalog, monkeypatch) -> None:
    # Ties (same title, no updated_at) and NULLs: the local id decides, so the reverse is exact.
    w(pull.upsert_server_records, E.PRODUCT, [
        {"id": f"t{i}", "title": "Same title", "description": "tie", "status": "ACTIVE"} for i in range(4)])

    def by_sql(connection, column: str, direction: str) -> list[str]:
        return [row[0] for row in connection.exec_driver_sql(
            f"SELECT local_id FROM products WHERE deleted = 0 ORDER BY {column} {direction}, local_id {direction}")]

    monkeypatch.setattr(queries, "SMALL_MATCH", -1)  # searches walk the cached (maybe reversed) list
    for sort in ("title", "updated_at", "variant_count", "brand"):
        column = queries.PRODUCT_SORTS[sort]
        for desc in (False, True, False, True):  # the second of each pair may be the first reversed
            expected = r(by_sql, column, "DESC" if desc else "ASC")
            assert r(queries.product_ids, None, sort, desc) == expected
            assert r(queries.product_ids, ProductFilter(text="e"), sort, desc) == [
                i for i in expected if i in set(r(queries.product_ids, ProductFilter(text="e")))]


def test_short_words_match_titles_as_like_did(r, w, catalog) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [
        {"id": "odd1", "title": "Ärmel 50%_off", "status": "ACTIVE"},
        {"id": "odd2", "title": "ärmel 50 off", "status": "ACTIVE"},
        {"id": "odd3", "title": "MERINO x", "status": "ACTIVE"}])

    def by_like(connection, term: str) -> list[str]:
        escaped = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        return [row[0] for row in connection.exec_driver_sql(
            "SELECT local_id FROM products WHERE deleted = 0 AND title LIKE ? ESCAPE '\\' ORDER BY title, local_id",
            (escaped,))]

    for term in ("%", "_", "%_", "ä", "Ä", "ÄR", "me", "ME", "x", "50", "\\"):
        assert r(queries.product_ids, ProductFilter(text=term)) == r(by_like, term), term
    w(edits.update, E.PRODUCT, "odd3", {"title": "changed"})  # the kept titles follow writes
    assert r(queries.product_ids, ProductFilter(text="x")) == r(by_like, "x")


def test_typing_word_by_word_matches_a_fresh_search(r, w, catalog, monkeypatch) -> None:
    # Each keystroke reuses the remembered sets of the words before it; a search with nothing
    # remembered (a new file version each time) must agree, also across a write in between.
    def fresh(connection, text: str) -> list[str]:
        connection.info.pop(product_search._WORD_MEMO, None)
        return queries.product_ids(connection, ProductFilter(text=text))

    for phrase in ("wool sweater", "MWS-RED s", "so wool x", "4006381333931 wool", "ha cl claw"):
        for end in range(1, len(phrase) + 1):
            text = phrase[:end]
            assert r(queries.product_ids, ProductFilter(text=text)) == r(fresh, text), text
            if end == len(phrase) // 2:
                w(edits.update, E.PRODUCT, "p2", {"title": f"hiking socks {end}"})
    assert len(r(lambda c: product_search._word_memo(c))) <= product_search.WORDS_KEPT
