"""The request log: what clients sent to /api, so tests can count requests and read their headers.

A test that checks "the client retried the create with the same Idempotency-Key" or "no request went out
while offline" reads `GET /_admin/requests?since=<seq>`. Entries carry a rising `seq` (it keeps rising
across `clear()`, so `since` stays meaningful); the log keeps the newest `maxlen` entries.

`RequestLogMiddleware` is mounted outside `faults.FaultMiddleware`, so `status` is what the client got:
the final status code, or "dropped" when the answer was never completed (a dropped or truncated
answer, or a client that went away). `fault` names an injected fault and `app_status` the status the app
itself answered, when the fault middleware reports them; `app_status` None with a fault means the
request never reached the app.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any

DEFAULT_MAX_ENTRIES = 100_000

Entry = dict[str, Any]


def _iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class RequestLog:
    """A bounded, thread-safe list of request entries with rising sequence numbers."""

    def __init__(self, maxlen: int = DEFAULT_MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._entries: deque[Entry] = deque(maxlen=maxlen)
        self._seq = 0

    def append(self, entry: Entry) -> int:
        """Store a copy of `entry` with the next seq; returns that seq."""
        with self._lock:
            self._seq += 1
            self._entries.append({**entry, "seq": self._seq})
            return self._seq

    def entries(self, since: int = 0) -> list[Entry]:
        """Entries with seq greater than `since`, oldest first (copies)."""
        with self._lock:
            if since <= 0:
                return [dict(e) for e in self._entries]
            # Entries are in seq order: skip from the left without scanning the whole deque twice.
            return [dict(e) for e in self._entries if e["seq"] > since]

    def since(self, seq: int = 0) -> list[Entry]:
        """Same as `entries` (the name the admin routes use)."""
        return self.entries(seq)

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


class RequestLogMiddleware:
    """Pure ASGI middleware appending one entry per /api request to `log` once its answer is over.

    Mount it OUTSIDE `faults.FaultMiddleware` (with Starlette's `add_middleware`, add it after the fault
    middleware): then injected answers are logged too, and a dropped answer shows as "dropped".
    """

    def __init__(self, app: Any, log: RequestLog, prefix: str = "/api") -> None:
        self.app = app
        self.log = log
        self.prefix = prefix

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope.get("path", "").startswith(self.prefix):
            await self.app(scope, receive, send)
            return
        arrived = _iso_now()
        started_at = time.perf_counter()
        status: int | None = None
        complete = False

        async def watch(message: dict[str, Any]) -> None:
            nonlocal status, complete
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and not message.get("more_body", False):
                complete = True
            await send(message)

        failed = False
        try:
            await self.app(scope, receive, watch)
        except BaseException:
            failed = True
            raise
        finally:
            if failed and status is None:
                final: int | str = 500  # the server answers 500 for an app that raised before answering
            elif status is None or not complete:
                final = "dropped"
            else:
                final = status
            self.log.append({
                "method": scope.get("method", ""),
                "path": scope.get("path", ""),
                "query": scope.get("query_string", b"").decode("latin-1"),
                "status": final,
                "idempotency_key": _header(scope, b"idempotency-key"),
                "if_match": _header(scope, b"if-match"),
                "tenant_id": _header(scope, b"x-tenant-id"),
                "time": arrived,
                "duration_ms": round((time.perf_counter() - started_at) * 1000, 3),
                "fault": scope.get("synq.fault"),
                "app_status": scope.get("synq.app_status", status if scope.get("synq.fault") is None else None),
            })
