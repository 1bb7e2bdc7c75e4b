"""Benchmark: requests per second the sandbox serves, one uvicorn worker, the server in its own process.

Measures, each for a fixed time with 8 concurrent requests on one httpx.AsyncClient:
- list pages: `GET /products?limit=100&offset=N` over a 2,000-product demo catalog (N cycling over the pages);
- variant creates: `POST /products/{id}/variants` with distinct SKUs, spread over the catalog's products;
- single reads: `GET /products/{id}` (for reference: the per-request floor).

Later sync benchmarks compare their throughput with these figures to know how close to the server's own
limit they run. The rate limit is off (`--rate-limit 0`); the catalog is in memory.

On a shared machine the wall-clock rate depends on the load, so each line also gives the server process's
CPU seconds (from /proc, Linux) and requests per server CPU second: roughly the rate one idle core would
sustain (uvicorn runs one worker, and Python serves it on one core).

    .venv/bin/python bench/sandbox_rps.py [--quick] [--seconds 10] [--products 2000] [--concurrency 8]
"""
from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from tests.support.sandbox import start_sandbox_process

API = "/api/v1/pim"


def server_cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds the server process has used so far (None where /proc is missing)."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks
    except (OSError, ValueError, IndexError):
        return None


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    latencies: list[float]
    server_cpu: float | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        lat = sorted(self.latencies) or [0.0]
        p50 = statistics.median(lat) * 1000
        p95 = lat[min(len(lat) - 1, int(len(lat) * 0.95))] * 1000
        cpu = ""
        if self.server_cpu:
            cpu = f"   server CPU {self.server_cpu:5.1f} s = {self.requests / self.server_cpu:6.1f} req/CPU-s"
        return (f"{self.name:<16} {self.rps:7.1f} req/s   {self.requests:6d} in {self.seconds:4.1f} s   "
                f"p50 {p50:6.1f} ms   p95 {p95:6.1f} ms   errors {self.errors}{cpu}")


async def measure(name: str, seconds: float, concurrency: int,
                  request: Callable[[int], Awaitable[httpx.Response]], server_pid: int | None = None) -> Result:
    """Run `request(n)` from `concurrency` tasks until the time is up; count answers and their latency."""
    counter = itertools.count()
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            answer = await request(next(counter))
            latencies.append(time.perf_counter() - started)
            if answer.status_code >= 400:
                errors += 1

    cpu_before = server_cpu_seconds(server_pid)
    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    cpu_after = server_cpu_seconds(server_pid)
    cpu = cpu_after - cpu_before if cpu_before is not None and cpu_after is not None else None
    return Result(name, len(latencies), errors, elapsed, latencies, cpu)


async def run(url: str, headers: dict[str, str], seconds: float, concurrency: int,
              server_pid: int | None = None) -> list[Result]:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=url + API, headers=headers, limits=limits, timeout=60) as http:
        first = await http.get("/products", params={"limit": 100, "offset": 0})
        first.raise_for_status()
        total = int(first.headers["x-total-count"])
        pages = max(1, (total + 99) // 100)
        product_ids: list[str] = []
        for page in range(pages):
            answer = await http.get("/products", params={"limit": 100, "offset": page * 100, "fields": "summary"})
            product_ids += [p["id"] for p in answer.json()]

        async def list_page(n: int) -> httpx.Response:
            return await http.get("/products", params={"limit": 100, "offset": (n % pages) * 100})

        run_tag = f"{int(time.time()) % 100000:05d}"

        async def create_variant(n: int) -> httpx.Response:
            product = product_ids[n % len(product_ids)]
            return await http.post(f"/products/{product}/variants", json={
                "sku": f"BENCH-{run_tag}-{n:07d}", "price": 19.99, "currency": "USD", "barcode": "0012345678905"})

        async def get_one(n: int) -> httpx.Response:
            return await http.get(f"/products/{product_ids[n % len(product_ids)]}")

        await measure("warm-up", min(1.0, seconds / 4), concurrency, list_page)
        results = [await measure("list pages", seconds, concurrency, list_page, server_pid),
                   await measure("variant creates", seconds, concurrency, create_variant, server_pid),
                   await measure("single reads", seconds, concurrency, get_one, server_pid)]
        return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short run (3 s per measure, 500 products)")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args(argv)
    seconds, products = (3.0, 500) if args.quick else (args.seconds, args.products)
    started = time.perf_counter()
    with start_sandbox_process("--demo", str(products), "--rate-limit", "0", "--job-rate", "0") as proc:
        ready = time.perf_counter() - started
        creds = proc.credentials
        print(f"sandbox {proc.url}: {products} demo products, ready in {ready:.1f} s; "
              f"concurrency {args.concurrency}, {seconds:.0f} s per measure")
        results = asyncio.run(run(proc.url, creds.headers, seconds, args.concurrency, proc.proc.pid))
    for result in results:
        print(result.line())
    if hasattr(os, "getloadavg"):
        print("load average (1, 5, 15 min): " + ", ".join(f"{x:.2f}" for x in os.getloadavg())
              + f" on {os.cpu_count()} cores")
    return 1 if any(r.errors for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
