"""Edits leave the GUI in the order they were made, one at a time, and failures are reported.

Undo commands apply their change to the models at once (the grid never waits on disk) and queue the
write here; the working copy's writer thread would keep order anyway, but the queue makes the order
explicit across awaits and gives tests and the status bar one place to wait for "all written".
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)


class WriteQueue(QObject):
    failed = Signal(str)  # a sentence for the status bar
    written = Signal()  # one queued write finished (successfully or not)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._lock = asyncio.Lock()
        self._outstanding = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @property
    def outstanding(self) -> int:
        return self._outstanding

    def submit(self, write: Callable[[], Awaitable[object]], after: Callable[[], None] | None = None) -> None:
        """Queue `write()`; `after()` runs on the GUI thread once it is done (e.g. refetch rows)."""
        self._outstanding += 1
        self._idle.clear()
        asyncio.ensure_future(self._run(write, after))

    async def _run(self, write: Callable[[], Awaitable[object]], after: Callable[[], None] | None) -> None:
        try:
            async with self._lock:
                try:
                    await write()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - reported to the user, the queue goes on
                    log.warning("a write to the working copy failed: %s", exc)
                    self.failed.emit(f"Not saved: {exc}")
                if after is not None:
                    after()
        finally:
            self._outstanding -= 1
            if self._outstanding == 0:
                self._idle.set()
            self.written.emit()

    async def drain(self) -> None:
        """Wait until every write queued so far is done."""
        await self._idle.wait()
