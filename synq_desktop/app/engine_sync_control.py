"""The window's `SyncControl` over the sync engine: Ctrl+S, automatic sync, and a safe stop.

The engine (synq_desktop.sync.SyncEngine) runs on the app's event loop and reports progress events;
this adapter turns them and each run's summary into `SyncStatus` for the status bar, syncs on an
interval while online and retries sooner while offline (so a reconnect is noticed), and on close
cancels a running sync and waits for it, so no operation is left IN_FLIGHT by the app's own doing.
"""
from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
from collections.abc import Callable
from typing import Any

from synq_desktop.ui.sync_control import Listener, SyncStatus

log = logging.getLogger(__name__)

ONLINE_INTERVAL_S = 120.0
OFFLINE_RETRY_S = 30.0
STOP_TIMEOUT_S = 15.0


class EngineSyncControl:
    def __init__(self, engine: Any, *, auto: bool = True, online_interval: float = ONLINE_INTERVAL_S,
                 offline_retry: float = OFFLINE_RETRY_S) -> None:
        self.engine = engine
        self.auto = auto
        self.online_interval = online_interval
        self.offline_retry = offline_retry
        self.status = SyncStatus(message="Not synced yet.")
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._closed = False
        self.runs = 0
        self._unsubscribe = engine.subscribe(self._on_progress)

    # SyncControl
    def start_sync(self) -> None:
        if self._closed or (self._task is not None and not self._task.done()):
            return
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._set(syncing=True, progress=None, message="Syncing…")
        self._task = asyncio.ensure_future(self._run())

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        listener(self.status)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def wait_idle(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.shield(self._task)

    async def close(self) -> None:
        """Stop: no new runs; a running one is cancelled between batches and awaited."""
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
        if self.running:
            self.engine.cancel()
            assert self._task is not None
            try:
                await asyncio.wait_for(asyncio.shield(self._task), STOP_TIMEOUT_S)
            except (TimeoutError, asyncio.CancelledError, Exception):  # noqa: BLE001 - closing regardless
                log.warning("the sync did not stop in time; cancelling it")
                self._task.cancel()
                with contextlib.suppress(BaseException):
                    await self._task
        self._unsubscribe()

    # internals
    def _set(self, **changes: Any) -> None:
        self.status = dataclasses.replace(self.status, **changes)
        for listener in list(self._listeners):
            try:
                listener(self.status)
            except Exception:
                log.exception("a sync status listener failed")

    def _on_progress(self, event: Any) -> None:
        progress = (event.done / event.total) if event.total else None
        phase = str(event.phase).replace("pull:", "fetching ").replace("_", " ")
        # The engine probes /capabilities (or reads its cache) first: the editor learns what the server
        # cannot take from the first progress event on, before the user tries it.
        self._set(syncing=event.phase != "done", progress=progress, message=event.message or f"{phase}…",
                  capabilities=self._capabilities())

    async def _run(self) -> None:
        self.runs += 1
        try:
            summary = await self.engine.run()
        except asyncio.CancelledError:
            self._set(syncing=False, message="Sync stopped.")
            raise
        except Exception as exc:  # noqa: BLE001 - the status bar says it; edits stay queued
            name = type(exc).__name__
            auth = name in ("AuthError",)
            offline = name in ("NetworkError", "ServerError", "BadAnswerError", "ThrottledError")
            self._set(syncing=False, online=not offline and not auth, auth_expired=auth,
                      capabilities=self._capabilities(),  # offline: the cached probe of an earlier run
                      message=("Signed out: sign in again; your changes wait." if auth
                               else f"Sync failed: {exc}"))
            self._schedule(self.offline_retry if offline else self.online_interval)
            return
        capabilities = self._capabilities()
        role = getattr(capabilities, "role", None)
        note = summary.read_only_reason or summary.transient_error or ""
        if summary.auth_paused:
            note = "Signed out: sign in again; your changes wait."
        self._set(syncing=False, online=True, role=role, last_sync=summary.finished_at, progress=None,
                  auth_expired=summary.auth_paused, capabilities=capabilities,
                  message=note or f"Synced: {summary.pulled} received, {summary.pushed} sent.")
        self._schedule(self.online_interval)

    def _capabilities(self) -> Any:
        """The client's probe result (None before its first probe), kept once known."""
        return getattr(self.engine.client, "capabilities", None) or self.status.capabilities

    def _schedule(self, delay: float) -> None:
        if not self.auto or self._closed:
            return
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(delay, self.start_sync)
