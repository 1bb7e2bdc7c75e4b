"""Plain `synq-desktop` with no profile yet: the first-run dialog, its three ways out."""
from __future__ import annotations

import asyncio

from PySide6.QtCore import Qt

from synq_desktop.app.gui import DesktopSession, GuiOptions
from synq_desktop.store.profiles import last_profile_name, load_profile
from synq_desktop.ui.first_run import FirstRunDialog
from tests.ui.qasync_harness import STRICT_QT_LOG

pytestmark = STRICT_QT_LOG


def _dialog(qtbot, session: DesktopSession) -> FirstRunDialog:
    found: list[FirstRunDialog] = []

    def shown() -> bool:
        if session.window is None:
            return False
        found[:] = [d for d in session.window.findChildren(FirstRunDialog) if d.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown)
    return found[0]


def test_cancel_closes_the_window_and_exits_zero(qloop, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    monkeypatch.delenv("SYNQ_TOKEN", raising=False)
    session = DesktopSession(GuiOptions())
    task = asyncio.ensure_future(session.run())
    dialog = _dialog(qtbot, session)
    assert not dialog.connect_button.isEnabled()
    dialog.reject()
    qtbot.waitUntil(task.done, timeout=10_000)
    assert task.result() == 0
    assert last_profile_name() is None


def test_connect_needs_a_usable_url_and_every_field(qloop, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    dialog = FirstRunDialog()
    qtbot.addWidget(dialog)
    qtbot.keyClicks(dialog.url, "ftp://example")
    assert not dialog.connect_button.isEnabled()
    assert "https://" in dialog.problem.text()
    dialog.url.clear()
    qtbot.keyClicks(dialog.url, "https://api.synq.app/")
    qtbot.keyClicks(dialog.tenant, "t-1")
    qtbot.keyClicks(dialog.org, "o-1")
    assert not dialog.connect_button.isEnabled()
    qtbot.keyClicks(dialog.token, "s3cret")
    assert dialog.connect_button.isEnabled()
    details = dialog.details()
    assert details.base_url == "https://api.synq.app"
    assert "s3cret" not in repr(details)


def test_try_the_sandbox_opens_the_demo_catalog(qloop, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    session = DesktopSession(GuiOptions(demo_products=4))
    task = asyncio.ensure_future(session.run())
    dialog = _dialog(qtbot, session)
    qtbot.mouseClick(dialog.sandbox_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(session.ready.is_set, timeout=90_000)
    counts = session.window.counts.counts()
    assert counts.get("total_products", counts.get("products")) == 4
    assert last_profile_name() == "demo"
    session.window.close()
    qtbot.waitUntil(task.done, timeout=30_000)
    assert task.result() == 0


def test_connect_to_a_server_saves_the_profile_without_the_token(qloop, qtbot, tmp_path, monkeypatch, demo_creds):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    monkeypatch.delenv("SYNQ_TOKEN", raising=False)
    session = DesktopSession(GuiOptions())
    task = asyncio.ensure_future(session.run())
    dialog = _dialog(qtbot, session)
    dialog.url.setText(demo_creds.url)
    dialog.tenant.setText(demo_creds.tenant_id)
    dialog.org.setText(demo_creds.org_id)
    dialog.token.setText(demo_creds.token)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(session.ready.is_set, timeout=30_000)
    counts = session.window.counts.counts()
    assert counts.get("total_products", counts.get("products")) == 20
    name = last_profile_name()
    assert name is not None
    profile = load_profile(name)
    assert profile is not None and profile.base_url == demo_creds.url and not profile.sandbox
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert demo_creds.token not in path.read_text(encoding="utf-8", errors="replace"), path
    session.window.close()
    qtbot.waitUntil(task.done, timeout=30_000)
    assert task.result() == 0


def test_a_known_profile_without_a_token_asks_only_for_the_token(qloop, qtbot, tmp_path, monkeypatch, demo_creds):
    from synq_desktop.store.profiles import Profile, remember_last, save_profile

    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    monkeypatch.delenv("SYNQ_TOKEN", raising=False)
    monkeypatch.setattr("synq_desktop.app.gui.token_for", lambda profile: None)  # no keyring on this machine
    save_profile(Profile("shop", demo_creds.url, demo_creds.tenant_id, demo_creds.org_id))
    remember_last("shop")
    session = DesktopSession(GuiOptions())
    task = asyncio.ensure_future(session.run())
    dialog = _dialog(qtbot, session)
    assert (dialog.url.text(), dialog.tenant.text(), dialog.org.text()) == (
        demo_creds.url, demo_creds.tenant_id, demo_creds.org_id)
    assert not dialog.connect_button.isEnabled()
    qtbot.keyClicks(dialog.token, demo_creds.token)
    qtbot.mouseClick(dialog.connect_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(session.ready.is_set, timeout=30_000)
    assert last_profile_name() == "shop"
    session.window.close()
    qtbot.waitUntil(task.done, timeout=30_000)
    assert task.result() == 0
