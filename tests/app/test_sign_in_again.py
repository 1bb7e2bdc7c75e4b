"""An expired token: the sync stops with a banner, edits stay queued; signing in again resumes."""
from __future__ import annotations

import asyncio

import httpx

from synq_desktop.app.gui import DesktopSession, GuiOptions
from synq_desktop.store.profiles import Profile, remember_last, save_profile
from synq_desktop.ui.product_table_model import COLUMN_BY_KEY
from synq_desktop.ui.sign_in_dialog import SignInDialog
from tests.ui.qasync_harness import STRICT_QT_LOG

pytestmark = STRICT_QT_LOG


def test_expired_token_shows_a_banner_and_signing_in_resumes_the_sync(qloop, qtbot, tmp_path, monkeypatch,
                                                                        sandbox):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    short = sandbox.mint(ttl_seconds=2)
    sandbox.seed_demo(short, products=5)
    monkeypatch.setenv("SYNQ_TOKEN", short.token)  # the profile's token comes from the environment
    profile = Profile("work", short.url, short.tenant_id, short.org_id)
    save_profile(profile)
    remember_last("work")

    session = DesktopSession(GuiOptions())
    task = asyncio.ensure_future(session.run())
    qtbot.waitUntil(session.ready.is_set, timeout=30_000)
    editor = session.editor
    qtbot.waitUntil(lambda: editor.syncs_seen >= 1 and editor.products.rowCount() == 5, timeout=30_000)
    assert editor.products.setData(editor.products.index(0, COLUMN_BY_KEY["title"]), "Edited while signed out")
    qtbot.waitUntil(lambda: editor.writes.outstanding == 0)

    def expired() -> bool:
        answer = httpx.get(short.url + "/api/v1/pim/stats", headers=short.headers, timeout=5)
        return answer.status_code == 401

    qtbot.waitUntil(expired, timeout=10_000)
    session.sync.start_sync()
    qtbot.waitUntil(lambda: session.window.banner.isVisible(), timeout=30_000)
    assert "expired" in session.window.banner.text.text()
    assert editor.sync_bar.pending.text().startswith("1 pending")

    fresh = sandbox.mint(tenant_id=short.tenant_id, org_id=short.org_id)
    signing_in = asyncio.ensure_future(session.sign_in_again())
    dialogs: list[SignInDialog] = []
    qtbot.waitUntil(lambda: bool(dialogs.extend(session.window.findChildren(SignInDialog)) or dialogs))
    dialogs[0].token.setText(fresh.token)
    dialogs[0].accept()
    qtbot.waitUntil(signing_in.done)
    assert signing_in.result() is True
    qtbot.waitUntil(lambda: not session.sync.running and editor.sync_bar.pending.text() == "0 pending",
                    timeout=30_000)
    assert not session.window.banner.isVisible()
    titles = [p["title"] for p in httpx.get(short.url + "/api/v1/pim/products", headers={
        **short.headers, "Authorization": f"Bearer {fresh.token}"}, timeout=5).json()]
    assert "Edited while signed out" in titles
    session.window.close()
    qtbot.waitUntil(task.done, timeout=30_000)
    assert task.result() == 0
