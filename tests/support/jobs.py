"""Waiting on the sandbox's bulk jobs and exports from tests: poll `GET /bulk-jobs/{id}` until a condition
holds, with a deadline (the job worker runs on its own thread; a test never sleeps a guessed time)."""
from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

POLL_S = 0.02
Job = dict[str, Any]


def finished(job: Job) -> bool:
    return job["status"] in ("COMPLETED", "FAILED")


def wait_job(api: httpx.Client, job_id: str, until: Callable[[Job], bool] = finished,
             timeout: float = 30.0) -> Job:
    """The job's first state for which `until` holds (by default: COMPLETED or FAILED)."""
    deadline = time.monotonic() + timeout
    while True:
        job = api.get(f"/bulk-jobs/{job_id}").json()
        if until(job):
            return job
        assert time.monotonic() < deadline, f"job still {job['status']} at {job.get('processed_items')} items"
        time.sleep(POLL_S)


def watch_job(api: httpx.Client, job_id: str, timeout: float = 30.0) -> list[Job]:
    """Every state seen while the job runs, the finished one last."""
    seen: list[Job] = []

    def record(job: Job) -> bool:
        seen.append(job)
        return finished(job)

    wait_job(api, job_id, record, timeout)
    return seen
