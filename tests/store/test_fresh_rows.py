"""Records never seen here are written straight from the server's dicts (store.fresh_rows): the stored
values must be exactly what the general path (entities.base_of over translated references, plus the
server's own values) makes of them, odd forms included."""
from __future__ import annotations

import json

from sqlalchemy import select

from synq_desktop.store import edits, outbox, pull, schema
from synq_desktop.store.entities import IdTranslator, base_of, row_base, spec_for
from synq_desktop.store.fresh_rows import driver_connection
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.timestamps import normalize_time

PRODUCTS = [
    {"id": "p1", "title": "Plain", "description": "d", "category": "mugs", "category_id": "c-server",
     "brand_id": None, "template_id": "", "status": "ACTIVE", "data_quality_score": 90,
     "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:05.123456Z"},
    {"id": "p2", "title": None, "status": None, "updated_at": "2026-01-02T03:04:05+00:00"},  # light, nulls
]
VARIANTS = [
    {"id": "v1", "product_id": "p1", "sku": "A-1", "barcode": "4006381333931", "price": "90",
     "currency": "EUR", "cost_price": "007.50", "option_values": {"size": "M"}, "data_quality_score": 100.0,
     "created_at": "2026-01-02T03:04:05Z", "updated_at": "2026-01-02T03:04:06Z"},
    {"id": "v2", "product_id": "p1", "sku": "a-1", "price": 12.5, "currency": "JPY", "cost_price": "",
     "option_values": None},
    {"id": "v3", "product_id": "p1", "sku": "B", "price": "not money", "updated_at": "yesterday"},
    {"id": "v4", "product_id": "p-missing", "sku": "C", "price": "1.00"},  # its product is not here
]
MEDIA = [{"id": "m1", "product_id": "p1", "variant_id": "v1", "url": "http://x/1.png", "alt_text": None,
          "sort_order": "3"}, {"id": "m2", "url": "http://x/2.png"}]
TEMPLATES = [{"id": "t1", "name": "T", "attribute_group_ids": ["g-server", None], "required_attribute_ids": None}]


def expected_row(connection, entity_type: E, record: dict) -> dict:
    spec = spec_for(entity_type)
    theirs = base_of(spec, IdTranslator(connection, spec, [record], to_local=True).record(record))
    values = {name: record[name] for name in spec.server_fields if name in record}
    values.update({name: normalize_time(record[name]) for name in ("created_at", "updated_at") if name in record})
    return {"base": theirs, **theirs, **values}


def test_fresh_rows_store_what_the_general_path_would(w, r) -> None:
    # A category and an attribute group created here and pushed: references to their server ids map to
    # their local ids.
    category = w(edits.create, "category", {"name": "Mugs", "slug": "mugs"})
    group = w(edits.create, "attribute_group", {"name": "G"})
    for table, local_id, server_id in ((schema.categories, category, "c-server"),
                                       (schema.attribute_groups, group, "g-server")):
        w(lambda c, t=table, lid=local_id, sid=server_id: c.execute(
            t.update().where(t.c.local_id == lid).values(server_id=sid)))
    expected = {}
    for entity_type, records in ((E.PRODUCT, PRODUCTS), (E.VARIANT, VARIANTS), (E.MEDIA, MEDIA),
                                 (E.TEMPLATE, TEMPLATES)):
        expected.update({(entity_type, rec["id"]): r(expected_row, entity_type, rec) for rec in records})
        report = w(pull.upsert_server_records, entity_type, records)
        if entity_type == E.VARIANT:
            assert report.orphans == ["v4"] and report.inserted == 3
    assert expected[(E.PRODUCT, "p1")]["category_id"] == category
    assert expected[(E.TEMPLATE, "t1")]["attribute_group_ids"] == [group, "None"]
    for (entity_type, server_id), want in expected.items():
        if server_id == "v4":
            continue
        table = spec_for(entity_type).table
        row = r(lambda c, t=table, s=server_id: dict(c.execute(select(t).where(t.c.server_id == s)).mappings().one()))
        # No base stored for a record never seen: its columns are the server's version (entities.row_base).
        assert row["base"] is None
        effective = row_base(spec_for(entity_type), row)
        assert {name: effective[name] for name in want["base"]} == want["base"]
        for name, value in want.items():
            if name == "base":
                continue
            stored = row[name]
            if name == "option_values" and isinstance(stored, str):
                stored = json.loads(stored)
            assert stored == value, (entity_type, server_id, name, stored, value)
    assert r(lambda c: c.execute(select(schema.products.c.title, schema.products.c.status).where(
        schema.products.c.server_id == "p2")).one()) == ("", "ACTIVE")  # NOT NULL columns take their default


