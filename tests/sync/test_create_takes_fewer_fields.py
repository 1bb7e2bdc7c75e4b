"""A create endpoint may take fewer fields than the update (a docs-only POST /products takes title,
description and category only). What the create's answer does not carry is sent as an update right after
it, never replaced here by the answer's empty value: the server ends with every field the user set, the row
keeps them and ends SYNCED, and the record is created once."""
from __future__ import annotations

import pytest

from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.states import OpKind, OpState
from synq_desktop.store.working_copy import WorkingCopy
from tests.sync.helpers import edit, last_seq, new_product, row_of, server_get, sync


def product_with_category_and_brand(wc: WorkingCopy) -> tuple[str, str, str]:
    category = edit(wc, edits.create, "category", {"name": "Kitchen", "slug": "kitchen"})
    brand = edit(wc, edits.create, "brand", {"name": "Brassworks"})
    product = new_product(wc, "Lamp", description="brass", category_id=category, brand_id=brand)
    return product, category, brand


@pytest.mark.parametrize("server", ["docs_only_sandbox", "sandbox"])
def test_fields_the_create_did_not_take_reach_the_server_by_update(wc, server, request):
    sandbox = request.getfixturevalue(server)
    creds = sandbox.mint("ADMIN")
    product, category, brand = product_with_category_and_brand(wc)
    seq = last_seq(sandbox)

    summary = sync(wc, creds)

    assert (summary.pending, summary.conflicts, summary.rejected) == (0, 0, 0)
    row = row_of(wc, schema.products, product)
    category_server_id = row_of(wc, schema.categories, category)["server_id"]
    brand_server_id = row_of(wc, schema.brands, brand)["server_id"]
    assert (row["category_id"], row["brand_id"], row["sync_state"]) == (category, brand, "SYNCED")
    on_server = server_get(creds, f"/products/{row['server_id']}")
    assert (on_server["category_id"], on_server["brand_id"], on_server["description"]) == (
        category_server_id, brand_server_id, "brass")
    log = [r for r in sandbox.requests(since=seq) if r["tenant_id"] == creds.tenant_id]
    creates = [r for r in log if r["method"] == "POST" and r["path"].endswith("/products")]
    puts = [r for r in log if r["method"] == "PUT" and "/products/" in r["path"]]
    assert len(creates) == 1
    # The full server takes both at create: no extra request there; the docs-only one needs exactly one PUT.
    assert len(puts) == (1 if server == "docs_only_sandbox" else 0)
    assert wc.read_blocking(outbox.operations) == []
    # A second sync finds nothing to send and nothing to overwrite.
    again = sync(wc, creds)
    assert (again.pending, again.conflicts) == (0, 0)
    assert (row_of(wc, schema.products, product)["brand_id"], row_of(wc, schema.products, product)["category_id"]) \
        == (brand, category)


def test_the_follow_up_is_queued_with_the_answer_and_survives_a_stop_before_it_is_sent(tmp_path):
    """The answer's apply and the follow-up are one transaction: a copy reopened right after it holds the
    update (after the create, on the same record) and the row still holds the user's values."""
    wc = WorkingCopy.open(tmp_path / "catalog.sqlite")
    category = edit(wc, edits.create, "category", {"name": "Kitchen", "slug": "kitchen"})
    brand = edit(wc, edits.create, "brand", {"name": "Brassworks"})
    for local_id, table, server_id in ((category, "category", "cat-1"), (brand, "brand", "brand-1")):
        [op] = wc.read_blocking(outbox.record_ops, table, local_id)
        wc.write_blocking(outbox.mark_in_flight, [op.op_id])
        wc.write_blocking(outbox.mark_applied, op.op_id, {"id": server_id, **op.payload})
    product = new_product(wc, "Lamp", status="DRAFT", category_id=category, brand_id=brand)
    [create] = wc.read_blocking(outbox.record_ops, "product", product)
    wc.write_blocking(outbox.mark_in_flight, [create.op_id])
    docs_only_answer = {"id": "p-1", "title": "Lamp", "description": None, "category": None,
                        "category_id": None, "brand_id": None, "template_id": None, "status": "ACTIVE"}
    wc.write_blocking(outbox.mark_applied, create.op_id, docs_only_answer)
    wc.close()  # stopped right after the answer's commit
    wc = WorkingCopy.open(tmp_path / "catalog.sqlite")
    try:
        [follow_up] = wc.read_blocking(outbox.record_ops, "product", product)
        row = row_of(wc, schema.products, product)
    finally:
        wc.close()
    assert (follow_up.kind, follow_up.state) == (OpKind.UPDATE, OpState.PENDING)
    assert follow_up.batch_id == create.batch_id
    # Only what the answer left empty; a value it answers differently (the default status) is its word.
    assert follow_up.payload == {"category_id": category, "brand_id": brand}
    assert follow_up.base == {"category_id": None, "brand_id": None}
    assert (row["server_id"], row["category_id"], row["brand_id"], row["sync_state"]) == (
        "p-1", category, brand, "PENDING")


def test_a_later_edit_of_the_same_field_is_not_overwritten_by_the_follow_up(wc):
    """The user changed the brand again while the create was out: that later update carries the newer
    value, so the follow-up leaves the field to it."""
    brand = edit(wc, edits.create, "brand", {"name": "Brassworks"})
    other = edit(wc, edits.create, "brand", {"name": "Copperworks"})
    for local_id, server_id in ((brand, "b-1"), (other, "b-2")):
        [op] = wc.read_blocking(outbox.record_ops, "brand", local_id)
        wc.write_blocking(outbox.mark_in_flight, [op.op_id])
        wc.write_blocking(outbox.mark_applied, op.op_id, {"id": server_id, **op.payload})
    product = new_product(wc, "Lamp", description="brass", brand_id=brand)
    [create] = wc.read_blocking(outbox.record_ops, "product", product)
    wc.write_blocking(outbox.mark_in_flight, [create.op_id])
    edit(wc, edits.update, "product", product, {"brand_id": other})
    wc.write_blocking(outbox.mark_applied, create.op_id, {"id": "p-1", "title": "Lamp", "description": "brass",
                                                          "brand_id": None})
    ops = wc.read_blocking(outbox.record_ops, "product", product)
    assert [(op.kind, op.payload) for op in ops] == [(OpKind.UPDATE, {"brand_id": other})]
    assert row_of(wc, schema.products, product)["brand_id"] == other
