"""Benchmark: the initial pull of 10,000 products and 50,000 variants by the sync engine vs a bare httpx loop.

The sandbox runs in its own process on a SQLite file seeded once (the demo catalog, topped up with variants
to the target) and reused. Each round: the engine pulls everything into a fresh working copy (concurrency 8);
the requests it made are read back from the sandbox's request log and a bare httpx loop fires exactly those
GETs with the same structure (per list: the first page alone, then the rest 8 at a time). Rounds alternate
which goes first (the bare loop first replays the GETs of the round before), so a drift of the machine's
speed within a round does not always favour one side. Reported: the median wall time of each, their ratio
(target <= 1.25), the client CPU seconds of the engine (this process: event loop and the store's writer
thread), and with --qasync the longest gap between the ticks of a 10 ms Qt timer while the engine pulls from
a qasync loop (target <= 50 ms).

    .venv/bin/python bench/sync_pull.py [--products 10000] [--variants 50000] [--runs 5] [--qasync]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import parse_qsl

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from synq_desktop.api import SynqClient
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.engine import SyncEngine
from tests.support.sandbox import start_sandbox_process

CONCURRENCY = 8


def catalog_db(products: int, variants: int, path: Path | None) -> Path:
    db = path or Path(tempfile.gettempdir()) / f"synq-sync-bench-{products}-{variants}.sqlite"
    shared = Path(tempfile.gettempdir()) / f"synq-bench-{products}.sqlite"  # bench/client_paging.py's catalog
    if not db.exists() and shared.exists():
        shutil.copyfile(shared, db)
    return db


async def top_up_variants(url: str, headers: dict[str, str], target: int) -> int:
    async with httpx.AsyncClient(base_url=url + "/api/v1/pim", headers=headers, timeout=60) as http:
        first = await http.get("/variants", params={"limit": 1})
        have = int(first.headers["x-total-count"])
        if have >= target:
            return have
        products: list[str] = []
        offset = 0
        while True:
            page = (await http.get("/products", params={"limit": 100, "offset": offset})).json()
            products += [p["id"] for p in page]
            if len(page) < 100:
                break
            offset += 100
        gate = asyncio.Semaphore(16)

        async def create(index: int) -> None:
            async with gate:
                answer = await http.post(f"/products/{products[index % len(products)]}/variants", json={
                    "sku": f"BENCH-{index}", "price": 10 + index % 90, "currency": "USD"})
                answer.raise_for_status()

        await asyncio.gather(*(create(i) for i in range(have, target)))
        return target


async def engine_pull(url: str, token: str, tenant: str, org: str, workdir: Path) -> tuple[float, float, dict]:
    wc = WorkingCopy.open(workdir / "catalog.sqlite")
    try:
        async with SynqClient(url, token, tenant, org, max_connections=CONCURRENCY) as client:
            wall, cpu = time.perf_counter(), time.process_time()
            summary = await SyncEngine(wc, client, pull_concurrency=CONCURRENCY).run(push=False)
            return time.perf_counter() - wall, time.process_time() - cpu, summary.pulled_by_list
    finally:
        wc.close()


async def bare_replay(url: str, headers: dict[str, str], requests: list[dict]) -> tuple[float, float, int]:
    """The engine's GETs again, list by list: first page alone, the rest CONCURRENCY at a time."""
    groups: dict[str, list[list[tuple[str, str]]]] = {}
    for request in requests:
        groups.setdefault(request["path"], []).append(parse_qsl(request["query"] or "", keep_blank_values=True))
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=60) as http:
        await http.get("/api/v1/pim/capabilities")  # a warm connection, as the engine's client has
        wall, cpu = time.perf_counter(), time.process_time()
        gate = asyncio.Semaphore(CONCURRENCY)
        rows = 0

        async def get(path: str, params: list[tuple[str, str]]) -> int:
            async with gate:
                answer = await http.get(path, params=params)
                answer.raise_for_status()
                data = answer.json()
                return len(data) if isinstance(data, list) else 1

        for path, queries in groups.items():
            rows += await get(path, queries[0])
            rows += sum(await asyncio.gather(*(get(path, q) for q in queries[1:])))
        return time.perf_counter() - wall, time.process_time() - cpu, rows


