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


# Products and variants: the tag covers what a client can edit, not `updated_at`. The server moves
# `updated_at` when it re-scores a record (a variant added, a twin SKU fixed elsewhere); such a change
# must not fail the client's next If-Match, since nothing it could overwrite has changed.
PRODUCT_CONTENT = ("title", "description", "category", "category_id", "brand_id", "template_id", "status")
VARIANT_CONTENT = ("product_id", "sku", "barcode", "price", "currency", "cost_price", "option_values")


def content_etag(record: object, fields: tuple[str, ...]) -> str:
    version = "\x1f".join("\x00" if getattr(record, name) is None else str(getattr(record, name)) for name in fields)
    return etag_for(record.id, version)  # type: ignore[attr-defined]


def product_etag(record: object) -> str:
    return content_etag(record, PRODUCT_CONTENT)


def variant_etag(record: object) -> str:
    return content_etag(record, VARIANT_CONTENT)
