"""Answers the sandbox never gives: other spellings, envelopes, wrong types, proxies, foreign hosts."""
from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path

import pytest

from synq_desktop.api import BadAnswerError, OutcomeUnknownError, ServerError, SynqClient, SynqError
from tests.api.conftest import FAST_RETRY
from tests.api.odd_server import Canned, OddServer, odd_server

pytestmark = pytest.mark.anyio
PIM = "/api/v1/pim"


def client_for(server: OddServer) -> SynqClient:
    return SynqClient(server.url, "odd-secret-token", "tenant-1", "org-1", retry=FAST_RETRY)


def js(value: object) -> bytes:
    return json.dumps(value).encode()


async def test_camel_case_envelopes_and_string_money() -> None:
    with odd_server() as server:
        server.routes[f"{PIM}/capabilities"] = Canned(404, b'{"error": "nope"}')
        server.routes[f"{PIM}/categories"] = Canned(
            body=js({"data": [{"id": "c", "name": "N", "slug": "n", "parentId": "p", "createdAt": "2026-01-01T00:00:00Z"}]})
        )
        server.routes[f"{PIM}/products/p/variants"] = Canned(
            200, js({"id": "v", "productId": "p", "price": "89.99", "costPrice": 10, "optionValues": None})
        )
        server.routes[f"{PIM}/stats"] = Canned(body=js({"totalProducts": 7, "totalVariants": 9}))
        server.routes[f"{PIM}/export"] = Canned(202, b"")
        async with client_for(server) as client:
            caps = await client.connect()
            assert caps.docs_only
            categories = await client.list_categories().collect()
            assert categories.items[0].parent_id == "p" and not categories.truncated
            variant, etag = await client.create_variant("p", {"sku": "S", "price": Decimal("89.99")})
            assert variant.price == Decimal("89.99") and variant.cost_price == Decimal(10) and etag is None
            assert (await client.get_stats()).total_products == 7
            assert await client.request_export() is None
    posted = [seen for seen in server.seen if seen[0] == "POST"]
    assert posted[0][2]["idempotency-key"] and posted[0][2]["content-type"] == "application/json"
    every = [headers for _, _, headers in server.seen]
    assert all(h["authorization"] == "Bearer odd-secret-token" and h["x-tenant-id"] == "tenant-1"
               and h["x-org-id"] == "org-1" for h in every)


@pytest.mark.parametrize(
    "canned",
    [
        Canned(200, js([1, 2, 3])),
        Canned(200, js({"id": None})),
        Canned(200, js([{"title": "no id"}])),
        Canned(200, js({"unexpected": "object"})),
        Canned(200, b"<html><body>502 Bad Gateway</body></html>", {"Content-Type": "text/html"}),
        Canned(200, b'{"id": "p", "title": "cut'),
        Canned(200, b"\xff\xfe\x00garbage"),
        Canned(200, b"[" * 100_000),
        Canned(200, b""),
        Canned(302, b"", {"Location": "/elsewhere"}),
        Canned(418, b"teapot", {"Content-Type": "text/plain"}),
    ],
    ids=["numbers", "null-id", "missing-id", "object", "html", "cut-json", "binary", "deep", "empty",
         "redirect", "teapot"],
)
async def test_nothing_but_typed_errors_escape(canned: Canned) -> None:
    with odd_server() as server:
        server.routes[f"{PIM}/capabilities"] = Canned(200, js({"ext": ["paging"], "role": "EDITOR"}))
        server.routes[f"{PIM}/products"] = canned
        server.routes[f"{PIM}/products/p"] = canned
        async with client_for(server) as client:
            for call in (client.list_products().collect(), client.get_product("p"),
                         client.update_product("p", {"title": "x"})):
                with pytest.raises(SynqError) as caught:
                    await call
                assert "odd-secret-token" not in str(caught.value)
            with pytest.raises(SynqError) as created:
                await client.create_product({"title": "T"})
            if 200 <= canned.status < 300:
                assert isinstance(created.value, OutcomeUnknownError) and created.value.idempotency_key
    gets = [seen for seen in server.seen if seen[0] == "GET" and seen[1] == f"{PIM}/products/p"]
    if canned.status == 200 and canned.body in (b"", js({"id": None})):
        assert len(gets) == 1  # readable JSON of the wrong shape: not a transient fault, not retried
    elif canned.status == 200 and not canned.body.startswith(b"{") and canned.body[:1] != b"[":
        assert len(gets) == FAST_RETRY.max_attempts  # unreadable: retried as a transient proxy fault


