"""How fast the pull side writes: pages of server records through `pull.upsert_server_records` on the
writer thread, as the sync engine will call it (10,000 products and 50,000 variants by default, pages
of 100). A second pass re-sends the same pages (nothing changed) and a third pass changes every title.

    .venv/bin/python bench/store_pull.py [--products 10000] [--variants-per-product 5]
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from synq_desktop.store import pull
from synq_desktop.store.states import EntityType
from synq_desktop.store.working_copy import WorkingCopy


def pages(records: list[dict], size: int = 100) -> list[list[dict]]:
    return [records[i:i + size] for i in range(0, len(records), size)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--variants-per-product", type=int, default=5)
    args = parser.parse_args()
    products = [{"id": f"p-{n:06d}", "title": f"Product {n}", "description": "A fine product " * 5,
                 "category": None, "category_id": None, "brand_id": None, "template_id": None, "status": "ACTIVE",
                 "data_quality_score": 90, "created_at": "2026-01-01T00:00:00Z",
                 "updated_at": f"2026-01-01T00:00:{n % 60:02d}.{n:06d}Z"} for n in range(args.products)]
    variants = [{"id": f"v-{n:06d}-{k}", "product_id": f"p-{n:06d}", "sku": f"SKU-{n:06d}-{k}",
                 "barcode": "4006381333931", "price": "19.99", "currency": "EUR", "cost_price": None,
                 "option_values": {"size": str(k)}, "data_quality_score": 100,
                 "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:00:00Z"}
                for n in range(args.products) for k in range(args.variants_per_product)]
    print(f"{len(products):,} products, {len(variants):,} variants, pages of 100")
    for label, checks, per_write in (("first pull, checks on, 1 page/commit", True, 1),
                                     ("first pull, checks off, 1 page/commit", False, 1),
                                     ("first pull, checks off, 10 pages/commit", False, 10)):
        path = Path(tempfile.mkdtemp(prefix="synq-pull-")) / "catalog.sqlite"
        with WorkingCopy.open(path) as wc:
            for round_label, change in ((label, None), ("  same pages again", None), ("  every title changed", "x")):
                if change:
                    for record in products:
                        record["title"] += change
                started, cpu = time.perf_counter(), time.process_time()
                for entity_type, records in ((EntityType.PRODUCT, products), (EntityType.VARIANT, variants)):
                    batch = pages(records)
                    for i in range(0, len(batch), per_write):
                        wc.write_blocking(_write_pages, entity_type, batch[i:i + per_write], checks)
                done = time.perf_counter()
                total = len(products) + len(variants)
                print(f"{round_label:42} {total / (done - started):8,.0f} records/s  wall {done - started:6.2f} s  "
                      f"cpu {time.process_time() - cpu:6.2f} s")


def _write_pages(connection, entity_type: EntityType, batch: list[list[dict]], checks: bool) -> None:
    for page in batch:
        pull.upsert_server_records(connection, entity_type, page, check_findings=checks)


if __name__ == "__main__":
    main()
