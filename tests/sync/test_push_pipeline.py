"""The push pipeline: workers send while the next batch is claimed. A cancel mid-push leaves nothing
IN_FLIGHT that was never sent (claimed records not begun go back to PENDING), loses nothing and doubles
nothing; the next sync sends the rest."""
from __future__ import annotations

import asyncio

import pytest

from synq_desktop.store import edits, outbox
from synq_desktop.store.states import OpState
from synq_desktop.sync.engine import SyncEngine
from synq_desktop.sync.progress import Cancelled
from synq_desktop.sync.push import CANCELLED
from tests.sync.helpers import client_for, new_product, server_all, sync


def test_cancel_mid_push_releases_what_was_claimed_but_not_sent(wc, creds):
    for index in range(30):
        new_product(wc, f"P{index:02d}")

    async def cancelled_push() -> None:
        async with client_for(creds) as client:
            engine = SyncEngine(wc, client, push_concurrency=2)
            engine.push_batch_records = 10
            pushes: list[int] = []

            def on_event(event) -> None:
                if event.phase == "push":
                    pushes.append(event.done)
                    if len(pushes) == 2:  # the first batch is claimed and being sent
                        engine.cancel()

            engine.subscribe(on_event)
            await engine.run(pull=False)

    with pytest.raises(Cancelled):
        asyncio.run(cancelled_push())
    ops = wc.read_blocking(outbox.operations)
    assert OpState.IN_FLIGHT not in {op.state for op in ops}
    sent = len(server_all(creds, "/products"))
    assert 0 < sent < 30 and len(ops) == 30 - sent
    assert any(op.last_error == CANCELLED for op in ops)  # claimed, never begun, released
    summary = sync(wc, creds, pull=False)
    assert (summary.pushed, summary.pending) == (30 - sent, 0)
    assert sorted(p["title"] for p in server_all(creds, "/products")) == [f"P{i:02d}" for i in range(30)]


def test_small_batches_keep_every_record_in_order(wc, creds):
    products = [new_product(wc, f"Q{index}") for index in range(12)]
    for product in products:
        wc.write_blocking(edits.update, "product", product, {"description": "first"})
    summary = sync(wc, creds, pull=False, push_concurrency=3)
    assert (summary.pushed, summary.pending) == (12, 0)  # create + update coalesced into one create each
    for index, product in enumerate(products):
        wc.write_blocking(edits.update, "product", product, {"title": f"Q{index} again"})

    async def small_batches() -> int:
        async with client_for(creds) as client:
            engine = SyncEngine(wc, client, push_concurrency=3)
            engine.push_batch_records = 2
            return (await engine.run(pull=False)).pushed

    assert asyncio.run(small_batches()) == 12
    server = {p["title"]: p["description"] for p in server_all(creds, "/products")}
    assert server == {f"Q{index} again": "first" for index in range(12)}
