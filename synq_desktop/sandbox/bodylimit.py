"""Refuse request bodies over the limit with 413 (uvicorn has no body limit of its own).

The body is read here with a cap, before the app sees it: a Content-Length over the cap is refused
without reading, a chunked body is refused as soon as it passes the cap. The body read is replayed
to the app, and kept in `scope["synq.body"]` for the idempotency check.
"""
from __future__ import annotations

import json
from typing import Any

from synq_desktop.sandbox.settings import MAX_JSON_BODY, MAX_UPLOAD_BODY

Scope = dict[str, Any]


def _limit_for(path: str) -> int:
    return MAX_UPLOAD_BODY if path.endswith("/media/uploads") else MAX_JSON_BODY


async def _send_413(send: Any, limit: int) -> None:
    body = json.dumps({"error": f"The request body is larger than {limit // (1024 * 1024)} MB."}).encode()
    await send({
        "type": "http.response.start",
        "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close")],
    })
    await send({"type": "http.response.body", "body": body})


class BodyLimitMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = _limit_for(scope["path"])
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = 0
                if declared > limit:
                    await _send_413(send, limit)
                    return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await _send_413(send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        scope["synq.body"] = body
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
