"""HTTP transport: one `httpx.AsyncClient` per profile, the three headers, retries, token refresh, error mapping.

Retry rules (why: only requests that cannot do harm twice are repeated):
- GET, PUT and DELETE are retried on network errors, 429 and 502/503/504, with jittered exponential backoff, at
  most `RetryPolicy.max_attempts` attempts within `RetryPolicy.max_seconds`; also when a 2xx body cannot be
  read (a proxy page, a cut body): sending the same PUT or DELETE again is harmless and gets a readable answer.
- A DELETE retried after a lost answer that then gets 404 counts as done (the first attempt deleted it). A PUT
  with If-Match retried after a lost answer may get 412 because its own first attempt changed the ETag: the
  PreconditionFailed then has `attempts > 1`, and the caller compares the record before calling it a conflict.
- A POST always carries an `Idempotency-Key` (the caller's, or a fresh one) and is re-sent only when the server
  certainly did not act on it: a 429, or a connection that could not even be opened. Any other loss after it
  was sent raises `OutcomeUnknownError` carrying the key, so the caller can replay it with the same key.
- A 401 asks the token refresher (if any) once for a new token and retries once.

The token lives only in `Credentials` and the outgoing header; it is never logged, never part of a repr or an
error message.
"""
from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC
from typing import Any
from urllib.parse import urlsplit

import httpx

from synq_desktop.api.errors import (
    BadAnswerError,
    FieldError,
    InvalidError,
    NetworkError,
    OutcomeUnknownError,
    StatusError,
    ThrottledError,
    TooLargeError,
    status_error_class,
)
from synq_desktop.api.json_body import encode_json

log = logging.getLogger("synq_desktop.api")

API_PREFIX = "/api/v1/pim"
MAX_JSON_BODY = 10 * 1024 * 1024
"""Synq refuses JSON bodies over 10 MB (413). Such a body is refused here, before it is sent: a server that
answers 413 mid-upload and closes the connection would otherwise leave a POST's outcome unknown."""
RETRYABLE_STATUSES = frozenset({502, 503, 504})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})

TokenRefresher = Callable[[], Awaitable[str | None]]
"""Called after a 401: returns a new token, or None when there is none (the 401 is then raised)."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard one request tries: attempts, total time budget, backoff shape."""

    max_attempts: int = 5
    max_seconds: float = 60.0
    base_delay: float = 0.25
    max_delay: float = 8.0

    def backoff(self, attempt: int) -> float:
        """Jittered exponential wait before attempt `attempt + 1` (attempt counts from 1)."""
        ceiling = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return random.uniform(ceiling / 2, ceiling)


@dataclass(frozen=True, slots=True)
class Timeouts:
    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 10.0

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


class Credentials:
    """Token and scoping ids of one profile. The token is write-only from the outside: no repr shows it."""

    __slots__ = ("_token", "generation", "org_id", "tenant_id")

    def __init__(self, token: str, tenant_id: str, org_id: str) -> None:
        self._token = token
        self.tenant_id = str(tenant_id)
        self.org_id = str(org_id)
        self.generation = 0

    def replace_token(self, token: str) -> None:
        self._token = token
        self.generation += 1

    def headers(self) -> dict[str, str]:
        """The three headers every request carries."""
        return {
            "Authorization": f"Bearer {self._token}",
            "X-Tenant-ID": self.tenant_id,
            "X-Org-ID": self.org_id,
        }

    def __repr__(self) -> str:
        return f"Credentials(token=<hidden>, tenant_id={self.tenant_id!r}, org_id={self.org_id!r})"

    __str__ = __repr__


@dataclass(slots=True)
class Answer:
    """A successful answer: status, headers, parsed JSON (None for an empty body) and how it was obtained."""

    method: str
    path: str
    status: int
    headers: httpx.Headers
    data: Any
    attempts: int = 1
    idempotency_key: str | None = None
    already_gone: bool = False

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def total_count(self) -> int | None:
        """X-Total-Count as an int, if the server sent a sensible one."""
        raw = self.headers.get("x-total-count")
        try:
            value = int(raw) if raw is not None else None
        except ValueError:
            return None
        return value if value is not None and value >= 0 else None


