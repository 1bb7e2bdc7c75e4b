"""The working copy's threads: every write on the one writer thread, results back on the caller's loop."""
from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from synq_desktop.store import edits, queries
from synq_desktop.store.errors import StoreError
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.working_copy import WorkingCopy


def test_async_write_and_read_come_back_on_the_loop(wc: WorkingCopy) -> None:
    seen: dict[str, str] = {}

    def create(connection, title: str) -> str:
        seen["writer"] = threading.current_thread().name
        return edits.create(connection, E.PRODUCT, {"title": title})

    async def main() -> tuple[list[str], str]:
        loop_thread = threading.current_thread().name
        created = await asyncio.gather(*(wc.write(create, f"P{i}") for i in range(20)))
        assert threading.current_thread().name == loop_thread
        found = await wc.read(queries.product_ids)
        assert sorted(found) == sorted(created)
        return created, loop_thread

    created, loop_thread = asyncio.run(main())
    assert len(set(created)) == 20
    assert seen["writer"].startswith("synq-store-writer") and seen["writer"] != loop_thread


def test_an_exception_in_a_write_rolls_it_back_and_reaches_the_caller(wc: WorkingCopy) -> None:
    def half_then_fail(connection) -> None:
        edits.create(connection, E.PRODUCT, {"title": "Never"})
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        wc.write_blocking(half_then_fail)
    assert wc.read_blocking(queries.product_ids) == []
    with wc.reading() as connection:
        assert queries.counts(connection)["product"] == 0


def test_closed_copy_refuses_work(tmp_path: Path) -> None:
    wc = WorkingCopy.open(tmp_path / "c.sqlite")
    wc.close()
    wc.close()  # twice is fine
    with pytest.raises(StoreError, match="closed"):
        wc.write_blocking(edits.create, E.PRODUCT, {"title": "x"})
