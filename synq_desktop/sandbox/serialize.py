"""Database rows to the JSON objects of API.md (plain dicts: building pydantic models per row is slow)."""
from __future__ import annotations

import json
from typing import Any

from synq_desktop.sandbox import db


def absolute_url(base_url: str, url: str | None) -> str | None:
    """Stored paths beginning with "/" are the sandbox's own files: make them absolute for this request,
    so a restart on another port still serves them."""
    if url and url.startswith("/"):
        return base_url.rstrip("/") + url
    return url


def product(row: db.Product) -> dict[str, Any]:
    return {
        "id": row.id, "org_id": row.org_id, "tenant_id": row.tenant_id, "title": row.title,
        "description": row.description, "category": row.category, "category_id": row.category_id,
        "brand_id": row.brand_id, "template_id": row.template_id, "status": row.status,
        "data_quality_score": row.data_quality_score, "created_at": row.created_at, "updated_at": row.updated_at,
    }


def product_summary(row: Any) -> dict[str, Any]:
    return {"id": row.id, "title": row.title, "category": row.category, "status": row.status,
            "updated_at": row.updated_at}


def variant(row: db.Variant) -> dict[str, Any]:
    return {
        "id": row.id, "org_id": row.org_id, "tenant_id": row.tenant_id, "product_id": row.product_id,
        "sku": row.sku, "barcode": row.barcode, "price": row.price, "currency": row.currency,
        "option_values": json.loads(row.option_values) if row.option_values else None,
        "cost_price": row.cost_price, "data_quality_score": row.data_quality_score,
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


def category(row: db.Category) -> dict[str, Any]:
    return {
        "id": row.id, "org_id": row.org_id, "tenant_id": row.tenant_id, "parent_id": row.parent_id,
        "name": row.name, "slug": row.slug, "description": row.description,
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


def brand(row: db.Brand, base_url: str) -> dict[str, Any]:
    return {
        "id": row.id, "org_id": row.org_id, "tenant_id": row.tenant_id, "name": row.name,
        "description": row.description, "logo_url": absolute_url(base_url, row.logo_url),
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


def attribute(row: db.Attribute) -> dict[str, Any]:
    return {
        "id": row.id, "org_id": row.org_id, "tenant_id": row.tenant_id, "name": row.name, "slug": row.slug,
        "type": row.type, "created_at": row.created_at, "updated_at": row.updated_at,
    }


def attribute_value(row: db.AttributeValue) -> dict[str, Any]:
    return {"id": row.id, "attribute_id": row.attribute_id, "value": row.value, "slug": row.slug,
            "created_at": row.created_at}


def group(row: db.AttributeGroup) -> dict[str, Any]:
    return {
        "id": row.id, "org_id": row.org_id, "tenant_id": row.tenant_id, "name": row.name,
        "description": row.description, "attribute_ids": json.loads(row.attribute_ids or "[]"),
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


def template(row: db.Template) -> dict[str, Any]:
    return {
        "id": row.id, "org_id": row.org_id, "tenant_id": row.tenant_id, "name": row.name,
        "description": row.description,
        "attribute_group_ids": json.loads(row.attribute_group_ids or "[]"),
        "required_attribute_ids": json.loads(row.required_attribute_ids or "[]"),
        "created_at": row.created_at, "updated_at": row.updated_at,
    }


def media(row: db.Media, base_url: str) -> dict[str, Any]:
    return {
        "id": row.id, "org_id": row.org_id, "tenant_id": row.tenant_id, "product_id": row.product_id,
        "variant_id": row.variant_id, "url": absolute_url(base_url, row.url), "alt_text": row.alt_text,
        "sort_order": row.sort_order, "created_at": row.created_at, "updated_at": row.updated_at,
    }


def issue(row: db.ValidationIssue, ext: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"id": row.id, "severity": row.severity, "issue_type": row.issue_type,
                           "message": row.message, "created_at": row.created_at}
    if ext:
        out.update(entity_type=row.entity_type, entity_id=row.entity_id, field=row.field)
    return out


def audit_event(row: db.AuditEvent) -> dict[str, Any]:
    return {
        "id": row.id, "actor_email": row.actor_email, "action": row.action, "entity_type": row.entity_type,
        "entity_id": row.entity_id or "", "details": json.loads(row.details or "{}"),
        "ip_address": row.ip_address, "created_at": row.created_at,
    }


def job(row: db.BulkJob, base_url: str, ext: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": row.id, "job_type": row.job_type, "status": row.status, "payload": row.payload,
        "total_items": row.total_items, "processed_items": row.processed_items, "created_at": row.created_at,
    }
    if ext:
        out.update(
            updated_at=row.updated_at, failed_items=row.failed_items, errors=json.loads(row.errors or "[]"),
            result_url=absolute_url(base_url, row.result_url),
        )
    return out
