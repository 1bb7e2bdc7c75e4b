"""Read-only views of the catalog: /stats, /validation, /audit (also /api/v1/audit), /capabilities (EXT)."""
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import func, select

from synq_desktop.sandbox import db, serialize
from synq_desktop.sandbox.auth import CallerDep, runtime_of
from synq_desktop.sandbox.errors import ERROR_RESPONSES
from synq_desktop.sandbox.paging import MAX_LIMIT, Page, list_answer, paging_dependency
from synq_desktop.sandbox.schemas import AuditOut, CapabilitiesOut, IssueOut
from synq_desktop.sandbox.settings import MAX_JSON_BODY, MAX_UPLOAD_BODY

AUDIT_DEFAULT = 50
EXT_PARTS = [
    "paging", "updated_since", "fields_summary", "variants", "attribute_values", "taxonomy_edits",
    "media_edits", "media_uploads", "export_jobs", "job_detail", "audit_paging", "idempotency", "etag",
    "rate_limit", "quality_score", "product_status",
]


def build_router(ext: bool) -> APIRouter:
    router = APIRouter(responses=ERROR_RESPONSES)
    paging = paging_dependency(ext)
    PageDep = Annotated[Page, Depends(paging)]

    @router.get("/stats", response_model=dict[str, int], tags=["reports"])
    def stats(request: Request, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        tenant = caller.tenant_id

        def count(model: type, *where: object) -> int:
            return session.scalar(select(func.count()).select_from(model)
                                  .where(model.tenant_id == tenant, *where)) or 0

        with runtime.store.session() as session:
            by_status = dict(session.execute(select(db.Product.status, func.count()).where(
                db.Product.tenant_id == tenant).group_by(db.Product.status)).all())
            by_severity = dict(session.execute(select(db.ValidationIssue.severity, func.count()).where(
                db.ValidationIssue.tenant_id == tenant).group_by(db.ValidationIssue.severity)).all())
            jobs = dict(session.execute(select(db.BulkJob.status, func.count()).where(
                db.BulkJob.tenant_id == tenant).group_by(db.BulkJob.status)).all())
            body = {
                "total_products": sum(by_status.values()),
                "active_products": by_status.get("ACTIVE", 0),
                "draft_products": by_status.get("DRAFT", 0),
                "archived_products": by_status.get("ARCHIVED", 0),
                "total_variants": count(db.Variant),
                "total_categories": count(db.Category),
                "total_brands": count(db.Brand),
                "total_attributes": count(db.Attribute),
                "total_attribute_values": count(db.AttributeValue),
                "total_attribute_groups": count(db.AttributeGroup),
                "total_templates": count(db.Template),
                "total_media": count(db.Media),
                "open_issues": sum(by_severity.values()),
                "error_issues": by_severity.get("ERROR", 0),
                "warning_issues": by_severity.get("WARNING", 0),
                "total_bulk_jobs": sum(jobs.values()),
                "pending_jobs": jobs.get("PENDING", 0),
                "processing_jobs": jobs.get("PROCESSING", 0),
                "total_audit_events": count(db.AuditEvent),
            }
        return JSONResponse(body)

    @router.get("/validation", response_model=list[IssueOut], tags=["reports"])
    def list_issues(
        request: Request, page: PageDep, caller: CallerDep,
        entity_id: str | None = Query(None, max_length=100),
        issue_type: str | None = Query(None, max_length=100),
        severity: Literal["ERROR", "WARNING"] | None = None,
    ) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            query = select(db.ValidationIssue).where(db.ValidationIssue.tenant_id == caller.tenant_id)
            if ext:
                if entity_id is not None:
                    query = query.where(db.ValidationIssue.entity_id == entity_id)
                if issue_type is not None:
                    query = query.where(db.ValidationIssue.issue_type == issue_type)
                if severity is not None:
                    query = query.where(db.ValidationIssue.severity == severity)
            total = None
            if ext:
                total = session.scalar(select(func.count()).select_from(query.subquery()))
            query = query.order_by(db.ValidationIssue.created_at.desc(), db.ValidationIssue.id)
            if page.limit is not None:
                query = query.limit(page.limit)
            if page.offset:
                query = query.offset(page.offset)
            rows = session.scalars(query)
            return list_answer([serialize.issue(row, ext) for row in rows], total)

    router.add_api_route("/audit", _audit_route(ext), methods=["GET"], response_model=list[AuditOut],
                         tags=["reports"], name="audit")

    if ext:
        @router.get("/capabilities", response_model=CapabilitiesOut, tags=["reports"])
        def capabilities(request: Request, caller: CallerDep) -> JSONResponse:
            settings = runtime_of(request).settings
            return JSONResponse({
                "ext": EXT_PARTS,
                "role": caller.role,
                "limits": {
                    "max_page_size": MAX_LIMIT,
                    "max_json_body_bytes": MAX_JSON_BODY,
                    "max_upload_bytes": MAX_UPLOAD_BODY - 64 * 1024,
                    "rate_limit_per_minute": settings.rate_limit_per_minute,
                    "idempotency_ttl_seconds": 24 * 3600,
                    "audit_default_limit": AUDIT_DEFAULT,
                    "job_items_per_second": settings.job_rate,
                },
            })

    return router


def _audit_route(ext: bool):
    paging = paging_dependency(ext)
    PageDep = Annotated[Page, Depends(paging)]

    if not ext:
        def audit_docs(request: Request, caller: CallerDep) -> JSONResponse:
            with runtime_of(request).store.session() as session:
                rows = session.scalars(select(db.AuditEvent).where(db.AuditEvent.tenant_id == caller.tenant_id)
                                       .order_by(db.AuditEvent.seq.desc()).limit(AUDIT_DEFAULT))
                return JSONResponse([serialize.audit_event(row) for row in rows])
        return audit_docs

    def audit_ext(
        request: Request, page: PageDep, caller: CallerDep,
        entity_id: str | None = Query(None, max_length=100),
        action: str | None = Query(None, max_length=100),
    ) -> JSONResponse:
        with runtime_of(request).store.session() as session:
            query = select(db.AuditEvent).where(db.AuditEvent.tenant_id == caller.tenant_id)
            if entity_id is not None:
                query = query.where(db.AuditEvent.entity_id == entity_id)
            if action is not None:
                query = query.where(db.AuditEvent.action == action)
            total = session.scalar(select(func.count()).select_from(query.subquery()))
            query = query.order_by(db.AuditEvent.seq.desc()).limit(page.limit or AUDIT_DEFAULT)
            if page.offset:
                query = query.offset(page.offset)
            return list_answer([serialize.audit_event(row) for row in session.scalars(query)], total)
    return audit_ext


def build_audit_alias(ext: bool) -> APIRouter:
    """GET /api/v1/audit: the same events (one published page names this path)."""
    router = APIRouter(responses=ERROR_RESPONSES)
    router.add_api_route("/audit", _audit_route(ext), methods=["GET"], response_model=list[AuditOut],
                         tags=["reports"], name="audit_alias")
    return router
