"""Edits: row, outbox operation and history in one transaction; coalescing; what the API allows."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Connection, func, select

from synq_desktop.store import edits, history, outbox, schema, sync_meta
from synq_desktop.store.edits import Edit
from synq_desktop.store.errors import EditError, ReadOnlyError
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.states import OpKind, OpState


def count(connection: Connection, table: Any) -> int:
    return connection.execute(select(func.count()).select_from(table)).scalar_one()


def row(connection: Connection, table: Any, local_id: str) -> Any:
    return connection.execute(select(table).where(table.c.local_id == local_id)).mappings().first()


def test_create_writes_row_operation_and_history_together(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "Merino Sweater", "description": "Warm"})
    ops = r(outbox.record_ops, E.PRODUCT, pid)
    assert [(op.kind, op.state) for op in ops] == [(OpKind.CREATE, OpState.PENDING)]
    assert ops[0].payload == {"title": "Merino Sweater", "description": "Warm"}
    assert len(ops[0].idempotency_key) == 36
    product = r(row, schema.products, pid)
    assert product["title"] == "Merino Sweater" and product["sync_state"] == "PENDING"
    assert product["server_id"] is None
    entries = r(history.of_record, E.PRODUCT, pid)
    assert [e.action for e in entries] == ["create"] and entries[0].op_id == ops[0].op_id


def test_updates_coalesce_into_a_pending_create(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "A"})
    key = r(outbox.record_ops, E.PRODUCT, pid)[0].idempotency_key
    w(edits.update, E.PRODUCT, pid, {"title": "B"})
    w(edits.update, E.PRODUCT, pid, {"description": "D", "status": "DRAFT"})
    ops = r(outbox.record_ops, E.PRODUCT, pid)
    assert len(ops) == 1 and ops[0].kind == OpKind.CREATE
    assert ops[0].payload == {"title": "B", "description": "D", "status": "DRAFT"}
    assert ops[0].idempotency_key == key  # kept for the life of the operation
    assert [e.field for e in r(history.of_record, E.PRODUCT, pid)] == ["status", "description", "title", None]


def test_create_then_delete_of_unsent_record_vanishes(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "Gone soon"})
    vid = w(edits.create, E.VARIANT, {"product_id": pid, "sku": "G-1", "price": "10", "currency": "EUR"})
    w(edits.delete, E.PRODUCT, pid)
    assert r(outbox.operations) == []
    assert r(row, schema.products, pid) is None and r(row, schema.variants, vid) is None
    assert next(e.action for e in r(history.of_record, E.PRODUCT, pid)) == "delete"


def synced_product(w, title: str = "Shirt", server_id: str = "srv-1") -> str:
    from synq_desktop.store import pull

    w(pull.upsert_server_records, E.PRODUCT, [{"id": server_id, "title": title, "description": "Cotton",
                                                "status": "ACTIVE", "updated_at": "2026-01-01T00:00:00Z"}])
    return server_id


def test_update_of_synced_record_queues_update_with_base(w, r) -> None:
    pid = synced_product(w)
    w(edits.update, E.PRODUCT, pid, {"title": "Shirt 2"})
    w(edits.update, E.PRODUCT, pid, {"title": "Shirt 3"})
    [op] = r(outbox.record_ops, E.PRODUCT, pid)
    assert op.kind == OpKind.UPDATE and op.payload == {"title": "Shirt 3"} and op.base == {"title": "Shirt"}
    # Typing the server's value back cancels the operation.
    w(edits.update, E.PRODUCT, pid, {"title": "Shirt"})
    assert r(outbox.record_ops, E.PRODUCT, pid) == []
    assert r(row, schema.products, pid)["sync_state"] == "SYNCED"


def test_in_flight_operation_is_never_changed(w, r) -> None:
    pid = synced_product(w)
    w(edits.update, E.PRODUCT, pid, {"title": "One"})
    [op] = r(outbox.record_ops, E.PRODUCT, pid)
    w(outbox.mark_in_flight, [op.op_id])
    w(edits.update, E.PRODUCT, pid, {"title": "Two"})
    ops = r(outbox.record_ops, E.PRODUCT, pid)
    assert [(o.payload, o.state) for o in ops] == [({"title": "One"}, OpState.IN_FLIGHT),
                                                    ({"title": "Two"}, OpState.PENDING)]
    w(outbox.mark_uncertain, op.op_id, "answer lost")
    w(edits.update, E.PRODUCT, pid, {"title": "Three"})
    ops = r(outbox.record_ops, E.PRODUCT, pid)
    assert [(o.payload, o.state) for o in ops] == [({"title": "One"}, OpState.UNCERTAIN),
                                                    ({"title": "Three"}, OpState.PENDING)]


def test_delete_of_synced_record_hides_it_and_replaces_pending_updates(w, r) -> None:
    pid = synced_product(w)
    w(edits.update, E.PRODUCT, pid, {"title": "Changed"})
    w(edits.delete, E.PRODUCT, pid)
    ops = r(outbox.record_ops, E.PRODUCT, pid)
    assert [o.kind for o in ops] == [OpKind.DELETE]
    assert r(row, schema.products, pid)["deleted"] == 1
    # Discarding the delete brings the record back.
    w(outbox.discard, ops[0].op_id)
    assert r(row, schema.products, pid)["deleted"] == 0


def test_synced_variant_cannot_be_deleted_but_unsent_one_can(w, r) -> None:
    from synq_desktop.store import pull

    pid = synced_product(w)
    w(pull.upsert_server_records, E.VARIANT, [{"id": "v-1", "product_id": pid, "sku": "S-1", "price": "1.00",
                                                "currency": "USD"}])
    with pytest.raises(EditError, match="cannot be deleted"):
        w(edits.delete, E.VARIANT, "v-1")
    vid = w(edits.create, E.VARIANT, {"product_id": pid, "sku": "S-2", "price": 2, "currency": "USD"})
    w(edits.delete, E.VARIANT, vid)
    assert r(row, schema.variants, vid) is None and r(outbox.operations) == []


def test_money_is_stored_as_canonical_text(w, r) -> None:
    pid = synced_product(w)
    vid = w(edits.create, E.VARIANT, {"product_id": pid, "sku": "M-1", "price": 89.99, "currency": "USD",
                                      "cost_price": "12,5"})
    variant = r(row, schema.variants, vid)
    assert variant["price"] == "89.99" and variant["cost_price"] == "12.5"


def test_failing_batch_leaves_nothing(w, r) -> None:
    pid = synced_product(w)
    before = r(lambda c: (count(c, schema.outbox), count(c, schema.history), count(c, schema.products)))
    batch = [Edit("update", E.PRODUCT, pid, {"title": "New title"}),
             Edit("create", E.PRODUCT, None, {"title": "Another"}),
             Edit("update", E.PRODUCT, "no-such-id", {"title": "x"})]
    with pytest.raises(EditError):
        w(edits.apply, batch)
    after = r(lambda c: (count(c, schema.outbox), count(c, schema.history), count(c, schema.products)))
    assert after == before
    assert r(row, schema.products, pid)["title"] == "Shirt"


def test_paste_of_1000_cells_is_one_batch_and_one_undo(w, r) -> None:
    from synq_desktop.store import pull

    w(pull.upsert_server_records, E.PRODUCT, [{"id": f"p{i}", "title": f"T{i}"} for i in range(500)])
    batch = [Edit("update", E.PRODUCT, f"p{i}", {"title": f"Pasted {i}", "description": f"D{i}"})
             for i in range(500)]
    batch_id, _ = w(edits.apply, batch)
    assert len(r(history.batch, batch_id)) == 1000
    assert r(lambda c: count(c, schema.outbox)) == 500
    w(edits.revert_batch, batch_id)
    assert r(row, schema.products, "p7")["title"] == "T7"
    assert r(lambda c: count(c, schema.outbox)) == 0  # back to the server's values: nothing to send


def test_viewer_copy_refuses_edits_and_keeps_queue(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "Before"})
    w(sync_meta.set_meta, sync_meta.ROLE, "VIEWER")
    with pytest.raises(ReadOnlyError, match="read-only"):
        w(edits.update, E.PRODUCT, pid, {"title": "After"})
    assert len(r(outbox.operations)) == 1


def test_unknown_field_and_cycle_are_refused(w) -> None:
    with pytest.raises(EditError, match="colour"):
        w(edits.create, E.PRODUCT, {"title": "x", "colour": "red"})
    a = w(edits.create, E.CATEGORY, {"name": "A", "slug": "a"})
    b = w(edits.create, E.CATEGORY, {"name": "B", "slug": "b", "parent_id": a})
    with pytest.raises(EditError, match="under itself"):
        w(edits.update, E.CATEGORY, a, {"parent_id": b})


def test_links_coalesce_and_media_reorder(w, r) -> None:
    pid = synced_product(w)
    attr = w(edits.create, E.ATTRIBUTE, {"name": "Color", "slug": "color"})
    red = w(edits.create, E.ATTRIBUTE_VALUE, {"attribute_id": attr, "value": "Red", "slug": "red"})
    w(edits.link_value, E.PRODUCT, pid, red)
    [link] = [o for o in r(outbox.record_ops, E.PRODUCT, pid)]
    assert link.kind == OpKind.LINK and link.state == OpState.BLOCKED  # the value is not on the server yet
    w(edits.unlink_value, E.PRODUCT, pid, red)
    assert r(outbox.record_ops, E.PRODUCT, pid) == []
    m1 = w(edits.create, E.MEDIA, {"url": "https://x/1.jpg", "product_id": pid, "sort_order": 0})
    m2 = w(edits.create, E.MEDIA, {"url": "https://x/2.jpg", "product_id": pid, "sort_order": 1})
    w(edits.reorder_media, [m2, m1])
    assert (r(row, schema.media, m2)["sort_order"], r(row, schema.media, m1)["sort_order"]) == (0, 1)
    assert r(row, schema.media, m1)["issue_level"] == 1  # no alt text: a warning


def test_findings_are_stored_for_the_badge(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "", "description": ""})
    product = r(row, schema.products, pid)
    assert product["issue_level"] == 2
    assert {i["issue_type"] for i in product["issues"]} == {"MISSING_TITLE", "MISSING_DESCRIPTION", "NO_VARIANTS"}
    w(edits.create, E.VARIANT, {"product_id": pid, "sku": "DUP", "price": "1.999", "currency": "USD",
                                "barcode": "123"})
    v2 = w(edits.create, E.VARIANT, {"product_id": pid, "sku": "DUP", "price": "1", "currency": "USD"})
    issues = {i["issue_type"] for i in r(row, schema.variants, v2)["issues"]}
    assert issues == {"DUPLICATE_SKU"}
    assert "NO_VARIANTS" not in {i["issue_type"] for i in r(row, schema.products, pid)["issues"]}
    assert r(row, schema.products, pid)["variant_count"] == 2


def test_bulk_job_and_export_are_queued_offline(w, r) -> None:
    job = w(edits.queue_bulk_job, "BULK_UPDATE", {"status": "ACTIVE"})
    export = w(edits.queue_export, "jsonl")
    kinds = {(o.entity_id, o.kind) for o in r(outbox.operations)}
    assert kinds == {(job, OpKind.CREATE), (export, OpKind.CREATE)}
    with pytest.raises(EditError):
        w(edits.queue_export, "xlsx")


def test_variant_matrix_becomes_one_batch_of_creates(w, r) -> None:
    from synq_desktop.domain.sku import variant_matrix

    pid = w(edits.create, E.PRODUCT, {"title": "Merino Wool Sweater"})
    proposals = variant_matrix("MWS", {"Color": ["Red", "Blue"], "Size": ["S", "M"]}, existing_skus=["MWS-BLUE-M"])
    created = w(edits.create_variant_matrix, pid, proposals, {"price": "89.99", "currency": "USD"})
    skus = sorted(r(row, schema.variants, vid)["sku"] for vid in created)
    assert skus == ["MWS-BLUE-S", "MWS-RED-M", "MWS-RED-S"]
    assert r(row, schema.products, pid)["variant_count"] == 3
    assert {op.state for op in r(outbox.operations, entity_type=E.VARIANT)} == {OpState.BLOCKED}
    [batch] = {e.batch_id for vid in created for e in r(history.of_record, E.VARIANT, vid)}
    assert len(r(history.batch, batch)) == 3
