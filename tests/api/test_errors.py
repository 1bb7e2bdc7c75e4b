"""Error statuses become typed errors; token refresh; secrets stay out of reprs, messages and logs."""
from __future__ import annotations

import logging

import pytest

from synq_desktop.api import (
    AuthError,
    CapabilityCache,
    ForbiddenError,
    InvalidError,
    NetworkError,
    NotFoundError,
    OutcomeUnknownError,
    SynqClient,
    SynqError,
    TooLargeError,
)
from tests.api.conftest import FAST_RETRY, Server

pytestmark = pytest.mark.anyio


async def test_invalid_input_is_refused_with_field_messages(client: SynqClient, server: Server) -> None:
    product, _ = await client.create_product({"title": "P"})
    with pytest.raises(InvalidError) as negative:
        await client.create_variant(product.id, {"sku": "N", "price": -1, "currency": "EUR"})
    assert negative.value.status == 400
    assert any(error.field == "price" for error in negative.value.field_errors)
    assert negative.value.idempotency_key


async def test_local_refusals_send_nothing(client: SynqClient, server: Server) -> None:
    before = len(server.api_requests())
    with pytest.raises(InvalidError) as unknown:
        await client.create_product({"title": "T", "colour": "red"})
    assert unknown.value.status == 0 and unknown.value.field_errors[0].field == "colour"
    with pytest.raises(InvalidError) as missing:
        await client.create_category({"name": "No slug"})
    assert [error.field for error in missing.value.field_errors] == ["slug"]
    with pytest.raises(InvalidError):
        await client.update_product("x", {"title": 5.5j})  # type: ignore[dict-item]
    assert len(server.api_requests()) == before


async def test_not_found_and_odd_ids(client: SynqClient) -> None:
    with pytest.raises(NotFoundError):
        await client.get_product("00000000-0000-0000-0000-000000000000")
    with pytest.raises(NotFoundError):  # an id never escapes its path segment
        await client.get_product("../stats")


async def test_body_over_ten_megabytes_is_too_large(client: SynqClient, server: Server) -> None:
    before = len(server.api_requests())
    with pytest.raises(TooLargeError) as big:
        await client.create_product({"title": "x", "description": "a" * (10 * 1024 * 1024)})
    assert big.value.status == 0 and "not sent" in str(big.value)
    assert len(server.api_requests()) == before  # refused before sending: the outcome is certain


async def test_viewer_is_forbidden_to_write(server: Server) -> None:
    viewer = server.mint("VIEWER")
    async with SynqClient(viewer.url, viewer.token, viewer.tenant_id, viewer.org_id, retry=FAST_RETRY) as client:
        assert (await client.list_products().collect()).items == []
        with pytest.raises(ForbiddenError) as refused:
            await client.create_product({"title": "Nope"})
    assert refused.value.status == 403


async def test_bad_token_is_an_auth_error(server: Server) -> None:
    async with SynqClient(server.creds.url, "not-a-token", server.creds.tenant_id, server.creds.org_id,
                          retry=FAST_RETRY) as client:
        with pytest.raises(AuthError) as denied:
            await client.get_stats()
    assert denied.value.status == 401 and "not-a-token" not in str(denied.value)


async def test_token_refresh_is_asked_once_and_retried(server: Server) -> None:
    asked: list[int] = []

    async def refresher() -> str:
        asked.append(1)
        return server.creds.token

    async with SynqClient(server.creds.url, "expired", server.creds.tenant_id, server.creds.org_id,
                          token_refresher=refresher, retry=FAST_RETRY) as client:
        product, _ = await client.create_product({"title": "After refresh"})
        await client.get_product(product.id)
    assert product.title == "After refresh" and asked == [1]

    async def useless() -> str | None:
        asked.append(2)
        return None

    async with SynqClient(server.creds.url, "expired", server.creds.tenant_id, server.creds.org_id,
                          token_refresher=useless, retry=FAST_RETRY) as client:
        with pytest.raises(AuthError):
            await client.get_stats()
    assert asked == [1, 2]


