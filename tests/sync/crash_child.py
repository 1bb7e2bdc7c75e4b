"""The child process of the crash proofs: one push of a prepared working copy, killed by the hook.

    SYNQ_TOKEN=... SYNQ_CRASH_POINT=after_inflight_commit:update@3 \
        python -m tests.sync.crash_child DB URL TENANT ORG [BATCH_RECORDS] [push|pull]

`push` (default) pushes the outbox; `pull` pulls every list one page at a time (concurrency 1).

Exit 0 means the run finished without reaching the point; a SIGKILL shows as -9 to the parent.
"""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from synq_desktop.api import RetryPolicy, SynqClient
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.engine import SyncEngine


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


if __name__ == "__main__":
    args = sys.argv[1:]
    batch_records = int(args[4]) if len(args) > 4 else 25
    run_mode = args[5] if len(args) > 5 else "push"
    sys.exit(asyncio.run(main(Path(args[0]), args[1], args[2], args[3], batch_records, run_mode)))
