"""Product and variant changes, shared by the request handlers and the bulk-job worker.

Each function runs inside the caller's transaction, checks references (an unknown category, brand or
template id is 400, another tenant's record is 404), writes the audit event and re-validates exactly
the records the change touches.
"""
from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from synq_desktop.domain.money import money_text
from synq_desktop.sandbox import audit, db, validation
from synq_desktop.sandbox.clock import MonotonicClock
from synq_desktop.sandbox.errors import ApiError, bad_input, not_found
from synq_desktop.sandbox.runtime import Caller

PRODUCT_FIELDS = ("title", "description", "category", "category_id", "brand_id", "template_id", "status")
DOCS_PRODUCT_CREATE = ("title", "description", "category")
DOCS_PRODUCT_UPDATE = ("title", "description", "category", "category_id", "brand_id")
VARIANT_FIELDS = ("sku", "barcode", "price", "currency", "cost_price")
_MAX_MONEY_DIGITS = 18


def get_scoped(session: Session, model: type, caller: Caller, record_id: str, what: str) -> Any:
    """The tenant's record by id, or 404 (another tenant's record is not found either)."""
    row = session.get(model, record_id)
    if row is None or row.tenant_id != caller.tenant_id:
        raise not_found(what)
    return row


def _check_ref(session: Session, model: type, caller: Caller, record_id: str | None, field: str) -> None:
    if record_id is None:
        return
    row = session.get(model, record_id)
    if row is None or row.tenant_id != caller.tenant_id:
        raise bad_input(f"{field} {record_id!r} names no record of yours.", field)


def _fill_category_id(session: Session, caller: Caller, data: dict[str, Any]) -> None:
    """API.md: when only `category` is sent and it equals a category's slug, fill `category_id`."""
    if "category" in data and "category_id" not in data and data["category"]:
        found = session.scalar(select(db.Category.id).where(
            db.Category.tenant_id == caller.tenant_id, db.Category.slug == data["category"]
        ))
        if found:
            data["category_id"] = found


def create_product(session: Session, clock: MonotonicClock, caller: Caller, data: dict[str, Any],
                   ext: bool = True, allow_blank_title: bool = False) -> db.Product:
    data = {name: value for name, value in data.items() if name in (PRODUCT_FIELDS if ext else DOCS_PRODUCT_CREATE)}
    title = data.get("title")
    if not isinstance(title, str) or (not allow_blank_title and not title.strip()):
        raise bad_input("title is required.", "title")
    _check_ref(session, db.Category, caller, data.get("category_id"), "category_id")
    _check_ref(session, db.Brand, caller, data.get("brand_id"), "brand_id")
    _check_ref(session, db.Template, caller, data.get("template_id"), "template_id")
    _fill_category_id(session, caller, data)
    now = clock.now()
    product = db.Product(
        id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id, title=title,
        description=data.get("description"), category=data.get("category"), category_id=data.get("category_id"),
        brand_id=data.get("brand_id"), template_id=data.get("template_id"), status=data.get("status") or "ACTIVE",
        created_at=now, updated_at=now,
    )
    session.add(product)
    validation.revalidate_product(session, clock, product)
    audit.record(session, clock, caller, "PRODUCT_CREATED", "PRODUCT", product.id,
                 {"title": product.title})
    return product


def update_product(session: Session, clock: MonotonicClock, caller: Caller, product: db.Product,
                   data: dict[str, Any], ext: bool = True) -> db.Product:
    data = {name: value for name, value in data.items() if name in (PRODUCT_FIELDS if ext else DOCS_PRODUCT_UPDATE)}
    if "title" in data and (not isinstance(data["title"], str) or not data["title"].strip()):
        raise bad_input("title cannot be empty.", "title")
    if "status" in data and data["status"] is None:
        raise bad_input("status cannot be cleared.", "status")
    for field, model in (("category_id", db.Category), ("brand_id", db.Brand), ("template_id", db.Template)):
        if data.get(field) is not None and data[field] != getattr(product, field):
            _check_ref(session, model, caller, data[field], field)
    _fill_category_id(session, caller, data)
    before = {name: getattr(product, name) for name in data}
    changes = audit.changes_of(before, data)
    if not changes:
        return product
    for name in changes:
        setattr(product, name, data[name])
    product.updated_at = clock.now()
    validation.revalidate_product(session, clock, product)
    audit.record(session, clock, caller, "PRODUCT_UPDATED", "PRODUCT", product.id, {"changes": changes})
    return product


