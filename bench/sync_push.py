"""Benchmark: pushing 5,000 edits through the sync engine vs the same PUTs (same If-Match) from a bare httpx loop.

The sandbox runs in its own process. Set-up (not timed): 5,000 products created through the engine, so the
working copy knows each one's ETag. Each round: 5,000 title edits are queued, the engine pushes them
(concurrency 8, If-Match from the ETags it holds), then a bare httpx loop sends the same 5,000 PUTs (same
paths, same body size) with If-Match set to the ETags the engine's answers left (so every PUT succeeds, as
the engine's did); the new ETags go back into the working copy for the next round. The bare bodies differ
from the engine's in the title's last character: a PUT that changes nothing costs the server far less
(replaying the engine's exact bodies measured the bare loop at about half the server time per PUT), so each
bare PUT is a real change, as each of the engine's is. Reported: median wall time of each over the rounds,
the ratio (target <= 1.2), the engine's client CPU seconds, and the load average beside each round (on a
shared machine the figures mean little without it; the ratio within one round is the steadier figure).

    .venv/bin/python bench/sync_push.py [--edits 5000] [--runs 5]
"""
from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import bindparam, select, update

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from synq_desktop.api import SynqClient
from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.engine import SyncEngine
from tests.support.sandbox import start_sandbox_process

CONCURRENCY = 8


def create_products(connection, count: int) -> list[str]:
    return [edits.create(connection, "product", {"title": f"bench {i}"}) for i in range(count)]


def queue_titles(connection, ids: list[str], run: int) -> None:
    for index, local_id in enumerate(ids):
        edits.update(connection, "product", local_id, {"title": f"bench {index} run {run}"})


def pending_puts(connection) -> list[tuple[str, dict]]:
    p = schema.products
    rows = connection.execute(select(outbox.ob.c.entity_id, outbox.ob.c.payload, p.c.server_id).join(
        p, p.c.local_id == outbox.ob.c.entity_id)).all()
    return [(row[2], dict(row[1])) for row in rows]


def really_changed(body: dict) -> dict:
    """The same body with the title's last character changed: a real change of the same size."""
    title = body["title"]
    return {**body, "title": title[:-1] + ("~" if title[-1:] != "~" else "^")}


def etags_of(connection) -> dict[str, str]:
    p = schema.products
    return {row[0]: row[1] for row in connection.execute(select(p.c.server_id, p.c.etag))}


def set_etags(connection, etags: dict[str, str]) -> None:
    p = schema.products
    connection.execute(update(p).where(p.c.server_id == bindparam("sid")).values(etag=bindparam("tag")),
                       [{"sid": sid, "tag": tag} for sid, tag in etags.items()])


async def engine_push(wc: WorkingCopy, url: str, token: str, tenant: str, org: str) -> tuple[float, float, int]:
    async with SynqClient(url, token, tenant, org, max_connections=CONCURRENCY) as client:
        await client.connect()
        wall, cpu = time.perf_counter(), time.process_time()
        summary = await SyncEngine(wc, client, push_concurrency=CONCURRENCY).run(pull=False)
        return time.perf_counter() - wall, time.process_time() - cpu, summary.pushed


async def bare_puts(url: str, headers: dict[str, str], puts: list[tuple[str, dict]],
                    etags: dict[str, str]) -> tuple[float, float, dict[str, str]]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    fresh: dict[str, str] = {}
    async with httpx.AsyncClient(base_url=url + "/api/v1/pim", headers=headers, limits=limits, timeout=60) as http:
        await http.get("/capabilities")
        wall, cpu = time.perf_counter(), time.process_time()
        gate = asyncio.Semaphore(CONCURRENCY)

        async def put(server_id: str, body: dict) -> None:
            async with gate:
                answer = await http.put(f"/products/{server_id}", json=body, headers={"If-Match": etags[server_id]})
                answer.raise_for_status()
                fresh[server_id] = answer.headers["etag"]

        await asyncio.gather(*(put(sid, body) for sid, body in puts))
        return time.perf_counter() - wall, time.process_time() - cpu, fresh


def _load() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edits", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, start_sandbox_process(
            "--db", str(Path(tmp) / "server.sqlite"), "--demo", "0", "--rate-limit", "0", "--job-rate", "0",
            timeout=600) as server:
        url = server.url
        token, tenant, org = (server.facts[name] for name in ("TOKEN", "TENANT_ID", "ORG_ID"))
        headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant, "X-Org-ID": org}
        wc = WorkingCopy.open(Path(tmp) / "catalog.sqlite")
        try:
            ids = wc.write_blocking(create_products, args.edits)
            _, _, created = asyncio.run(engine_push(wc, url, token, tenant, org))
            print(f"set-up: {created} products created through the engine", flush=True)
            gc.collect()
            gc.freeze()
            engine_times, engine_cpu, bare_times, ratios = [], [], [], []
            for run in range(args.runs + 1):  # run 0 warms both up
                wc.write_blocking(queue_titles, ids, run)
                puts = [(server_id, really_changed(body)) for server_id, body in wc.read_blocking(pending_puts)]
                wall, cpu, pushed = asyncio.run(engine_push(wc, url, token, tenant, org))
                if pushed != args.edits:
                    print(f"run {run}: the engine pushed {pushed} of {args.edits}")
                    return 1
                bare_wall, bare_cpu, fresh = asyncio.run(bare_puts(url, headers, puts, wc.read_blocking(etags_of)))
                wc.write_blocking(set_etags, fresh)
                label = "warm-up" if run == 0 else f"run {run}"
                print(f"{label}: engine {wall:.2f} s (cpu {cpu:.2f} s), bare httpx {bare_wall:.2f} s "
                      f"(cpu {bare_cpu:.2f} s), ratio {wall / bare_wall:.2f}, {len(puts)} PUTs, "
                      f"load average {_load()}", flush=True)
                if run:
                    engine_times.append(wall)
                    engine_cpu.append(cpu)
                    bare_times.append(bare_wall)
                    ratios.append(wall / bare_wall)
        finally:
            wc.close()
    ratio = statistics.median(engine_times) / statistics.median(bare_times)
    print(f"engine push:     median {statistics.median(engine_times):.2f} s over {args.runs} runs; "
          f"client CPU median {statistics.median(engine_cpu):.2f} s")
    print(f"bare httpx loop: median {statistics.median(bare_times):.2f} s")
    print(f"ratio engine/bare: {ratio:.3f} (target <= 1.2) {'OK' if ratio <= 1.2 else 'OVER TARGET'}; "
          f"median per-round ratio {statistics.median(ratios):.3f}")
    return 0 if ratio <= 1.2 else 2


if __name__ == "__main__":
    sys.exit(main())
