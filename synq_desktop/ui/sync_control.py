"""The seam between the window and the sync engine: what the status bar needs, nothing more.

The sync engine (synq_desktop.sync) has no Qt, so it reports through plain callbacks; the status bar
turns them into widget updates on the GUI thread (the engine runs on the same event loop). An engine
that is not there yet, or a profile without one, is `NoSync`: offline, nothing to do.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # the API client (httpx, pydantic) is imported after the first painted page, not before
    from synq_desktop.api.models import Capabilities


@dataclass(frozen=True, slots=True)
class SyncStatus:
    online: bool = False
    syncing: bool = False
    role: str | None = None  # ADMIN, EDITOR, VIEWER (a VIEWER's copy is read-only)
    last_sync: str | None = None  # ISO time of the last complete sync
    progress: float | None = None  # 0..1 while syncing, when known
    message: str = ""  # what is happening or what went wrong, for a person
    auth_expired: bool = False  # a 401 paused the queue: sign in again
    # What the server offers beyond the documented API (its /capabilities probe, cached per profile);
    # None until the first probe. The editor disables up front the edits this server cannot take.
    capabilities: Capabilities | None = None


Listener = Callable[[SyncStatus], None]


class SyncControl(Protocol):
    def start_sync(self) -> None:
        """Sync now (Ctrl+S); a sync already running is not started twice."""

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener` with the current status now and on every change; returns an unsubscribe."""


class NoSync:
    """No engine: always offline. Edits stay in the outbox until one runs."""

    def __init__(self, message: str = "Sync is not available for this profile yet.") -> None:
        self.status = SyncStatus(message=message)
        self.requests = 0

    def start_sync(self) -> None:
        self.requests += 1

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        listener(self.status)
        return lambda: None
