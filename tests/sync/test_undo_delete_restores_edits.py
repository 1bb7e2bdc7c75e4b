"""Undoing a delete brings the record back exactly as it was before the delete, its unsent edits included:
queueing the delete made the pending rename moot, and the undo queues it again, so the next sync sends the
rename instead of a pull silently restoring the server's name."""
from __future__ import annotations

from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.entities import SPECS
from synq_desktop.store.states import OpKind, OpState
from synq_desktop.store.working_copy import WorkingCopy
from tests.sync.helpers import edit, new_product, row_of, server_get, sync


def pending(wc: WorkingCopy, entity_type: str, local_id: str) -> list[tuple[OpKind, dict, OpState]]:
    return [(op.kind, op.payload, op.state) for op in wc.read_blocking(outbox.record_ops, entity_type, local_id)]


def test_revert_record_of_a_delete_brings_back_the_category_rename(wc, creds):
    category = edit(wc, edits.create, "category", {"name": "Kitchen", "slug": "kitchen"})
    assert sync(wc, creds).pending == 0
    edit(wc, edits.update, "category", category, {"name": "Cooking"})
    [update_op] = wc.read_blocking(outbox.record_ops, "category", category)
    edit(wc, edits.delete, "category", category)
    assert [kind for kind, _, _ in pending(wc, "category", category)] == [OpKind.DELETE]

    edit(wc, outbox.revert_record, "category", category)

    row = row_of(wc, schema.categories, category)
    assert (row["deleted"], row["name"], row["sync_state"]) == (0, "Cooking", "PENDING")
    [restored] = wc.read_blocking(outbox.record_ops, "category", category)
    # The same operation as before the delete: its id, what it sends and the base it was made against.
    assert (restored.op_id, restored.kind, restored.payload, restored.base, restored.state) == (
        update_op.op_id, OpKind.UPDATE, {"name": "Cooking"}, {"name": "Kitchen"}, OpState.PENDING)
    summary = sync(wc, creds)
    assert (summary.pending, summary.conflicts) == (0, 0)
    assert server_get(creds, "/categories")[0]["name"] == "Cooking"
    row = row_of(wc, schema.categories, category)
    assert (row["name"], row["sync_state"]) == ("Cooking", "SYNCED")


def test_undo_of_a_product_delete_batch_brings_back_the_pending_update(wc, creds):
    product = new_product(wc, "Lamp", description="brass")
    assert sync(wc, creds).pending == 0
    server_id = row_of(wc, schema.products, product)["server_id"]
    edit(wc, edits.update, "product", product, {"title": "Desk lamp", "description": "brushed brass"})
    batch = edits.new_batch_id()
    edit(wc, edits.delete, "product", product, batch_id=batch)
    assert row_of(wc, schema.products, product)["deleted"] == 1

    edit(wc, edits.revert_batch, batch)

    row = row_of(wc, schema.products, product)
    assert (row["deleted"], row["title"], row["description"]) == (0, "Desk lamp", "brushed brass")
    assert pending(wc, "product", product) == [
        (OpKind.UPDATE, {"title": "Desk lamp", "description": "brushed brass"}, OpState.PENDING)]
    summary = sync(wc, creds)
    assert (summary.pending, summary.conflicts) == (0, 0)
    on_server = server_get(creds, f"/products/{server_id}")
    assert (on_server["title"], on_server["description"]) == ("Desk lamp", "brushed brass")
    assert row_of(wc, schema.products, product)["sync_state"] == "SYNCED"


def test_undo_restores_the_rename_even_after_a_pull_wrote_the_servers_values_over_the_hidden_row(wc, creds):
    """While the delete waits, the row has no pending field, so a pull writes the server's version into it;
    the undo puts the user's values back beside their operation."""
    product = new_product(wc, "Lamp")
    assert sync(wc, creds).pending == 0
    edit(wc, edits.update, "product", product, {"title": "Desk lamp"})
    edit(wc, edits.delete, "product", product)
    record = {**row_of(wc, schema.products, product)["base"], "id": row_of(wc, schema.products, product)["server_id"]}
    [delete_op] = wc.read_blocking(outbox.record_ops, "product", product)
    spec = SPECS[delete_op.entity_type]
    edit(wc, outbox.apply_server_record, spec, product, record, set())
    assert row_of(wc, schema.products, product)["title"] == "Lamp"

    edit(wc, outbox.revert_record, "product", product)

    assert row_of(wc, schema.products, product)["title"] == "Desk lamp"
    assert pending(wc, "product", product) == [(OpKind.UPDATE, {"title": "Desk lamp"}, OpState.PENDING)]


def test_a_delete_that_goes_out_sends_no_superseded_edit_and_take_theirs_does_not_revive_it(wc, creds):
    product = new_product(wc, "Lamp")
    assert sync(wc, creds).pending == 0
    server_id = row_of(wc, schema.products, product)["server_id"]
    edit(wc, edits.update, "product", product, {"title": "Desk lamp"})
    edit(wc, edits.delete, "product", product)
    [delete_op] = wc.read_blocking(outbox.record_ops, "product", product)
    assert delete_op.payload == {}  # what it keeps for an undo is not part of what it carries
    with creds.client() as http:
        http.put(f"/products/{server_id}", json={"title": "Their lamp"}).raise_for_status()
    assert sync(wc, creds, pull=False).conflicts == 1
    [conflict] = wc.read_blocking(outbox.open_conflicts)
    edit(wc, outbox.resolve_conflict, conflict.id, "theirs")
    assert wc.read_blocking(outbox.operations) == []
    assert row_of(wc, schema.products, product)["title"] == "Their lamp"
    assert sync(wc, creds).pending == 0
    assert server_get(creds, f"/products/{server_id}")["title"] == "Their lamp"
