"""The engine against the real sandbox and real SQLite files: push, pull, merge, the outbox states."""
from __future__ import annotations

import asyncio

import pytest

from synq_desktop.store import edits, outbox, sync_meta
from synq_desktop.store.errors import ProfileLockedError, ReadOnlyError
from synq_desktop.store.states import EntityType, OpState
from synq_desktop.sync.engine import SyncEngine
from synq_desktop.sync.progress import Cancelled
from tests.sync.helpers import (
    client_for,
    edit,
    last_seq,
    new_product,
    new_variant,
    server_all,
    server_get,
    sync,
)


def row(wc, table: str, local_id: str) -> dict:
    from sqlalchemy import select

    from synq_desktop.store import schema

    t = schema.metadata.tables[table]
    with wc.reading() as connection:
        return dict(connection.execute(select(t).where(t.c.local_id == local_id)).mappings().one())


def test_push_creates_blocked_variants_updates_and_deletes(wc, creds):
    product = new_product(wc, "Shirt", description="cotton")
    variant = new_variant(wc, product, "SH-1", "19.99")
    states = {op.entity_type: op.state for op in wc.read_blocking(outbox.operations)}
    assert states == {EntityType.PRODUCT: OpState.PENDING, EntityType.VARIANT: OpState.BLOCKED}
    summary = sync(wc, creds)
    assert (summary.pushed, summary.pending, summary.conflicts, summary.rejected) == (2, 0, 0, 0)
    [server_product] = server_all(creds, "/products")
    [server_variant] = server_all(creds, "/variants")
    assert server_product["title"] == "Shirt" and server_variant["product_id"] == server_product["id"]
    assert server_variant["price"] == "19.99" and server_variant["sku"] == "SH-1"
    assert row(wc, "products", product)["server_id"] == server_product["id"]

    edit(wc, edits.update, "product", product, {"title": "Shirt II"})
    edit(wc, edits.update, "variant", variant, {"price": "21.50"})
    gone = new_product(wc, "Temporary")
    sync(wc, creds)
    edit(wc, edits.delete, "product", gone)
    summary = sync(wc, creds)
    assert summary.pending == 0
    titles = sorted(p["title"] for p in server_all(creds, "/products"))
    assert titles == ["Shirt II"]
    assert server_all(creds, "/variants")[0]["price"] == "21.5" or server_all(creds, "/variants")[0]["price"] == "21.50"


def test_pull_is_incremental_from_the_servers_clock(wc, demo_creds, sandbox):
    first = sync(wc, demo_creds)
    assert first.pulled_by_list["products"] == 20 and first.pulled_by_list["variants"] > 0
    state = wc.read_blocking(sync_meta.list_state, "products")
    products = server_all(demo_creds, "/products")
    assert state.updated_since == max(p["updated_at"] for p in products)  # the server's stamp, as sent
    with demo_creds.client() as http:
        http.put(f"/products/{products[0]['id']}", json={"title": "Changed remotely"}).raise_for_status()
    since = last_seq(sandbox)
    second = sync(wc, demo_creds)
    assert second.pulled_by_list["products"] == 1
    product_gets = [r for r in sandbox.requests(since) if r["path"].endswith("/products") and r["method"] == "GET"
                    and r["tenant_id"] == demo_creds.tenant_id and "summary" not in (r["query"] or "")]
    assert product_gets and all("updated_since" in (r["query"] or "") for r in product_gets)
    with wc.reading() as connection:
        from sqlalchemy import select

        from synq_desktop.store import schema

        title = connection.execute(select(schema.products.c.title).where(
            schema.products.c.server_id == products[0]["id"])).scalar_one()
    assert title == "Changed remotely"


def test_remote_delete_found_by_scan_and_404(wc, demo_creds):
    sync(wc, demo_creds)
    products = server_all(demo_creds, "/products")
    quiet, edited = products[0]["id"], products[1]["id"]
    edit(wc, edits.update, "product", edited, {"description": "my local edit"})
    with demo_creds.client() as http:
        for pid in (quiet, edited):
            http.delete(f"/products/{pid}").raise_for_status()
    summary = sync(wc, demo_creds, scan_interval=0)
    with wc.reading() as connection:
        from sqlalchemy import select

        from synq_desktop.store import schema

        ids = set(connection.execute(select(schema.products.c.local_id)).scalars())
    assert quiet not in ids  # gone without local edits
    assert edited in ids  # the edit met a remote delete: a conflict for the user, nothing lost
    conflicts = wc.read_blocking(outbox.open_conflicts)
    assert [(c.entity_id, c.field) for c in conflicts] == [(edited, "*")]
    assert summary.conflicts == 1 and summary.deleted.get("products") == 1


