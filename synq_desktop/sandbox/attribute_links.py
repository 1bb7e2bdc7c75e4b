"""Attribute values linked to variants and products (EXT), and the variants' `option_values`.

A variant holds at most one value per attribute: linking a second value of the same attribute replaces
the first. `option_values` ({attribute slug: value label}) is stored on the variant and refreshed here
whenever a link, an attribute's slug or a value changes, so lists never join for it.
"""
from __future__ import annotations

import json
import uuid
from decimal import Decimal, InvalidOperation

from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from synq_desktop.domain.slug import slugify
from synq_desktop.sandbox import audit, db, validation
from synq_desktop.sandbox.clock import MonotonicClock
from synq_desktop.sandbox.errors import ApiError, bad_input
from synq_desktop.sandbox.runtime import Caller

_BOOLEAN_WORDS = {"true": "true", "false": "false", "yes": "true", "no": "false", "1": "true", "0": "false"}


def normalise_value(attribute: db.Attribute, value: str) -> str:
    """The label stored for a value of this attribute's type (400 when the type refuses it)."""
    text = value.strip()
    if attribute.type == "NUMBER":
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise bad_input(f"{value!r} is not a number (attribute {attribute.slug} is NUMBER).", "value") from None
        if not number.is_finite():
            raise bad_input(f"{value!r} is not a number.", "value")
    elif attribute.type == "BOOLEAN":
        if text.lower() not in _BOOLEAN_WORDS:
            raise bad_input(f"{value!r} is not true or false (attribute {attribute.slug} is BOOLEAN).", "value")
        text = _BOOLEAN_WORDS[text.lower()]
    return text


def create_value(session: Session, clock: MonotonicClock, caller: Caller, attribute: db.Attribute,
                 value: str, slug: str | None) -> tuple[db.AttributeValue, bool]:
    """(value, created). TEXT and NUMBER values are reused by slug; SELECT and BOOLEAN refuse a taken slug."""
    label = normalise_value(attribute, value)
    slug = slug or slugify(label)
    existing = session.scalar(select(db.AttributeValue).where(
        db.AttributeValue.attribute_id == attribute.id, db.AttributeValue.slug == slug
    ))
    if existing is not None:
        if attribute.type in ("TEXT", "NUMBER"):
            return existing, False
        raise ApiError(409, f"The attribute {attribute.slug!r} already has a value with slug {slug!r}.",
                       [{"field": "slug", "message": "taken"}])
    row = db.AttributeValue(id=str(uuid.uuid4()), tenant_id=caller.tenant_id, attribute_id=attribute.id,
                            value=label, slug=slug, created_at=clock.now())
    session.add(row)
    session.flush()
    return row, True


def refresh_option_values(session: Session, variant: db.Variant) -> None:
    pairs = session.execute(
        select(db.Attribute.slug, db.AttributeValue.value)
        .join(db.AttributeValue, db.AttributeValue.attribute_id == db.Attribute.id)
        .join(db.VariantAttributeValue, db.VariantAttributeValue.attribute_value_id == db.AttributeValue.id)
        .where(db.VariantAttributeValue.variant_id == variant.id)
        .order_by(db.Attribute.slug)
    ).all()
    variant.option_values = json.dumps(dict(pairs)) if pairs else None


def values_of(session: Session, owner: db.Variant | db.Product) -> list[db.AttributeValue]:
    link = db.VariantAttributeValue if isinstance(owner, db.Variant) else db.ProductAttributeValue
    owner_column = link.variant_id if isinstance(owner, db.Variant) else link.product_id  # type: ignore[union-attr]
    return list(session.scalars(
        select(db.AttributeValue).join(link, link.attribute_value_id == db.AttributeValue.id)
        .where(owner_column == owner.id).order_by(db.AttributeValue.created_at, db.AttributeValue.id)
    ))


def resolve_value(session: Session, clock: MonotonicClock, caller: Caller, attribute_value_id: str | None,
                  attribute_id: str | None, value: str | None) -> db.AttributeValue:
    if attribute_value_id:
        row = session.get(db.AttributeValue, attribute_value_id)
        if row is None or row.tenant_id != caller.tenant_id:
            raise bad_input(f"attribute_value_id {attribute_value_id!r} names no value of yours.",
                            "attribute_value_id")
        return row
    if attribute_id and value is not None and value.strip():
        attribute = session.get(db.Attribute, attribute_id)
        if attribute is None or attribute.tenant_id != caller.tenant_id:
            raise bad_input(f"attribute_id {attribute_id!r} names no attribute of yours.", "attribute_id")
        if attribute.type in ("SELECT", "BOOLEAN"):
            found = session.scalar(select(db.AttributeValue).where(
                db.AttributeValue.attribute_id == attribute.id,
                db.AttributeValue.slug == slugify(normalise_value(attribute, value)),
            ))
            if found is None:
                raise bad_input(f"{value!r} is not one of the values of {attribute.slug!r}.", "value")
            return found
        return create_value(session, clock, caller, attribute, value, None)[0]
    raise bad_input("Send attribute_value_id, or attribute_id and value.", "attribute_value_id")


