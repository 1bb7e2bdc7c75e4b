"""Grid queries over a big working copy: 100,000 products and 400,000 variants.

Builds the working copy with Core executemany through the writer thread (the triggers keep the FTS
tables, variant counts and sort names current, as in real use), then times, on the reader:
sorting the product id list by every grid column (both directions), FTS searches (title words, SKU
fragments, short fragments), the heads the grid paints first (the first 200 ids of a list or a
search), filters (category subtree, status, sync state), and fetching one 200-row page. Prints
medians and maxima in milliseconds, and the median CPU time (steadier on a loaded machine).

    .venv/bin/python bench/store_grid.py [--products 100000] [--variants-per-product 4] [--keep PATH]
"""
from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import Connection, insert

from synq_desktop.store import queries, schema
from synq_desktop.store.queries import ProductFilter
from synq_desktop.store.working_copy import WorkingCopy

WORDS = (
    "merino", "wool", "cotton", "linen", "silk", "denim", "leather", "canvas", "fleece", "cashmere", "sweater",
    "shirt", "jacket", "coat", "dress", "trousers", "skirt", "scarf", "hat", "gloves", "socks", "boots",
    "sneakers", "belt", "bag", "wallet", "navy", "crimson", "olive", "ivory", "charcoal", "slim", "relaxed",
    "classic", "vintage", "organic", "recycled", "lightweight", "heavy", "waterproof", "quilted", "knitted",
)
COLORS = ("RED", "BLUE", "GREEN", "BLACK", "WHITE", "NAVY", "GREY", "OLIVE")
SIZES = ("XS", "S", "M", "L", "XL", "XXL")
STATUSES = ("ACTIVE", "ACTIVE", "ACTIVE", "DRAFT", "ARCHIVED")


def build(wc: WorkingCopy, n_products: int, per_product: int, seed: int = 7) -> float:
    rng = random.Random(seed)
    started = time.perf_counter()
    categories = []
    for i in range(200):
        parent = categories[rng.randrange(len(categories))]["local_id"] if i >= 20 else None
        categories.append({"local_id": f"cat-{i:04d}", "server_id": f"cat-{i:04d}", "name": f"Category {i}",
                           "slug": f"category-{i}", "parent_id": parent})
    brands = [{"local_id": f"brand-{i:03d}", "server_id": f"brand-{i:03d}", "name": f"Brand {i}"} for i in range(50)]
    templates = [{"local_id": f"tpl-{i}", "server_id": f"tpl-{i}", "name": f"Template {i}"} for i in range(10)]

    def taxonomy(connection: Connection) -> None:
        connection.execute(insert(schema.categories), categories)
        connection.execute(insert(schema.brands), brands)
        connection.execute(insert(schema.templates), templates)

    wc.write_blocking(taxonomy)
    chunk = 5000
    sku_n = 0
    for start in range(0, n_products, chunk):
        products, variants = [], []
        for n in range(start, min(start + chunk, n_products)):
            pid = f"prod-{n:07d}"
            title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 5))).title()
            products.append({
                "local_id": pid, "server_id": pid, "title": title,
                "description": " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25))),
                "category_id": categories[rng.randrange(200)]["local_id"],
                "brand_id": brands[rng.randrange(50)]["local_id"],
                "template_id": templates[rng.randrange(10)]["local_id"] if rng.random() < 0.5 else None,
                "status": rng.choice(STATUSES), "data_quality_score": rng.randint(0, 100),
                "updated_at": f"2026-{rng.randint(1, 11):02d}-{rng.randint(1, 28):02d}T{rng.randint(0, 23):02d}:00:00.000000Z",
                "sync_state": "PENDING" if rng.random() < 0.01 else "SYNCED",
            })
            for k in range(per_product):
                sku_n += 1
                variants.append({
                    "local_id": f"var-{sku_n:08d}", "server_id": f"var-{sku_n:08d}", "product_id": pid,
                    "sku": f"P{n:06d}-{COLORS[k % len(COLORS)]}-{SIZES[(k // len(COLORS) + n) % len(SIZES)]}",
                    "barcode": f"{rng.randrange(10**12):013d}", "price": f"{rng.randint(5, 500)}.{rng.randint(0, 99):02d}",
                    "currency": "EUR",
                })

        def write(connection: Connection, products: list = products, variants: list = variants) -> None:
            connection.execute(insert(schema.products), products)
            connection.execute(insert(schema.variants), variants)

        wc.write_blocking(write)
    return time.perf_counter() - started


