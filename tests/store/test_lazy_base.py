"""A pulled record stores no merge base until something here changes it (store.fresh_rows writes NULL;
entities.row_base reads the row's own columns as the server's version meanwhile). The first local change
to a settable column stores the base from the old values (trigger <table>_base_keep, revision 0003), so a
later merge still compares against the server's version, never against the edit."""
from __future__ import annotations

import importlib

from sqlalchemy import JSON, select

from synq_desktop.store import edits, outbox, pull
from synq_desktop.store.entities import SPECS, base_of, row_base, stored_base
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.states import OpKind

REVISION = importlib.import_module("synq_desktop.store.migrations.versions.0003_lazy_base")

PRODUCT = {"id": "p1", "title": "Oak bench", "description": "Solid oak", "category": "garden", "status": "ACTIVE",
           "updated_at": "2026-11-01T10:00:00.000000Z", "created_at": "2026-11-01T10:00:00.000000Z"}
TEMPLATE = {"id": "t1", "name": "Furniture", "description": None, "attribute_group_ids": ["g1", "g2"],
            "required_attribute_ids": None}


def raw_base(connection, entity_type: E, server_id: str):
    table = SPECS[entity_type].table
    return connection.execute(select(table.c.base).where(table.c.server_id == server_id)).scalar()


def test_the_frozen_trigger_fields_are_the_specs_settable_fields() -> None:
    for spec in SPECS.values():
        if "base" not in spec.table.c:
            continue
        expected = tuple((name, isinstance(spec.table.c[name].type, JSON)) for name in spec.create_fields)
        assert REVISION.BASE_FIELDS[spec.table.name] == expected, spec.table.name


def test_a_pulled_record_has_no_stored_base_and_reads_as_the_servers_version(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [PRODUCT])
    assert r(raw_base, E.PRODUCT, "p1") is None
    assert r(stored_base, SPECS[E.PRODUCT], "p1") == {
        **{name: None for name in SPECS[E.PRODUCT].create_fields}, **base_of(SPECS[E.PRODUCT], PRODUCT)}


def test_the_first_local_change_stores_the_servers_version_as_base(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [PRODUCT])
    w(edits.update, "product", "p1", {"title": "Oak bench (long)"})
    stored = r(raw_base, E.PRODUCT, "p1")
    assert stored is not None and stored["title"] == "Oak bench" and stored["description"] == "Solid oak"
    (op,) = r(outbox.operations)
    assert op.kind == OpKind.UPDATE and op.base == {"title": "Oak bench"}
    # A second edit leaves the stored base alone: it is still the server's version, not the first edit.
    w(edits.update, "product", "p1", {"title": "Oak bench (longer)", "status": "DRAFT"})
    assert r(raw_base, E.PRODUCT, "p1") == stored
    (op,) = r(outbox.operations)
    assert op.base == {"title": "Oak bench", "status": "ACTIVE"}


def test_json_columns_keep_their_values_in_the_stored_base(w, r) -> None:
    w(pull.upsert_server_records, E.TEMPLATE, [TEMPLATE])
    before = r(stored_base, SPECS[E.TEMPLATE], "t1")
    w(edits.update, "template", "t1", {"name": "Garden furniture"})
    stored = r(raw_base, E.TEMPLATE, "t1")
    assert stored == before and stored["attribute_group_ids"] == ["g1", "g2"]
    assert stored["required_attribute_ids"] is None and stored["name"] == "Furniture"


def test_a_delete_carries_the_servers_version_as_base(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [PRODUCT])
    w(edits.delete, "product", "p1")
    (op,) = r(outbox.operations)
    assert op.kind == OpKind.DELETE and op.base["title"] == "Oak bench" and op.base["status"] == "ACTIVE"


def test_a_server_change_to_an_edited_field_is_merged_against_the_servers_old_version(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [PRODUCT])
    w(edits.update, "product", "p1", {"description": "Oiled oak"})
    report = w(pull.upsert_server_records, E.PRODUCT, [{**PRODUCT, "description": "Teak now",
                                                         "updated_at": "2026-11-02T10:00:00.000000Z"}])
    assert report.conflicts == [("p1", "description")]
    # Their change to a field not edited here is taken.
    report = w(pull.upsert_server_records, E.PRODUCT, [{**PRODUCT, "description": "Teak now", "title": "Teak bench",
                                                         "updated_at": "2026-11-03T10:00:00.000000Z"}])
    row = r(lambda c: c.execute(select(SPECS[E.PRODUCT].table).where(
        SPECS[E.PRODUCT].table.c.local_id == "p1")).mappings().one())
    assert row["title"] == "Teak bench" and row["description"] == "Oiled oak"
    assert row_base(SPECS[E.PRODUCT], row)["title"] == "Teak bench"


def test_a_record_created_here_has_no_base_until_pushed(w, r) -> None:
    local_id = w(edits.create, "product", {"title": "Made here"})
    assert r(stored_base, SPECS[E.PRODUCT], local_id) is None
    w(edits.update, "product", local_id, {"title": "Made here, renamed"})
    assert r(stored_base, SPECS[E.PRODUCT], local_id) is None