def normalize_base_url(base_url: str) -> str:
    """`https://api.synq.app/api/v1/pim/` -> `https://api.synq.app` (paths add the prefix themselves)."""
    text = base_url.strip().rstrip("/")
    text = text.removesuffix(API_PREFIX)
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"not an http(s) base URL: {base_url!r}")
    return text.rstrip("/")


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date. None when absent or bad."""
    if value is None:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, moment.timestamp() - current)


def _first_text(*candidates: object) -> str | None:
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


def field_errors_of(body: object) -> tuple[FieldError, ...]:
    """Field messages from the shapes servers use: `errors: [{field, message}]`, FastAPI's `detail: [{loc, msg}]`,
    or `errors: {field: [messages]}`."""
    if not isinstance(body, Mapping):
        return ()
    found: list[FieldError] = []
    for key in ("errors", "detail", "fields"):
        value = body.get(key)
        if isinstance(value, list):
            for item in value:
                if isinstance(item, Mapping):
                    name = item.get("field") or item.get("path") or item.get("name")
                    if name is None and isinstance(item.get("loc"), list):
                        name = ".".join(str(part) for part in item["loc"] if part not in ("body", "query"))
                    message = _first_text(item.get("message"), item.get("msg"), item.get("error")) or ""
                    found.append(FieldError(str(name or ""), message))
                elif isinstance(item, str):
                    found.append(FieldError("", item))
        elif isinstance(value, Mapping):
            for name, messages in value.items():
                if isinstance(messages, list):
                    found.extend(FieldError(str(name), str(message)) for message in messages)
                else:
                    found.append(FieldError(str(name), str(messages)))
    return tuple(found)


def error_message_of(body: object, status: int) -> str:
    """The server's human-readable complaint, or a generic one for bodies that say nothing."""
    if isinstance(body, Mapping):
        text = _first_text(body.get("error"), body.get("message"), body.get("detail"), body.get("title"))
        if text:
            return text[:500]
        error = body.get("error")
        if isinstance(error, Mapping):
            text = _first_text(error.get("message"), error.get("detail"))
            if text:
                return text[:500]
    try:
        phrase = httpx.codes.get_reason_phrase(status)
    except ValueError:
        phrase = ""
    return f"HTTP {status} {phrase}".strip()


