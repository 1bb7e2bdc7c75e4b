"""The status bar's automatic sync against the real engine and sandbox: while online it runs again on
its interval with no click, and an edit made meanwhile reaches the server by itself. (Going offline
and back is test_engine_sync_control.py.)"""
from __future__ import annotations

from sqlalchemy import select

from synq_desktop.api.client import SynqClient
from synq_desktop.app.engine_sync_control import EngineSyncControl
from synq_desktop.store import edits, schema
from synq_desktop.store.states import EntityType
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.engine import SyncEngine
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG


def test_online_sync_repeats_on_its_interval_and_sends_new_edits_unasked(qloop, qtbot, tmp_path, sandbox,
                                                                         demo_creds):
    copy = WorkingCopy.open(tmp_path / "catalog.sqlite")
    client = SynqClient(demo_creds.url, demo_creds.token, demo_creds.tenant_id, demo_creds.org_id)
    control = EngineSyncControl(SyncEngine(copy, client, lock_dir=tmp_path), online_interval=0.3,
                                offline_retry=30)
    try:
        control.start_sync()
        qtbot.waitUntil(lambda: control.runs == 1 and not control.running and control.status.online,
                        timeout=60_000)
        first_sync = control.status.last_sync
        p = schema.products
        product_id, server_id = copy.read_blocking(lambda c: c.execute(
            select(p.c.local_id, p.c.server_id).order_by(p.c.local_id)).first())
        copy.write_blocking(edits.update, EntityType.PRODUCT, product_id, {"title": "Sent without a click"})
        # No start_sync(): the interval timer runs the next syncs, which push the edit.
        qtbot.waitUntil(lambda: control.runs >= 3 and not control.running, timeout=60_000)
        assert control.status.online and control.status.last_sync != first_sync
        assert copy.read_blocking(lambda c: c.execute(select(schema.outbox.c.seq)).first()) is None
        record, _etag = run_coroutine(qtbot, client.get_product(server_id))
        assert record.title == "Sent without a click"
    finally:
        run_coroutine(qtbot, control.close())
        run_coroutine(qtbot, client.aclose())
        copy.close()
