"""`synq-desktop --sandbox` in-process: the window starts the embedded sandbox, shows its /stats, and
closing it stops the server; a restart on the same profile finds the same catalog."""
from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from synq_desktop.app.gui import DesktopSession, GuiOptions
from synq_desktop.store.profiles import last_profile_name, load_profile
from synq_desktop.ui.catalog_counts import snake
from tests.ui.qasync_harness import STRICT_QT_LOG

pytestmark = STRICT_QT_LOG

START_TIMEOUT_MS = 90_000


def _server_counts(session: DesktopSession) -> dict[str, int]:
    """The integer counts of the server's own /stats answer, read with plain httpx."""
    conn = session.connection
    assert conn is not None
    response = httpx.get(conn.base_url + "/api/v1/pim/stats", headers=conn.headers, timeout=10)
    assert response.status_code == 200
    return {snake(k): v for k, v in response.json().items() if isinstance(v, int) and not isinstance(v, bool)}


def _products(counts: dict[str, float | int]) -> float | int:
    key = "total_products" if "total_products" in counts else "products"
    return counts[key]


def _start(qtbot, options: GuiOptions) -> tuple[DesktopSession, asyncio.Task[int]]:
    session = DesktopSession(options)
    task = asyncio.ensure_future(session.run())
    qtbot.waitUntil(lambda: session.ready.is_set() or task.done(), timeout=START_TIMEOUT_MS)
    assert not task.done(), task.exception() if not task.cancelled() else "cancelled"
    return session, task


def _close(qtbot, session: DesktopSession, task: asyncio.Task[int]) -> int:
    assert session.window is not None
    session.window.close()
    qtbot.waitUntil(task.done, timeout=30_000)
    return task.result()


def test_sandbox_window_shows_the_servers_counts_and_closes_cleanly(qloop, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    session, task = _start(qtbot, GuiOptions(sandbox=True, demo_products=12))
    window = session.window
    assert window is not None and window.isVisible() and window.is_showing_catalog()
    shown = window.counts.counts()
    assert shown == _server_counts(session)
    assert len(shown) >= 6
    assert _products(shown) == 12
    assert (tmp_path / "profiles" / "demo" / "sandbox.sqlite").is_file()
    assert last_profile_name() == "demo"
    profile = load_profile("demo")
    assert profile is not None and profile.sandbox
    base_url = session.connection.base_url

    assert _close(qtbot, session, task) == 0
    assert session.finished.is_set()
    with pytest.raises(httpx.ConnectError):
        httpx.get(base_url + "/api/v1/pim/stats", timeout=2)


def test_restart_finds_the_same_catalog_without_reseeding(qloop, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    first, task = _start(qtbot, GuiOptions(sandbox=True, demo_products=7))
    first_counts = first.window.counts.counts()
    first_tenant = first.connection.tenant_id
    assert _close(qtbot, first, task) == 0

    # No --sandbox: the last profile is the demo one, so the embedded sandbox starts again.
    second, task = _start(qtbot, GuiOptions(sandbox=False, demo_products=30))
    assert second.connection.tenant_id == first_tenant
    assert second.window.counts.counts() == first_counts
    assert _products(second.window.counts.counts()) == 7
    assert _close(qtbot, second, task) == 0


def test_closing_while_the_sandbox_starts_still_stops_it(qloop, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    session = DesktopSession(GuiOptions(sandbox=True, demo_products=5))
    task = asyncio.ensure_future(session.run())
    qtbot.waitUntil(lambda: session.window is not None and session.window.isVisible())
    assert "sandbox" in session.window.busy_text().lower()
    session.window.close()
    qtbot.waitUntil(task.done, timeout=START_TIMEOUT_MS)
    assert task.result() == 0
    assert session.sandbox is not None and session.sandbox._server is None
    assert not session.ready.is_set()


def test_token_is_never_written_to_the_profile_directory(qloop, qtbot, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    session, task = _start(qtbot, GuiOptions(sandbox=True, demo_products=3))
    token = session.connection.token
    assert token not in repr(session.connection)
    assert _close(qtbot, session, task) == 0
    for path in tmp_path.rglob("*.json"):
        assert token not in path.read_text(encoding="utf-8"), path


def test_first_sync_fills_the_grid_and_closing_mid_sync_leaves_nothing_in_flight(qloop, qtbot, tmp_path,
                                                                                   monkeypatch):
    import sqlite3
    from contextlib import closing

    from synq_desktop.ui.product_table_model import COLUMN_BY_KEY

    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    session, task = _start(qtbot, GuiOptions(sandbox=True, demo_products=12))
    editor = session.editor
    assert editor is not None
    qtbot.waitUntil(lambda: editor.syncs_seen >= 1 and editor.products.rowCount() == 12, timeout=60_000)
    assert editor.sync_bar.online.text() == "online"
    assert editor.sync_bar.role.text() == "admin"
    # An edit, then a sync that the close interrupts.
    assert editor.products.setData(editor.products.index(0, COLUMN_BY_KEY["title"]), "Edited before closing")
    qtbot.waitUntil(lambda: editor.writes.outstanding == 0)
    session.sync.start_sync()
    assert _close(qtbot, session, task) == 0
    with closing(sqlite3.connect(tmp_path / "profiles" / "demo" / "catalog.sqlite")) as db:
        states = [s for (s,) in db.execute("SELECT state FROM outbox")]
    assert "IN_FLIGHT" not in states