def parse_json_body(content: bytes) -> Any:
    """Parsed JSON, None for an empty body; raises ValueError for anything else."""
    if not content.strip():
        return None
    try:
        return json.loads(content)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Transport:
    """Sends requests for one profile and turns every outcome into an `Answer` or a `SynqError`."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        retry: RetryPolicy | None = None,
        timeouts: Timeouts | None = None,
        max_connections: int = 16,
        max_keepalive: int = 16,
        token_refresher: TokenRefresher | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        user_agent: str = "synq-desktop/0.1",
        max_body_bytes: int = MAX_JSON_BODY,
    ) -> None:
        self.base_url = normalize_base_url(base_url)
        self.max_body_bytes = max_body_bytes
        self.credentials = credentials
        self.retry = retry or RetryPolicy()
        self.timeouts = timeouts or Timeouts()
        self._token_refresher = token_refresher
        self._refresh_lock = asyncio.Lock()
        self._client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=self.timeouts.to_httpx(),
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_keepalive),
            headers={"User-Agent": user_agent, "Accept": "application/json"},
            transport=http_transport,
            follow_redirects=False,
        )

    def __repr__(self) -> str:
        return f"Transport({self.base_url!r}, {self.credentials!r})"

    @property
    def http(self) -> httpx.AsyncClient:
        """The underlying client (downloads stream through it)."""
        return self._client

    async def aclose(self) -> None:
        await self._client.aclose()

    def same_origin(self, url: str) -> bool:
        """True when `url` points at the base URL's scheme, host and port: only then are credentials sent."""
        base = httpx.URL(self.base_url)
        target = httpx.URL(url)
        return (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        json_body: Any = None,
        files: Mapping[str, Any] | None = None,
        if_match: str | None = None,
        idempotency_key: str | None = None,
        decode: Callable[[bytes], Any] | None = None,
    ) -> Answer:
        """Send one logical request (retrying as the module docstring says) and return its successful answer.

        `path` is absolute on the server (`/api/v1/pim/products`). `decode` turns a 2xx body into `Answer.data`
        (default: JSON, None when empty); it raises ValueError for a body that cannot be read, which is then
        retried like a lost answer. Raises only `SynqError` subclasses.
        """
        decoder = decode or parse_json_body
        method = method.upper()
        is_post = method == "POST"
        if is_post and not idempotency_key:
            idempotency_key = str(uuid.uuid4())
        extra_headers: dict[str, str] = {}
        if idempotency_key:
            extra_headers["Idempotency-Key"] = idempotency_key
        if if_match:
            extra_headers["If-Match"] = if_match
        content: bytes | None = None
        if json_body is not None:
            try:
                content = encode_json(json_body)
            except (TypeError, ValueError) as exc:
                raise InvalidError(f"body cannot be sent: {exc}", status=0, method=method, path=path) from None
            extra_headers["Content-Type"] = "application/json"
            if len(content) > self.max_body_bytes:
                raise TooLargeError(
                    f"the body is {len(content)} bytes, over the {self.max_body_bytes} byte limit; not sent",
                    status=0, method=method, path=path, idempotency_key=idempotency_key,
                )
        clean_params = {key: value for key, value in (params or {}).items() if value is not None}
        context = {"method": method, "path": path, "idempotency_key": idempotency_key}

        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.retry.max_seconds
        attempt = 0
        refreshed = False
        lost_answer_before = False
        while True:
            attempt += 1
            context["attempts"] = attempt
            generation = self.credentials.generation
            headers = {**self.credentials.headers(), **extra_headers}
            started = loop.time()
            remaining = deadline - started
            try:
                if remaining <= 0:
                    raise TimeoutError
                request = self._client.build_request(
                    method, path, params=clean_params or None, content=content, files=files, headers=headers
                )
                async with asyncio.timeout(remaining):
                    response = await self._client.send(request, stream=True)
                    body_cut = await self._read_body(response)
            except (httpx.RequestError, httpx.StreamError, TimeoutError) as exc:
                error = NetworkError(self._describe_failure(exc), **context)  # type: ignore[arg-type]
                not_sent = isinstance(exc, _NOT_SENT)
                if is_post and not not_sent:
                    log.warning("%s %s: answer lost after sending (attempt %d)", method, path, attempt)
                    raise OutcomeUnknownError(
                        "the request was sent but its answer was lost; it may or may not have been applied",
                        cause=error,
                        **context,  # type: ignore[arg-type]
                    ) from None
                if (method in IDEMPOTENT_METHODS or not_sent) and await self._pause(attempt, deadline, None):
                    lost_answer_before = lost_answer_before or not not_sent
                    log.info("%s %s: %s, retrying (attempt %d)", method, path, error.message, attempt)
                    continue
                raise error from None
            elapsed_ms = (loop.time() - started) * 1000

            status = response.status_code
            log.debug("%s %s -> %d (attempt %d, %.0f ms)", method, path, status, attempt, elapsed_ms)
            if 200 <= status < 300:
                try:
                    if body_cut:
                        raise ValueError("cut")
                    data = decoder(response.content)
                except ValueError:
                    hint = "cut off before its end" if body_cut else f"not JSON: {self._content_hint(response)}"
                    bad = BadAnswerError(
                        f"the answer (HTTP {status}) is {hint}",
                        status=status,
                        **context,  # type: ignore[arg-type]
                    )
                    if is_post:
                        raise OutcomeUnknownError(
                            "the server accepted the request but its answer is unreadable",
                            cause=bad,
                            **context,  # type: ignore[arg-type]
                        ) from None
                    if method in IDEMPOTENT_METHODS and await self._pause(attempt, deadline, None):
                        lost_answer_before = True
                        log.info("%s %s: unreadable answer, retrying (attempt %d)", method, path, attempt)
                        continue
                    raise bad from None
                return Answer(
                    method, path, status, response.headers, data, attempt, idempotency_key, already_gone=False
                )

            body = None if body_cut else self._error_body(response)
            if status == 401 and self._token_refresher is not None and not refreshed:
                refreshed = True
                if await self._refresh_token(generation):
                    attempt -= 1
                    continue
            if status == 404 and method == "DELETE" and lost_answer_before:
                return Answer(method, path, status, response.headers, None, attempt, None, already_gone=True)
            if status == 429:
                wait = parse_retry_after(response.headers.get("retry-after"))
                if await self._pause(attempt, deadline, wait):
                    log.info("%s %s: throttled, retrying (attempt %d)", method, path, attempt)
                    continue
                raise ThrottledError(
                    error_message_of(body, status), status=status, body=body, retry_after=wait,
                    **context,  # type: ignore[arg-type]
                )
            retryable = status in RETRYABLE_STATUSES and method in IDEMPOTENT_METHODS
            if retryable and await self._pause(attempt, deadline, None):
                log.info("%s %s: HTTP %d, retrying (attempt %d)", method, path, status, attempt)
                continue
            raise self.error_for(status, body, **context)

    @staticmethod
    async def _read_body(response: httpx.Response) -> bool:
        """Read the whole body; True when the connection dropped mid-body (the status and headers did arrive).
        Running out of time mid-body surfaces as the caller's TimeoutError: no usable answer either way."""
        try:
            await response.aread()
        except (httpx.RequestError, httpx.StreamError):
            return True
        finally:
            await response.aclose()
        return False

    async def _pause(self, attempt: int, deadline: float, wait: float | None) -> bool:
        """Sleep before another attempt if the policy allows one; False when attempts or time are used up."""
        if attempt >= self.retry.max_attempts:
            return False
        delay = wait if wait is not None else self.retry.backoff(attempt)
        loop = asyncio.get_running_loop()
        if loop.time() + delay >= deadline:
            return False
        await asyncio.sleep(delay)
        return True

    async def _refresh_token(self, generation: int) -> bool:
        """Get a new token once for everyone who saw the old one fail; True when there is a new token to try."""
        assert self._token_refresher is not None
        async with self._refresh_lock:
            if self.credentials.generation != generation:
                return True
            try:
                token = await self._token_refresher()
            except Exception:  # noqa: BLE001 - the refresher is the caller's code: its failure means "no new token"
                log.warning("token refresher failed", exc_info=False)
                return False
            if not token:
                return False
            self.credentials.replace_token(token)
            return True

    @staticmethod
    def _error_body(response: httpx.Response) -> Any:
        try:
            return parse_json_body(response.content)
        except ValueError:
            return None

    @staticmethod
    def error_for(status: int, body: Any, **context: Any) -> StatusError:
        """The typed error for an error status and its parsed body (`context`: method, path, attempts, ...)."""
        cls = status_error_class(status)
        message = error_message_of(body, status)
        if cls is InvalidError:
            return InvalidError(message, status=status, body=body, field_errors=field_errors_of(body), **context)
        return cls(message, status=status, body=body, **context)

    @staticmethod
    def _content_hint(response: httpx.Response) -> str:
        kind = response.headers.get("content-type", "no content type").split(";")[0]
        return f"{len(response.content)} bytes of {kind}"

    @staticmethod
    def _describe_failure(exc: BaseException) -> str:
        if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
            return "no answer in time"
        if isinstance(exc, httpx.ConnectError):
            return "cannot connect to the server"
        # httpx messages name the host at most; they never carry headers.
        return f"connection failed ({type(exc).__name__})"


__all__ = [
    "API_PREFIX",
    "Answer",
    "Credentials",
    "RetryPolicy",
    "Timeouts",
    "TokenRefresher",
    "Transport",
    "field_errors_of",
    "normalize_base_url",
    "parse_json_body",
    "parse_retry_after",
]
