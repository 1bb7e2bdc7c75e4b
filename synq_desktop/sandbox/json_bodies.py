"""Every API request body is read as JSON, whatever its Content-Type says.

Synq's API takes JSON only (the one multipart route, `/media/uploads`, aside), and `curl -d` labels its
body `application/x-www-form-urlencoded` unless told otherwise. FastAPI would then skip JSON parsing and
answer "Input should be a valid dictionary", which hides the real problem; read as JSON, a good body
is taken and a bad one gets "The body is not valid JSON." (errors.py).
"""
from __future__ import annotations

from typing import Any

JSON = b"application/json"


class JsonBodiesMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS", "DELETE"):
            headers = list(scope.get("headers", ()))
            kind = next((value for name, value in headers if name == b"content-type"), None)
            if kind is None:  # FastAPI's strict content type would leave an unlabelled body unparsed
                scope = {**scope, "headers": [*headers, (b"content-type", JSON)]}
            elif not kind.lower().startswith((JSON, b"multipart/")):
                scope = {**scope, "headers": [(name, JSON if name == b"content-type" else value)
                                              for name, value in headers]}
        await self.app(scope, receive, send)
