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

import functools
import itertools
import sys
import threading
import time
from collections import deque
from datetime import UTC, datetime
from typing import Any, NamedTuple

DEFAULT_MAX_ENTRIES = 100_000

Entry = dict[str, Any]


class _Row(NamedTuple):
    """One entry as stored: a tuple (a dict per entry would cost about twice the memory at 100,000)."""

    seq: int
    method: str
    path: str
    query: str
    status: int | str | None
    idempotency_key: str | None
    if_match: str | None
    tenant_id: str | None
    time: float  # unix seconds; formatted as ISO 8601 with Z when read
    duration_ms: float | None
    fault: str | None
    app_status: int | None


FIELDS = _Row._fields


@functools.lru_cache(maxsize=4096)
def _second(whole: int) -> str:
    return datetime.fromtimestamp(whole, UTC).strftime("%Y-%m-%dT%H:%M:%S")


def _iso(moment: float) -> str:
    """ISO 8601 with microseconds and Z; the text up to the second is cached (entries come in bursts)."""
    micros = round(moment * 1_000_000)
    whole, fraction = divmod(micros, 1_000_000)
    return f"{_second(whole)}.{fraction:06d}Z"


def _interned(text: str | None) -> str | None:
    """Method and tenant repeat on every entry: keep one copy of each."""
    return sys.intern(text) if text is not None else None


class RequestLog:
    """A bounded, thread-safe list of request entries with rising sequence numbers.

    Entries are dicts with the keys of `FIELDS` (`time` as ISO 8601 text with Z); keys outside `FIELDS`
    are not kept.
    """

    def __init__(self, maxlen: int = DEFAULT_MAX_ENTRIES) -> None:
        self._lock = threading.Lock()
        self._quiet = threading.Condition(self._lock)
        self._rows: deque[_Row] = deque(maxlen=maxlen)
        self._seq = 0
        self._open = 0  # requests begun (RequestLogMiddleware) and not yet logged

    def opened(self) -> None:
        """A request began; its entry comes with `append(..., opened=True)` once its answer is over."""
        with self._lock:
            self._open += 1

    def wait_quiet(self, timeout: float) -> bool:
        """Wait until every request begun has its entry (an answer reaches the client a moment before its
        entry is appended). False when `timeout` seconds passed first."""
        with self._quiet:
            return self._quiet.wait_for(lambda: self._open == 0, timeout)

    def append(self, entry: Entry, opened: bool = False) -> int:
        """Store `entry` with the next seq; returns that seq. `time` may be unix seconds or omitted (now).
        `opened`: the entry ends a request announced with `opened()`."""
        stamp = entry.get("time")
        moment = stamp if isinstance(stamp, (int, float)) else time.time()
        with self._lock:
            if opened and self._open > 0:
                self._open -= 1
                if self._open == 0:
                    self._quiet.notify_all()
            self._seq += 1
            self._rows.append(_Row(
                self._seq, _interned(entry.get("method", "")) or "", entry.get("path", ""),
                entry.get("query", ""), entry.get("status"), entry.get("idempotency_key"), entry.get("if_match"),
                _interned(entry.get("tenant_id")), float(moment), entry.get("duration_ms"), entry.get("fault"),
                entry.get("app_status"),
            ))
            return self._seq

    def entries(self, since: int = 0) -> list[Entry]:
        """Entries with seq greater than `since`, oldest first."""
        with self._lock:
            first_seq = self._rows[0].seq if self._rows else 0
            # Seqs are consecutive in the deque, so the first wanted row's position is known.
            skip = max(0, since - first_seq + 1)
            rows = list(itertools.islice(self._rows, skip, None))
        return [{**row._asdict(), "time": _iso(row.time)} for row in rows]

    def since(self, seq: int = 0) -> list[Entry]:
        """Same as `entries` (the name the admin routes use)."""
        return self.entries(seq)

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq

    def clear(self) -> None:
        with self._lock:
            self._rows.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._rows)


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
        arrived = time.time()
        started_at = time.perf_counter()
        self.log.opened()
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
            }, opened=True)
