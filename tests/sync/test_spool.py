"""The pull's spool (sync.spool): pages appended as received, read back after a kill from the watermark on,
a torn last entry ignored, emptied once every page in it is stored, gone when the list is read."""
from __future__ import annotations

import json
from pathlib import Path

from synq_desktop.sync.spool import PullSpool


def page(n: int, stamp: str) -> bytes:
    return json.dumps([{"id": f"r{n}", "updated_at": stamp}]).encode()


def test_pages_come_back_from_the_watermark_on_in_order(tmp_path: Path) -> None:
    spool = PullSpool(tmp_path / "catalog.sqlite", "variants")
    stamps = ["2026-01-01T00:00:00.000000Z", "2026-01-02T00:00:00.000000Z", "2026-01-03T00:00:00.000000Z"]
    for n, stamp in enumerate(stamps):
        spool.append(page(n, stamp), stamp)
    spool.close()
    again = PullSpool(tmp_path / "catalog.sqlite", "variants")  # as after a restart
    assert list(again.pages_after(None)) == [page(n, s) for n, s in enumerate(stamps)]
    # The page holding the watermark comes again; older ones are stored already.
    assert list(again.pages_after(stamps[1])) == [page(1, stamps[1]), page(2, stamps[2])]
    assert list(again.pages_after("2027-01-01T00:00:00.000000Z")) == []


def test_a_torn_last_entry_is_ignored(tmp_path: Path) -> None:
    spool = PullSpool(tmp_path / "catalog.sqlite", "products")
    spool.append(page(1, "2026-01-01T00:00:00.000000Z"), "2026-01-01T00:00:00.000000Z")
    spool.append(page(2, "2026-01-02T00:00:00.000000Z"), "2026-01-02T00:00:00.000000Z")
    spool.close()
    whole = spool.path.read_bytes()
    second = len(b"%d %s\n" % (len(page(2, "x" * 27)), b"x" * 27)) + len(page(2, "x" * 27)) + 1
    for cut in range(len(whole) - 1, len(whole) - second - 1, -3):  # killed while the second entry was written
        spool.path.write_bytes(whole[:cut])
        assert list(spool.pages_after(None)) == [page(1, "2026-01-01T00:00:00.000000Z")], cut
    spool.path.write_bytes(b"garbage without a length\n[]\n")
    assert list(spool.pages_after(None)) == []


def test_emptied_once_every_page_is_stored_and_removed_at_the_end(tmp_path: Path) -> None:
    spool = PullSpool(tmp_path / "catalog.sqlite", "products")
    for n in range(3):
        spool.append(page(n, "2026-01-01T00:00:00.000000Z"), "2026-01-01T00:00:00.000000Z")
    spool.committed(2)  # one page still waits for the store: it stays
    assert len(list(spool.pages_after(None))) == 3
    spool.committed(3)
    assert list(spool.pages_after(None)) == [] and spool.path.exists()
    spool.append(page(9, "2026-01-05T00:00:00.000000Z"), "2026-01-05T00:00:00.000000Z")
    assert list(spool.pages_after(None)) == [page(9, "2026-01-05T00:00:00.000000Z")]
    spool.remove()
    assert not spool.path.exists() and list(spool.pages_after(None)) == []
    spool.remove()  # nothing left: no error


def test_the_header_says_where_the_read_started(tmp_path: Path) -> None:
    spool = PullSpool(tmp_path / "catalog.sqlite", "variants", since="2026-01-01T00:00:00.000000Z")
    assert spool.started_from() == (False, None)  # nothing written yet
    spool.append(page(1, "2026-01-02T00:00:00.000000Z"), "2026-01-02T00:00:00.000000Z")
    assert spool.started_from() == (True, "2026-01-01T00:00:00.000000Z")
    spool.committed(1)  # emptied: the next page writes the header again
    spool.append(page(2, "2026-01-03T00:00:00.000000Z"), "2026-01-03T00:00:00.000000Z")
    assert spool.started_from() == (True, "2026-01-01T00:00:00.000000Z")
    assert list(spool.pages_after(None)) == [page(2, "2026-01-03T00:00:00.000000Z")]
    first = PullSpool(tmp_path / "catalog.sqlite", "products")  # a first pull: from the start
    first.append(page(3, "2026-01-04T00:00:00.000000Z"), "2026-01-04T00:00:00.000000Z")
    assert first.started_from() == (True, None)
    spool.close()
    first.close()


def test_a_spool_that_does_not_continue_this_copy_is_dropped_not_stored(sandbox, creds, wc) -> None:
    from synq_desktop.store import sync_meta
    from tests.sync.helpers import sync

    sandbox.seed_demo(creds, products=3, seed=5)
    stale = PullSpool(wc.path, "products")  # e.g. left beside a working copy that was since replaced
    record = {"id": "zz-stale", "title": "from another copy", "description": "a whole record", "status": "ACTIVE",
              "created_at": "2099-01-01T00:00:00.000000Z", "updated_at": "2099-01-01T00:00:00.000000Z"}
    stale.append(json.dumps([record]).encode(), "2099-01-01T00:00:00.000000Z")
    stale.close()
    summary = sync(wc, creds)
    with wc.reading() as connection:
        ids = set(connection.exec_driver_sql("SELECT server_id FROM products").scalars())
        watermark = sync_meta.list_state(connection, "products").updated_since
    assert "zz-stale" not in ids and len(ids) == 3
    assert watermark is not None and not watermark.startswith("2099")  # it did not jump past the real records
    assert summary.pulled_by_list["products"] == 3  # read by the list, not fetched one by one afterwards
    assert not stale.path.exists()
