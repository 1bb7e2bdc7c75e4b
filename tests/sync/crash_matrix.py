"""The exhaustive kill matrix (run by scripts/crash_matrix; CI runs a seeded sample in test_crash_sample.py).

Operation kind x crash point x position (200 points by default) over a 1,000-operation workload. The
workload is prepared once: a sandbox process on a database file seeded with a demo catalog, a working
copy that pulled it and queued the workload. Each point then copies both prepared files (no replay),
runs a sandbox on its server copy, pushes in a child process killed at the point, restarts, syncs fully
and compares the server with the expected model (no duplicate SKU or title, no lost field edit, nothing
left queued).

Where a point's time goes (measured, 1,000 operations): pushing the workload is ~90% of it, about 10 CPU
seconds split evenly between the client and the sandbox, whether the child or the restarted sync pushes
it. What this script saves around that: the workdir is on tmpfs when there is one (a SIGKILL of a process
loses nothing that an fsync would have kept, so the proof is the same and the many commits stop waiting
for a disk); each worker starts the next point's sandbox while the current point runs and kills a
finished one instead of waiting for a graceful stop; the pushing child is forked from a warm fork server
(tests/sync/crash_child.py: no half-second import per point); `--jobs N` runs points in N workers. A
sandbox process is not reused across points: it holds its database open (connection pool, WAL index,
in-memory caches) and has no route to swap its file, so a fresh process on a fresh copy is the only
restore that cannot leak one point's state into the next.

    scripts/crash_matrix [--ops 1000] [--seed 7] [--limit N] [--only TEXT] [--batch 10] [--jobs 2]
                         [--workdir DIR]

Each point's line gives its phases (sandbox wait, child push, restarted sync, check); the summary line
gives the points run, failures, total wall time and seconds per point. Exit status 1 when a point failed.
"""
from __future__ import annotations

import argparse
import json
import os
import pickle
import queue
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path

from synq_desktop.store import outbox
from synq_desktop.store.working_copy import WorkingCopy
from tests.support.sandbox import SandboxProcess, start_sandbox_process
from tests.sync.crash_child import ForkedChildren
from tests.sync.crash_workload import (
    FAULT_METHODS,
    FAULT_PATHS,
    REPO,
    SERVER_POINT,
    CrashPoint,
    _plan,
    _queue,
    check,
    matrix,
    run_child,
)
from tests.sync.helpers import server_all, sync

TOKEN = "crash-matrix-token"
TENANT = "0b6c1c36-3f7e-4bd2-9d2b-1f0e8f1c0a01"
ORG = "5d2c1f1e-8a8b-4c39-9a77-0c1d2e3f4a5b"
SERVER_FILE, CLIENT_FILE, EXPECTED_FILE = "server.sqlite", "client.sqlite", "expected.pickle"
RESULT_PREFIX = "RESULT "  # a worker's answer line; anything else on its stdout is ignored
TMPFS = Path("/dev/shm")


def sandbox_args(db: Path, demo: int, seed: int) -> list[str]:
    return ["--db", str(db), "--demo", str(demo), "--seed", str(seed), "--token", TOKEN, "--tenant-id", TENANT,
            "--org-id", ORG, "--rate-limit", "0", "--job-rate", "0"]


def prepare(workdir: Path, n_ops: int, seed: int) -> None:
    server_db, client_db = workdir / SERVER_FILE, workdir / CLIENT_FILE
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
    for db in (server_db, client_db):
        _fold_wal(db)
    (workdir / EXPECTED_FILE).write_bytes(pickle.dumps(expected))
    print(f"prepared: {expected.ops} operations queued over {len(products)} products", flush=True)


def _fold_wal(db: Path) -> None:
    """Move the WAL's pages into the main file, so that one file is the whole prepared state to copy."""
    connection = sqlite3.connect(db)
    try:
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()


