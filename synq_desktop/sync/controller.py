"""What the window drives: sync now (Ctrl+S), sync on a timer while online, and one status for the status bar.

`SyncController` fits the UI's `SyncControl` seam (synq_desktop/ui/sync_control.py) by shape: `start_sync()` and
`subscribe(listener) -> unsubscribe`, with listeners called with an `EngineStatus` carrying the same fields as
the UI's `SyncStatus` (online, syncing, role, last_sync, progress, message, auth_expired). No Qt here: it runs on
the app's qasync loop like the engine.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, replace

from synq_desktop.api import AuthError, NetworkError, ServerError, SynqError
from synq_desktop.store.errors import ProfileLockedError, StoreError
from synq_desktop.sync.engine import SyncEngine, SyncSummary
from synq_desktop.sync.progress import Cancelled, ProgressEvent

log = logging.getLogger("synq_desktop.sync")


@dataclass(frozen=True, slots=True)
class EngineStatus:
    online: bool = False
    syncing: bool = False
    role: str | None = None
    last_sync: str | None = None
    progress: float | None = None
    message: str = ""
    auth_expired: bool = False


StatusListener = Callable[[EngineStatus], None]


def describe(summary: SyncSummary) -> str:
    parts = [f"{summary.pending} pending"]
    if summary.conflicts:
        parts.append(f"{summary.conflicts} conflicts")
    if summary.rejected:
        parts.append(f"{summary.rejected} rejected")
    if summary.uncertain:
        parts.append(f"{summary.uncertain} to check")
    if summary.truncated:
        parts.append("possibly incomplete: " + ", ".join(summary.truncated))
    if summary.read_only_reason:
        parts.append("read-only")
    return "; ".join(parts)


class SyncController:
    def __init__(self, engine: SyncEngine, *, interval: float | None = None) -> None:
        self.engine = engine
        self.interval = interval
        self.status = EngineStatus()
        self.last_summary: SyncSummary | None = None
        self._listeners: list[StatusListener] = []
        self._timer: asyncio.Task[None] | None = None
        engine.subscribe(self._on_event)

    # -- the SyncControl seam -------------------------------------------------------------------------

    def start_sync(self, *, retry_now: bool = True) -> None:
        """Sync now; a sync already running is not started twice."""
        if self.engine.running:
            return
        self._set(syncing=True, progress=None, message="Syncing…")
        task = self.engine.start(retry_now=retry_now)
        task.add_done_callback(self._finished)

    def subscribe(self, listener: StatusListener) -> Callable[[], None]:
        self._listeners.append(listener)
        listener(self.status)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    # -- timer --------------------------------------------------------------------------------------------

    def start_timer(self) -> None:
        """Sync every `interval` seconds (operations in backoff wait until due)."""
        if self.interval and (self._timer is None or self._timer.done()):
            self._timer = asyncio.ensure_future(self._tick())

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self.engine.cancel()

    async def _tick(self) -> None:
        assert self.interval
        while True:
            await asyncio.sleep(self.interval)  # the sync period itself
            self.start_sync(retry_now=False)

    # -- plumbing -----------------------------------------------------------------------------------------

    def _set(self, **changes: object) -> None:
        self.status = replace(self.status, **changes)  # type: ignore[arg-type]
        for listener in list(self._listeners):
            try:
                listener(self.status)
            except Exception:  # a broken listener must not break the sync
                log.exception("sync status listener failed")

    def _on_event(self, event: ProgressEvent) -> None:
        progress = event.done / event.total if event.total else None
        total = f"/{event.total}" if event.total is not None else ""
        self._set(syncing=True, online=True, progress=progress, message=f"{event.phase} {event.done}{total}")

    def _finished(self, task: asyncio.Task[SyncSummary]) -> None:
        if task.cancelled():
            self._set(syncing=False, progress=None, message="Sync cancelled")
            return
        error = task.exception()
        if error is None:
            summary = task.result()
            self.last_summary = summary
            caps = self.engine.client.capabilities
            self._set(syncing=False, online=True, progress=None, last_sync=summary.finished_at,
                      role=caps.role if caps is not None else self.status.role,
                      auth_expired=summary.auth_paused, message=describe(summary))
        elif isinstance(error, AuthError):
            self._set(syncing=False, progress=None, auth_expired=True,
                      message="The server refused the token: sign in again. Nothing was lost.")
        elif isinstance(error, (NetworkError, ServerError)):
            self._set(syncing=False, online=False, progress=None, message=f"Offline: {error.message}")
        elif isinstance(error, (SynqError, StoreError, ProfileLockedError, Cancelled)):
            self._set(syncing=False, progress=None, message=str(error))
        else:
            log.error("sync failed", exc_info=error)
            self._set(syncing=False, progress=None, message=f"Sync failed: {type(error).__name__}")