def delete_product(session: Session, clock: MonotonicClock, caller: Caller, product: db.Product) -> None:
    variants = list(session.scalars(select(db.Variant).where(db.Variant.product_id == product.id)))
    variant_ids = [variant.id for variant in variants]
    media_ids = list(session.scalars(select(db.Media.id).where(
        (db.Media.product_id == product.id) | (db.Media.variant_id.in_(variant_ids))
    )))
    session.execute(delete(db.Media).where(db.Media.id.in_(media_ids)))
    session.execute(delete(db.VariantAttributeValue).where(db.VariantAttributeValue.variant_id.in_(variant_ids)))
    session.execute(delete(db.ProductAttributeValue).where(db.ProductAttributeValue.product_id == product.id))
    validation.drop_issues(session, [product.id, *variant_ids, *media_ids])
    skus = {variant.sku for variant in variants if variant.sku}
    for variant in variants:
        session.delete(variant)
    session.delete(product)
    session.flush()
    for sku in skus:
        validation.revalidate_sku(session, clock, caller.tenant_id, sku)
    audit.record(session, clock, caller, "PRODUCT_DELETED", "PRODUCT", product.id,
                 {"title": product.title, "variants": len(variant_ids)})


def money(value: Any, field: str) -> str | None:
    """The exact text a price is stored and returned as; negative or absurd amounts are bad input."""
    if value is None:
        return None
    if not isinstance(value, Decimal):
        raise bad_input(f"{field} must be a number.", field)
    if not value.is_finite() or value < 0:
        raise bad_input(f"{field} cannot be negative.", field)
    if value != 0 and value.adjusted() >= _MAX_MONEY_DIGITS:
        raise bad_input(f"{field} is too large.", field)
    if value.as_tuple().exponent < -12:  # type: ignore[operator]
        raise bad_input(f"{field} has too many decimals.", field)
    return money_text(value)


def _variant_values(data: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in VARIANT_FIELDS:
        if name in data:
            out[name] = money(data[name], name) if name in ("price", "cost_price") else data[name]
    return out


def create_variant(session: Session, clock: MonotonicClock, caller: Caller, product: db.Product,
                   data: dict[str, Any], ext: bool = True) -> db.Variant:
    values = _variant_values(data)
    if not ext:
        values.pop("cost_price", None)
    now = clock.now()
    variant = db.Variant(
        id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id, product_id=product.id,
        sku=values.get("sku"), barcode=values.get("barcode"), price=values.get("price"),
        currency=values.get("currency"), cost_price=values.get("cost_price"), created_at=now, updated_at=now,
    )
    session.add(variant)
    validation.revalidate_variant(session, clock, variant)
    validation.revalidate_sku(session, clock, caller.tenant_id, variant.sku, skip_id=variant.id)
    validation.revalidate_product(session, clock, product)
    audit.record(session, clock, caller, "VARIANT_CREATED", "VARIANT", variant.id,
                 {"product_id": product.id, "sku": variant.sku})
    return variant


def update_variant(session: Session, clock: MonotonicClock, caller: Caller, variant: db.Variant,
                   data: dict[str, Any]) -> db.Variant:
    values = _variant_values(data)
    before = {name: getattr(variant, name) for name in values}
    changes = audit.changes_of(before, values)
    if not changes:
        return variant
    old_sku = variant.sku
    for name in changes:
        setattr(variant, name, values[name])
    variant.updated_at = clock.now()
    validation.revalidate_variant(session, clock, variant)
    if "sku" in changes:
        validation.revalidate_sku(session, clock, caller.tenant_id, old_sku, skip_id=variant.id)
        validation.revalidate_sku(session, clock, caller.tenant_id, variant.sku, skip_id=variant.id)
    audit.record(session, clock, caller, "VARIANT_UPDATED", "VARIANT", variant.id,
                 {"product_id": variant.product_id, "changes": changes})
    if "price" in changes:
        audit.record(session, clock, caller, "PRODUCT_PRICE_CHANGED", "VARIANT", variant.id, {
            "product_id": variant.product_id, "sku": variant.sku, "currency": variant.currency,
            "changes": {"price": changes["price"]},
        })
    return variant


def require(condition: bool, status: int, message: str) -> None:
    if not condition:
        raise ApiError(status, message)