async def test_concurrent_401s_share_one_refresh(server: Server) -> None:
    import asyncio

    asked: list[int] = []

    async def refresher() -> str:
        asked.append(1)
        await asyncio.sleep(0.05)  # a slow sign-in: the other requests' 401s arrive meanwhile
        return server.creds.token

    async with SynqClient(server.creds.url, "expired", server.creds.tenant_id, server.creds.org_id,
                          token_refresher=refresher, retry=FAST_RETRY) as client:
        results = await asyncio.gather(*(client.get_stats() for _ in range(8)))
    assert len(results) == 8 and asked == [1]


async def test_unreachable_server_is_a_network_error() -> None:
    async with SynqClient("http://127.0.0.1:9", "t", "a", "b", retry=FAST_RETRY) as client:
        with pytest.raises(NetworkError) as down:
            await client.get_stats()
        assert down.value.attempts == FAST_RETRY.max_attempts
        # Nothing was sent, so a create is retried too, and fails as a network error, not an unknown outcome.
        with pytest.raises(NetworkError) as create:
            await client.create_product({"title": "x"})
    assert not isinstance(create.value, OutcomeUnknownError) and create.value.idempotency_key


async def test_capabilities_are_cached_for_an_offline_start(server: Server, tmp_path) -> None:
    cache_file = tmp_path / "caps.json"
    async with server.client(capability_cache=cache_file) as client:
        online = await client.connect()
        key = client.profile_key
    assert CapabilityCache(cache_file).get(key) == online  # written to the file, read back by a new cache

    offline_key = f"http://127.0.0.1:9|{server.creds.tenant_id}|{server.creds.org_id}"
    CapabilityCache(cache_file).put(offline_key, online)
    async with SynqClient("http://127.0.0.1:9", "t", server.creds.tenant_id, server.creds.org_id,
                          retry=FAST_RETRY, capability_cache=cache_file) as offline:
        assert await offline.connect() == online  # unreachable: the cached probe is used
    async with SynqClient("http://127.0.0.1:9", "t", "other-tenant", "org", retry=FAST_RETRY,
                          capability_cache=cache_file) as unknown:
        with pytest.raises(NetworkError):  # nothing cached for that profile
            await unknown.connect()


async def test_the_token_never_shows(server: Server, caplog: pytest.LogCaptureFixture) -> None:
    token = server.creds.token
    caplog.set_level(logging.DEBUG)
    errors: list[SynqError] = []
    async with server.client() as client:
        await client.connect()
        product, _ = await client.create_product({"title": "Secret-safe"})
        await client.get_product(product.id)
        for call in (client.get_product("missing"), client.create_category({"name": "x", "slug": "BAD SLUG"})):
            try:
                await call
            except SynqError as exc:
                errors.append(exc)
        texts = [repr(client), str(client), repr(client.transport), repr(client.transport.credentials)]
    assert len(errors) == 2
    texts += [repr(error) for error in errors] + [str(error) for error in errors]
    texts += [record.getMessage() for record in caplog.records]
    assert caplog.records  # the client did log its requests
    assert not [text for text in texts if token in text]


async def test_natural_key_lookups(client: SynqClient) -> None:
    """What the sync engine uses to reconcile a create whose outcome is unknown on a server without keys."""
    from datetime import UTC, datetime, timedelta

    before = datetime.now(UTC) - timedelta(minutes=5)
    category, _ = await client.create_category({"name": "Shoes", "slug": "shoes"})
    attribute, _ = await client.create_attribute({"name": "Size", "slug": "size"})
    brand, _ = await client.create_brand({"name": "Acme"})
    product, _ = await client.create_product({"title": "Boot"})
    media, _ = await client.create_media({"url": "https://cdn.example/boot.png", "product_id": product.id})
    assert [c.id for c in await client.find_categories("shoes")] == [category.id]
    assert [a.id for a in await client.find_attributes("size")] == [attribute.id]
    assert [b.id for b in await client.find_brands(" acme ")] == [brand.id]
    assert [m.id for m in await client.find_media("https://cdn.example/boot.png", product_id=product.id)] == [media.id]
    assert [p.id for p in await client.find_products_by_title("Boot", created_since=before)] == [product.id]
    later = datetime.now(UTC) + timedelta(minutes=5)
    assert (await client.find_products_by_title("Boot", created_since=later)).items == []
    missing = await client.find_categories("sandals")
    assert missing.items == [] and not missing.truncated
