"""Helpers for the sync tests: a working copy on a real SQLite file, a client on the sandbox, one sync."""
from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from synq_desktop.api import RetryPolicy, SynqClient
from synq_desktop.store import edits
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.engine import SyncEngine, SyncSummary

FAST_RETRY = RetryPolicy(max_attempts=4, max_seconds=20.0, base_delay=0.02, max_delay=0.2)


def client_for(creds: Any, **kwargs: Any) -> SynqClient:
    kwargs.setdefault("retry", FAST_RETRY)
    return SynqClient(creds.url, creds.token, creds.tenant_id, creds.org_id, **kwargs)


async def _sync(wc: WorkingCopy, creds: Any, lock_dir: Path | None, events: list[Any] | None,
                pull: bool = True, **engine_kwargs: Any) -> SyncSummary:
    async with client_for(creds) as client:
        engine = SyncEngine(wc, client, lock_dir=lock_dir, **engine_kwargs)
        if events is not None:
            engine.subscribe(events.append)
        return await engine.run(pull=pull)


def sync(wc: WorkingCopy, creds: Any, *, lock_dir: Path | None = None, events: list[Any] | None = None,
         pull: bool = True, **engine_kwargs: Any) -> SyncSummary:
    engine_kwargs.setdefault("max_wait", 5.0)
    return asyncio.run(_sync(wc, creds, lock_dir, events, pull, **engine_kwargs))


def server_get(creds: Any, path: str, **params: Any) -> Any:
    with creds.client() as http:
        answer = http.get(path, params=params)
        answer.raise_for_status()
        return answer.json()


def server_all(creds: Any, path: str) -> list[dict[str, Any]]:
    """Every record of a list, through limit/offset (the sandbox's EXT paging)."""
    out: list[dict[str, Any]] = []
    with creds.client() as http:
        offset = 0
        while True:
            answer = http.get(path, params={"limit": 100, "offset": offset})
            answer.raise_for_status()
            page = answer.json()
            out.extend(page)
            if len(page) < 100:
                return out
            offset += 100


def last_seq(sandbox: Any) -> int:
    """The newest request-log number (0 when the log is empty)."""
    log = sandbox.requests()
    return log[-1]["seq"] if log else 0


def edit(wc: WorkingCopy, fn: Any, *args: Any, **kwargs: Any) -> Any:
    return wc.write_blocking(fn, *args, **kwargs)


def new_product(wc: WorkingCopy, title: str, **fields: Any) -> str:
    return wc.write_blocking(edits.create, "product", {"title": title, **fields})


def new_variant(wc: WorkingCopy, product_id: str, sku: str, price: str = "10.00", **fields: Any) -> str:
    return wc.write_blocking(edits.create, "variant",
                             {"product_id": product_id, "sku": sku, "price": price, "currency": "USD", **fields})


__all__ = ["client_for", "edit", "last_seq", "new_product", "new_variant", "server_all", "server_get", "sync"]


def row_of(wc: WorkingCopy, table: Any, local_id: str) -> dict[str, Any]:
    """The working copy's row of `table` for `local_id`, as a plain dict."""
    with wc.reading() as connection:
        return dict(connection.execute(select(table).where(table.c.local_id == local_id)).mappings().one())


def pulled_from_list(wc: WorkingCopy, creds: Any, title: str, description: str = "oak") -> tuple[str, str]:
    """A product made by another client and pulled from the product list: this copy stores no ETag for it
    (lists carry none). Returns (local id, server id)."""
    from synq_desktop.store import schema

    with creds.client() as http:
        answer = http.post("/products", json={"title": title, "description": description})
        answer.raise_for_status()
        server_id = str(answer.json()["id"])
    sync(wc, creds)
    with wc.reading() as connection:
        local_id = connection.execute(select(schema.products.c.local_id).where(
            schema.products.c.server_id == server_id)).scalar_one()
    assert row_of(wc, schema.products, local_id)["etag"] is None
    return local_id, server_id