def link(session: Session, clock: MonotonicClock, caller: Caller, owner: db.Variant | db.Product,
         value: db.AttributeValue) -> None:
    is_variant = isinstance(owner, db.Variant)
    model = db.VariantAttributeValue if is_variant else db.ProductAttributeValue
    owner_column = model.variant_id if is_variant else model.product_id  # type: ignore[union-attr]
    before = [row.value for row in values_of(session, owner)]
    existing = session.scalars(select(model).where(owner_column == owner.id,
                                                   model.attribute_id == value.attribute_id)).all()
    if any(row.attribute_value_id == value.id for row in existing):
        return
    for row in existing:
        session.delete(row)
    fields = {"variant_id" if is_variant else "product_id": owner.id}
    session.add(model(attribute_value_id=value.id, attribute_id=value.attribute_id, tenant_id=caller.tenant_id,
                      created_at=clock.now(), **fields))
    _after_change(session, clock, caller, owner, before)


def unlink(session: Session, clock: MonotonicClock, caller: Caller, owner: db.Variant | db.Product,
           value_id: str) -> None:
    is_variant = isinstance(owner, db.Variant)
    model = db.VariantAttributeValue if is_variant else db.ProductAttributeValue
    owner_column = model.variant_id if is_variant else model.product_id  # type: ignore[union-attr]
    before = [row.value for row in values_of(session, owner)]
    gone = session.execute(delete(model).where(owner_column == owner.id, model.attribute_value_id == value_id))
    if not gone.rowcount:
        raise ApiError(404, "That attribute value is not linked here.")
    _after_change(session, clock, caller, owner, before)


def _after_change(session: Session, clock: MonotonicClock, caller: Caller, owner: db.Variant | db.Product,
                  before: list[str]) -> None:
    session.flush()
    after = [row.value for row in values_of(session, owner)]
    owner.updated_at = clock.now()
    if isinstance(owner, db.Variant):
        old_options = json.loads(owner.option_values) if owner.option_values else None
        refresh_option_values(session, owner)
        new_options = json.loads(owner.option_values) if owner.option_values else None
        product = session.get(db.Product, owner.product_id)
        audit.record(session, clock, caller, "VARIANT_UPDATED", "VARIANT", owner.id, {
            "product_id": owner.product_id, "changes": {"option_values": {"old": old_options, "new": new_options}},
        })
    else:
        product = owner
        audit.record(session, clock, caller, "PRODUCT_UPDATED", "PRODUCT", owner.id,
                     {"changes": {"attribute_values": {"old": before, "new": after}}})
    if product is not None:
        validation.revalidate_product(session, clock, product)


def refresh_variants_of_attribute(session: Session, clock: MonotonicClock, attribute_id: str) -> None:
    """After an attribute's slug changed: every variant using it shows the new pairs."""
    variant_ids = list(set(session.scalars(select(db.VariantAttributeValue.variant_id)
                                           .where(db.VariantAttributeValue.attribute_id == attribute_id))))
    refresh_many(session, clock, variant_ids)


def refresh_many(session: Session, clock: MonotonicClock, variant_ids: list[str]) -> None:
    """`option_values` of many variants in a few set-based statements (an attribute renamed or deleted in a
    large catalog touches tens of thousands of variants; one query each would hold the lock for seconds)."""
    session.flush()
    table = db.Variant.__table__
    for start in range(0, len(variant_ids), 500):
        chunk = variant_ids[start:start + 500]
        pairs: dict[str, dict[str, str]] = {variant_id: {} for variant_id in chunk}
        for variant_id, slug, value in session.execute(
            select(db.VariantAttributeValue.variant_id, db.Attribute.slug, db.AttributeValue.value)
            .join(db.AttributeValue, db.AttributeValue.id == db.VariantAttributeValue.attribute_value_id)
            .join(db.Attribute, db.Attribute.id == db.AttributeValue.attribute_id)
            .where(db.VariantAttributeValue.variant_id.in_(chunk))
        ):
            pairs[variant_id][slug] = value
        rows = [{"b_id": variant_id, "options": json.dumps(dict(sorted(found.items()))) if found else None,
                 "stamp": clock.now()} for variant_id, found in pairs.items()]
        if rows:
            session.connection().execute(
                update(table).where(table.c.id == bindparam("b_id"))
                .values(option_values=bindparam("options"), updated_at=bindparam("stamp")),
                rows,
            )
    session.expire_all()
