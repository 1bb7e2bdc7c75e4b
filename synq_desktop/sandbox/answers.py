"""Single-object answers: the status code of API.md and, with EXT on, an ETag."""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, Response

from synq_desktop.sandbox.etags import etag_for


def one(body: dict[str, Any], status: int = 200, ext: bool = True, version: str | None = None,
        etag: str | None = None) -> JSONResponse:
    """`etag` when the record has its own (products, variants); else one from `version` or `updated_at`."""
    headers = None
    if ext:
        tag = etag or etag_for(body["id"], version or body.get("updated_at") or body.get("created_at", ""))
        headers = {"ETag": tag}
    return JSONResponse(body, status_code=status, headers=headers)


def no_content() -> Response:
    return Response(status_code=204)


def base_url(request: Request) -> str:
    return str(request.base_url)
