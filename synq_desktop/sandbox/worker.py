"""The job worker: one thread, started and stopped with the server, that runs bulk jobs and exports.

Jobs run oldest first, one at a time, at `settings.job_rate` items per second (so a demo shows
`processed_items` rising; 0 means as fast as possible). Each batch of items commits together with the
job's progress; an item that fails is rolled back alone (a savepoint) and listed in `errors` with its
index. A job found PROCESSING at start-up was interrupted by a restart and resumes at `processed_items`.
"""
from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

from sqlalchemy import select

from synq_desktop.sandbox import audit, db, jobs
from synq_desktop.sandbox.runtime import Caller, SandboxRuntime

log = logging.getLogger(__name__)
FAST_BATCH = 50  # items per transaction when unthrottled: keeps the lock short for requests
MAX_ERRORS_KEPT = 1000
IDLE_POLL_S = 0.5


class JobWorker:
    def __init__(self, runtime: SandboxRuntime) -> None:
        self.runtime = runtime
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="synq-sandbox-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.runtime.jobs_waiting.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    # ---- the loop ----
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                job_id = self._next_job()
                if job_id is None:
                    self.runtime.jobs_waiting.wait(IDLE_POLL_S)
                    self.runtime.jobs_waiting.clear()
                    continue
                self._process(job_id)
            except Exception:  # a bug in one job must not kill the worker; the job is marked FAILED
                log.exception("job worker error")
                time.sleep(IDLE_POLL_S)

    def _next_job(self) -> str | None:
        with self.runtime.store.session() as session:
            return session.scalar(select(db.BulkJob.id).where(db.BulkJob.status.in_(("PENDING", "PROCESSING")))
                                  .order_by(db.BulkJob.created_at, db.BulkJob.id).limit(1))

    def _process(self, job_id: str) -> None:
        runtime = self.runtime
        clock = runtime.clock
        try:
            with runtime.store.session() as session:
                job = session.get(db.BulkJob, job_id)
                if job.items is None:
                    items = jobs.fix_items(session, job)
                    job.items = json.dumps(items)
                    job.total_items = len(items)
                    job.status = "PROCESSING"
                    job.updated_at = clock.now()
                items = json.loads(job.items)
                done = job.processed_items
        except Exception as exc:  # noqa: BLE001 (any failure to start marks the job FAILED)
            self._fail(job_id, f"could not start: {exc}")
            return
        caller = None
        rate = runtime.settings.job_rate
        started = time.monotonic()
        started_done = done
        while done < len(items):
            if self._stop.is_set():
                return  # left PROCESSING: resumes after a restart
            if rate and rate > 0:
                due = started_done + int((time.monotonic() - started) * rate) + 1
                batch = min(due - done, FAST_BATCH)
                if batch <= 0:
                    wait = (done + 1 - started_done) / rate - (time.monotonic() - started)
                    self._stop.wait(max(0.0, min(wait, 0.5)))
                    continue
            else:
                batch = FAST_BATCH
            chunk = items[done:done + batch]
            with runtime.store.session() as session:
                job = session.get(db.BulkJob, job_id)
                if caller is None:
                    caller = Caller(tenant_id=job.tenant_id, org_id=job.org_id, role="ADMIN", actor_email="system")
                if job.job_type == "EXPORT":
                    self._export_chunk(session, job, chunk)
                else:
                    errors = json.loads(job.errors or "[]")
                    for offset, item in enumerate(chunk):
                        index = done + offset
                        savepoint = session.begin_nested()
                        try:
                            jobs.do_item(session, clock, caller, job, item)
                            savepoint.commit()
                        except Exception as exc:  # noqa: BLE001 (a per-item error is the job's answer)
                            savepoint.rollback()
                            job.failed_items += 1
                            if len(errors) < MAX_ERRORS_KEPT:
                                errors.append({"index": index, "error": jobs.item_error(exc)})
                    job.errors = json.dumps(errors)
                job.processed_items = done + len(chunk)
                job.updated_at = clock.now()
            done += len(chunk)
        self._finish(job_id)

    def _export_path(self, job: db.BulkJob) -> Path:
        folder = self.runtime.files_dir / "exports"
        folder.mkdir(parents=True, exist_ok=True)
        return folder / f"{job.id}.{job.export_format}"

    def _export_chunk(self, session: object, job: db.BulkJob, product_ids: list[str]) -> None:
        path = self._export_path(job)
        text = jobs.export_chunk(session, job, product_ids, write_header=job.result_bytes == 0)  # type: ignore[arg-type]
        with open(path, "a+b") as handle:
            # Bytes past the committed size come from a batch whose commit never happened: drop them.
            handle.truncate(job.result_bytes)
            handle.seek(job.result_bytes)
            handle.write(text.encode("utf-8"))
            handle.flush()
            job.result_bytes = handle.tell()

    def _finish(self, job_id: str) -> None:
        runtime = self.runtime
        with runtime.store.session() as session:
            job = session.get(db.BulkJob, job_id)
            if job.job_type == "EXPORT":
                path = self._export_path(job)
                if job.result_bytes == 0:  # an empty catalog: the file still exists (CSV: header only)
                    self._export_chunk(session, job, [])
                path.touch()
                job.result_url = f"/files/exports/{job.id}.{job.export_format}"
            total = job.total_items or 0
            job.status = "FAILED" if total and job.failed_items >= total else "COMPLETED"
            job.updated_at = runtime.clock.now()
            caller = Caller(tenant_id=job.tenant_id, org_id=job.org_id, role="ADMIN", actor_email="system")
            audit.record(session, runtime.clock, caller, "BULK_JOB_COMPLETED", "BULK_JOB", job.id, {
                "job_type": job.job_type, "status": job.status, "total_items": total,
                "processed_items": job.processed_items, "failed_items": job.failed_items,
            })

    def _fail(self, job_id: str, message: str) -> None:
        runtime = self.runtime
        with runtime.store.session() as session:
            job = session.get(db.BulkJob, job_id)
            job.status = "FAILED"
            job.errors = json.dumps([{"index": -1, "error": message}])
            job.updated_at = runtime.clock.now()
