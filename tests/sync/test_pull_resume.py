"""A first pull at concurrency 8 killed in the middle: the working copy it leaves is whole (its search and
sort data rebuilt when it is opened again), and the resumed pull reads again only what the kill lost."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync import crashpoints
from tests.sync.helpers import last_seq, sync

REPO = Path(__file__).resolve().parents[2]
LISTS = ("categories", "brands", "attributes", "attribute-groups", "templates", "products", "variants", "media")
CONCURRENCY = 8

# What a finished pull must have built, compared between a clean copy and a killed-and-resumed one.
SNAPSHOT_SQL = {
    "products": "SELECT server_id, title, status, base, category_sort, brand_sort, template_sort, variant_count, "
                "issue_level, issues FROM products ORDER BY server_id",
    "variants": "SELECT server_id, product_id, sku, price, base, option_values, issue_level, issues FROM variants "
                "ORDER BY server_id",
    "media": "SELECT server_id, product_id, url, issue_level FROM media ORDER BY server_id",
    "product search": "SELECT count(*) FROM products_fts WHERE products_fts MATCH 'title:\"the\" OR description:\"the\"'",
    "sku search": "SELECT count(*) FROM variants_fts WHERE variants_fts MATCH 'sku:\"-\"'",
    "schema": "SELECT type, name FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name",
}


def list_pages(sandbox, tenant_id: str, since: int, until: int | None = None) -> Counter:
    pages: Counter = Counter()
    for request in sandbox.requests(since):
        if until is not None and request["seq"] > until:
            break
        name = request["path"].rsplit("/", 1)[-1]
        if request["method"] == "GET" and request["tenant_id"] == tenant_id and name in LISTS \
                and request["path"].count("/") == 4:
            pages[name] += 1
    return pages


def snapshot(wc: WorkingCopy) -> dict[str, list]:
    with wc.reading() as connection:
        return {name: [tuple(row) for row in connection.exec_driver_sql(sql)] for name, sql in SNAPSHOT_SQL.items()}


def test_killed_first_pull_at_concurrency_8_resumes_whole(sandbox, tmp_path):
    creds = sandbox.mint("ADMIN")
    sandbox.seed_demo(creds, products=400, seed=7)
    start = last_seq(sandbox)
    clean = WorkingCopy.open(tmp_path / "clean.sqlite")
    try:
        sync(clean, creds, pull_concurrency=CONCURRENCY)
        expected = snapshot(clean)
    finally:
        clean.close()
    baseline = list_pages(sandbox, creds.tenant_id, start)
    assert baseline["products"] == 4 and baseline["variants"] >= 10

    start = last_seq(sandbox)
    db = tmp_path / "killed.sqlite"
    env = {**os.environ, "SYNQ_TOKEN": creds.token, crashpoints.ENV: f"{crashpoints.AFTER_PAGE_COMMIT}:variants@2"}
    child = subprocess.run([sys.executable, "-m", "tests.sync.pull_child", str(db), creds.url, creds.tenant_id,
                            creds.org_id, str(CONCURRENCY)], cwd=REPO, env=env, capture_output=True, text=True,
                           timeout=120, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    killed_at = last_seq(sandbox)
    killed_run = list_pages(sandbox, creds.tenant_id, start)

    wc = WorkingCopy.open(db)  # rebuilds what the killed first pull had set aside
    try:
        with wc.reading() as connection:
            kept = connection.exec_driver_sql("SELECT count(*) FROM variants").scalar()
            counted = connection.exec_driver_sql(
                "SELECT count(*) FROM products WHERE variant_count != "
                "(SELECT count(*) FROM variants WHERE product_id = products.local_id)").scalar()
            searchable = connection.exec_driver_sql("SELECT count(*) FROM variants_fts").scalar()
        assert 0 < kept < len(expected["variants"])  # it died in the middle of the variants list
        assert counted == 0 and searchable == kept
        assert snapshot(wc)["schema"] == expected["schema"]  # every index and trigger is back

        sync(wc, creds, pull_concurrency=CONCURRENCY)
        assert snapshot(wc) == expected
    finally:
        wc.close()
    resumed_run = list_pages(sandbox, creds.tenant_id, killed_at)
    again = {name: killed_run[name] + resumed_run[name] - pages for name, pages in baseline.items()}
    # The resumed run starts from the last page committed and reads one page again (the one holding the
    # watermark's record); the list the kill hit also loses the pages asked for and not yet committed: at most
    # CONCURRENCY asked ahead of the pull and CONCURRENCY waiting for the writer (in practice those in flight).
    for name, extra in again.items():
        assert extra <= (2 * CONCURRENCY if name == "variants" else 1), (name, extra, killed_run, resumed_run)
    print("pages read again per list:", again)  # shown with -s: the figure the issue asks for
