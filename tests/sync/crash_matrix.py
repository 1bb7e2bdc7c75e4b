"""The exhaustive kill matrix (run by scripts/crash_matrix; CI runs a seeded sample in test_crash_sample.py).

Operation kind x crash point x position (200 points by default) over a 1,000-operation workload. The
workload is prepared once: a sandbox process on a database file seeded with a demo catalog, a working
copy that pulled it and queued the workload. Each point then restores both files (no replay), starts the
sandbox on its copy, pushes in a child process killed at the point, restarts, syncs fully and compares
the server with the expected model (no duplicate SKU or title, no lost field edit, nothing left queued).

    scripts/crash_matrix [--ops 1000] [--seed 7] [--limit N] [--only TEXT] [--batch 10] [--workdir DIR]
"""
from __future__ import annotations

import argparse
import pickle
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

from synq_desktop.store import outbox
from synq_desktop.store.working_copy import WorkingCopy
from tests.support.sandbox import start_sandbox_process
from tests.sync.crash_workload import FAULT_PATHS, SERVER_POINT, _plan, _queue, check, matrix, run_child
from tests.sync.helpers import server_all, sync

TOKEN = "crash-matrix-token"
TENANT = "0b6c1c36-3f7e-4bd2-9d2b-1f0e8f1c0a01"
ORG = "5d2c1f1e-8a8b-4c39-9a77-0c1d2e3f4a5b"


def sandbox_args(db: Path, demo: int, seed: int) -> list[str]:
    return ["--db", str(db), "--demo", str(demo), "--seed", str(seed), "--token", TOKEN, "--tenant-id", TENANT,
            "--org-id", ORG, "--rate-limit", "0", "--job-rate", "0"]


def prepare(workdir: Path, n_ops: int, seed: int) -> None:
    server_db, client_db = workdir / "server.sqlite", workdir / "client.sqlite"
    with start_sandbox_process(*sandbox_args(server_db, max(12, int(n_ops * 0.45)), seed)) as proc:
        creds = proc.credentials
        wc = WorkingCopy.open(client_db)
        try:
            sync(wc, creds)
            products = server_all(creds, "/products")
            variants = server_all(creds, "/variants")
            plan, expected = _plan(random.Random(seed), n_ops, products, variants, "m")
            expected.ops = wc.write_blocking(_queue, plan)
        finally:
            wc.close()
    (workdir / "expected.pickle").write_bytes(pickle.dumps(expected))
    print(f"prepared: {expected.ops} operations queued over {len(products)} products", flush=True)


def restore(workdir: Path, point_dir: Path) -> tuple[Path, Path]:
    point_dir.mkdir(parents=True, exist_ok=True)
    for name in ("server.sqlite", "client.sqlite"):
        for suffix in ("", "-wal", "-shm"):
            source = workdir / (name + suffix)
            if source.exists():
                shutil.copyfile(source, point_dir / (name + suffix))
    return point_dir / "server.sqlite", point_dir / "client.sqlite"


def run_point(workdir: Path, point, batch: int, seed: int) -> tuple[bool, list[str], int, float]:
    started = time.monotonic()
    point_dir = workdir / "points" / str(point).replace(":", "_").replace("@", "_")
    server_db, client_db = restore(workdir, point_dir)
    expected = pickle.loads((workdir / "expected.pickle").read_bytes())
    with start_sandbox_process(*sandbox_args(server_db, 0, seed)) as proc:
        creds = proc.credentials
        if point.point == SERVER_POINT:
            proc.sandbox.set_faults(drop_after_commit_rate=1.0, paths=FAULT_PATHS[point.kind])
        try:
            code = run_child(client_db, creds, point.hook, batch, timeout=600)
        finally:
            if point.point == SERVER_POINT:
                proc.sandbox.reset_faults()
        wc = WorkingCopy.open(client_db)
        try:
            for _ in range(3):
                if not sync(wc, creds).pending:
                    break
            left = len(wc.read_blocking(outbox.operations)) + len(wc.read_blocking(outbox.open_conflicts))
        finally:
            wc.close()
        problems = check(creds, expected)
    shutil.rmtree(point_dir, ignore_errors=True)
    return code == -signal.SIGKILL, problems, left, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int, default=None, help="run a seeded sample of this many points")
    parser.add_argument("--only", default=None, help="run the points whose name contains this text")
    parser.add_argument("--batch", type=int, default=10, help="records claimed per push round in the child")
    parser.add_argument("--workdir", type=Path, default=None)
    ns = parser.parse_args(argv)
    workdir = ns.workdir or Path(tempfile.mkdtemp(prefix="synq-crash-matrix-"))
    workdir.mkdir(parents=True, exist_ok=True)
    points = matrix()
    if ns.only:
        points = [p for p in points if ns.only in str(p)]
    if ns.limit is not None and ns.limit < len(points):
        points = sorted(random.Random(ns.seed).sample(points, ns.limit), key=str)
    print(f"{len(points)} points, {ns.ops} operations, workdir {workdir}", flush=True)
    prepare(workdir, ns.ops, ns.seed)
    failed = unreached = 0
    for index, point in enumerate(points, 1):
        killed, problems, left, seconds = run_point(workdir, point, ns.batch, ns.seed)
        status = "ok" if not problems and not left else "FAIL"
        if not killed:
            unreached += 1
        if status == "FAIL":
            failed += 1
        print(f"[{index}/{len(points)}] {point}: {status}{'' if killed else ' (not reached)'} "
              f"{seconds:.1f}s {'; '.join(problems[:3])}{f' left={left}' if left else ''}", flush=True)
    print(f"done: {len(points) - failed} ok, {failed} failed, {unreached} not reached", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
