"""Fault injection: the ways a real network and a real server misbehave, on demand.

`FaultConfig` says what to inject (all off by default), `FaultInjector` holds the current config (replaced
at run time from the admin route or the command line, thread-safe) and draws the decisions from a seeded
`random.Random`, so a test with a seed sees the same sequence of faults. `FaultMiddleware` is a pure ASGI
middleware that carries them out:

- latency: the request waits `latency_ms` (+ up to `latency_jitter_ms`) before anything else happens;
- throttle_burst: the next N requests answer 429 with `Retry-After`, before the app runs;
- error_rate: a 500/502/503 with an `{"error"}` body, before the app runs (nothing changes);
- drop_after_commit_rate: the app runs to completion (the change is committed), then the client gets the
  status line and headers with the real Content-Length and the connection closes: no complete answer;
- truncate_rate: a 2xx body is cut in the middle and the connection closes;
- garbage_rate: a 2xx answer whose body is random bytes or a proxy's HTML error page (sometimes still
  labelled `application/json`).

Faults touch only /api paths (or those matching `paths`), and only the HTTP methods in `methods` when it is
set (a lost DELETE answer without also losing the GET before it), never /_admin or /files. For the request log
(`requestlog.RequestLogMiddleware`, mounted outside this one) the middleware leaves in the ASGI scope the
fault it applied (`scope["synq.fault"]`) and the status the app itself answered (`scope["synq.app_status"]`,
absent when the app never ran).
"""
from __future__ import annotations

import asyncio
import json
import random
import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

ALLOWED_ERROR_CODES = (500, 502, 503)
NEVER_FAULTED_PREFIXES = ("/_admin", "/files")

FaultKind = Literal["throttle", "error", "drop", "truncate", "garbage"]

_REASONS = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}

_PROXY_PAGE = (
    "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1>"
    "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
)