def test_a_record_twice_in_one_batch_is_written_once_as_its_later_version(w, r) -> None:
    first = {"id": "p9", "title": "old", "updated_at": "2026-01-01T00:00:00Z"}
    later = {"id": "p9", "title": "new", "updated_at": "2026-01-02T00:00:00Z"}
    report = w(pull.upsert_server_records, E.PRODUCT, [first, later])
    assert report.inserted == 1
    assert r(lambda c: c.execute(select(schema.products.c.title)).scalars().all()) == ["new"]


def test_both_sides_of_a_duplicate_sku_are_flagged(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [{"id": "p1", "title": "P"}])
    w(pull.upsert_server_records, E.VARIANT, [{"id": "v1", "product_id": "p1", "sku": "DUP", "price": "1.00",
                                               "currency": "EUR"}])
    w(pull.upsert_server_records, E.VARIANT, [{"id": "v2", "product_id": "p1", "sku": "dup", "price": "1.00",
                                               "currency": "EUR"}])
    rows = r(lambda c: c.execute(select(schema.variants.c.server_id, schema.variants.c.issues)).all())
    assert {sid: [i["issue_type"] for i in issues or []] for sid, issues in rows} == {
        "v1": ["DUPLICATE_SKU"], "v2": ["DUPLICATE_SKU"]}


def test_pulled_variants_and_media_point_at_the_local_id_of_a_product_created_here_and_pushed(w, r) -> None:
    # Created here (local id a uuid), pushed, and the server answered with its own id: the server's pages
    # name it by that id, the copy by its local one.
    pid = w(edits.create, E.PRODUCT, {"title": "Made here"})
    [op] = r(outbox.record_ops, E.PRODUCT, pid)
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_applied, op.op_id, {"id": "srv-made", "title": "Made here", "status": "ACTIVE"})
    assert pid != "srv-made"
    statements: list[str] = []

    def pull_pages(connection) -> list:
        raw = driver_connection(connection)
        raw.set_trace_callback(statements.append)
        try:
            return [pull.upsert_server_records(connection, entity_type, records) for entity_type, records in (
                (E.PRODUCT, [{"id": "p-there", "title": "Pulled"}]),
                (E.VARIANT, [{"id": "v-made", "product_id": "srv-made", "sku": "MADE-1", "price": "3.00",
                              "currency": "EUR"},
                             {"id": "v-there", "product_id": "p-there", "sku": "THERE-1", "price": "4.00",
                              "currency": "EUR"}]),
                (E.MEDIA, [{"id": "m-made", "product_id": "srv-made", "variant_id": "v-made", "url": "http://x/1.png"},
                           {"id": "m-there", "product_id": "p-there", "url": "http://x/2.png"}]))]
        finally:
            raw.set_trace_callback(None)

    reports = w(pull_pages)
    assert [report.inserted for report in reports] == [1, 2, 2]  # every record new here: the fresh-row path
    assert reports[1].orphans == []  # v-made's product was found, under its local id
    assert r(lambda c: dict(c.execute(select(schema.variants.c.server_id, schema.variants.c.product_id)).all())) == {
        "v-made": pid, "v-there": "p-there"}
    assert r(lambda c: dict(c.execute(select(schema.media.c.server_id, schema.media.c.product_id)).all())) == {
        "m-made": pid, "m-there": "p-there"}
    assert r(lambda c: c.execute(select(schema.products.c.variant_count).where(
        schema.products.c.local_id == pid)).scalar_one()) == 1

    # The translation read the pushed products through their small partial index, for variants and media.
    lookups = [sql for sql in statements if "FROM products" in sql and "local_id <> server_id" in sql]
    assert len(lookups) == 2 and all("'srv-made'" in sql for sql in lookups)
    for sql in lookups:
        plan = r(lambda c, s=sql: [row[-1] for row in driver_connection(c).execute(f"EXPLAIN QUERY PLAN {s}")])
        assert any("ix_products_pushed" in step for step in plan), plan