async def test_bad_answer_names_the_problem() -> None:
    with odd_server() as server:
        server.routes[f"{PIM}/capabilities"] = Canned(404)
        server.routes[f"{PIM}/media"] = Canned(200, js([{"id": "m", "sort_order": "first"}]))
        async with client_for(server) as client:
            with pytest.raises(BadAnswerError, match="sort_order"):
                await client.list_media().collect()


async def test_credentials_go_only_to_our_origin(tmp_path: Path) -> None:
    with odd_server() as ours, odd_server() as cdn:
        cdn.routes["/exports/e.csv"] = Canned(200, b"id,title\n1,A\n", {"Content-Type": "text/csv"})
        ours.routes["/files/exports/e.csv"] = Canned(200, b"id,title\n", {"Content-Type": "text/csv"})
        ours.routes["/files/moved.csv"] = Canned(302, b"", {"Location": f"{cdn.url}/exports/e.csv"})
        async with client_for(ours) as client:
            here = await client.download("/files/exports/e.csv", tmp_path / "ours.csv")
            there = await client.download(f"{cdn.url}/exports/e.csv", tmp_path / "cdn.csv")
            moved = await client.download(f"{ours.url}/files/moved.csv", tmp_path / "moved.csv")
    assert here.read_bytes() == b"id,title\n"
    assert there.read_bytes() == moved.read_bytes() == b"id,title\n1,A\n"
    assert all(headers["authorization"] == "Bearer odd-secret-token" for _, _, headers in ours.seen)
    assert len(cdn.seen) == 2
    for _, _, headers in cdn.seen:
        assert "authorization" not in headers and "x-tenant-id" not in headers and "x-org-id" not in headers


async def test_requests_share_one_kept_alive_connection() -> None:
    """One httpx.AsyncClient per profile with keep-alive: requests in turn reuse one connection."""
    with odd_server() as server:
        server.routes[f"{PIM}/stats"] = Canned(body=js({"total_products": 1}))
        async with client_for(server) as client:
            for _ in range(6):
                assert (await client.get_stats()).total_products == 1
    assert len(server.peers) == 6 and len(set(server.peers)) == 1, server.peers


async def test_concurrent_requests_stay_within_the_pool_limit() -> None:
    with odd_server() as server:
        server.routes[f"{PIM}/stats"] = Canned(body=js({"total_products": 1}))
        async with client_for(server) as client:
            answers = await asyncio.gather(*(client.get_stats() for _ in range(60)))
    assert [a.total_products for a in answers] == [1] * 60
    assert len(server.peers) == 60 and len(set(server.peers)) <= 16, "at most max_connections (16) at once"


async def test_a_gateway_timeout_is_retried_on_reads_only() -> None:
    """504 from a proxy (an HTML page): GETs try again up to the attempt limit; a POST is sent once."""
    page = b"<html><body>504 Gateway Time-out</body></html>"
    with odd_server() as server:
        for path in ("/stats", "/products"):
            server.routes[PIM + path] = Canned(504, page, {"Content-Type": "text/html"})
        async with client_for(server) as client:
            with pytest.raises(ServerError) as read:
                await client.get_stats()
            with pytest.raises(ServerError) as create:
                await client.create_product({"title": "Once"})
    assert read.value.status == 504 and read.value.attempts == 5
    assert create.value.status == 504 and create.value.idempotency_key
    assert [method for method, path, _ in server.seen if path.endswith("/stats")] == ["GET"] * 5
    assert [method for method, path, _ in server.seen if path.endswith("/products")] == ["POST"]
