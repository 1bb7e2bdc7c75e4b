"""Benchmark: reading 10,000 products through `SynqClient.list_products(concurrency=8)` vs a bare httpx loop.

Both make the same requests (`GET /products?limit=100&offset=N`, the first page alone, then the rest 8 at a time)
against a sandbox running in its own process. Runs alternate between the two after one warm-up each; the median
of the runs is reported with the ratio (target: client / bare <= 1.1) and the CPU seconds this process spent in
the client runs (the server's CPU is in the other process).

The 10,000-product catalog is seeded once into a SQLite file (default under the system temp dir) and reused by
later runs: a restart on the same file finds the same catalog and credentials.

    .venv/bin/python bench/client_paging.py [--products 10000] [--runs 5] [--db PATH]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from synq_desktop.api import SynqClient
from tests.support.sandbox import start_sandbox_process

PAGE = 100
CONCURRENCY = 8


async def client_run(url: str, token: str, tenant: str, org: str) -> tuple[float, float, int]:
    async with SynqClient(url, token, tenant, org, max_connections=CONCURRENCY) as client:
        await client.connect()
        wall, cpu = time.perf_counter(), time.process_time()
        count = 0
        async for _product in client.list_products(concurrency=CONCURRENCY):
            count += 1
        return time.perf_counter() - wall, time.process_time() - cpu, count


async def bare_run(url: str, token: str, tenant: str, org: str) -> tuple[float, float, int]:
    headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant, "X-Org-ID": org}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as http:
        await http.get("/api/v1/pim/capabilities")  # the same warm connection the client's probe makes
        wall, cpu = time.perf_counter(), time.process_time()
        first = await http.get("/api/v1/pim/products", params={"limit": PAGE, "offset": 0})
        first.raise_for_status()
        rows = first.json()
        total = int(first.headers["x-total-count"])
        gate = asyncio.Semaphore(CONCURRENCY)

        async def page(offset: int) -> list[object]:
            async with gate:
                answer = await http.get("/api/v1/pim/products", params={"limit": PAGE, "offset": offset})
                answer.raise_for_status()
                return answer.json()

        pages = await asyncio.gather(*(page(offset) for offset in range(PAGE, total, PAGE)))
        count = len(rows) + sum(len(items) for items in pages)
        return time.perf_counter() - wall, time.process_time() - cpu, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--db", type=Path, default=None, help="catalog file to reuse (seeded on first use)")
    args = parser.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"synq-bench-{args.products}.sqlite"
    fresh = not db.exists()
    print(f"sandbox database: {db} ({'seeding ' + str(args.products) + ' products' if fresh else 'reused'})")
    started = time.perf_counter()
    with start_sandbox_process("--db", str(db), "--demo", str(args.products), "--rate-limit", "0",
                               "--job-rate", "0", timeout=1800) as server:
        url = server.url
        token, tenant, org = (server.facts[name] for name in ("TOKEN", "TENANT_ID", "ORG_ID"))
        print(f"sandbox ready in {time.perf_counter() - started:.1f} s at {url}")
        # As the app does after start-up (DESIGN.md): long-lived objects leave the collector's view, so a full
        # collection does not rescan the ~100k objects of the imported libraries in the middle of a read.
        gc.collect()
        gc.freeze()
        client_times: list[float] = []
        client_cpu: list[float] = []
        bare_times: list[float] = []
        bare_cpu: list[float] = []
        for run in range(args.runs + 1):  # run 0 is the warm-up of both
            # Alternate which goes first, so neither always meets a warmer (or busier) server.
            order = (bare_run, client_run) if run % 2 else (client_run, bare_run)
            results = {}
            for reader in order:
                gc.collect()  # each reader starts from the same heap
                results[reader] = asyncio.run(reader(url, token, tenant, org))
            wall, cpu, count = results[client_run]
            bare_wall, bare_cpu_s, bare_count = results[bare_run]
            if count != bare_count or count < args.products:
                print(f"run {run}: client read {count}, bare read {bare_count}: expected {args.products}")
                return 1
            label = "warm-up" if run == 0 else f"run {run}"
            print(f"{label}: client {wall:.3f} s (cpu {cpu:.3f} s), bare httpx {bare_wall:.3f} s "
                  f"(cpu {bare_cpu_s:.3f} s), {count} products")
            if run:
                client_times.append(wall)
                client_cpu.append(cpu)
                bare_times.append(bare_wall)
                bare_cpu.append(bare_cpu_s)
    client_median = statistics.median(client_times)
    bare_median = statistics.median(bare_times)
    ratio = client_median / bare_median
    # Each round runs both back to back, so the ratio within a round is less exposed to other load on the box.
    paired = statistics.median(c / b for c, b in zip(client_times, bare_times, strict=True))
    print(f"client paging iterator: median {client_median:.3f} s over {args.runs} runs")
    print(f"bare httpx loop:        median {bare_median:.3f} s over {args.runs} runs")
    print(f"ratio client/bare:      {ratio:.3f} (target <= 1.1) {'OK' if ratio <= 1.1 else 'OVER TARGET'}"
          f"; median of per-round ratios {paired:.3f}")
    print(f"client CPU seconds:     median {statistics.median(client_cpu):.3f} s per read "
          f"(bare httpx: {statistics.median(bare_cpu):.3f} s)")
    return 0 if ratio <= 1.1 else 2


if __name__ == "__main__":
    sys.exit(main())
