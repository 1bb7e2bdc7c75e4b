"""Bulk jobs (documented list and create; EXT job detail) and the export request."""
import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import select

from synq_desktop.sandbox import audit, db, jobs, serialize
from synq_desktop.sandbox.answers import base_url, one
from synq_desktop.sandbox.auth import CallerDep, runtime_of
from synq_desktop.sandbox.catalog import get_scoped
from synq_desktop.sandbox.errors import ERROR_RESPONSES
from synq_desktop.sandbox.paging import Page, fetch, list_answer, paging_dependency
from synq_desktop.sandbox.schemas import BulkJobCreate, ExportCreate, ExportQueuedOut, JobOut


def build_router(ext: bool) -> APIRouter:
    router = APIRouter(responses=ERROR_RESPONSES)
    paging = paging_dependency(ext)
    PageDep = Annotated[Page, Depends(paging)]

    @router.get("/bulk-jobs", response_model=list[JobOut], tags=["jobs"])
    def list_jobs(request: Request, page: PageDep, caller: CallerDep,
                  type: str = Query("BULK_UPDATE", max_length=40)) -> JSONResponse:
        runtime = runtime_of(request)
        url = base_url(request)
        with runtime.store.session() as session:
            query = select(db.BulkJob).where(db.BulkJob.tenant_id == caller.tenant_id, db.BulkJob.job_type == type)
            rows, total = fetch(session, query, page, db.BulkJob, [db.BulkJob.created_at.desc(), db.BulkJob.id])
            return list_answer([serialize.job(row, url, ext) for row in rows], total)

    @router.post("/bulk-jobs", status_code=200, response_model=JobOut, tags=["jobs"])
    def create_job(request: Request, body: BulkJobCreate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        if "payload" not in body.model_fields_set:
            from synq_desktop.sandbox.errors import bad_input

            raise bad_input("payload is required.", "payload")
        jobs.check_payload(body.job_type, body.payload)
        payload_text = body.payload if isinstance(body.payload, str) else json.dumps(body.payload)
        with runtime.store.session() as session:
            now = runtime.clock.now()
            job = db.BulkJob(id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id,
                             job_type=body.job_type, status="PENDING", payload=payload_text, processed_items=0,
                             failed_items=0, errors="[]", result_bytes=0, actor_email=caller.actor_email,
                             created_at=now, updated_at=now)
            session.add(job)
            audit.record(session, runtime.clock, caller, "BULK_JOB_CREATED", "BULK_JOB", job.id,
                         {"job_type": job.job_type})
            answer = one(serialize.job(job, base_url(request), ext), 200, ext)
        runtime.jobs_waiting.set()
        return answer

    if not ext:
        @router.post("/export", status_code=202, response_model=ExportQueuedOut, tags=["jobs"])
        def export_docs(request: Request, caller: CallerDep) -> JSONResponse:
            runtime = runtime_of(request)
            with runtime.store.session() as session:
                audit.record(session, runtime.clock, caller, "EXPORT_REQUESTED", "EXPORT", "", {})
            return JSONResponse({"message": "Export queued. You will be notified when the file is ready."}, 202)
        return router

    @router.post("/export", status_code=202, response_model=JobOut, tags=["jobs"])
    def export(request: Request, caller: CallerDep, body: ExportCreate | None = Body(None)) -> JSONResponse:  # noqa: B008
        runtime = runtime_of(request)
        fmt = body.format if body is not None else "csv"
        with runtime.store.session() as session:
            now = runtime.clock.now()
            job = db.BulkJob(id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id,
                             job_type="EXPORT", status="PENDING", payload=json.dumps({"format": fmt}),
                             export_format=fmt, processed_items=0, failed_items=0, errors="[]", result_bytes=0,
                             actor_email=caller.actor_email, created_at=now, updated_at=now)
            session.add(job)
            audit.record(session, runtime.clock, caller, "EXPORT_REQUESTED", "BULK_JOB", job.id, {"format": fmt})
            answer = one(serialize.job(job, base_url(request), ext), 202, ext)
        runtime.jobs_waiting.set()
        return answer

    @router.get("/bulk-jobs/{job_id}", response_model=JobOut, tags=["jobs"])
    def get_job(request: Request, job_id: str, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            job = get_scoped(session, db.BulkJob, caller, job_id, "bulk job")
            return one(serialize.job(job, base_url(request), ext))

    return router
