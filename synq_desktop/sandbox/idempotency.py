"""Idempotency-Key on POST (EXT): the same key within 24 hours replays the first answer and creates
nothing; the same key with a different request is 400.

A pure ASGI middleware inside the body limit (it reads the body kept in `scope["synq.body"]`). Keys are
scoped by tenant (a client that got a new token keeps its keys). Only 2xx answers are kept: a throttled
or failed first attempt leaves the key free for the retry. Requests with one key run one at a time, so
two concurrent retries cannot both create. The answer is stored before it is sent, so an answer lost
after the commit (the drop-after-commit fault) is still replayed.
"""
from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Any

import anyio.to_thread

from synq_desktop.sandbox.auth import digest_of, lookup_token
from synq_desktop.sandbox.db import IdempotencyRecord
from synq_desktop.sandbox.runtime import SandboxRuntime

TTL_SECONDS = 24 * 3600
MAX_KEY_LENGTH = 255
_SKIPPED_HEADERS = {b"content-length", b"date", b"server", b"connection"}


def _header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


def _request_hash(scope: dict[str, Any]) -> str:
    body: bytes = scope.get("synq.body", b"")
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":")).encode()
    except (ValueError, UnicodeDecodeError, RecursionError):
        canonical = body
    digest = hashlib.sha256()
    digest.update(scope["method"].encode() + b" " + scope["path"].encode() + b"?" + scope.get("query_string", b""))
    digest.update(b"\n")
    digest.update(canonical)
    return digest.hexdigest()


async def _send_json(send: Any, status: int, body: dict[str, Any]) -> None:
    data = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]})
    await send({"type": "http.response.body", "body": data})


class IdempotencyMiddleware:
    def __init__(self, app: Any, runtime: SandboxRuntime) -> None:
        self.app = app
        self.runtime = runtime
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    def _tenant_of(self, scope: dict[str, Any]) -> str | None:
        header = _header(scope, b"authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        found = lookup_token(self.runtime, digest_of(token.strip()))
        return None if found is None else found[0]

    def _load(self, tenant_id: str, key: str) -> IdempotencyRecord | None:
        with self.runtime.store.session() as session:
            record = session.get(IdempotencyRecord, (tenant_id, key))
            if record is not None and time.time() - record.created > TTL_SECONDS:
                session.delete(record)
                return None
            return record

    def _save(self, tenant_id: str, key: str, request_hash: str, status: int,
              headers: list[tuple[bytes, bytes]], body: bytes) -> None:
        kept = [[name.decode("latin-1"), value.decode("latin-1")] for name, value in headers
                if name.lower() not in _SKIPPED_HEADERS]
        with self.runtime.store.session() as session:
            record = session.get(IdempotencyRecord, (tenant_id, key))
            if record is None:
                record = IdempotencyRecord(tenant_id=tenant_id, key=key)
                session.add(record)
            record.request_hash, record.status, record.headers = request_hash, status, json.dumps(kept)
            record.body, record.created = body, time.time()

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if (
            scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith("/api/")
            or not self.runtime.ext
        ):
            await self.app(scope, receive, send)
            return
        key = _header(scope, b"idempotency-key")
        content_type = (_header(scope, b"content-type") or "").lower()
        if key is None or content_type.startswith("multipart/"):
            await self.app(scope, receive, send)
            return
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH:
            await _send_json(send, 400, {"error": f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters."})
            return
        tenant_id = await anyio.to_thread.run_sync(self._tenant_of, scope)
        if tenant_id is None:
            await self.app(scope, receive, send)  # the app answers 401
            return
        request_hash = _request_hash(scope)
        lock = self._locks.setdefault((tenant_id, key), asyncio.Lock())
        async with lock:
            record = await anyio.to_thread.run_sync(self._load, tenant_id, key)
            if record is not None:
                if record.request_hash != request_hash:
                    await _send_json(send, 400, {
                        "error": "This Idempotency-Key was already used with a different request.",
                        "errors": [{"field": "Idempotency-Key", "message": "reused with a different body"}],
                    })
                    return
                headers = [(name.encode("latin-1"), value.encode("latin-1"))
                           for name, value in json.loads(record.headers)]
                headers += [(b"content-length", str(len(record.body)).encode()), (b"idempotent-replayed", b"true")]
                await send({"type": "http.response.start", "status": record.status, "headers": headers})
                await send({"type": "http.response.body", "body": record.body})
                return
            start: dict[str, Any] = {}
            chunks: list[bytes] = []

            async def capture(message: dict[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    start.update(message)
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            await self.app(scope, receive, capture)
            body = b"".join(chunks)
            status = int(start.get("status", 500))
            headers = list(start.get("headers", []))
            if 200 <= status < 300:
                await anyio.to_thread.run_sync(self._save, tenant_id, key, request_hash, status, headers, body)
            if len(self._locks) > 10_000:
                self._locks = {k: v for k, v in self._locks.items() if v.locked()}
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
