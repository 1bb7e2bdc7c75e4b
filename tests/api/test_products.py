"""Products and variants over real HTTP, on the full and the docs-only sandbox."""
from __future__ import annotations

from decimal import Decimal

import pytest

from synq_desktop.api import (
    Ext,
    NotFoundError,
    NotSupportedError,
    PreconditionFailed,
    ProductWrite,
    SynqClient,
)
from tests.api.conftest import Server

pytestmark = pytest.mark.anyio


async def test_connect_reports_capabilities(client: SynqClient, server: Server) -> None:
    caps = client.capabilities
    assert caps is not None
    if server.docs_only:
        assert caps.docs_only and not caps.ext
    else:
        assert not caps.docs_only and caps.role == "ADMIN"
        assert {Ext.PAGING, Ext.UPDATED_SINCE, Ext.VARIANTS, Ext.IDEMPOTENCY, Ext.ETAGS} <= caps.ext


async def test_product_crud(client: SynqClient, server: Server) -> None:
    created, created_etag = await client.create_product(
        {"title": "Wool Sweater", "description": "Merino", "category": "apparel"}
    )
    assert created.title == "Wool Sweater" and created.status == "ACTIVE" and created.id
    assert created.created_at is not None and created.created_at.utcoffset() is not None

    fetched, etag = await client.get_product(created.id)
    assert fetched.description == "Merino" and fetched.category == "apparel"
    assert (etag is None) == server.docs_only
    if not server.docs_only:
        assert created_etag == etag

    updated, new_etag = await client.update_product(created.id, ProductWrite(title="Premium"), if_match=etag)
    assert updated.title == "Premium" and updated.description == "Merino"  # absent field left alone
    cleared, _ = await client.update_product(created.id, {"description": None})
    assert cleared.description is None and cleared.title == "Premium"  # null clears
    if not server.docs_only:
        assert new_etag and new_etag != etag
        with pytest.raises(PreconditionFailed) as stale:
            await client.update_product(created.id, {"title": "Lost update"}, if_match=etag)
        assert stale.value.status == 412
        with pytest.raises(PreconditionFailed):
            await client.delete_product(created.id, if_match=etag)

    await client.delete_product(created.id)
    with pytest.raises(NotFoundError) as gone:
        await client.get_product(created.id)
    assert gone.value.status == 404 and "products" in str(gone.value)


async def test_ext_product_fields(ext_client: SynqClient) -> None:
    product, _ = await ext_client.create_product({"title": "Draft", "status": "DRAFT"})
    assert product.status == "DRAFT"
    archived, _ = await ext_client.update_product(product.id, {"status": "ARCHIVED"})
    assert archived.status == "ARCHIVED"


async def test_variants(client: SynqClient, server: Server) -> None:
    product, _ = await client.create_product({"title": "Tee"})
    variant, _ = await client.create_variant(
        product.id, {"sku": "TEE-M", "barcode": "4006381333931", "price": Decimal("19.90"), "currency": "EUR"}
    )
    assert variant.product_id == product.id and variant.sku == "TEE-M"
    assert variant.price == Decimal("19.90") and isinstance(variant.price, Decimal)
    posted = [entry for entry in server.api_requests() if entry["method"] == "POST"]
    assert posted and all(entry["idempotency_key"] for entry in posted)

    if server.docs_only:
        before = len(server.api_requests())
        for call in (
            client.get_variant(variant.id),
            client.update_variant(variant.id, {"price": "21"}),
            client.list_product_variants(product.id).collect(),
            client.list_variants().collect(),
        ):
            with pytest.raises(NotSupportedError):
                await call
        assert len(server.api_requests()) == before  # nothing was sent
        return

    listed = await client.list_product_variants(product.id).collect()
    assert [item.id for item in listed] == [variant.id]
    one, etag = await client.get_variant(variant.id)
    assert one.sku == "TEE-M" and etag
    changed, _ = await client.update_variant(variant.id, {"price": Decimal("21.50"), "cost_price": "9.99"},
                                             if_match=etag)
    assert changed.price == Decimal("21.50") and changed.cost_price == Decimal("9.99")
    everything = await client.list_variants().collect()
    assert [item.id for item in everything] == [variant.id]