class FaultConfig(BaseModel):
    """What to inject. All rates are probabilities per request (0 to 1); everything is off by default."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True)

    latency_ms: int = Field(0, ge=0, le=600_000)
    latency_jitter_ms: int = Field(0, ge=0, le=600_000)
    error_rate: float = Field(0.0, ge=0.0, le=1.0)
    error_codes: list[int] = Field(default_factory=lambda: list(ALLOWED_ERROR_CODES), min_length=1)
    throttle_burst: int = Field(0, ge=0)  # the next N requests get 429; counts down as they do
    retry_after_s: int = Field(1, ge=0, le=86_400)
    drop_after_commit_rate: float = Field(0.0, ge=0.0, le=1.0)
    truncate_rate: float = Field(0.0, ge=0.0, le=1.0)
    garbage_rate: float = Field(0.0, ge=0.0, le=1.0)
    seed: int | None = None
    paths: str | None = None
    methods: list[str] | None = None  # e.g. ["DELETE"]: other methods on the same paths pass untouched

    @field_validator("error_codes")
    @classmethod
    def _known_codes(cls, codes: list[int]) -> list[int]:
        bad = [code for code in codes if code not in ALLOWED_ERROR_CODES]
        if bad:
            raise ValueError(f"error codes must be among {list(ALLOWED_ERROR_CODES)}, not {bad}")
        return codes

    @field_validator("paths")
    @classmethod
    def _valid_regex(cls, pattern: str | None) -> str | None:
        if pattern is None or pattern == "":
            return None
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ValueError(f"paths is not a regular expression: {exc}") from None
        return pattern

    @field_validator("methods")
    @classmethod
    def _upper_methods(cls, methods: list[str] | None) -> list[str] | None:
        if not methods:
            return None
        return [method.upper() for method in methods]

    @property
    def active(self) -> bool:
        return bool(
            self.latency_ms or self.latency_jitter_ms or self.error_rate or self.throttle_burst
            or self.drop_after_commit_rate or self.truncate_rate or self.garbage_rate
        )


@dataclass(frozen=True, slots=True)
class FaultPlan:
    """What happens to one request: a delay, then at most one fault."""

    delay_s: float = 0.0
    kind: FaultKind | None = None
    status: int | None = None  # for "error"
    retry_after_s: int = 1  # for "throttle"
    garbage_html: bool = False
    garbage_json_label: bool = False


NO_FAULT = FaultPlan()


class FaultInjector:
    """The current fault config and the seeded random stream the decisions come from."""

    def __init__(self, config: FaultConfig | None = None) -> None:
        self._lock = threading.Lock()
        self._config = FaultConfig()
        self._rng = random.Random()
        self._paths: re.Pattern[str] | None = None
        self.configure(config or FaultConfig())

    @property
    def config(self) -> FaultConfig:
        with self._lock:
            return self._config.model_copy(deep=True)

    @property
    def throttle_remaining(self) -> int:
        """429s still to come from the current burst (the config's `throttle_burst` counts down)."""
        with self._lock:
            return self._config.throttle_burst

    def configure(self, config: FaultConfig) -> FaultConfig:
        """Replace the whole config: restarts the random stream (from `seed`) and the throttle burst."""
        config = FaultConfig.model_validate(config.model_dump())
        with self._lock:
            self._config = config
            self._rng = random.Random(config.seed)
            self._paths = re.compile(config.paths) if config.paths else None
            return config.model_copy(deep=True)

    def update(self, **fields: Any) -> FaultConfig:
        """Change some fields and keep the rest (raises pydantic.ValidationError on bad values)."""
        merged = {**self.config.model_dump(), **fields}
        return self.configure(FaultConfig.model_validate(merged))

    def reset(self) -> FaultConfig:
        return self.configure(FaultConfig())

    def set(self, config: FaultConfig) -> FaultConfig:
        """Same as `configure` (the name the admin routes use)."""
        return self.configure(config)

    def applies_to(self, path: str) -> bool:
        if path.startswith(NEVER_FAULTED_PREFIXES):
            return False
        with self._lock:
            pattern = self._paths
        if pattern is None:
            return path.startswith("/api")
        return pattern.search(path) is not None

    def plan(self, path: str, method: str = "GET") -> FaultPlan:
        """Decide the fate of one request (draws from the seeded stream in a fixed order)."""
        if not self.applies_to(path):
            return NO_FAULT
        with self._lock:
            config = self._config
            if not config.active or (config.methods is not None and method.upper() not in config.methods):
                return NO_FAULT
            rng = self._rng
            delay = config.latency_ms / 1000.0
            if config.latency_jitter_ms:
                delay += rng.uniform(0, config.latency_jitter_ms) / 1000.0
            if config.throttle_burst > 0:
                # Count down in the config itself, so reading it shows what is left and an update of
                # another field (which merges into the current config) does not re-arm a spent burst.
                self._config = config.model_copy(update={"throttle_burst": config.throttle_burst - 1})
                return FaultPlan(delay, "throttle", 429, retry_after_s=config.retry_after_s)
            if config.error_rate and rng.random() < config.error_rate:
                return FaultPlan(delay, "error", rng.choice(config.error_codes))
            if method != "HEAD":
                if config.drop_after_commit_rate and rng.random() < config.drop_after_commit_rate:
                    return FaultPlan(delay, "drop")
                if config.truncate_rate and rng.random() < config.truncate_rate:
                    return FaultPlan(delay, "truncate")
                if config.garbage_rate and rng.random() < config.garbage_rate:
                    return FaultPlan(delay, "garbage", garbage_html=rng.random() < 0.5,
                                     garbage_json_label=rng.random() < 0.5)
            return FaultPlan(delay)

    def garbage_bytes(self, size: int) -> bytes:
        with self._lock:
            return self._rng.randbytes(size)


def _json_answer(
    status: int, message: str, extra_headers: tuple[tuple[bytes, bytes], ...] = ()
) -> tuple[dict[str, Any], dict[str, Any]]:
    body = json.dumps({"error": message}).encode()
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    *extra_headers],
    }
    return start, {"type": "http.response.body", "body": body, "more_body": False}


