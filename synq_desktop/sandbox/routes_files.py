"""Files the sandbox serves itself: generated demo images, uploads (public) and export results
(the same three auth headers as the API, and only to the tenant that asked for the export)."""
import re

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from synq_desktop.sandbox import db, images
from synq_desktop.sandbox.auth import authenticate, runtime_of
from synq_desktop.sandbox.errors import ApiError

_SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,200}$")
_MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}


def build_router(ext: bool) -> APIRouter:
    router = APIRouter(prefix="/files", include_in_schema=False)

    @router.get("/demo/{name}.png")
    def demo_image(name: str) -> Response:
        if not _SAFE_NAME.match(name):
            raise ApiError(404, "no such image")
        return Response(images.render_png(name), media_type="image/png",
                        headers={"Cache-Control": "public, max-age=86400"})

    @router.get("/uploads/{name}")
    def uploaded(request: Request, name: str) -> Response:
        path = runtime_of(request).files_dir / "uploads" / name
        if not _SAFE_NAME.match(name) or not path.is_file():
            raise ApiError(404, "no such file")
        kind = images.is_image(path.read_bytes()[:16])
        return FileResponse(path, media_type=images.IMAGE_MEDIA_TYPES.get(kind or "", "application/octet-stream"))

    if not ext:
        return router

    @router.get("/exports/{job_id}.{extension}")
    def export_file(request: Request, job_id: str, extension: str) -> Response:
        caller = authenticate(request)
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            job = session.get(db.BulkJob, job_id)
            if job is None or job.tenant_id != caller.tenant_id or job.job_type != "EXPORT":
                raise ApiError(404, "no such export")
            if job.status != "COMPLETED" or job.export_format != extension:
                raise ApiError(404, "the export is not ready")
        path = runtime.files_dir / "exports" / f"{job_id}.{extension}"
        if not path.is_file():
            raise ApiError(404, "the export file is gone")
        return FileResponse(path, media_type=_MEDIA_TYPES.get(extension, "application/octet-stream"),
                            filename=f"synq-export-{job_id}.{extension}")

    return router