def qasync_stall(url: str, token: str, tenant: str, org: str, workdir: Path) -> tuple[float, float]:
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import qasync
    from PySide6.QtWidgets import QApplication

    from synq_desktop.app.loop_stalls import LoopStallMonitor

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    monitor = LoopStallMonitor()

    wc = WorkingCopy.open(workdir / "catalog.sqlite")  # at start-up in the app: not part of the pull

    async def pull() -> float:
        # The client (its TLS context) and the capability probe exist before a sync in the app, too.
        async with SynqClient(url, token, tenant, org, max_connections=CONCURRENCY) as client:
            await client.connect()
            gc.collect()
            gc.freeze()
            monitor.start()
            wall = time.perf_counter()
            await SyncEngine(wc, client, pull_concurrency=CONCURRENCY).run(push=False)
            monitor.stop()
            return time.perf_counter() - wall

    try:
        with loop:
            wall = loop.run_until_complete(pull())
    finally:
        wc.close()
    return monitor.max_stall_ms, wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--variants", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--qasync", action="store_true", help="also pull once from a qasync loop: longest stall")
    args = parser.parse_args()
    db = catalog_db(args.products, args.variants, args.db)
    print(f"sandbox database: {db} ({'reused' if db.exists() else 'seeding'})", flush=True)
    with start_sandbox_process("--db", str(db), "--demo", str(args.products), "--rate-limit", "0",
                               "--job-rate", "0", timeout=1800) as server:
        url = server.url
        token, tenant, org = (server.facts[name] for name in ("TOKEN", "TENANT_ID", "ORG_ID"))
        headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant, "X-Org-ID": org}
        variants = asyncio.run(top_up_variants(url, headers, args.variants))
        print(f"catalog: {args.products} products, {variants} variants", flush=True)
        gc.collect()
        gc.freeze()
        engine_times, engine_cpu, bare_times, bare_cpu, ratios = [], [], [], [], []
        made: list[dict] = []
        for run in range(args.runs + 1 if args.runs else 0):  # run 0 warms both up
            bare_first = run % 2 == 0 and bool(made)  # the GETs of the round before (the catalog does not change)
            if bare_first:
                bare_wall, bare_cpu_s, rows = asyncio.run(bare_replay(url, headers, made))
            with tempfile.TemporaryDirectory() as tmp:
                log = server.sandbox.requests()
                since = log[-1]["seq"] if log else 0
                wall, cpu, pulled = asyncio.run(engine_pull(url, token, tenant, org, Path(tmp)))
                made = [r for r in server.sandbox.requests(since) if r["method"] == "GET"]
            if not bare_first:
                bare_wall, bare_cpu_s, rows = asyncio.run(bare_replay(url, headers, made))
            if pulled.get("products", 0) < args.products or pulled.get("variants", 0) < variants:
                print(f"run {run}: the engine pulled {pulled}")
                return 1
            label = "warm-up" if run == 0 else f"run {run}"
            print(f"{label}: engine {wall:.2f} s (cpu {cpu:.2f} s), bare httpx {bare_wall:.2f} s "
                  f"(cpu {bare_cpu_s:.2f} s), {len(made)} GETs, {rows} rows", flush=True)
            if run:
                engine_times.append(wall)
                engine_cpu.append(cpu)
                bare_times.append(bare_wall)
                bare_cpu.append(bare_cpu_s)
                ratios.append(wall / bare_wall)
        stall = None
        if args.qasync:
            with tempfile.TemporaryDirectory() as tmp:
                stall, qwall = qasync_stall(url, token, tenant, org, Path(tmp))
            print(f"qasync pull: {qwall:.2f} s, longest gap between 10 ms ticks beyond the period: {stall:.1f} ms",
                  flush=True)
    if not engine_times:
        return 0 if stall is None or stall <= 50 else 2
    ratio = statistics.median(engine_times) / statistics.median(bare_times)
    print(f"engine pull:     median {statistics.median(engine_times):.2f} s over {args.runs} runs; "
          f"client CPU median {statistics.median(engine_cpu):.2f} s")
    print(f"bare httpx loop: median {statistics.median(bare_times):.2f} s (cpu {statistics.median(bare_cpu):.2f} s)")
    print(f"ratio engine/bare: {ratio:.3f} (target <= 1.25) {'OK' if ratio <= 1.25 else 'OVER TARGET'}; "
          f"median per-round ratio {statistics.median(ratios):.3f}")
    ok = ratio <= 1.25 and (stall is None or stall <= 50)
    return 0 if ok else 2


if __name__ == "__main__":
    sys.exit(main())
