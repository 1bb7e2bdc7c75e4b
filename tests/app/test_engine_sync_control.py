"""The status bar's sync control over the real sync engine, working copy, client and sandbox:
offline when the server fails, back online by itself once it answers again."""
from __future__ import annotations

from synq_desktop.api.client import SynqClient
from synq_desktop.app.engine_sync_control import EngineSyncControl
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.engine import SyncEngine
from synq_desktop.ui.sync_control import SyncStatus
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG


def test_offline_then_automatic_retry_after_reconnecting(qloop, qtbot, tmp_path, sandbox, demo_creds):
    copy = WorkingCopy.open(tmp_path / "catalog.sqlite")
    client = SynqClient(demo_creds.url, demo_creds.token, demo_creds.tenant_id, demo_creds.org_id)
    control = EngineSyncControl(SyncEngine(copy, client, lock_dir=tmp_path), online_interval=600,
                                offline_retry=0.3)
    seen: list[SyncStatus] = []
    control.subscribe(seen.append)
    try:
        sandbox.set_faults(error_rate=1.0, error_codes=[503])
        control.start_sync()
        qtbot.waitUntil(lambda: not control.running and control.runs == 1, timeout=60_000)
        assert not control.status.online and not control.status.syncing
        assert "Sync failed" in control.status.message
        sandbox.reset_faults()
        # No click: the retry timer notices the server is back.
        qtbot.waitUntil(lambda: control.status.online, timeout=60_000)
        assert control.runs >= 2
        assert control.status.role == "ADMIN" and control.status.last_sync
        assert any(s.syncing for s in seen) and any(s.progress is not None for s in seen)
        assert copy.read_blocking(lambda c: c.exec_driver_sql("SELECT count(*) FROM products").scalar()) == 20
    finally:
        run_coroutine(qtbot, control.close())
        run_coroutine(qtbot, client.aclose())
        copy.close()
