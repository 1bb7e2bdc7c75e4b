"""A full disk and a database locked by another process: a clear error, the working copy intact."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select

from synq_desktop.store import edits, outbox, queries, schema
from synq_desktop.store.edits import Edit
from synq_desktop.store.errors import DatabaseLockedError, DiskFullError
from synq_desktop.store.queries import ProductFilter
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.working_copy import WorkingCopy

HOLDER = """
import sqlite3, sys
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
connection.execute("INSERT INTO sync_meta(key, value) VALUES ('held', '1')")
print("locked", flush=True)
sys.stdin.readline()
connection.execute("ROLLBACK")
connection.close()
"""


def product_count(connection: Connection) -> int:
    return connection.execute(select(func.count()).select_from(schema.products)).scalar_one()


def integrity(connection: Connection) -> str:
    return connection.exec_driver_sql("PRAGMA integrity_check").scalar()


def test_full_disk_is_a_clear_error_and_nothing_is_half_written(wc: WorkingCopy) -> None:
    wc.write_blocking(edits.apply, [Edit("create", E.PRODUCT, None, {"title": f"Kept {i}"}) for i in range(20)])

    def cap(connection: Connection) -> int:
        pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
        return connection.exec_driver_sql(f"PRAGMA max_page_count = {pages + 1}").scalar()

    wc.write_blocking(cap)
    big = [Edit("create", E.PRODUCT, None, {"title": f"Big {i}", "description": "x" * 4000}) for i in range(300)]
    with pytest.raises(DiskFullError, match="disk is full") as caught:
        wc.write_blocking(edits.apply, big, doing="pasting 300 rows")
    assert "pasting 300 rows was not saved" in str(caught.value)
    assert wc.read_blocking(product_count) == 20
    assert len(wc.read_blocking(outbox.operations)) == 20
    assert wc.read_blocking(integrity) == "ok"
    # Space again: the same writer keeps working.
    wc.write_blocking(lambda c: c.exec_driver_sql("PRAGMA max_page_count = 1073741823").scalar())
    wc.write_blocking(edits.create, E.PRODUCT, {"title": "After"})
    assert wc.read_blocking(product_count) == 21


def test_database_locked_by_another_process_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with WorkingCopy.open(path, busy_timeout=0.2) as wc:
        pid = wc.write_blocking(edits.create, E.PRODUCT, {"title": "Before"})
        with subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) as child:
            assert child.stdout is not None and child.stdin is not None
            assert child.stdout.readline().strip() == "locked"
            with pytest.raises(DatabaseLockedError, match="locked by another program"):
                wc.write_blocking(edits.update, E.PRODUCT, pid, {"title": "During"}, doing="saving the title")
            # Reads still work in WAL mode while another process writes.
            assert wc.read_blocking(queries.product_rows, [pid])[0]["title"] == "Before"
            child.stdin.write("release\n")
            child.stdin.flush()
            child.stdin.close()
            assert child.wait(timeout=30) == 0
        wc.write_blocking(edits.update, E.PRODUCT, pid, {"title": "After"})
        assert wc.read_blocking(queries.product_rows, [pid])[0]["title"] == "After"
        assert wc.read_blocking(integrity) == "ok"


def test_opening_a_locked_file_says_so(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    WorkingCopy.open(path).close()
    with subprocess.Popen([sys.executable, "-c", HOLDER, str(path)], stdin=subprocess.PIPE,
                          stdout=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(DatabaseLockedError, match="locked by another program"):
            WorkingCopy.open(path, busy_timeout=0.2)
        child.stdin.close()
        assert child.wait(timeout=30) == 0


@pytest.mark.parametrize("text", ['"unbalanced', "AND OR NOT", "a*b(c", "'; DROP TABLE products; --", "\\", "%_%"])
def test_search_text_is_never_query_syntax(w, r, text: str) -> None:
    w(edits.create, E.PRODUCT, {"title": "Plain"})
    assert r(queries.product_ids, ProductFilter(text=text)) == []
    assert r(queries.counts)["product"] == 1


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    from synq_desktop.store.errors import StoreError

    path = tmp_path / "catalog.sqlite"
    path.write_bytes(b"this is not SQLite " * 100)
    with pytest.raises(StoreError, match="not a database"):
        WorkingCopy.open(path)
    assert path.read_bytes().startswith(b"this is not SQLite")  # left as it was
