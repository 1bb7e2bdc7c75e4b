"""Server jobs (bulk imports, updates, deletes, exports): queued through the outbox like any edit (even
offline: `store.edits.queue_bulk_job` / `queue_export`), sent by the push, then followed here until they
finish. Progress comes from `GET /bulk-jobs/{id}` where the server has it (EXT), else from the job lists
by type. An export a docs-only server accepted without a job ("export queued; Synq will notify you") has
a `notify:` id and is not followed.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from synq_desktop.api import Ext, SynqClient, SynqError
from synq_desktop.store import pull as store_pull
from synq_desktop.store import schema
from synq_desktop.store.states import EntityType
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync import record_calls
from synq_desktop.sync.progress import CancelToken, ProgressHub

FINISHED = ("COMPLETED", "FAILED", "CANCELLED", "CANCELED")
NOTIFY_PREFIX = "notify:"


@dataclass(frozen=True, slots=True)
class OpenJob:
    local_id: str
    server_id: str
    job_type: str
    status: str


def open_jobs(connection: Connection) -> list[OpenJob]:
    """Jobs the server has accepted that have not finished."""
    t = schema.bulk_jobs
    rows = connection.execute(select(t.c.local_id, t.c.server_id, t.c.job_type, t.c.status).where(
        t.c.server_id.is_not(None), t.c.status.not_in(FINISHED))).all()
    return [OpenJob(*tuple(row)) for row in rows if not str(row[1]).startswith(NOTIFY_PREFIX)]


async def refresh_jobs(working_copy: WorkingCopy, client: SynqClient,
                       hub: ProgressHub | None = None) -> list[OpenJob]:
    """Read the state of every open job once; returns those still open afterwards."""
    hub = hub or ProgressHub()
    jobs = await working_copy.read(open_jobs)
    if not jobs:
        return []
    records: list[dict[str, Any]] = []
    if client.supports(Ext.JOB_DETAIL):
        for job in jobs:
            try:
                records.append(record_calls.dump(await client.get_bulk_job(job.server_id)))
            except SynqError:
                continue
    else:
        wanted = {job.server_id for job in jobs}
        for job_type in sorted({job.job_type for job in jobs if job.job_type != "EXPORT"}):
            try:
                async for found in client.list_bulk_jobs(job_type):
                    if str(found.id) in wanted:
                        records.append(record_calls.dump(found))
            except SynqError:
                continue
    for record in records:
        record.pop("payload", None)  # what was sent stays as queued here
    if records:
        await working_copy.write(store_pull.upsert_server_records, EntityType.BULK_JOB, records)
    still = await working_copy.read(open_jobs)
    hub.emit("jobs", len(jobs) - len(still), len(jobs))
    return still


async def follow_jobs(working_copy: WorkingCopy, client: SynqClient, *, interval: float = 2.0,
                      hub: ProgressHub | None = None, cancel: CancelToken | None = None) -> None:
    """Poll until every open job has finished (the GUI runs this as a task; cancel() stops it)."""
    cancel = cancel or CancelToken()
    while not cancel.cancelled:
        if not await refresh_jobs(working_copy, client, hub):
            return
        await asyncio.sleep(interval)  # a polling period, not synchronisation