def timed(wc: WorkingCopy, fn, *args, repeat: int = 5, **kwargs) -> tuple[float, float, float, int]:
    """Median and max wall time, and median CPU time (this process: the reader thread's work; less
    disturbed than wall time when other processes share the cores)."""
    samples, cpu, size = [], [], 0
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        result = wc.read_blocking(fn, *args, **kwargs)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - cpu_started) * 1000)
        size = len(result)
    return statistics.median(samples), max(samples), statistics.median(cpu), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--variants-per-product", type=int, default=4)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the working copy at this path")
    args = parser.parse_args()
    path = args.keep or Path(tempfile.mkdtemp(prefix="synq-bench-")) / "catalog.sqlite"
    fresh = not path.exists()
    with WorkingCopy.open(path) as wc:
        if fresh:
            seconds = build(wc, args.products, args.variants_per_product)
            print(f"built {args.products:,} products, {args.products * args.variants_per_product:,} variants "
                  f"in {seconds:.1f} s ({path.stat().st_size / 1e6:.0f} MB)")
        wc.write_blocking(lambda c: c.exec_driver_sql("ANALYZE"))
        print(f"{'query':44} {'median ms':>10} {'max ms':>8} {'cpu ms':>8} {'rows':>8}")

        def report(label: str, fn, *a, **k) -> None:
            median, worst, cpu, size = timed(wc, fn, *a, **k)
            print(f"{label:44} {median:10.1f} {worst:8.1f} {cpu:8.1f} {size:8,}")

        for sort in ("title", "category", "brand", "template", "status", "variant_count", "quality",
                     "updated_at", "created_at", "sync_state", "issues"):
            report(f"sort by {sort}", queries.product_ids, None, sort)
            report(f"sort by {sort} desc", queries.product_ids, None, sort, True)
        def head(connection, flt, sort="title", descending=False):
            return queries.product_head(connection, flt, sort, descending, 200)[0]

        report("head (first 200) by title", head, None)
        report("head (first 200) by updated_at desc", head, None, "updated_at", True)
        for text in ("merino", "wool sweater", "P012345", "BLUE-M", "navy quilted jacket", "zz", "no-such-thing"):
            report(f"search {text!r} by title", queries.product_ids, ProductFilter(text=text))
            report(f"search {text!r} head by title", head, ProductFilter(text=text))
            report(f"search {text!r} by updated_at desc", queries.product_ids, ProductFilter(text=text),
                   "updated_at", True)
        report("category subtree (root)", queries.product_ids, ProductFilter(category_id="cat-0003"))
        report("category subtree + search", queries.product_ids, ProductFilter(category_id="cat-0003", text="wool"))
        report("status DRAFT by title", queries.product_ids, ProductFilter(statuses=("DRAFT",)))
        report("sync state PENDING", queries.product_ids, ProductFilter(sync_states=("PENDING",)))
        ids = wc.read_blocking(queries.product_ids)
        page = ids[50_000 % max(len(ids), 1):][:200]
        report("page fetch: 200 product rows", queries.product_rows, page, repeat=20)
        report("variant ids of 200 products", queries.variant_ids, page, repeat=20)
        variant_page = wc.read_blocking(queries.variant_ids, page)[:200]
        report("page fetch: 200 variant rows", queries.variant_rows, variant_page, repeat=20)
        report("category tree with counts", queries.category_tree)
        report("counts per object type", lambda c: list(queries.counts(c).items()))


if __name__ == "__main__":
    main()