def _copy_database(source: Path, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal"):  # prepare() folded the WAL; a leftover one is copied, never dropped
        if Path(f"{source}{suffix}").exists():
            shutil.copyfile(f"{source}{suffix}", f"{target}{suffix}")
    return target


@dataclass(slots=True)
class PointOutcome:
    point: str
    killed: bool = False
    problems: list[str] = field(default_factory=list)
    left: int = 0
    seconds: float = 0.0
    phases: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.problems and not self.left


class Worker:
    """Runs points one after another; the next point's sandbox starts while the current point runs."""

    def __init__(self, workdir: Path, batch: int, seed: int, name: str) -> None:
        self.workdir = workdir
        self.batch = batch
        self.seed = seed
        self.scratch = workdir / "points" / name
        self.expected = pickle.loads((workdir / EXPECTED_FILE).read_bytes())
        self.scratch.mkdir(parents=True, exist_ok=True)
        self.children = ForkedChildren(self.scratch)
        self._starter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sandbox-starter")
        self._slot = 0
        self._next: Future[tuple[SandboxProcess, Path]] = self._starter.submit(self._start_sandbox)

    def _start_sandbox(self) -> tuple[SandboxProcess, Path]:
        self._slot += 1
        slot = self.scratch / f"server-{self._slot}"
        shutil.rmtree(slot, ignore_errors=True)
        server_db = _copy_database(self.workdir / SERVER_FILE, slot / SERVER_FILE)
        return start_sandbox_process(*sandbox_args(server_db, 0, self.seed)), slot

    def run(self, point: CrashPoint) -> PointOutcome:
        outcome = PointOutcome(str(point))
        started = time.monotonic()
        starting, self._next = self._next, self._starter.submit(self._start_sandbox)
        try:
            proc, slot = starting.result()
        except Exception as exc:  # noqa: BLE001 - reported as this point's failure; the next start is new
            outcome.error = f"the sandbox did not start: {exc}"[:2000]
            outcome.seconds = time.monotonic() - started
            return outcome
        mark = time.monotonic()
        outcome.phases["sandbox_wait"] = mark - started
        client_db = _copy_database(self.workdir / CLIENT_FILE, self.scratch / "client" / CLIENT_FILE)
        try:
            creds = proc.credentials
            if point.point == SERVER_POINT:
                proc.sandbox.set_faults(drop_after_commit_rate=1.0, paths=FAULT_PATHS[point.kind],
                                        methods=FAULT_METHODS[point.kind])
            code = run_child(client_db, creds, point.hook, self.batch, timeout=600, children=self.children)
            outcome.killed = code == -signal.SIGKILL
            if point.point == SERVER_POINT:
                proc.sandbox.reset_faults()
            outcome.phases["child"], mark = time.monotonic() - mark, time.monotonic()
            wc = WorkingCopy.open(client_db)
            try:
                for _ in range(3):  # a restart, then syncs until nothing is left (backoff may defer a few)
                    if not sync(wc, creds).pending:
                        break
                outcome.left = len(wc.read_blocking(outbox.operations)) + len(wc.read_blocking(outbox.open_conflicts))
            finally:
                wc.close()
            outcome.phases["resync"], mark = time.monotonic() - mark, time.monotonic()
            outcome.problems = check(creds, self.expected)
            outcome.phases["check"] = time.monotonic() - mark
        except Exception as exc:  # noqa: BLE001 - one broken point is reported, the matrix goes on
            outcome.error = f"{type(exc).__name__}: {exc}"[:2000]
            traceback.print_exc(file=sys.stderr)
        finally:
            proc.kill()  # its copy is thrown away: no graceful stop to wait for
            shutil.rmtree(slot, ignore_errors=True)
            shutil.rmtree(client_db.parent, ignore_errors=True)
        outcome.seconds = time.monotonic() - started
        return outcome

    def close(self) -> None:
        self.children.close()
        self._starter.shutdown(wait=True)
        if self._next.exception() is None:  # a sandbox that never started leaves nothing to stop
            proc, _slot = self._next.result()
            proc.kill()
        shutil.rmtree(self.scratch, ignore_errors=True)


def worker_main(workdir: Path, batch: int, seed: int, name: str) -> int:
    """`--worker`: read point names on stdin, answer one RESULT line of JSON per point on stdout."""
    points = {str(p): p for p in matrix()}
    worker = Worker(workdir, batch, seed, name)
    try:
        for line in sys.stdin:
            name_of_point = line.strip()
            if not name_of_point:
                continue
            if name_of_point in points:
                outcome = worker.run(points[name_of_point])
            else:
                outcome = PointOutcome(name_of_point, error="no such point")
            print(RESULT_PREFIX + json.dumps(asdict(outcome)), flush=True)
    finally:
        worker.close()
    return 0


def _drive(worker_args: list[str], todo: queue.Queue[CrashPoint | None],
           done: queue.Queue[PointOutcome | None]) -> None:
    """One worker process: feed it points until the queue is empty, hand each outcome to the main thread."""
    proc = subprocess.Popen(worker_args, cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdin is not None and proc.stdout is not None
    try:
        while (point := todo.get()) is not None:
            proc.stdin.write(f"{point}\n")
            proc.stdin.flush()
            outcome = None
            for line in proc.stdout:
                if line.startswith(RESULT_PREFIX):
                    outcome = PointOutcome(**json.loads(line[len(RESULT_PREFIX):]))
                    break
            if outcome is None:
                done.put(PointOutcome(str(point), error=f"worker exited ({proc.wait()})"))
                break
            done.put(outcome)
    finally:
        proc.stdin.close()
        proc.wait()
        proc.stdout.close()
        done.put(None)


def _default_workdir() -> Path:
    base = TMPFS if TMPFS.is_dir() and os.access(TMPFS, os.W_OK) else None
    return Path(tempfile.mkdtemp(prefix="synq-crash-matrix-", dir=base))


def _git_head() -> str:
    answer = subprocess.run(["git", "rev-parse", "HEAD"], cwd=REPO, capture_output=True, text=True, check=False)
    return answer.stdout.strip() or "unknown"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ops", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--limit", type=int, default=None, help="run a seeded sample of this many points")
    parser.add_argument("--only", default=None, help="run the points whose name contains this text")
    parser.add_argument("--batch", type=int, default=10, help="records claimed per push round in the child")
    parser.add_argument("--jobs", type=int, default=1, help="points run at once, each in its own worker")
    parser.add_argument("--workdir", type=Path, default=None, help="default: a new folder on tmpfs if any")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ns = parser.parse_args(argv)
    if ns.worker is not None:
        return worker_main(ns.workdir, ns.batch, ns.seed, ns.worker)
    started = time.monotonic()
    workdir = ns.workdir or _default_workdir()
    workdir.mkdir(parents=True, exist_ok=True)
    points = matrix()
    if ns.only:
        points = [p for p in points if ns.only in str(p)]
    if ns.limit is not None and ns.limit < len(points):
        points = sorted(random.Random(ns.seed).sample(points, ns.limit), key=str)
    jobs = max(1, min(ns.jobs, len(points) or 1))
    print(f"{len(points)} points, {ns.ops} operations, {jobs} worker(s), commit {_git_head()}, workdir {workdir}",
          flush=True)
    prepare(workdir, ns.ops, ns.seed)
    todo: queue.Queue[CrashPoint | None] = queue.Queue()
    for point in points:
        todo.put(point)
    for _ in range(jobs):
        todo.put(None)
    done: queue.Queue[PointOutcome | None] = queue.Queue()
    base_args = [sys.executable, "-m", "tests.sync.crash_matrix", "--workdir", str(workdir), "--batch",
                 str(ns.batch), "--seed", str(ns.seed), "--worker"]
    drivers = [threading.Thread(target=_drive, args=([*base_args, f"w{n}"], todo, done), daemon=True)
               for n in range(jobs)]
    for driver in drivers:
        driver.start()
    outcomes: list[PointOutcome] = []
    running = jobs
    while running:
        outcome = done.get()
        if outcome is None:
            running -= 1
            continue
        outcomes.append(outcome)
        _print_outcome(outcome, len(outcomes), len(points))
    for driver in drivers:
        driver.join()
    return _print_summary(points, outcomes, time.monotonic() - started, workdir if ns.workdir is None else None)


def _print_outcome(outcome: PointOutcome, index: int, total: int) -> None:
    status = "ok" if outcome.ok else "FAIL"
    reached = "" if outcome.killed or outcome.error else " (not reached)"
    phases = " ".join(f"{name}={seconds:.1f}" for name, seconds in outcome.phases.items())
    details = "; ".join(outcome.problems[:3])
    if outcome.left:
        details += f" left={outcome.left}"
    if outcome.error:
        details += f" error: {outcome.error}"
    print(f"[{index}/{total}] {outcome.point}: {status}{reached} {outcome.seconds:.1f}s ({phases}) {details}".rstrip(),
          flush=True)


def _print_summary(points: list[CrashPoint], outcomes: list[PointOutcome], wall: float, scratch: Path | None) -> int:
    failed = [o for o in outcomes if not o.ok]
    unreached = [o for o in outcomes if not o.killed and not o.error]
    missing = len(points) - len(outcomes)
    per_point = wall / len(outcomes) if outcomes else 0.0
    mean = sum(o.seconds for o in outcomes) / len(outcomes) if outcomes else 0.0
    print(f"done: {len(outcomes)} run, {len(outcomes) - len(failed)} ok, {len(failed)} failed, "
          f"{len(unreached)} not reached, {missing} not run; {wall:.0f}s wall, {per_point:.1f}s per point "
          f"(each point {mean:.1f}s on its worker)", flush=True)
    for outcome in failed:
        print(f"failed: {outcome.point}", flush=True)
    for outcome in unreached:  # a point never reached proves nothing: the run fails (as the CI sample does)
        print(f"not reached: {outcome.point}", flush=True)
    if scratch is not None and not failed:
        shutil.rmtree(scratch, ignore_errors=True)  # a failing run keeps the prepared files to look at
    return 1 if failed or unreached or missing else 0


if __name__ == "__main__":
    sys.exit(main())
