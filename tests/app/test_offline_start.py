"""An editor who starts offline works on the local copy: the server being unreachable never keeps the
catalog closed; the status bar says the counts could not be read and the sync shows offline."""
from __future__ import annotations

import asyncio
import socket

from synq_desktop.app.gui import WORKING_COPY_FILE, DesktopSession, GuiOptions
from synq_desktop.app.paths import profile_dir
from synq_desktop.store import edits
from synq_desktop.store.profiles import Profile, remember_last, save_profile
from synq_desktop.store.states import EntityType
from synq_desktop.store.working_copy import WorkingCopy
from tests.ui.qasync_harness import STRICT_QT_LOG

pytestmark = STRICT_QT_LOG


def _dead_url() -> str:
    with socket.socket() as probe:  # a loopback port nothing listens on once the socket is closed
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_an_unreachable_server_opens_the_local_copy_with_its_edits(qloop, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(tmp_path))
    monkeypatch.setenv("SYNQ_TOKEN", "offline-token")
    profile = Profile("work", _dead_url(), "tenant", "org")
    save_profile(profile)
    remember_last("work")
    copy = WorkingCopy.open(profile_dir("work") / WORKING_COPY_FILE)
    try:
        copy.write_blocking(edits.create, EntityType.PRODUCT, {"title": "Made on the train"})
    finally:
        copy.close()

    session = DesktopSession(GuiOptions())
    task = asyncio.ensure_future(session.run())
    qtbot.waitUntil(lambda: session.ready.is_set() or task.done(), timeout=60_000)
    assert not task.done(), task.exception() if not task.cancelled() else "cancelled"
    window, editor = session.window, session.editor
    assert window is not None and editor is not None and window.is_showing_catalog()
    qtbot.waitUntil(lambda: editor.products.rowCount() == 1, timeout=30_000)
    titles = [editor.products.index(0, c).data() for c in range(editor.products.columnCount())]
    assert "Made on the train" in titles
    assert "local copy" in window.statusBar().currentMessage()
    assert "offline-token" not in window.statusBar().currentMessage()
    qtbot.waitUntil(lambda: not session.sync.running, timeout=60_000)
    window.close()
    qtbot.waitUntil(task.done, timeout=30_000)
    assert task.result() == 0
