"""Paging decisions against servers that page, ignore `offset`, ignore `limit`, or page nothing at all.

The servers here are in-memory lists behind the same `fetch(offset, limit)` contract the client uses; the
HTTP path is covered by test_client_*.py against the sandbox.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from synq_desktop.api.paging import Paginator


@dataclass(frozen=True)
class Row:
    id: str


ROWS = [Row(f"r{index:04d}") for index in range(250)]


def honest(rows: list[Row], calls: list[tuple[int | None, int | None]]):
    async def fetch(offset: int | None, limit: int | None):
        calls.append((offset, limit))
        if limit is None:
            return rows[:100], None
        start = offset or 0
        return rows[start:start + limit], len(rows)
    return fetch


def ignores_offset(rows: list[Row]):
    async def fetch(offset: int | None, limit: int | None):
        return rows[:limit or 100], None
    return fetch


def ignores_limit(rows: list[Row]):
    async def fetch(offset: int | None, limit: int | None):
        return rows[:100], None
    return fetch


def collect(paginator: Paginator[Row]):
    return asyncio.run(paginator.collect())


def test_honest_server_reads_everything_sequentially() -> None:
    calls: list[tuple[int | None, int | None]] = []
    result = collect(Paginator(honest(ROWS, calls), paged=True))
    assert [row.id for row in result.items] == [row.id for row in ROWS]
    assert not result.truncated and result.total == 250
    assert calls == [(0, 100), (100, 100), (200, 100)]


def test_concurrent_read_keeps_order_and_uses_the_total() -> None:
    calls: list[tuple[int | None, int | None]] = []
    result = collect(Paginator(honest(ROWS, calls), paged=True, concurrency=8))
    assert result.items == ROWS and not result.truncated
    assert sorted(calls) == [(0, 100), (100, 100), (200, 100)]


def test_exact_multiple_needs_no_extra_request_when_the_total_is_known() -> None:
    calls: list[tuple[int | None, int | None]] = []
    result = collect(Paginator(honest(ROWS[:200], calls), paged=True, concurrency=8))
    assert len(result) == 200 and len(calls) == 2


def test_page_two_repeating_page_one_stops_and_marks_truncated() -> None:
    result = collect(Paginator(ignores_offset(ROWS), paged=True))
    assert result.items == ROWS[:100] and result.truncated


def test_page_longer_than_asked_means_no_paging() -> None:
    result = collect(Paginator(ignores_limit(ROWS), paged=True, page_size=50))
    assert result.items == ROWS[:100] and result.truncated


def test_unpaged_list_at_the_cap_is_possibly_truncated() -> None:
    calls: list[tuple[int | None, int | None]] = []
    assert collect(Paginator(honest(ROWS, calls), paged=False)).truncated
    assert calls == [(None, None)]
    assert not collect(Paginator(honest(ROWS[:99], []), paged=False)).truncated


def test_prepare_decides_paging_and_max_records_stops_early() -> None:
    calls: list[tuple[int | None, int | None]] = []

    async def prepare() -> bool:
        return True

    paginator: Paginator[Row] = Paginator(honest(ROWS, calls), prepare=prepare, paged=False)
    paginator.max_records = 120
    result = collect(paginator)
    assert len(result) == 120 and calls == [(0, 100), (100, 100)]


def test_empty_list() -> None:
    result = collect(Paginator(honest([], []), paged=True, concurrency=8))
    assert result.items == [] and not result.truncated
