"""Every fault the sandbox injects ends as a successful retry or the right typed error; counts from its log."""
from __future__ import annotations

import time
from typing import Any

import pytest

from synq_desktop.api import (
    BadAnswerError,
    NetworkError,
    OutcomeUnknownError,
    RetryPolicy,
    ServerError,
    SynqClient,
    SynqError,
    ThrottledError,
    Timeouts,
)
from tests.api.conftest import Server

pytestmark = pytest.mark.anyio


def calls(server: Server, since: int, method: str, suffix: str) -> list[dict[str, Any]]:
    return [e for e in server.api_requests(since) if e["method"] == method and e["path"].endswith(suffix)]


async def test_gets_retry_through_gateway_errors(ext_server: Server, ext_client: SynqClient) -> None:
    since = ext_server.last_seq()
    ext_server.sandbox.set_faults(error_rate=1.0, error_codes=[503], paths="/stats$")
    with pytest.raises(ServerError) as failed:
        await ext_client.get_stats()
    assert failed.value.status == 503 and failed.value.attempts == 5
    assert len(calls(ext_server, since, "GET", "/stats")) == 5

    since = ext_server.last_seq()
    ext_server.sandbox.set_faults(error_rate=0.5, error_codes=[502, 503], paths="/stats$", seed=11)
    outcomes = []
    for _ in range(8):
        try:
            outcomes.append((await ext_client.get_stats()).total_products)
        except ServerError as exc:
            outcomes.append(exc.attempts)
    logged = calls(ext_server, since, "GET", "/stats")
    assert outcomes.count(0) >= 1 and len(logged) > 8  # retries happened, and they got through
    assert sum(1 for e in logged if e["status"] == 200) == outcomes.count(0)


async def test_plain_500_and_posts_are_not_retried(ext_server: Server, ext_client: SynqClient) -> None:
    since = ext_server.last_seq()
    ext_server.sandbox.set_faults(error_rate=1.0, error_codes=[500], paths="/stats$")
    with pytest.raises(ServerError) as plain:
        await ext_client.get_stats()
    assert plain.value.attempts == 1 and len(calls(ext_server, since, "GET", "/stats")) == 1

    ext_server.sandbox.set_faults(error_rate=1.0, error_codes=[503], paths="/products$")
    with pytest.raises(ServerError) as create:
        await ext_client.create_product({"title": "Not retried"})
    posts = calls(ext_server, since, "POST", "/products")
    assert len(posts) == 1 and posts[0]["idempotency_key"] == create.value.idempotency_key


async def test_throttling_honours_retry_after(ext_server: Server, ext_client: SynqClient) -> None:
    since = ext_server.last_seq()
    ext_server.sandbox.set_faults(throttle_burst=2, retry_after_s=1, paths="/stats$")
    started = time.monotonic()
    await ext_client.get_stats()
    assert time.monotonic() - started >= 1.9
    assert [e["status"] for e in calls(ext_server, since, "GET", "/stats")] == [429, 429, 200]

    since = ext_server.last_seq()
    ext_server.sandbox.set_faults(throttle_burst=1, retry_after_s=1, paths="/products$")
    product, _ = await ext_client.create_product({"title": "Throttled once"})
    posts = calls(ext_server, since, "POST", "/products")
    assert [e["status"] for e in posts] == [429, 201]
    assert posts[0]["idempotency_key"] == posts[1]["idempotency_key"]
    assert [p.id for p in await ext_client.list_products().collect()] == [product.id]


async def test_throttle_longer_than_the_budget_is_raised(ext_server: Server) -> None:
    since = ext_server.last_seq()
    ext_server.sandbox.set_faults(throttle_burst=5, retry_after_s=30, paths="/stats$")
    async with ext_server.client(retry=RetryPolicy(max_seconds=5.0)) as client:
        started = time.monotonic()
        with pytest.raises(ThrottledError) as throttled:
            await client.get_stats()
    assert throttled.value.retry_after == 30
    # One attempt, and raised at once: a wait of 30 s cannot fit a 5 s budget, so the client does not start it.
    assert [e["status"] for e in calls(ext_server, since, "GET", "/stats")] == [429]
    assert time.monotonic() - started < 30, "the client waited out a Retry-After its budget cannot hold"


async def test_lost_create_answer_is_outcome_unknown_and_replays_safely(
    ext_server: Server, ext_client: SynqClient
) -> None:
    since = ext_server.last_seq()
    ext_server.sandbox.set_faults(drop_after_commit_rate=1.0, paths="/products$")
    with pytest.raises(OutcomeUnknownError) as lost:
        await ext_client.create_product({"title": "Exactly once"}, idempotency_key="outbox-op-42")
    assert lost.value.idempotency_key == "outbox-op-42" and isinstance(lost.value.cause, (NetworkError, BadAnswerError))
    ext_server.sandbox.reset_faults()

    replayed, _ = await ext_client.create_product({"title": "Exactly once"}, idempotency_key="outbox-op-42")
    listed = await ext_client.list_products().collect()
    assert [p.id for p in listed] == [replayed.id] and replayed.title == "Exactly once"
    posts = calls(ext_server, since, "POST", "/products")
    assert [e["idempotency_key"] for e in posts] == ["outbox-op-42", "outbox-op-42"]


