"""List paging (EXT): `limit` 1–100, `offset`, `updated_since`, and the `X-Total-Count` header.

A docs-only server honours none of them: its routes are built without these query parameters, so
whatever the client sends is ignored as on a server that never heard of them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import Query
from fastapi.responses import JSONResponse
from sqlalchemy import Select, func
from sqlalchemy.orm import Session

from synq_desktop.sandbox.clock import format_time, parse_time
from synq_desktop.sandbox.errors import bad_input

MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page:
    limit: int | None = None
    offset: int = 0
    updated_since: str | None = None  # normalised fixed-width text, comparable with stored stamps
    ext: bool = False


def paging_dependency(ext: bool) -> Callable[..., Page]:
    if not ext:
        def docs_page() -> Page:
            return Page()
        return docs_page

    def ext_page(
        limit: int | None = Query(None, ge=1, le=MAX_LIMIT, description="1–100"),
        offset: int | None = Query(None, ge=0, le=2**53),
        updated_since: str | None = Query(
            None, description="ISO 8601 time: records with updated_at >= it, oldest first", max_length=64
        ),
    ) -> Page:
        since = None
        if updated_since is not None:
            try:
                since = format_time(parse_time(updated_since))
            except (ValueError, OverflowError):
                raise bad_input(f"updated_since {updated_since!r} is not an ISO 8601 time.", "updated_since") from None
        return Page(limit=limit, offset=offset or 0, updated_since=since, ext=True)

    return ext_page


def fetch(session: Session, query: Select[Any], page: Page, model: Any, default_order: list[Any],
          default_limit: int | None = None) -> tuple[list[Any], int | None]:
    """Rows of `query` for this page and, when paging is on, the total before limit/offset."""
    if page.updated_since is not None:
        query = query.where(model.updated_at >= page.updated_since)
        order = [model.updated_at.asc(), model.id.asc()]
    else:
        order = default_order
    total = None
    if page.ext:
        # Counting over the same filter with only count(*) selected lets SQLite use a covering index.
        total = session.scalar(query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None))
    limit = page.limit if page.limit is not None else default_limit
    query = query.order_by(*order)
    if limit is not None:
        query = query.limit(limit)
    if page.offset:
        query = query.offset(page.offset)
    return list(session.scalars(query)), total


def list_answer(items: list[Any], total: int | None) -> JSONResponse:
    headers = {"X-Total-Count": str(total)} if total is not None else None
    return JSONResponse(items, headers=headers)
