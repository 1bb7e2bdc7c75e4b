"""Keeps /validation and `data_quality_score` current, one touched record at a time.

After each change the handler re-checks only the records the change can affect (the record itself,
its product for NO_VARIANTS and required attributes, the variants sharing an old or new SKU), with the
rules of synq_desktop.domain.validation. Issues are diffed rather than replaced, so an issue that stays
open keeps its id and created_at. When a score changes, the record's `updated_at` moves too, so an
incremental pull sees the new score.
"""
from __future__ import annotations

import json
import uuid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synq_desktop.domain.validation import Finding, check_media, check_product, check_variant, quality_score
from synq_desktop.sandbox import db
from synq_desktop.sandbox.clock import MonotonicClock


def _sync_issues(session: Session, clock: MonotonicClock, record: object, entity_type: str,
                 findings: list[Finding]) -> None:
    entity_id = record.id  # type: ignore[attr-defined]
    existing = {
        (issue.issue_type, issue.field): issue
        for issue in session.scalars(select(db.ValidationIssue).where(db.ValidationIssue.entity_id == entity_id))
    }
    wanted: dict[tuple[str, str | None], Finding] = {}
    for finding in findings:
        wanted.setdefault((str(finding.issue_type), finding.field), finding)
    for key, issue in existing.items():
        if key not in wanted:
            session.delete(issue)
        elif issue.message != wanted[key].message:
            issue.message = wanted[key].message
    if any(key not in existing for key in wanted):
        now = clock.now()
        for key, finding in wanted.items():
            if key not in existing:
                session.add(db.ValidationIssue(
                    id=str(uuid.uuid4()), tenant_id=record.tenant_id,  # type: ignore[attr-defined]
                    org_id=record.org_id, entity_type=entity_type,  # type: ignore[attr-defined]
                    entity_id=entity_id, issue_type=key[0], severity=str(finding.severity), field=finding.field,
                    message=finding.message, created_at=now,
                ))
    if hasattr(record, "data_quality_score"):
        score = quality_score(wanted.values())
        previous = record.data_quality_score
        if previous != score:
            record.data_quality_score = score
            if previous is not None:  # a new record's first score is part of its creation
                record.updated_at = clock.now()  # type: ignore[attr-defined]


def _linked_attribute_ids(session: Session, product_id: str) -> set[str]:
    on_product = session.scalars(
        select(db.ProductAttributeValue.attribute_id).where(db.ProductAttributeValue.product_id == product_id)
    )
    on_variants = session.scalars(
        select(db.VariantAttributeValue.attribute_id)
        .join(db.Variant, db.Variant.id == db.VariantAttributeValue.variant_id)
        .where(db.Variant.product_id == product_id)
    )
    return set(on_product) | set(on_variants)


def missing_required(session: Session, product: db.Product) -> list[str]:
    """Slugs of the template's required attributes found neither on the product nor on a variant of it."""
    if not product.template_id:
        return []
    template = session.get(db.Template, product.template_id)
    if template is None or template.tenant_id != product.tenant_id:
        return []
    required = json.loads(template.required_attribute_ids or "[]")
    if not required:
        return []
    have = _linked_attribute_ids(session, product.id)
    lacking = [attribute_id for attribute_id in required if attribute_id not in have]
    if not lacking:
        return []
    slugs = dict(session.execute(
        select(db.Attribute.id, db.Attribute.slug).where(db.Attribute.id.in_(lacking))
    ).all())
    return [slugs[attribute_id] for attribute_id in lacking if attribute_id in slugs]


def revalidate_product(session: Session, clock: MonotonicClock, product: db.Product) -> None:
    session.flush()
    variant_count = session.scalar(
        select(func.count()).select_from(db.Variant).where(db.Variant.product_id == product.id)
    )
    findings = check_product(product.title, product.description, variant_count, missing_required(session, product))
    _sync_issues(session, clock, product, "PRODUCT", findings)


def revalidate_variant(session: Session, clock: MonotonicClock, variant: db.Variant) -> None:
    session.flush()
    sku_taken = False
    if variant.sku and variant.sku.strip():
        sku_taken = bool(session.scalar(
            select(func.count()).select_from(db.Variant).where(
                db.Variant.tenant_id == variant.tenant_id, db.Variant.sku == variant.sku, db.Variant.id != variant.id
            )
        ))
    findings = check_variant(variant.sku, variant.barcode, variant.price, variant.currency, variant.cost_price,
                             sku_taken=sku_taken)
    _sync_issues(session, clock, variant, "VARIANT", findings)


def revalidate_sku(session: Session, clock: MonotonicClock, tenant_id: str, sku: str | None,
                   skip_id: str | None = None) -> None:
    """Re-check the variants sharing `sku` (a duplicate appears or goes away with another's change)."""
    if not sku or not sku.strip():
        return
    session.flush()
    for other in session.scalars(
        select(db.Variant).where(db.Variant.tenant_id == tenant_id, db.Variant.sku == sku)
    ):
        if other.id != skip_id:
            revalidate_variant(session, clock, other)


