"""Progress events and cancellation of a sync: what the status bar and the command line show.

An event says which phase runs (`reconcile`, `push`, `pull:products`, `jobs`, ...), how much of it is done
and, when known, the total. Subscribers are plain callables called on the engine's event loop; one that
raises is logged and dropped rather than allowed to break a sync.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger("synq_desktop.sync")


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    phase: str
    done: int
    total: int | None = None
    message: str = ""


Listener = Callable[[ProgressEvent], None]


class Cancelled(Exception):
    """The sync stopped because `cancel()` was called; everything committed so far stays committed."""


class CancelToken:
    """Checked between pages and between batches: cancellation never cuts a transaction in half."""

    def __init__(self) -> None:
        self._cancelled = False

    def cancel(self) -> None:
        self._cancelled = True

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def check(self) -> None:
        if self._cancelled:
            raise Cancelled("the sync was cancelled")


class ProgressHub:
    """Fan-out of events to listeners (`subscribe` returns the function that unsubscribes)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)

        def unsubscribe() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return unsubscribe

    def emit(self, phase: str, done: int, total: int | None = None, message: str = "") -> None:
        event = ProgressEvent(phase, done, total, message)
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:  # a broken listener must not break the sync
                log.exception("progress listener failed; removed")
                self._listeners.remove(listener)