def test_412_merges_per_field(wc, demo_creds):
    sync(wc, demo_creds)
    # Our own create gives us an ETag for the record (list answers carry none).
    pid = new_product(wc, "Base title", description="base")
    sync(wc, demo_creds)
    assert row(wc, "products", pid)["etag"]
    server_id = row(wc, "products", pid)["server_id"]
    with demo_creds.client() as http:
        http.put(f"/products/{server_id}", json={"description": "theirs", "title": "Same new"}).raise_for_status()
    edit(wc, edits.update, "product", pid, {"title": "Same new", "status": "DRAFT"})
    summary = sync(wc, demo_creds)
    assert summary.conflicts == 0 and summary.pending == 0
    server = server_get(demo_creds, f"/products/{server_id}")
    assert (server["title"], server["description"], server["status"]) == ("Same new", "theirs", "DRAFT")
    # A real clash: one conflict on that field, the other field goes through.
    with demo_creds.client() as http:
        http.put(f"/products/{server_id}", json={"title": "Their title"}).raise_for_status()
    edit(wc, edits.update, "product", pid, {"title": "My title", "description": "mine"})
    summary = sync(wc, demo_creds)
    conflicts = wc.read_blocking(outbox.open_conflicts)
    assert [(c.field, c.mine, c.theirs) for c in conflicts] == [("title", "My title", "Their title")]
    assert summary.conflicts == 1
    again = sync(wc, demo_creds)  # a second sync does not raise it twice
    assert again.conflicts == 1 and len(wc.read_blocking(outbox.open_conflicts)) == 1
    edit(wc, outbox.resolve_conflict, conflicts[0].id, "mine")
    sync(wc, demo_creds)
    server = server_get(demo_creds, f"/products/{server_id}")
    assert (server["title"], server["description"]) == ("My title", "mine")


def test_rejected_keeps_the_servers_reason(wc, creds):
    with creds.client() as http:
        http.post("/categories", json={"name": "Shoes", "slug": "shoes"}).raise_for_status()
    local = edit(wc, edits.create, "category", {"name": "Shoes 2", "slug": "shoes"})
    summary = sync(wc, creds)
    [op] = wc.read_blocking(outbox.operations, [OpState.REJECTED])
    assert summary.rejected == 1 and op.entity_id == local and op.http_status == 409
    assert "slug" in (op.last_error or "").lower() or "taken" in (op.last_error or "").lower()


def test_401_pauses_the_queue_and_changes_nothing(wc, creds):
    new_product(wc, "A")
    new_product(wc, "B")
    before = {op.op_id: op.state for op in wc.read_blocking(outbox.operations)}

    async def run():
        async with client_for(creds) as client:
            await client.connect()
            client.set_token("expired-token")
            return await SyncEngine(wc, client).run()

    summary = asyncio.run(run())
    after = {op.op_id: op.state for op in wc.read_blocking(outbox.operations)}
    assert summary.auth_paused and before == after and set(after.values()) == {OpState.PENDING}
    assert server_all(creds, "/products") == []


def test_viewer_copy_is_read_only_and_says_why(wc, demo_creds, sandbox):
    viewer = sandbox.mint("VIEWER", tenant_id=demo_creds.tenant_id, org_id=demo_creds.org_id)
    summary = sync(wc, viewer)
    assert summary.pulled >= 20 and summary.read_only_reason and "VIEWER" in summary.read_only_reason
    with pytest.raises(ReadOnlyError):
        new_product(wc, "not allowed")


def test_transient_failures_back_off_then_go_through(wc, creds, sandbox):
    for index in range(5):
        new_product(wc, f"P{index}")
    sandbox.set_faults(throttle_burst=9, retry_after_s=0, paths="/products$")
    summary = sync(wc, creds)
    assert summary.pending == 0 and summary.pushed == 5
    assert len(server_all(creds, "/products")) == 5
    throttled = [r for r in sandbox.requests() if r["status"] == 429 and r["tenant_id"] == creds.tenant_id]
    assert len(throttled) == 9


def test_progress_events_and_cancel(wc, demo_creds):
    events: list = []
    sync(wc, demo_creds, events=events)
    phases = {e.phase for e in events}
    assert {"connect", "push", "pull:products", "pull:variants", "done"} <= phases
    products = [e for e in events if e.phase == "pull:products"]
    assert products[-1].done == 20 and products[-1].total == 20

    async def cancelled():
        async with client_for(demo_creds) as client:
            engine = SyncEngine(wc, client)
            engine.subscribe(lambda e: engine.cancel() if e.phase == "pull:categories" else None)
            await engine.run()

    with pytest.raises(Cancelled):
        asyncio.run(cancelled())


def test_lock_keeps_a_second_engine_off_the_outbox(wc, creds, tmp_path):
    from synq_desktop.store.profiles import ProfileLock

    held = ProfileLock(tmp_path, "work")
    held.acquire()
    try:
        with pytest.raises(ProfileLockedError) as info:
            sync(wc, creds, lock_dir=tmp_path)
        assert "process" in str(info.value)
    finally:
        held.release()
    assert sync(wc, creds, lock_dir=tmp_path).pending == 0
