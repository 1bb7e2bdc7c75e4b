"""Media assets: list and attach (documented), edit, delete and upload (EXT)."""
import hashlib
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from synq_desktop.sandbox import audit, db, images, serialize, validation
from synq_desktop.sandbox.answers import base_url, no_content, one
from synq_desktop.sandbox.auth import CallerDep, runtime_of
from synq_desktop.sandbox.catalog import get_scoped
from synq_desktop.sandbox.errors import ERROR_RESPONSES, ApiError, bad_input
from synq_desktop.sandbox.etags import check_if_match, etag_for
from synq_desktop.sandbox.paging import Page, fetch, list_answer, paging_dependency
from synq_desktop.sandbox.runtime import Caller
from synq_desktop.sandbox.schemas import MediaCreate, MediaOut, MediaUpdate, UploadOut

MAX_UPLOAD_BYTES = 25 * 1024 * 1024


def _owners(session: Session, caller: Caller, product_id: str | None, variant_id: str | None) -> str | None:
    """Checks the owners exist; a variant without a product gets its product's id."""
    if variant_id is not None:
        variant = session.get(db.Variant, variant_id)
        if variant is None or variant.tenant_id != caller.tenant_id:
            raise bad_input(f"variant_id {variant_id!r} names no variant of yours.", "variant_id")
        if product_id is None:
            product_id = variant.product_id
        elif product_id != variant.product_id:
            raise bad_input("That variant belongs to another product.", "variant_id")
    if product_id is not None:
        product = session.get(db.Product, product_id)
        if product is None or product.tenant_id != caller.tenant_id:
            raise bad_input(f"product_id {product_id!r} names no product of yours.", "product_id")
    return product_id


def build_router(ext: bool) -> APIRouter:
    router = APIRouter(responses=ERROR_RESPONSES)
    paging = paging_dependency(ext)
    PageDep = Annotated[Page, Depends(paging)]

    @router.get("/media", response_model=list[MediaOut], tags=["media"])
    def list_media(request: Request, page: PageDep, caller: CallerDep,
                   product_id: str | None = Query(None, max_length=100),
                   variant_id: str | None = Query(None, max_length=100)) -> JSONResponse:
        runtime = runtime_of(request)
        url = base_url(request)
        with runtime.store.session() as session:
            query = select(db.Media).where(db.Media.tenant_id == caller.tenant_id)
            if product_id is not None:
                query = query.where(db.Media.product_id == product_id)
            if variant_id is not None:
                query = query.where(db.Media.variant_id == variant_id)
            rows, total = fetch(session, query, page, db.Media,
                                [db.Media.sort_order, db.Media.created_at, db.Media.id])
            return list_answer([serialize.media(row, url) for row in rows], total)

    @router.post("/media", status_code=201, response_model=MediaOut, tags=["media"])
    def create_media(request: Request, body: MediaCreate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            product_id = _owners(session, caller, body.product_id, body.variant_id)
            now = runtime.clock.now()
            row = db.Media(id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id,
                           product_id=product_id, variant_id=body.variant_id, url=_stored_url(request, body.url),
                           alt_text=body.alt_text, sort_order=body.sort_order or 0, created_at=now, updated_at=now)
            session.add(row)
            validation.revalidate_media(session, runtime.clock, row)
            audit.record(session, runtime.clock, caller, "MEDIA_CREATED", "MEDIA", row.id,
                         {"url": body.url, "product_id": product_id, "variant_id": body.variant_id})
            return one(serialize.media(row, base_url(request)), 201, ext)

    if not ext:
        return router

    @router.post("/media/uploads", status_code=201, response_model=UploadOut, tags=["media"])
    def upload(request: Request, caller: CallerDep, file: UploadFile = File(...)) -> JSONResponse:  # noqa: B008
        runtime = runtime_of(request)
        data = file.file.read(MAX_UPLOAD_BYTES + 1)
        if len(data) > MAX_UPLOAD_BYTES:
            raise ApiError(413, "The file is larger than 25 MB.")
        kind = images.is_image(data)
        if kind is None:
            raise bad_input("The file is not an image (PNG, JPEG, GIF or WebP).", "file")
        # Named by the tenant and the content: an upload retried after a lost answer (multipart bodies
        # are not matched by Idempotency-Key: their boundary changes per attempt) gives the same URL and
        # stores nothing new.
        digest = hashlib.sha256(caller.tenant_id.encode() + b"\0" + data).hexdigest()[:32]
        name = f"{digest}.{images.IMAGE_EXTENSIONS[kind]}"
        folder = runtime.files_dir / "uploads"
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / name).exists():
            (folder / name).write_bytes(data)
        return JSONResponse({"url": base_url(request).rstrip("/") + f"/files/uploads/{name}"}, 201)

    @router.get("/media/{media_id}", response_model=MediaOut, tags=["media"])
    def get_media(request: Request, media_id: str, caller: CallerDep) -> JSONResponse:
        with runtime_of(request).store.session() as session:
            return one(serialize.media(get_scoped(session, db.Media, caller, media_id, "media"), base_url(request)))

    @router.put("/media/{media_id}", response_model=MediaOut, tags=["media"])
    def update_media(request: Request, media_id: str, body: MediaUpdate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        sent = body.sent()
        if "url" in sent and sent["url"] is None:
            raise bad_input("url cannot be cleared.", "url")
        if "sort_order" in sent and sent["sort_order"] is None:
            sent["sort_order"] = 0
        with runtime.store.session() as session:
            row = get_scoped(session, db.Media, caller, media_id, "media")
            check_if_match(request, etag_for(row.id, row.updated_at), True)
            if "product_id" in sent or "variant_id" in sent:
                product_id = sent.get("product_id", row.product_id)
                variant_id = sent.get("variant_id", row.variant_id)
                if "product_id" in sent and "variant_id" not in sent and product_id != row.product_id:
                    variant_id = None
                sent["product_id"] = _owners(session, caller, product_id, variant_id)
                sent["variant_id"] = variant_id
            if "url" in sent:
                sent["url"] = _stored_url(request, sent["url"])
            before = {name: getattr(row, name) for name in sent}
            changes = audit.changes_of(before, sent)
            if changes:
                for name in changes:
                    setattr(row, name, sent[name])
                row.updated_at = runtime.clock.now()
                validation.revalidate_media(session, runtime.clock, row)
                audit.record(session, runtime.clock, caller, "MEDIA_UPDATED", "MEDIA", row.id, {"changes": changes})
            return one(serialize.media(row, base_url(request)))

    @router.delete("/media/{media_id}", status_code=204, response_class=Response, tags=["media"])
    def delete_media(request: Request, media_id: str, caller: CallerDep) -> Response:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            row = get_scoped(session, db.Media, caller, media_id, "media")
            check_if_match(request, etag_for(row.id, row.updated_at), True)
            validation.drop_issues(session, [row.id])
            session.delete(row)
            audit.record(session, runtime.clock, caller, "MEDIA_DELETED", "MEDIA", row.id, {"url": row.url})
        return no_content()

    return router


def _stored_url(request: Request, url: str) -> str:
    """A URL of this sandbox's own files is stored as a path, so it survives a restart on another port."""
    base = base_url(request).rstrip("/")
    if url.startswith(base + "/files/"):
        return url[len(base):]
    return url
