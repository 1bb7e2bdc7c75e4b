"""What a person decides about an operation the sync could not settle: adopt an uncertain create
(the server has it under an id the user picked) and fix a refused value before sending it again."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from synq_desktop.store import edits, outbox, pull, schema
from synq_desktop.store.errors import StoreError
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.states import OpState

P = schema.products
V = schema.variants


def row(r, table, local_id):
    return r(lambda c: c.execute(select(table).where(table.c.local_id == local_id)).first())


def uncertain_create(w, r, title: str = "Maybe made") -> tuple[str, outbox.Operation]:
    pid = w(edits.create, E.PRODUCT, {"title": title, "description": "Sent once"})
    [op] = r(outbox.record_ops, E.PRODUCT, pid)
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_uncertain, op.op_id, "The outcome is unknown and could not be settled automatically: 2 products")
    return pid, op


def test_adopting_an_uncertain_create_gives_the_record_its_server_id_and_unblocks_its_variant(w, r) -> None:
    pid, op = uncertain_create(w, r)
    vid = w(edits.create, E.VARIANT, {"product_id": pid, "sku": "M-1", "price": "5", "currency": "EUR"})
    [variant_op] = r(outbox.record_ops, E.VARIANT, vid)
    assert variant_op.state == OpState.BLOCKED

    assert w(outbox.adopt, op.op_id, " srv-42 ") == [variant_op.op_id]
    product = row(r, P, pid)
    assert product.server_id == "srv-42" and product.sync_state == "SYNCED"
    assert product.base["title"] == "Maybe made" and product.base["description"] == "Sent once"
    assert r(outbox.record_ops, E.PRODUCT, pid) == []
    assert r(outbox.get, variant_op.op_id).state == OpState.PENDING


def test_adopting_a_record_a_pull_already_brought_makes_one_row_with_the_servers_values(w, r) -> None:
    pid, op = uncertain_create(w, r)
    # The pull brought the server's copy in as a row of its own, already edited there since.
    w(pull.upsert_server_records, E.PRODUCT, [{"id": "srv-7", "title": "Maybe made", "description": "Theirs now",
                                                "status": "ACTIVE", "updated_at": "2026-01-02T00:00:00Z"}])
    twin = r(lambda c: c.execute(select(P.c.local_id).where(P.c.server_id == "srv-7")).scalar_one())
    assert twin != pid

    w(outbox.adopt, op.op_id, "srv-7")
    assert row(r, P, twin) is None  # folded into the record the user made
    product = row(r, P, pid)
    assert product.server_id == "srv-7"
    assert product.description == "Theirs now" and product.base["description"] == "Theirs now"
    assert r(outbox.operations) == []


def test_adopt_refuses_what_is_not_an_uncertain_create(w, r) -> None:
    _pid, op = uncertain_create(w, r)
    with pytest.raises(StoreError, match="server's id"):
        w(outbox.adopt, op.op_id, "  ")
    assert r(outbox.get, op.op_id).state == OpState.UNCERTAIN  # nothing changed
    w(pull.upsert_server_records, E.PRODUCT, [{"id": "p1", "title": "Old", "status": "ACTIVE",
                                                "updated_at": "2026-01-01T00:00:00Z"}])
    w(edits.update, E.PRODUCT, "p1", {"title": "Edited"})
    [update_op] = r(outbox.record_ops, E.PRODUCT, "p1")
    with pytest.raises(StoreError, match="UNCERTAIN"):
        w(outbox.adopt, update_op.op_id, "p1")
    w(outbox.mark_in_flight, [update_op.op_id])
    w(outbox.mark_uncertain, update_op.op_id, "lost")
    with pytest.raises(StoreError, match="Only a create"):
        w(outbox.adopt, update_op.op_id, "p1")


def test_fixing_a_refused_value_changes_the_operation_and_the_row_and_sends_it_again(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [{"id": "p1", "title": "Shirt", "status": "ACTIVE",
                                                "updated_at": "2026-01-01T00:00:00Z"}])
    vid = w(edits.create, E.VARIANT, {"product_id": "p1", "sku": "S-1", "price": "12.5", "currency": "EUR"})
    [op] = r(outbox.record_ops, E.VARIANT, vid)
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_rejected, op.op_id, "sku: taken", 409)

    w(outbox.fix, op.op_id, {"sku": "S-1b", "price": "12.50"})
    fixed = r(outbox.get, op.op_id)
    assert fixed.state == OpState.PENDING and fixed.idempotency_key == op.idempotency_key
    assert fixed.payload["sku"] == "S-1b" and fixed.payload["price"] == "12.50"
    variant = row(r, V, vid)
    assert (variant.sku, variant.price, variant.sync_state) == ("S-1b", "12.50", "PENDING")

    with pytest.raises(StoreError, match="REJECTED"):
        w(outbox.fix, op.op_id, {"sku": "again"})  # only a refused operation is fixed this way
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_rejected, op.op_id, "still", 400)
    with pytest.raises(StoreError, match="no field colour"):
        w(outbox.fix, op.op_id, {"colour": "red"})
    assert r(outbox.get, op.op_id).state == OpState.REJECTED


def test_a_retried_operation_waits_again_for_its_unsent_parent(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "Parent not sent"})
    vid = w(edits.create, E.VARIANT, {"product_id": pid, "sku": "C-1", "price": "5", "currency": "EUR"})
    [product_op] = r(outbox.record_ops, E.PRODUCT, pid)
    [variant_op] = r(outbox.record_ops, E.VARIANT, vid)
    w(outbox.mark_rejected, variant_op.op_id, "sku: taken", 409)
    w(outbox.retry, variant_op.op_id)
    retried = r(outbox.get, variant_op.op_id)
    assert retried.state == OpState.BLOCKED and retried.depends_on == product_op.op_id
    assert [g.entity_id for g in r(outbox.ready)] == [pid]  # the variant is not sent before its product
