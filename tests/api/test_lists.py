"""Whole lists: paging past 100, concurrent pages, incremental pulls, the light projection, truncation."""
from __future__ import annotations

import pytest

from synq_desktop.api import Product, SynqClient
from tests.api.conftest import Server

pytestmark = pytest.mark.anyio

CATALOG = 230


@pytest.fixture
def big_server(server: Server) -> Server:
    server.sandbox.seed_demo(server.creds, products=CATALOG, seed=3)
    return server


@pytest.mark.parametrize("concurrency", [1, 8])
async def test_products_past_one_page(big_server: Server, concurrency: int) -> None:
    async with big_server.client() as client:
        await client.connect()
        since = big_server.last_seq()
        result = await client.list_products(concurrency=concurrency).collect()
        gets = [entry for entry in big_server.api_requests(since) if entry["path"].endswith("/products")]
    ids = [product.id for product in result]
    assert len(ids) == len(set(ids))
    if big_server.docs_only:
        # The documented server stops at 100 and ignores offset: keep them and say it may be incomplete.
        assert len(ids) == 100 and result.truncated and result.total is None
        assert len(gets) == 1
    else:
        assert len(ids) == CATALOG and not result.truncated and result.total == CATALOG
        assert len(gets) == 3  # 100 + 100 + 30, no extra request past the total
        assert all("limit=100" in entry["query"] for entry in gets)


async def test_async_iteration_yields_every_record(big_server: Server) -> None:
    async with big_server.client() as client:
        paginator = client.list_products()
        seen = [product.id async for product in paginator]
    assert len(seen) == (100 if big_server.docs_only else CATALOG)
    assert paginator.truncated == big_server.docs_only


async def test_incremental_pull(client: SynqClient, server: Server) -> None:
    first, _ = await client.create_product({"title": "Old"})
    second, _ = await client.create_product({"title": "New"})
    fresh, _ = await client.get_product(second.id)
    assert fresh.updated_at is not None
    paginator = client.list_products(updated_since=fresh.updated_at)
    result = await paginator.collect()
    ids = [product.id for product in result]
    if server.docs_only:
        # No updated_since there: the full list comes back, which the caller must treat as a full scan.
        assert not paginator.incremental and set(ids) == {first.id, second.id}
    else:
        assert paginator.incremental and ids == [second.id]
    variants = client.list_variants(updated_since="2000-01-01T00:00:00Z") if not server.docs_only else None
    if variants is not None:
        assert (await variants.collect()).items == []


async def test_summary_lists_are_recognised(client: SynqClient, server: Server) -> None:
    created, _ = await client.create_product({"title": "Light", "description": "long text"})
    result = await client.list_products(summary=True).collect()
    assert [product.id for product in result] == [created.id]
    product: Product = result.items[0]
    assert product.title == "Light" and product.updated_at is not None
    if not server.docs_only:
        assert product.is_summary and product.description is None
    full, _ = await client.get_product(created.id)
    assert not full.is_summary and full.description == "long text"


async def test_light_projection_from_a_docs_only_server(docs_only_sandbox) -> None:
    """A docs-only Synq may answer the products list with `id,title,category,status,updated_at` only."""
    from tests.support.sandbox import start_sandbox

    with start_sandbox(docs_only=True, docs_only_light_lists=True) as light:
        creds = light.mint("ADMIN")
        server = Server(light, creds, True)
        async with server.client() as client:
            created, _ = await client.create_product({"title": "Lean", "description": "d"})
            listed = await client.list_products().collect()
            assert [product.id for product in listed] == [created.id]
            assert listed.items[0].is_summary and listed.items[0].status == "ACTIVE"
            full, _ = await client.get_product(created.id)
            assert not full.is_summary and full.description == "d"
