"""ETags on single-object answers and the If-Match precondition on PUT and DELETE (EXT)."""
from __future__ import annotations

import hashlib

from fastapi import Request

from synq_desktop.sandbox.errors import ApiError


def etag_for(record_id: str, version: str) -> str:
    """A strong tag that changes whenever the record's `updated_at` does."""
    digest = hashlib.sha1(f"{record_id}|{version}".encode()).hexdigest()[:20]
    return f'"{digest}"'


def check_if_match(request: Request, current: str, enabled: bool) -> None:
    """412 when the client's If-Match names none of the current tag (or `*`)."""
    if not enabled:
        return
    header = request.headers.get("if-match")
    if header is None:
        return
    wanted = [part.strip().removeprefix("W/") for part in header.split(",") if part.strip()]
    if "*" in wanted or current in wanted:
        return
    raise ApiError(412, "The record changed since you read it (If-Match does not match its ETag).")
