"""Categories, brands, attributes (and their values), attribute groups, templates, and the EXT
attribute-value links of variants and products."""
import json
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from synq_desktop.sandbox import attribute_links, audit, db, serialize, validation
from synq_desktop.sandbox.answers import base_url, no_content, one
from synq_desktop.sandbox.auth import CallerDep, runtime_of
from synq_desktop.sandbox.catalog import get_scoped
from synq_desktop.sandbox.errors import ERROR_RESPONSES, ApiError, bad_input
from synq_desktop.sandbox.etags import check_if_match, etag_for, product_etag, variant_etag
from synq_desktop.sandbox.paging import Page, fetch, list_answer, paging_dependency
from synq_desktop.sandbox.runtime import Caller
from synq_desktop.sandbox.schemas import (
    AttributeCreate,
    AttributeOut,
    AttributeUpdate,
    AttributeValueCreate,
    AttributeValueLink,
    AttributeValueOut,
    BrandCreate,
    BrandOut,
    BrandUpdate,
    CategoryCreate,
    CategoryOut,
    CategoryUpdate,
    GroupCreate,
    GroupOut,
    GroupUpdate,
    TemplateCreate,
    TemplateOut,
    TemplateUpdate,
)

MAX_DEPTH = 1000


def _taken(message: str, field: str) -> ApiError:
    return ApiError(409, message, [{"field": field, "message": "taken"}])


def _check_slug_free(session: Session, model: type, caller: Caller, slug: str, skip_id: str | None = None) -> None:
    found = session.scalar(select(model.id).where(model.tenant_id == caller.tenant_id, model.slug == slug))
    if found is not None and found != skip_id:
        raise _taken(f"The slug {slug!r} is taken.", "slug")


def _brand_key(name: str) -> str:
    """How names are compared: as the client looks a brand up (case and surrounding spaces aside)."""
    return name.strip().casefold()


def _check_brand_name_free(session: Session, caller: Caller, name: str, skip_id: str | None = None) -> None:
    """A brand's name is its natural key (API.md: an uncertain create is found again by it), so it is unique."""
    wanted = _brand_key(name)
    for found_id, found_name in session.execute(select(db.Brand.id, db.Brand.name).where(
            db.Brand.tenant_id == caller.tenant_id)):
        if found_id != skip_id and _brand_key(found_name or "") == wanted:
            raise _taken(f"A brand named {found_name!r} already exists.", "name")


def _check_ids(session: Session, model: type, caller: Caller, ids: list[str], field: str) -> None:
    if not ids:
        return
    found = set(session.scalars(select(model.id).where(model.tenant_id == caller.tenant_id, model.id.in_(ids))))
    missing = [value for value in ids if value not in found]
    if missing:
        raise bad_input(f"{field} names records you do not have: {', '.join(missing[:5])}", field)


def _set_id_list(session: Session, model: type, caller: Caller, sent: dict[str, Any], field: str) -> None:
    """An id-list field of an update, when sent: every id must be the caller's; stored as a JSON list."""
    if field in sent:
        _check_ids(session, model, caller, sent[field] or [], field)
        sent[field] = _json_list(sent[field])


def _revalidate_template_products(session: Session, clock: Any, caller: Caller, template_id: str) -> None:
    """A template's required attributes decide its products' MISSING_REQUIRED_ATTRIBUTE issues."""
    for product in session.scalars(select(db.Product).where(
        db.Product.tenant_id == caller.tenant_id, db.Product.template_id == template_id
    )):
        validation.revalidate_product(session, clock, product)


def _check_parent(session: Session, caller: Caller, category_id: str | None, parent_id: str | None) -> None:
    """400 for an unknown parent or a category made its own ancestor."""
    if parent_id is None:
        return
    if parent_id == category_id:
        raise bad_input("A category cannot be its own parent.", "parent_id")
    current: str | None = parent_id
    for _ in range(MAX_DEPTH):
        if current is None:
            return
        row = session.get(db.Category, current)
        if row is None or row.tenant_id != caller.tenant_id:
            if current == parent_id:
                raise bad_input(f"parent_id {parent_id!r} names no category of yours.", "parent_id")
            return  # a stale ancestor (deleted): the chain ends there
        if category_id is not None and row.parent_id == category_id:
            raise bad_input("That parent would make the category its own ancestor.", "parent_id")
        current = row.parent_id
    raise bad_input("The category tree is too deep.", "parent_id")


