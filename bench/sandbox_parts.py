"""Benchmark: the sandbox's in-process parts whose speed matters, each against its target.

Unit tests assert what these parts do; how fast they do it is measured here (the project's rule:
performance targets live in benchmarks, never in timed unit tests). CPU seconds, not wall time, so a
loaded machine does not distort the figures.

- demo catalog: `generate_catalog(10_000)`, target under 2 s (a demo starts at once);
- images: one 256x256 PNG from `render_png`, uncached, target under 50 ms (the demo serves hundreds);
- request log: reading the last 5 of 100,000 entries, target under 50 ms (tests poll it after each call).

    .venv/bin/python bench/sandbox_parts.py [--runs 5]
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from synq_desktop.sandbox.demo import generate_catalog
from synq_desktop.sandbox.images import render_png
from synq_desktop.sandbox.requestlog import RequestLog


def cpu_seconds(work: Callable[[], object]) -> float:
    started = time.process_time()
    work()
    return time.process_time() - started


def demo_catalog() -> float:
    return cpu_seconds(lambda: generate_catalog(10_000, seed=2))


def one_image() -> float:
    render_png.cache_clear()
    return cpu_seconds(lambda: [render_png(f"speed-{n}") for n in range(40)]) / 40


def request_log_tail() -> float:
    log = RequestLog()
    for n in range(100_000):
        log.append({"method": "GET", "path": f"/api/v1/pim/products/{n:036d}", "query": f"offset={n}",
                    "status": 200, "time": 1_764_215_144.5})
    return cpu_seconds(lambda: log.entries(since=99_995))


MEASURES: list[tuple[str, Callable[[], float], float]] = [
    ("demo catalog, 10,000 products", demo_catalog, 2.0),
    ("one 256x256 image", one_image, 0.05),
    ("request log, last 5 of 100,000", request_log_tail, 0.05),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="median of this many runs per measure")
    args = parser.parse_args()
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}, median of {args.runs} runs (CPU s)")
    failed = False
    for name, measure, target in MEASURES:
        median = statistics.median(measure() for _ in range(max(1, args.runs)))
        ok = median < target
        failed |= not ok
        print(f"{name:34s} {median * 1000:9.1f} ms  target < {target * 1000:.0f} ms  {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
