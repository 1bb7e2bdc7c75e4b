"""Resumed pulls, faults on every request type, bad answers, a full disk, a database locked elsewhere."""
from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections import Counter

import pytest

from synq_desktop.api import BadAnswerError, SynqError
from synq_desktop.store import outbox
from synq_desktop.store.errors import DatabaseLockedError, DiskFullError
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync import crashpoints
from tests.sync.crash_workload import REPO, check, prepare
from tests.sync.helpers import last_seq, new_product, sync

LISTS = ("categories", "brands", "attributes", "attribute-groups", "templates", "products", "variants", "media")


def list_gets(sandbox, tenant_id: str, since: int) -> Counter:
    """Pages asked for per list (deletion scans included)."""
    pages: Counter = Counter()
    for request in sandbox.requests(since):
        name = request["path"].rsplit("/", 1)[-1]
        if (request["method"] == "GET" and request["tenant_id"] == tenant_id and name in LISTS
                and request["path"].count("/") == 4):
            pages[name] += 1
    return pages


def test_killed_pull_fetches_at_most_one_page_per_list_again(sandbox, tmp_path):
    creds = sandbox.mint("ADMIN")
    sandbox.seed_demo(creds, products=250, seed=5)
    start = last_seq(sandbox)
    clean = WorkingCopy.open(tmp_path / "clean.sqlite")
    try:
        sync(clean, creds, pull_concurrency=1)
    finally:
        clean.close()
    baseline = list_gets(sandbox, creds.tenant_id, start)
    assert baseline["products"] == 3 and baseline["variants"] >= 3
    start = last_seq(sandbox)
    db = tmp_path / "killed.sqlite"
    env = {**os.environ, "SYNQ_TOKEN": creds.token, crashpoints.ENV: f"{crashpoints.AFTER_PAGE_COMMIT}@6"}
    child = subprocess.run([sys.executable, "-m", "tests.sync.crash_child", str(db), creds.url, creds.tenant_id,
                            creds.org_id, "10", "pull"], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    wc = WorkingCopy.open(db)
    try:
        with wc.reading() as connection:
            kept = connection.exec_driver_sql("SELECT count(*) FROM products").scalar()
        assert 0 < kept < 250  # it died in the middle of the products list
        summary = sync(wc, creds, pull_concurrency=1)
        assert summary.pending == 0
    finally:
        wc.close()
    total = list_gets(sandbox, creds.tenant_id, start)
    for name, pages in baseline.items():
        assert total[name] <= pages + 1, (name, total[name], pages)


def test_twenty_percent_of_every_fault_still_converges(sandbox, tmp_path):
    db = tmp_path / "faults.sqlite"
    creds, expected = prepare(sandbox, db, n_ops=60, seed=77)
    sandbox.set_faults(error_rate=0.2, drop_after_commit_rate=0.2, truncate_rate=0.2, garbage_rate=0.2,
                       throttle_burst=5, retry_after_s=0, latency_ms=2, latency_jitter_ms=5, seed=1234)
    wc = WorkingCopy.open(db)
    failures = 0
    try:
        for _ in range(40):
            try:
                summary = sync(wc, creds, max_wait=2.0)
            except SynqError:
                failures += 1
                continue
            if summary.pending == 0 and summary.pulled_by_list:
                break
        sandbox.reset_faults()
        summary = sync(wc, creds)
        assert summary.pending == 0 and summary.conflicts == 0 and summary.rejected == 0
        assert wc.read_blocking(outbox.operations) == []
    finally:
        wc.close()
    assert check(creds, expected) == []


def test_bad_answers_are_a_clear_error_and_the_copy_is_intact(sandbox, tmp_path, demo_creds):
    wc = WorkingCopy.open(tmp_path / "catalog.sqlite")
    try:
        new_product(wc, "kept")
        sandbox.set_faults(garbage_rate=1.0, paths=r"/products$")
        with pytest.raises(SynqError) as info:
            sync(wc, demo_creds)
        assert isinstance(info.value, (BadAnswerError, SynqError)) and "/products" in str(info.value)
        sandbox.reset_faults()
        ops = wc.read_blocking(outbox.operations)
        assert len(ops) == 1 and ops[0].payload["title"] == "kept"  # UNCERTAIN or PENDING: never dropped
        summary = sync(wc, demo_creds)
        assert summary.pending == 0
        with demo_creds.client() as http:
            titles = [p["title"] for p in http.get("/products", params={"limit": 100}).json()]
        assert titles.count("kept") == 1
    finally:
        wc.close()


def test_full_disk_is_a_clear_error_and_the_copy_is_intact(tmp_path, demo_creds):
    wc = WorkingCopy.open(tmp_path / "catalog.sqlite")
    try:
        pid = new_product(wc, "before the disk filled")

        def cap(connection):
            pages = connection.exec_driver_sql("PRAGMA page_count").scalar()
            connection.exec_driver_sql(f"PRAGMA max_page_count = {pages + 2}")

        wc.write_blocking(cap)
        with pytest.raises(DiskFullError) as info:
            sync(wc, demo_creds)
        assert "disk is full" in str(info.value).lower()
        wc.write_blocking(lambda c: c.exec_driver_sql("PRAGMA max_page_count = 1073741823"))
        with wc.reading() as connection:
            assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
        with wc.reading() as connection:
            title = connection.exec_driver_sql("SELECT title FROM products WHERE local_id = ?", (pid,)).scalar()
        assert title == "before the disk filled"  # the edit survived (pushed before the pull met the full disk)
        summary = sync(wc, demo_creds)
        assert summary.pending == 0 and summary.pulled_by_list["products"] >= 20
        with demo_creds.client() as http:
            titles = [p["title"] for p in http.get("/products", params={"limit": 100}).json()]
        assert titles.count("before the disk filled") == 1
    finally:
        wc.close()


def test_database_locked_by_another_process(tmp_path, demo_creds):
    path = tmp_path / "catalog.sqlite"
    wc = WorkingCopy.open(path, busy_timeout=0.3)
    try:
        new_product(wc, "waiting")
        holder = subprocess.Popen(
            [sys.executable, "-c", ("import sqlite3, sys\n"
                                    f"c = sqlite3.connect({str(path)!r}, isolation_level=None)\n"
                                    "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True); sys.stdin.read()")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "locked"
            with pytest.raises(DatabaseLockedError) as info:
                sync(wc, demo_creds)
            assert "locked by another program" in str(info.value)
        finally:
            holder.stdin.close()
            holder.wait(timeout=10)
            holder.stdout.close()
        assert len(wc.read_blocking(outbox.operations)) == 1
        assert sync(wc, demo_creds).pending == 0
        check_connection = sqlite3.connect(path)
        try:
            assert check_connection.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        finally:
            check_connection.close()
    finally:
        wc.close()