def revalidate_media(session: Session, clock: MonotonicClock, media: db.Media) -> None:
    _sync_issues(session, clock, media, "MEDIA", check_media(media.alt_text))


def drop_issues(session: Session, entity_ids: list[str]) -> None:
    if entity_ids:
        session.execute(db.ValidationIssue.__table__.delete().where(db.ValidationIssue.entity_id.in_(entity_ids)))


def validate_tenant(session: Session, clock: MonotonicClock, tenant_id: str) -> int:
    """Re-check every record of a tenant in a few set-based passes (demo seeding, large imports).

    Replaces the tenant's issues and scores wholesale; per-record `revalidate_*` keeps them current
    afterwards. Returns the number of open issues.
    """
    session.flush()
    products = session.execute(select(
        db.Product.id, db.Product.org_id, db.Product.title, db.Product.description, db.Product.template_id,
    ).where(db.Product.tenant_id == tenant_id)).all()
    variants = session.execute(select(
        db.Variant.id, db.Variant.org_id, db.Variant.product_id, db.Variant.sku, db.Variant.barcode,
        db.Variant.price, db.Variant.currency, db.Variant.cost_price,
    ).where(db.Variant.tenant_id == tenant_id)).all()
    media_rows = session.execute(select(db.Media.id, db.Media.org_id, db.Media.alt_text)
                                 .where(db.Media.tenant_id == tenant_id)).all()
    variant_count: dict[str, int] = {}
    sku_count: dict[str, int] = {}
    product_of_variant: dict[str, str] = {}
    for row in variants:
        variant_count[row.product_id] = variant_count.get(row.product_id, 0) + 1
        product_of_variant[row.id] = row.product_id
        if row.sku and row.sku.strip():
            sku_count[row.sku] = sku_count.get(row.sku, 0) + 1
    linked: dict[str, set[str]] = {}
    for product_id, attribute_id in session.execute(
        select(db.ProductAttributeValue.product_id, db.ProductAttributeValue.attribute_id)
        .where(db.ProductAttributeValue.tenant_id == tenant_id)
    ):
        linked.setdefault(product_id, set()).add(attribute_id)
    for variant_id, attribute_id in session.execute(
        select(db.VariantAttributeValue.variant_id, db.VariantAttributeValue.attribute_id)
        .where(db.VariantAttributeValue.tenant_id == tenant_id)
    ):
        product_id = product_of_variant.get(variant_id)
        if product_id:
            linked.setdefault(product_id, set()).add(attribute_id)
    required = {
        template_id: json.loads(ids or "[]")
        for template_id, ids in session.execute(
            select(db.Template.id, db.Template.required_attribute_ids).where(db.Template.tenant_id == tenant_id)
        )
    }
    slugs = dict(session.execute(select(db.Attribute.id, db.Attribute.slug)
                                 .where(db.Attribute.tenant_id == tenant_id)).all())

    now = clock.now()
    issues: list[dict[str, object]] = []
    product_scores: list[dict[str, object]] = []
    variant_scores: list[dict[str, object]] = []

    def add(entity_type: str, entity_id: str, org_id: str, findings: list[Finding]) -> int:
        for finding in findings:
            issues.append({
                "id": str(uuid.uuid4()), "tenant_id": tenant_id, "org_id": org_id, "entity_type": entity_type,
                "entity_id": entity_id, "issue_type": str(finding.issue_type), "severity": str(finding.severity),
                "field": finding.field, "message": finding.message, "created_at": now,
            })
        return quality_score(findings)

    for row in products:
        have = linked.get(row.id, set())
        lacking = [slugs[a] for a in required.get(row.template_id or "", []) if a not in have and a in slugs]
        findings = check_product(row.title, row.description, variant_count.get(row.id, 0), lacking)
        product_scores.append({"b_id": row.id, "score": add("PRODUCT", row.id, row.org_id, findings)})
    for row in variants:
        findings = check_variant(row.sku, row.barcode, row.price, row.currency, row.cost_price,
                                 sku_taken=sku_count.get(row.sku or "", 0) > 1)
        variant_scores.append({"b_id": row.id, "score": add("VARIANT", row.id, row.org_id, findings)})
    for row in media_rows:
        add("MEDIA", row.id, row.org_id, check_media(row.alt_text))

    from sqlalchemy import bindparam, update

    session.execute(db.ValidationIssue.__table__.delete().where(db.ValidationIssue.tenant_id == tenant_id))
    if issues:
        session.execute(db.ValidationIssue.__table__.insert(), issues)
    for model, scores in ((db.Product, product_scores), (db.Variant, variant_scores)):
        if scores:
            table = model.__table__
            session.connection().execute(
                update(table).where(table.c.id == bindparam("b_id")).values(data_quality_score=bindparam("score")),
                scores,
            )
    return len(issues)
