"""The live parts one sandbox app shares between its handlers and its job worker."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from synq_desktop.sandbox.clock import MonotonicClock
from synq_desktop.sandbox.db import Store
from synq_desktop.sandbox.ratelimit import RateLimiter
from synq_desktop.sandbox.settings import SandboxSettings


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is asking: the token's tenant, org and role (the worker acts as `system`)."""

    tenant_id: str
    org_id: str
    role: str
    actor_email: str
    ip_address: str | None = None
    token_digest: str = ""

    @property
    def can_write(self) -> bool:
        return self.role in ("ADMIN", "EDITOR")


@dataclass
class SandboxRuntime:
    settings: SandboxSettings
    store: Store
    clock: MonotonicClock
    files_dir: Path
    limiter: RateLimiter
    # Set when a job is queued, so the worker starts it without waiting for its next poll.
    jobs_waiting: threading.Event = field(default_factory=threading.Event)
    # token digest -> (tenant_id, org_id, role, actor_email, expires_at unix seconds or None)
    token_cache: dict[str, tuple[str, str, str, str, float | None]] = field(default_factory=dict)
    fault_state: object | None = None
    request_log: object | None = None

    @property
    def ext(self) -> bool:
        return not self.settings.docs_only
