"""The child process of the crash proofs: one push of a prepared working copy, killed by the hook.

    SYNQ_TOKEN=... SYNQ_CRASH_POINT=after_inflight_commit:update@3 \
        python -m tests.sync.crash_child DB URL TENANT ORG [BATCH_RECORDS] [push|pull]

`push` (default) pushes the outbox; `pull` pulls every list one page at a time (concurrency 1).

Exit 0 means the run finished without reaching the point; a SIGKILL shows as -9 to the parent.

`python -m tests.sync.crash_child --serve` is a fork server for runs of many points (the CI sample, the
matrix's workers): it imports the engine once, then forks one child per request read on stdin. Importing
the engine costs about half a CPU second, as much as pushing a small workload; the forked child is the
same fresh process for the proof (its own working copy connections, event loop and threads, all made
after the fork; SIGKILL ends it the same way). `ForkedChildren` is the parent's side.
"""
from __future__ import annotations

import asyncio
import json
import os
import select
import signal
import subprocess
import sys
import traceback
from pathlib import Path
from typing import Any, Self

from synq_desktop.api import RetryPolicy, SynqClient
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync import crashpoints
from synq_desktop.sync.engine import SyncEngine

REPO = Path(__file__).resolve().parents[2]
STDERR_TAIL = 2000  # characters of a failed child's stderr handed back for the failure message


async def main(db: Path, url: str, tenant: str, org: str, batch: int, mode: str) -> int:
    wc = WorkingCopy.open(db)
    try:
        retry = RetryPolicy(max_attempts=3, max_seconds=10.0, base_delay=0.01, max_delay=0.05)
        async with SynqClient(url, os.environ["SYNQ_TOKEN"], tenant, org, retry=retry) as client:
            engine = SyncEngine(wc, client, max_wait=1.0, pull_concurrency=1)
            engine.push_batch_records = batch
            await engine.run(pull=mode == "pull", push=mode == "push")
    finally:
        wc.close()
    return 0


def serve() -> int:
    """Answer each JSON request line (db, url, tenant, org, batch, mode, token, hook, timeout, stderr file)
    with one JSON line: the forked child's exit code (-9 when the hook killed it) and, when it failed
    otherwise, the tail of its stderr."""
    for line in sys.stdin:
        if line.strip():
            print(json.dumps(_run_forked(json.loads(line))), flush=True)
    return 0


def _run_forked(request: dict[str, Any]) -> dict[str, Any]:
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:
        _child(request)  # never returns
    pidfd = os.pidfd_open(pid)
    try:
        ended, _, _ = select.select([pidfd], [], [], float(request["timeout"]))
        if not ended:
            os.kill(pid, signal.SIGKILL)
        code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    finally:
        os.close(pidfd)
    answer: dict[str, Any] = {"code": code}
    if not ended:
        answer["error"] = f"the child did not finish in {request['timeout']}s"
    if code not in (0, -signal.SIGKILL) or not ended:
        answer["stderr"] = Path(request["stderr"]).read_text(errors="replace")[-STDERR_TAIL:]
    return answer


def _child(request: dict[str, Any]) -> None:
    code = 1
    try:
        # stdout is the server's answer pipe: the child writes nowhere but its own stderr file.
        err = os.open(request["stderr"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)
        os.dup2(err, 2)
        os.environ["SYNQ_TOKEN"] = request["token"]
        os.environ.pop(crashpoints.ENV, None)
        if request["hook"]:
            os.environ[crashpoints.ENV] = request["hook"]
        code = asyncio.run(main(Path(request["db"]), request["url"], request["tenant"], request["org"],
                                int(request["batch"]), request["mode"]))
    except BaseException:  # noqa: BLE001 - whatever it was, it goes to the stderr file and the exit code
        traceback.print_exc()
    finally:
        sys.stderr.flush()
        os._exit(code)


class ForkedChildren:
    """The parent's side of `--serve`: `run(...)` forks one child and returns its exit code.

        with ForkedChildren(scratch_dir) as children:
            code = children.run(db, creds, hook, batch)
    """

    def __init__(self, scratch: Path) -> None:
        self.stderr_file = Path(scratch) / "crash-child.stderr"
        self.server = subprocess.Popen([sys.executable, "-m", "tests.sync.crash_child", "--serve"], cwd=REPO,
                                       stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def run(self, db: Path, creds: Any, hook: str | None, batch: int, timeout: float = 300.0,
            mode: str = "push") -> int:
        assert self.server.stdin is not None and self.server.stdout is not None
        request = {"db": str(db), "url": creds.url, "tenant": creds.tenant_id, "org": creds.org_id,
                   "batch": batch, "mode": mode, "token": creds.token, "hook": hook or "", "timeout": timeout,
                   "stderr": str(self.stderr_file)}
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        line = self.server.stdout.readline()
        if not line:
            raise AssertionError(f"the crash child's fork server exited ({self.server.wait()})")
        answer = json.loads(line)
        if "error" in answer or answer["code"] not in (0, -signal.SIGKILL):
            raise AssertionError(f"child failed ({answer['code']}): {answer.get('error', '')} "
                                 f"{answer.get('stderr', '')}")
        return int(answer["code"])

    def close(self) -> None:
        if self.server.stdin is not None:
            self.server.stdin.close()
        self.server.wait(30)
        if self.server.stdout is not None:
            self.server.stdout.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["--serve"]:
        sys.exit(serve())
    batch_records = int(args[4]) if len(args) > 4 else 25
    run_mode = args[5] if len(args) > 5 else "push"
    sys.exit(asyncio.run(main(Path(args[0]), args[1], args[2], args[3], batch_records, run_mode)))
