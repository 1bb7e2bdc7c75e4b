"""Products and variants: the documented routes and the EXT variant routes."""

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import select

from synq_desktop.sandbox import catalog, db, serialize
from synq_desktop.sandbox.answers import no_content, one
from synq_desktop.sandbox.auth import CallerDep, runtime_of
from synq_desktop.sandbox.errors import ERROR_RESPONSES
from synq_desktop.sandbox.etags import check_if_match, product_etag, variant_etag
from synq_desktop.sandbox.paging import Page, fetch, list_answer, paging_dependency
from synq_desktop.sandbox.schemas import (
    ProductCreate,
    ProductOut,
    ProductSummaryOut,
    ProductUpdate,
    VariantCreate,
    VariantOut,
    VariantUpdate,
)

DOCS_PRODUCT_LIMIT = 100


def build_router(ext: bool) -> APIRouter:
    router = APIRouter(responses=ERROR_RESPONSES)
    paging = paging_dependency(ext)

    if ext:
        @router.get("/products", response_model=list[ProductOut | ProductSummaryOut], tags=["products"])
        def list_products(
            request: Request,
            page: Annotated[Page, Depends(paging)],
            caller: CallerDep,
            fields: Literal["full", "summary"] | None = Query(None, description="summary: id,title,category,"
                                                                                "status,updated_at"),
        ) -> JSONResponse:
            runtime = runtime_of(request)
            with runtime.store.session() as session:
                query = select(db.Product).where(db.Product.tenant_id == caller.tenant_id)
                rows, total = fetch(session, query, page, db.Product,
                                    [db.Product.created_at.desc(), db.Product.id.desc()], DOCS_PRODUCT_LIMIT)
                shape = serialize.product_summary if fields == "summary" else serialize.product
                return list_answer([shape(row) for row in rows], total)
    else:
        @router.get("/products", response_model=list[ProductOut | ProductSummaryOut], tags=["products"])
        def list_products_docs(request: Request, caller: CallerDep) -> JSONResponse:
            runtime = runtime_of(request)
            with runtime.store.session() as session:
                rows = session.scalars(
                    select(db.Product).where(db.Product.tenant_id == caller.tenant_id)
                    .order_by(db.Product.created_at.desc(), db.Product.id.desc()).limit(DOCS_PRODUCT_LIMIT)
                )
                light = runtime.settings.docs_only_light_lists
                return JSONResponse([serialize.product_summary(row) if light else serialize.product(row)
                                     for row in rows])

    @router.post("/products", status_code=201, response_model=ProductOut, tags=["products"])
    def create_product(request: Request, body: ProductCreate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            product = catalog.create_product(session, runtime.clock, caller, body.sent(), ext=ext)
            return one(serialize.product(product), 201, ext, etag=product_etag(product))

    @router.get("/products/{product_id}", response_model=ProductOut, tags=["products"])
    def get_product(request: Request, product_id: str, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            product = catalog.get_scoped(session, db.Product, caller, product_id, "product")
            return one(serialize.product(product), 200, ext, etag=product_etag(product))

    @router.put("/products/{product_id}", response_model=ProductOut, tags=["products"])
    def update_product(request: Request, product_id: str, body: ProductUpdate,
                       caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            product = catalog.get_scoped(session, db.Product, caller, product_id, "product")
            check_if_match(request, product_etag(product), ext)
            product = catalog.update_product(session, runtime.clock, caller, product, body.sent(), ext=ext)
            return one(serialize.product(product), 200, ext, etag=product_etag(product))

    @router.delete("/products/{product_id}", status_code=204, response_class=Response, tags=["products"])
    def delete_product(request: Request, product_id: str, caller: CallerDep) -> Response:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            product = catalog.get_scoped(session, db.Product, caller, product_id, "product")
            check_if_match(request, product_etag(product), ext)
            catalog.delete_product(session, runtime.clock, caller, product)
        return no_content()

    @router.post("/products/{product_id}/variants", status_code=200, response_model=VariantOut, tags=["variants"])
    def create_variant(request: Request, product_id: str, body: VariantCreate,
                       caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            product = catalog.get_scoped(session, db.Product, caller, product_id, "product")
            variant = catalog.create_variant(session, runtime.clock, caller, product, body.sent(), ext=ext)
            return one(serialize.variant(variant), 200, ext, etag=variant_etag(variant))

    if not ext:
        return router

    @router.get("/products/{product_id}/variants", response_model=list[VariantOut], tags=["variants"])
    def list_product_variants(request: Request, product_id: str, page: Annotated[Page, Depends(paging)],
                              caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            catalog.get_scoped(session, db.Product, caller, product_id, "product")
            query = select(db.Variant).where(db.Variant.product_id == product_id)
            rows, total = fetch(session, query, page, db.Variant, [db.Variant.created_at, db.Variant.id])
            return list_answer([serialize.variant(row) for row in rows], total)

    @router.get("/variants", response_model=list[VariantOut], tags=["variants"])
    def list_variants(request: Request, page: Annotated[Page, Depends(paging)], caller: CallerDep,
                      product_id: str | None = Query(None, max_length=100)) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            query = select(db.Variant).where(db.Variant.tenant_id == caller.tenant_id)
            if product_id is not None:
                query = query.where(db.Variant.product_id == product_id)
            rows, total = fetch(session, query, page, db.Variant, [db.Variant.created_at, db.Variant.id], 100)
            return list_answer([serialize.variant(row) for row in rows], total)

    @router.get("/variants/{variant_id}", response_model=VariantOut, tags=["variants"])
    def get_variant(request: Request, variant_id: str, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            variant = catalog.get_scoped(session, db.Variant, caller, variant_id, "variant")
            return one(serialize.variant(variant), etag=variant_etag(variant))

    @router.put("/variants/{variant_id}", response_model=VariantOut, tags=["variants"])
    def update_variant(request: Request, variant_id: str, body: VariantUpdate,
                       caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            variant = catalog.get_scoped(session, db.Variant, caller, variant_id, "variant")
            check_if_match(request, variant_etag(variant), ext)
            variant = catalog.update_variant(session, runtime.clock, caller, variant, body.sent())
            return one(serialize.variant(variant), etag=variant_etag(variant))

    return router
