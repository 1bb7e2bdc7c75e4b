"""The child process of the pull resume proofs: one pull at a given concurrency, killed by the hook.

    SYNQ_TOKEN=... SYNQ_CRASH_POINT=after_page_commit@6 python -m tests.sync.pull_child DB URL TENANT ORG CONCURRENCY

Exit 0 means the pull finished without reaching the point; a SIGKILL shows as -9 to the parent.
"""
from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from synq_desktop.api import RetryPolicy, SynqClient
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.engine import SyncEngine


async def main(db: Path, url: str, tenant: str, org: str, concurrency: int) -> int:
    wc = WorkingCopy.open(db)
    try:
        retry = RetryPolicy(max_attempts=3, max_seconds=10.0, base_delay=0.01, max_delay=0.05)
        async with SynqClient(url, os.environ["SYNQ_TOKEN"], tenant, org, retry=retry) as client:
            await SyncEngine(wc, client, pull_concurrency=concurrency).run(push=False)
    finally:
        wc.close()
    return 0


if __name__ == "__main__":
    db_path, base_url, tenant_id, org_id, pages_at_once = sys.argv[1:6]
    sys.exit(asyncio.run(main(Path(db_path), base_url, tenant_id, org_id, int(pages_at_once))))
