"""How fast the pull side writes: pages of server records through `pull.upsert_server_records` on the
writer thread, as the sync engine calls it (10,000 products and 50,000 variants by default, pages of 100,
as many pages per commit as the engine's page writer gathers). First pull: with the derived data set aside
(store.derived, what the engine does into empty tables) and then rebuilt, timed apart, and as before with
every trigger and index live. Then the same pages again (nothing changed) and with every title changed.

    .venv/bin/python bench/store_pull.py [--products 10000] [--variants-per-product 5]
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from synq_desktop.store import derived, pull
from synq_desktop.store.states import EntityType
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.pull import PageWriter

PAGES_PER_COMMIT = PageWriter.BATCH_PAGES


def pages(records: list[dict], size: int = 100) -> list[list[dict]]:
    return [records[i:i + size] for i in range(0, len(records), size)]


def _uuid(kind: str, n: int, k: int = 0) -> str:
    """A random-looking but repeatable UUID, as servers send: ids in key order ("p-000001") made the index
    inserts look several times cheaper than they are (every insert then appends at the end of the index)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}/{n}/{k}"))


def catalog(products_n: int, per_product: int) -> tuple[list[dict], list[dict]]:
    products = [{"id": _uuid("p", n), "title": f"Product {n}", "description": "A fine product " * 5,
                 "category": None, "category_id": None, "brand_id": None, "template_id": None, "status": "ACTIVE",
                 "data_quality_score": 90, "created_at": "2026-01-01T00:00:00Z",
                 "updated_at": f"2026-01-01T00:00:{n % 60:02d}.{n:06d}Z"} for n in range(products_n)]
    variants = [{"id": _uuid("v", n, k), "product_id": _uuid("p", n), "sku": f"SKU-{n:06d}-{k}",
                 "barcode": "4006381333931", "price": "19.99", "currency": "EUR", "cost_price": None,
                 "option_values": {"size": str(k)}, "data_quality_score": 100,
                 "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
                for n in range(products_n) for k in range(per_product)]
    return products, variants


def write_all(wc: WorkingCopy, products: list[dict], variants: list[dict], deferred: bool) -> None:
    for entity_type, records in ((EntityType.PRODUCT, products), (EntityType.VARIANT, variants)):
        batch = pages(records)
        for i in range(0, len(batch), PAGES_PER_COMMIT):
            wc.write_blocking(_write_pages, entity_type, batch[i:i + PAGES_PER_COMMIT], deferred)


def timed(label: str, total: int, fn, *args) -> None:  # type: ignore[no-untyped-def]
    started, cpu = time.perf_counter(), time.process_time()
    fn(*args)
    wall = time.perf_counter() - started
    print(f"{label:44} {total / wall:9,.0f} records/s  wall {wall:6.2f} s  cpu {time.process_time() - cpu:6.2f} s",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--variants-per-product", type=int, default=5)
    args = parser.parse_args()
    products, variants = catalog(args.products, args.variants_per_product)
    total = len(products) + len(variants)
    print(f"{len(products):,} products, {len(variants):,} variants, pages of 100, {PAGES_PER_COMMIT} pages a commit; "
          f"load average {os.getloadavg()[0]:.2f}")
    for first_label, deferred in (("first pull, derived data set aside", True), ("first pull, triggers live", False)):
        path = Path(tempfile.mkdtemp(prefix="synq-pull-")) / "catalog.sqlite"
        with WorkingCopy.open(path) as wc:
            if deferred:
                assert wc.write_blocking(derived.set_aside)
            timed(first_label, total, write_all, wc, products, variants, deferred)
            if deferred:
                timed("  rebuilding the derived data", total, wc.write_blocking, derived.restore)
            timed("  same pages again", total, write_all, wc, products, variants, False)
            for record in products:
                record["title"] += "x"
            timed("  every title changed", total, write_all, wc, products, variants, False)
    print(f"load average {os.getloadavg()[0]:.2f}")


def _write_pages(connection, entity_type: EntityType, batch: list[list[dict]], deferred: bool) -> None:  # type: ignore[no-untyped-def]
    for page in batch:
        pull.upsert_server_records(connection, entity_type, page, derived_deferred=deferred)


if __name__ == "__main__":
    main()
