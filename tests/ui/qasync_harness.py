"""The qasync test harness (QT-NOTES.md, "asyncio inside Qt"), shared by tests/ui and tests/app.

ONE `qasync.QEventLoop(qapp, already_running=True)` serves the whole pytest run: tests wait with
qtbot (nested Qt loops run the coroutines). Each test re-marks it as the running loop (an earlier
`run_until_complete` clears the mark) and at teardown cancels the tasks it left, waits for them, and
clears the mark again (so other tests' `asyncio.run()` still works).
`loop.stop()` is never called: it would `QApplication.exit()` and break every later `waitSignal`.
"""
from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from typing import Any

import pytest
import qasync
from PySide6.QtWidgets import QApplication

_SHARED: qasync.QEventLoop | None = None


def shared_loop(qapp: QApplication) -> qasync.QEventLoop:
    global _SHARED
    if _SHARED is None:
        _SHARED = qasync.QEventLoop(qapp, already_running=True)
        asyncio.set_event_loop(_SHARED)
    return _SHARED


@pytest.fixture(scope="session", autouse=True)
def _qasync_executor_cleanup() -> Iterator[None]:
    """At the end of the run, stop the loop's default executor threads (QThreads): Qt complains
    about a QThread destroyed while running otherwise."""
    yield
    if _SHARED is not None:
        executor = getattr(_SHARED, "_QEventLoop__default_executor", None)
        if executor is not None:
            executor.shutdown(wait=True)
            _SHARED.set_default_executor(None)


@pytest.fixture
def qloop(qapp: QApplication, qtbot: Any) -> Iterator[qasync.QEventLoop]:
    """The shared loop, marked running for this test; leftovers cancelled and awaited afterwards;
    a test that leaves a visible top-level window behind fails."""
    loop = shared_loop(qapp)
    asyncio.events._set_running_loop(loop)
    tasks_before = set(asyncio.all_tasks(loop))
    windows_before = {id(w) for w in qapp.topLevelWidgets() if w.isVisible()}
    yield loop
    asyncio.events._set_running_loop(loop)
    leftover = [t for t in asyncio.all_tasks(loop) if t not in tasks_before and not t.done()]
    for task in leftover:
        task.cancel()
    if leftover:
        qtbot.waitUntil(lambda: all(t.done() for t in leftover), timeout=10_000)
    stray = [
        w for w in qapp.topLevelWidgets()
        if w.isVisible() and id(w) not in windows_before and w.objectName() != "qtbot"
    ]
    for widget in stray:
        widget.close()
    # Leave no loop marked running: tests elsewhere in the run call asyncio.run(), which refuses
    # to start inside a running loop.
    asyncio.events._set_running_loop(None)
    assert not stray, f"test left windows open: {[type(w).__name__ for w in stray]}"


def run_coroutine(qtbot: Any, coro: Coroutine[Any, Any, Any], timeout_ms: int = 30_000) -> Any:
    """Run `coro` on the shared loop from a test, waiting on its completion (no sleeps)."""
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=timeout_ms)
    return task.result()


# Fail a test on any Qt warning (qutebrowser does the same), except the offscreen platform's notes about
# window-manager features it does not have (size hints, raising a popup, grabbing the keyboard).
STRICT_QT_LOG = [
    pytest.mark.qt_log_level_fail("WARNING"),
    pytest.mark.qt_log_ignore(
        r"This plugin does not support (propagateSizeHints\(\)|raise\(\)|grabbing the keyboard)"
    ),
]