async def test_lost_answers_to_puts_and_deletes_are_retried(ext_server: Server, ext_client: SynqClient) -> None:
    products = [(await ext_client.create_product({"title": f"P{i}"}))[0] for i in range(6)]
    since = ext_server.last_seq()
    ext_server.sandbox.set_faults(drop_after_commit_rate=0.5, paths="/products/", seed=5)
    for product in products:
        await ext_client.update_product(product.id, {"description": "retried"})
        await ext_client.delete_product(product.id)
    ext_server.sandbox.reset_faults()
    assert (await ext_client.list_products().collect()).items == []
    puts = calls(ext_server, since, "PUT", "")
    deletes = calls(ext_server, since, "DELETE", "")
    assert any(e["status"] == "dropped" for e in puts) and len(puts) > 6
    # Deletes whose answers were lost were repeated; the repeat found the record gone (404, or itself dropped)
    # and the client counted that as done: no NotFoundError reached this test.
    assert any(e["status"] == "dropped" for e in deletes) and len(deletes) > 6


async def test_cut_and_garbage_bodies(ext_server: Server, ext_client: SynqClient) -> None:
    product, _ = await ext_client.create_product({"title": "Readable"})
    for fault in ("truncate_rate", "garbage_rate"):
        since = ext_server.last_seq()
        ext_server.sandbox.set_faults(**{fault: 1.0, "paths": "/products/", "seed": 1})
        with pytest.raises(BadAnswerError) as bad:
            await ext_client.get_product(product.id)
        assert bad.value.attempts == 5 and len(calls(ext_server, since, "GET", product.id)) == 5

        since = ext_server.last_seq()
        with pytest.raises(BadAnswerError):  # a PUT is idempotent: repeated, then given up
            await ext_client.update_product(product.id, {"description": fault})
        assert len(calls(ext_server, since, "PUT", product.id)) == 5

        ext_server.sandbox.set_faults(**{fault: 0.5, "paths": "/products/", "seed": 3})
        for _ in range(5):
            fetched, _ = await ext_client.get_product(product.id)
            assert fetched.description == fault

        ext_server.sandbox.set_faults(**{fault: 1.0, "paths": "/products$"})
        with pytest.raises(OutcomeUnknownError) as unknown:
            await ext_client.create_product({"title": f"after {fault}"})
        assert unknown.value.idempotency_key and isinstance(unknown.value.cause, BadAnswerError)
        ext_server.sandbox.reset_faults()


async def test_slow_answers_time_out(ext_server: Server) -> None:
    ext_server.sandbox.set_faults(latency_ms=1500, paths="/stats$|/products$")
    policy = RetryPolicy(max_attempts=2, base_delay=0.01, max_delay=0.02)
    async with ext_server.client(retry=policy, timeouts=Timeouts(read=0.3)) as client:
        await client.connect()
        with pytest.raises(NetworkError, match="in time") as slow:
            await client.get_stats()
        assert slow.value.attempts == 2
        with pytest.raises(OutcomeUnknownError):
            await client.create_product({"title": "Slow"})


async def test_only_typed_errors_escape_a_faulty_server(ext_server: Server, ext_client: SynqClient) -> None:
    ext_server.sandbox.set_faults(error_rate=0.15, drop_after_commit_rate=0.15, truncate_rate=0.15,
                                  garbage_rate=0.15, throttle_burst=2, retry_after_s=0, seed=99)
    failures: list[SynqError] = []
    successes = 0
    for index in range(25):
        try:
            product, etag = await ext_client.create_product({"title": f"Chaos {index}"})
            await ext_client.update_product(product.id, {"description": "x"}, if_match=etag)
            await ext_client.list_products().collect()
            successes += 1
        except SynqError as exc:  # anything else fails the test
            failures.append(exc)
    assert successes and failures


async def test_lost_get_answers_are_retried_then_reported(ext_server: Server, ext_client: SynqClient) -> None:
    product, _ = await ext_client.create_product({"title": "Dropped reads"})
    since = ext_server.last_seq()
    ext_server.sandbox.set_faults(drop_after_commit_rate=1.0, paths="/products/")
    with pytest.raises((NetworkError, BadAnswerError)) as lost:
        await ext_client.get_product(product.id)
    assert lost.value.attempts == 5 and len(calls(ext_server, since, "GET", product.id)) == 5

    ext_server.sandbox.set_faults(drop_after_commit_rate=0.5, paths="/products/", seed=2)
    for _ in range(4):
        assert (await ext_client.get_product(product.id))[0].title == "Dropped reads"
