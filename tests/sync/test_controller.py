"""The status-bar seam: start_sync, status updates while syncing, the outcome, a 401 banner."""
from __future__ import annotations

import asyncio

from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.controller import SyncController
from synq_desktop.sync.engine import SyncEngine
from tests.sync.helpers import client_for, new_product


def test_controller_reports_progress_outcome_and_expired_tokens(tmp_path, demo_creds):
    wc = WorkingCopy.open(tmp_path / "catalog.sqlite")
    seen = []

    async def scenario():
        async with client_for(demo_creds) as client:
            controller = SyncController(SyncEngine(wc, client))
            controller.subscribe(seen.append)
            controller.start_sync()
            controller.start_sync()  # not started twice
            task = controller.engine._task
            await task
            await asyncio.sleep(0)  # the done callback runs on the next loop turn
            done = controller.status
            new_product(wc, "after")
            client.set_token("expired")
            controller.start_sync()
            await asyncio.wait([controller.engine._task])  # its outcome is the controller's to report
            await asyncio.sleep(0)
            return done, controller.status

    try:
        done, expired = asyncio.run(scenario())
    finally:
        wc.close()
    assert seen[0].syncing is False and any(s.syncing and s.progress is not None for s in seen)
    assert done.online and not done.syncing and done.last_sync and done.role == "ADMIN"
    assert "0 pending" in done.message
    assert expired.auth_expired and not expired.syncing