def _apply(row: Any, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    before = {name: getattr(row, name) for name in values}
    changes = audit.changes_of(before, values)
    for name in changes:
        setattr(row, name, values[name])
    return changes


def _json_list(values: list[str] | None) -> str:
    return json.dumps(list(values or []))


def build_router(ext: bool) -> APIRouter:
    router = APIRouter(responses=ERROR_RESPONSES)
    paging = paging_dependency(ext)
    PageDep = Annotated[Page, Depends(paging)]

    def scoped_list(request: Request, caller: Caller, page: Page, model: type, order: list[Any],
                    shape: Any) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            rows, total = fetch(session, select(model).where(model.tenant_id == caller.tenant_id), page, model, order)
            return list_answer([shape(row) for row in rows], total)

    # ---------------- categories ----------------
    @router.get("/categories", response_model=list[CategoryOut], tags=["categories"])
    def list_categories(request: Request, page: PageDep, caller: CallerDep) -> JSONResponse:
        return scoped_list(request, caller, page, db.Category, [db.Category.name, db.Category.id], serialize.category)

    @router.post("/categories", status_code=201, response_model=CategoryOut, tags=["categories"])
    def create_category(request: Request, body: CategoryCreate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        parent_id = body.parent_id if "parent_id" in body.model_fields_set else body.parentId
        with runtime.store.session() as session:
            _check_slug_free(session, db.Category, caller, body.slug)
            _check_parent(session, caller, None, parent_id)
            now = runtime.clock.now()
            row = db.Category(id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id,
                              parent_id=parent_id, name=body.name, slug=body.slug, description=body.description,
                              created_at=now, updated_at=now)
            session.add(row)
            audit.record(session, runtime.clock, caller, "CATEGORY_CREATED", "CATEGORY", row.id,
                         {"name": row.name, "slug": row.slug})
            return one(serialize.category(row), 201, ext)

    # ---------------- brands ----------------
    @router.get("/brands", response_model=list[BrandOut], tags=["brands"])
    def list_brands(request: Request, page: PageDep, caller: CallerDep) -> JSONResponse:
        url = base_url(request)
        return scoped_list(request, caller, page, db.Brand, [db.Brand.name, db.Brand.id],
                           lambda row: serialize.brand(row, url))

    @router.post("/brands", status_code=201, response_model=BrandOut, tags=["brands"])
    def create_brand(request: Request, body: BrandCreate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        logo = body.logo_url if "logo_url" in body.model_fields_set else body.logoUrl
        with runtime.store.session() as session:
            _check_brand_name_free(session, caller, body.name)
            now = runtime.clock.now()
            row = db.Brand(id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id, name=body.name,
                           description=body.description, logo_url=logo, created_at=now, updated_at=now)
            session.add(row)
            audit.record(session, runtime.clock, caller, "BRAND_CREATED", "BRAND", row.id, {"name": row.name})
            return one(serialize.brand(row, base_url(request)), 201, ext)

    # ---------------- attributes ----------------
    @router.get("/attributes", response_model=list[AttributeOut], tags=["attributes"])
    def list_attributes(request: Request, page: PageDep, caller: CallerDep) -> JSONResponse:
        return scoped_list(request, caller, page, db.Attribute, [db.Attribute.name, db.Attribute.id],
                           serialize.attribute)

    @router.post("/attributes", status_code=201, response_model=AttributeOut, tags=["attributes"])
    def create_attribute(request: Request, body: AttributeCreate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            _check_slug_free(session, db.Attribute, caller, body.slug)
            now = runtime.clock.now()
            row = db.Attribute(id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id,
                               name=body.name, slug=body.slug, type=body.type, created_at=now, updated_at=now)
            session.add(row)
            audit.record(session, runtime.clock, caller, "ATTRIBUTE_CREATED", "ATTRIBUTE", row.id,
                         {"name": row.name, "slug": row.slug, "type": row.type})
            return one(serialize.attribute(row), 201, ext)

    # ---------------- attribute groups and templates ----------------
    @router.get("/attribute-groups", response_model=list[GroupOut], tags=["attribute-groups"])
    def list_groups(request: Request, page: PageDep, caller: CallerDep) -> JSONResponse:
        return scoped_list(request, caller, page, db.AttributeGroup, [db.AttributeGroup.name, db.AttributeGroup.id],
                           serialize.group)

    @router.post("/attribute-groups", status_code=201, response_model=GroupOut, tags=["attribute-groups"])
    def create_group(request: Request, body: GroupCreate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            ids = body.attribute_ids or []  # documented (unlike a template's id lists, which are EXT)
            _check_ids(session, db.Attribute, caller, ids, "attribute_ids")
            now = runtime.clock.now()
            row = db.AttributeGroup(id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id,
                                    name=body.name, description=body.description, attribute_ids=_json_list(ids),
                                    created_at=now, updated_at=now)
            session.add(row)
            audit.record(session, runtime.clock, caller, "ATTRIBUTE_GROUP_CREATED", "ATTRIBUTE_GROUP", row.id,
                         {"name": row.name})
            return one(serialize.group(row), 201, ext)

    @router.get("/templates", response_model=list[TemplateOut], tags=["templates"])
    def list_templates(request: Request, page: PageDep, caller: CallerDep) -> JSONResponse:
        return scoped_list(request, caller, page, db.Template, [db.Template.name, db.Template.id], serialize.template)

    @router.post("/templates", status_code=201, response_model=TemplateOut, tags=["templates"])
    def create_template(request: Request, body: TemplateCreate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            groups = (body.attribute_group_ids or []) if ext else []
            required = (body.required_attribute_ids or []) if ext else []
            _check_ids(session, db.AttributeGroup, caller, groups, "attribute_group_ids")
            _check_ids(session, db.Attribute, caller, required, "required_attribute_ids")
            now = runtime.clock.now()
            row = db.Template(id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id,
                              name=body.name, description=body.description,
                              attribute_group_ids=_json_list(groups), required_attribute_ids=_json_list(required),
                              created_at=now, updated_at=now)
            session.add(row)
            audit.record(session, runtime.clock, caller, "TEMPLATE_CREATED", "TEMPLATE", row.id, {"name": row.name})
            return one(serialize.template(row), 201, ext)

    if not ext:
        return router

    # ================= EXT: single records, edits, deletes, values, links =================
    def edit_guard(request: Request, session: Session, model: type, caller: Caller, record_id: str,
                   what: str) -> Any:
        row = get_scoped(session, model, caller, record_id, what)
        check_if_match(request, etag_for(row.id, row.updated_at), True)
        return row

    @router.get("/categories/{category_id}", response_model=CategoryOut, tags=["categories"])
    def get_category(request: Request, category_id: str, caller: CallerDep) -> JSONResponse:
        with runtime_of(request).store.session() as session:
            return one(serialize.category(get_scoped(session, db.Category, caller, category_id, "category")))

    @router.put("/categories/{category_id}", response_model=CategoryOut, tags=["categories"])
    def update_category(request: Request, category_id: str, body: CategoryUpdate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        sent = body.sent()
        if "parentId" in sent and "parent_id" not in sent:
            sent["parent_id"] = sent["parentId"]
        sent.pop("parentId", None)
        for field in ("name", "slug"):
            if field in sent and sent[field] is None:
                raise bad_input(f"{field} cannot be cleared.", field)
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.Category, caller, category_id, "category")
            if "slug" in sent and sent["slug"] != row.slug:
                _check_slug_free(session, db.Category, caller, sent["slug"], skip_id=row.id)
            if "parent_id" in sent and sent["parent_id"] != row.parent_id:
                _check_parent(session, caller, row.id, sent["parent_id"])
            changes = _apply(row, sent)
            if changes:
                row.updated_at = runtime.clock.now()
                audit.record(session, runtime.clock, caller, "CATEGORY_UPDATED", "CATEGORY", row.id,
                             {"changes": changes})
            return one(serialize.category(row))

    @router.delete("/categories/{category_id}", status_code=204, response_class=Response, tags=["categories"])
    def delete_category(request: Request, category_id: str, caller: CallerDep) -> Response:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.Category, caller, category_id, "category")
            session.delete(row)
            audit.record(session, runtime.clock, caller, "CATEGORY_DELETED", "CATEGORY", row.id,
                         {"name": row.name, "slug": row.slug})
        return no_content()

    @router.get("/brands/{brand_id}", response_model=BrandOut, tags=["brands"])
    def get_brand(request: Request, brand_id: str, caller: CallerDep) -> JSONResponse:
        with runtime_of(request).store.session() as session:
            return one(serialize.brand(get_scoped(session, db.Brand, caller, brand_id, "brand"), base_url(request)))

    @router.put("/brands/{brand_id}", response_model=BrandOut, tags=["brands"])
    def update_brand(request: Request, brand_id: str, body: BrandUpdate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        sent = body.sent()
        if "logoUrl" in sent and "logo_url" not in sent:
            sent["logo_url"] = sent["logoUrl"]
        sent.pop("logoUrl", None)
        if "name" in sent and sent["name"] is None:
            raise bad_input("name cannot be cleared.", "name")
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.Brand, caller, brand_id, "brand")
            if "name" in sent:
                _check_brand_name_free(session, caller, sent["name"], skip_id=row.id)
            changes = _apply(row, sent)
            if changes:
                row.updated_at = runtime.clock.now()
                audit.record(session, runtime.clock, caller, "BRAND_UPDATED", "BRAND", row.id, {"changes": changes})
            return one(serialize.brand(row, base_url(request)))

    @router.delete("/brands/{brand_id}", status_code=204, response_class=Response, tags=["brands"])
    def delete_brand(request: Request, brand_id: str, caller: CallerDep) -> Response:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.Brand, caller, brand_id, "brand")
            session.delete(row)
            audit.record(session, runtime.clock, caller, "BRAND_DELETED", "BRAND", row.id, {"name": row.name})
        return no_content()

    @router.get("/attributes/{attribute_id}", response_model=AttributeOut, tags=["attributes"])
    def get_attribute(request: Request, attribute_id: str, caller: CallerDep) -> JSONResponse:
        with runtime_of(request).store.session() as session:
            return one(serialize.attribute(get_scoped(session, db.Attribute, caller, attribute_id, "attribute")))

    @router.put("/attributes/{attribute_id}", response_model=AttributeOut, tags=["attributes"])
    def update_attribute(request: Request, attribute_id: str, body: AttributeUpdate,
                         caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        sent = body.sent()
        for field in ("name", "slug", "type"):
            if field in sent and sent[field] is None:
                raise bad_input(f"{field} cannot be cleared.", field)
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.Attribute, caller, attribute_id, "attribute")
            if "slug" in sent and sent["slug"] != row.slug:
                _check_slug_free(session, db.Attribute, caller, sent["slug"], skip_id=row.id)
            changes = _apply(row, sent)
            if changes:
                row.updated_at = runtime.clock.now()
                if "slug" in changes:
                    attribute_links.refresh_variants_of_attribute(session, runtime.clock, row.id)
                audit.record(session, runtime.clock, caller, "ATTRIBUTE_UPDATED", "ATTRIBUTE", row.id,
                             {"changes": changes})
            return one(serialize.attribute(row))

    @router.delete("/attributes/{attribute_id}", status_code=204, response_class=Response, tags=["attributes"])
    def delete_attribute(request: Request, attribute_id: str, caller: CallerDep) -> Response:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.Attribute, caller, attribute_id, "attribute")
            variant_ids = list(set(session.scalars(select(db.VariantAttributeValue.variant_id)
                                                   .where(db.VariantAttributeValue.attribute_id == row.id))))
            session.execute(delete(db.VariantAttributeValue).where(db.VariantAttributeValue.attribute_id == row.id))
            session.execute(delete(db.ProductAttributeValue).where(db.ProductAttributeValue.attribute_id == row.id))
            session.execute(delete(db.AttributeValue).where(db.AttributeValue.attribute_id == row.id))
            gone = {"id": row.id, "name": row.name, "slug": row.slug}
            session.delete(row)
            attribute_links.refresh_many(session, runtime.clock, variant_ids)
            audit.record(session, runtime.clock, caller, "ATTRIBUTE_DELETED", "ATTRIBUTE", gone["id"],
                         {"name": gone["name"], "slug": gone["slug"]})
        return no_content()

    @router.get("/attributes/{attribute_id}/values", response_model=list[AttributeValueOut], tags=["attributes"])
    def list_values(request: Request, attribute_id: str, page: PageDep, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            get_scoped(session, db.Attribute, caller, attribute_id, "attribute")
            query = select(db.AttributeValue).where(db.AttributeValue.attribute_id == attribute_id)
            plain = Page(limit=page.limit, offset=page.offset, ext=True)  # values have no updated_at
            rows, total = fetch(session, query, plain, db.AttributeValue,
                                [db.AttributeValue.created_at, db.AttributeValue.id])
            return list_answer([serialize.attribute_value(row) for row in rows], total)

    @router.post("/attributes/{attribute_id}/values", status_code=201, response_model=AttributeValueOut,
                 responses={200: {"model": AttributeValueOut, "description": "an existing TEXT/NUMBER value reused"}},
                 tags=["attributes"])
    def create_value(request: Request, attribute_id: str, body: AttributeValueCreate,
                     caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            attribute = get_scoped(session, db.Attribute, caller, attribute_id, "attribute")
            value, created = attribute_links.create_value(session, runtime.clock, caller, attribute, body.value,
                                                          body.slug)
            if created:
                attribute.updated_at = runtime.clock.now()
                audit.record(session, runtime.clock, caller, "ATTRIBUTE_UPDATED", "ATTRIBUTE", attribute.id,
                             {"value_added": {"id": value.id, "value": value.value, "slug": value.slug}})
            return one(serialize.attribute_value(value), 201 if created else 200, version=value.created_at)

    @router.get("/attribute-groups/{group_id}", response_model=GroupOut, tags=["attribute-groups"])
    def get_group(request: Request, group_id: str, caller: CallerDep) -> JSONResponse:
        with runtime_of(request).store.session() as session:
            return one(serialize.group(get_scoped(session, db.AttributeGroup, caller, group_id, "attribute group")))

    @router.put("/attribute-groups/{group_id}", response_model=GroupOut, tags=["attribute-groups"])
    def update_group(request: Request, group_id: str, body: GroupUpdate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        sent = body.sent()
        if "name" in sent and sent["name"] is None:
            raise bad_input("name cannot be cleared.", "name")
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.AttributeGroup, caller, group_id, "attribute group")
            _set_id_list(session, db.Attribute, caller, sent, "attribute_ids")
            changes = _apply(row, sent)
            if changes:
                row.updated_at = runtime.clock.now()
                audit.record(session, runtime.clock, caller, "ATTRIBUTE_GROUP_UPDATED", "ATTRIBUTE_GROUP", row.id,
                             {"changes": changes})
            return one(serialize.group(row))

    @router.delete("/attribute-groups/{group_id}", status_code=204, response_class=Response,
                   tags=["attribute-groups"])
    def delete_group(request: Request, group_id: str, caller: CallerDep) -> Response:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.AttributeGroup, caller, group_id, "attribute group")
            session.delete(row)
            audit.record(session, runtime.clock, caller, "ATTRIBUTE_GROUP_DELETED", "ATTRIBUTE_GROUP", row.id,
                         {"name": row.name})
        return no_content()

    @router.get("/templates/{template_id}", response_model=TemplateOut, tags=["templates"])
    def get_template(request: Request, template_id: str, caller: CallerDep) -> JSONResponse:
        with runtime_of(request).store.session() as session:
            return one(serialize.template(get_scoped(session, db.Template, caller, template_id, "template")))

    @router.put("/templates/{template_id}", response_model=TemplateOut, tags=["templates"])
    def update_template(request: Request, template_id: str, body: TemplateUpdate, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        sent = body.sent()
        if "name" in sent and sent["name"] is None:
            raise bad_input("name cannot be cleared.", "name")
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.Template, caller, template_id, "template")
            _set_id_list(session, db.AttributeGroup, caller, sent, "attribute_group_ids")
            _set_id_list(session, db.Attribute, caller, sent, "required_attribute_ids")
            changes = _apply(row, sent)
            if changes:
                row.updated_at = runtime.clock.now()
                audit.record(session, runtime.clock, caller, "TEMPLATE_UPDATED", "TEMPLATE", row.id,
                             {"changes": changes})
                if "required_attribute_ids" in changes:
                    _revalidate_template_products(session, runtime.clock, caller, row.id)
            return one(serialize.template(row))

    @router.delete("/templates/{template_id}", status_code=204, response_class=Response, tags=["templates"])
    def delete_template(request: Request, template_id: str, caller: CallerDep) -> Response:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            row = edit_guard(request, session, db.Template, caller, template_id, "template")
            session.delete(row)
            audit.record(session, runtime.clock, caller, "TEMPLATE_DELETED", "TEMPLATE", row.id, {"name": row.name})
            _revalidate_template_products(session, runtime.clock, caller, row.id)
        return no_content()

    # ---------------- attribute-value links ----------------
    for owner_path, model, what, owner_tag in (
        ("/variants/{owner_id}/attribute-values", db.Variant, "variant", "variants"),
        ("/products/{owner_id}/attribute-values", db.Product, "product", "products"),
    ):
        _add_link_routes(router, owner_path, model, what, owner_tag)
    return router


def _add_link_routes(router: APIRouter, path: str, model: type, what: str, tag: str) -> None:
    @router.get(path, response_model=list[AttributeValueOut], tags=[tag], name=f"list_{what}_attribute_values")
    def list_links(request: Request, owner_id: str, caller: CallerDep) -> JSONResponse:
        with runtime_of(request).store.session() as session:
            owner = get_scoped(session, model, caller, owner_id, what)
            rows = attribute_links.values_of(session, owner)
            return list_answer([serialize.attribute_value(row) for row in rows], len(rows))

    @router.post(path, status_code=201, response_model=AttributeValueOut, tags=[tag],
                 name=f"link_{what}_attribute_value")
    def add_link(request: Request, owner_id: str, body: AttributeValueLink, caller: CallerDep) -> JSONResponse:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            owner = get_scoped(session, model, caller, owner_id, what)
            value = attribute_links.resolve_value(session, runtime.clock, caller, body.attribute_value_id,
                                                  body.attribute_id, body.value)
            attribute_links.link(session, runtime.clock, caller, owner, value)
            return one(serialize.attribute_value(value), 201, version=value.created_at)

    @router.delete(path + "/{value_id}", status_code=204, response_class=Response, tags=[tag],
                   name=f"unlink_{what}_attribute_value")
    def remove_link(request: Request, owner_id: str, value_id: str, caller: CallerDep) -> Response:
        runtime = runtime_of(request)
        with runtime.store.session() as session:
            owner = get_scoped(session, model, caller, owner_id, what)
            tag = variant_etag(owner) if isinstance(owner, db.Variant) else product_etag(owner)
            check_if_match(request, tag, True)
            attribute_links.unlink(session, runtime.clock, caller, owner, value_id)
        return no_content()