def _with_length(headers: list[tuple[bytes, bytes]], length: int,
                 content_type: bytes | None = None) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers
            if k.lower() not in (b"content-length", b"transfer-encoding")
            and (content_type is None or k.lower() != b"content-type")]
    kept.append((b"content-length", str(length).encode()))
    if content_type is not None:
        kept.append((b"content-type", content_type))
    return kept


# The name the server's wiring uses for the injector (it holds the live config and the fault state).
FaultState = FaultInjector


class FaultMiddleware:
    """Pure ASGI middleware carrying out `injector`'s plan for each request.

    Mount it INSIDE `requestlog.RequestLogMiddleware` (with Starlette's `add_middleware`, add this one
    first and the request log after it), so the log records what the client saw: injected 429s and 5xx,
    and "dropped" for answers cut short. `state=` is accepted as another name for `injector`.
    """

    def __init__(self, app: Any, injector: FaultInjector | None = None, *, state: FaultInjector | None = None) -> None:
        chosen = injector if injector is not None else state
        if chosen is None:
            raise TypeError("FaultMiddleware needs a FaultInjector")
        self.app = app
        self.injector = chosen

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        plan = self.injector.plan(scope.get("path", ""), scope.get("method", "GET"))
        if plan.delay_s > 0:
            await asyncio.sleep(plan.delay_s)
        if plan.kind is None:
            await self.app(scope, receive, send)
            return
        scope["synq.fault"] = plan.kind
        if plan.kind == "throttle":
            start, body = _json_answer(
                429, "Too many requests (injected fault); retry later.",
                ((b"retry-after", str(plan.retry_after_s).encode()),),
            )
            await send(start)
            await send(body)
            return
        if plan.kind == "error":
            status = plan.status or 500
            start, body = _json_answer(status, f"{_REASONS.get(status, 'Server Error')} (injected fault)")
            await send(start)
            await send(body)
            return
        await self._after_app(plan, scope, receive, send)

    async def _after_app(self, plan: FaultPlan, scope: dict[str, Any], receive: Any, send: Any) -> None:
        """Run the app to completion with its answer held back, then spoil the answer."""
        start: dict[str, Any] | None = None
        chunks: list[bytes] = []

        async def hold(message: dict[str, Any]) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                scope["synq.app_status"] = message["status"]
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            else:
                await send(message)

        await self.app(scope, receive, hold)
        if start is None:
            return  # the app sent nothing; let the server deal with it as usual
        status = int(start["status"])
        headers = list(start.get("headers", []))
        body = b"".join(chunks)

        if plan.kind == "drop":
            # The change is committed. Send the head with the real length (at least one byte, so even a
            # 204 is visibly incomplete), then return without the body: uvicorn closes the connection.
            declared = max(1, len(body))
            await send({"type": "http.response.start", "status": 200 if status == 204 else status,
                        "headers": _with_length(headers, declared)})
            return
        if plan.kind == "truncate" and 200 <= status < 300 and len(body) >= 2:
            await send({"type": "http.response.start", "status": status,
                        "headers": _with_length(headers, len(body))})
            await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": True})
            return
        if plan.kind == "garbage" and 200 <= status < 300 and status != 204:
            if plan.garbage_html:
                junk = _PROXY_PAGE.encode()
                label = b"application/json" if plan.garbage_json_label else b"text/html"
            else:
                junk = b"\xff\xfe" + self.injector.garbage_bytes(max(16, min(len(body), 4096)))
                label = b"application/json" if plan.garbage_json_label else b"application/octet-stream"
            await send({"type": "http.response.start", "status": status,
                        "headers": _with_length(headers, len(junk), label)})
            await send({"type": "http.response.body", "body": junk, "more_body": False})
            return
        # Not applicable (an error answer, an empty body): pass the real answer through.
        scope.pop("synq.fault", None)
        await send(start)
        await send({"type": "http.response.body", "body": body, "more_body": False})
