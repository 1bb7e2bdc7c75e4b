"""Puts a demo catalog (synq_desktop.sandbox.demo) into one tenant, then validates it in bulk.

Demo ids are deterministic (same seed, same ids). When they are already taken — the same demo seeded
into a second tenant of one server — every id is mapped to a UUID derived from the tenant and the
original id, so each tenant gets the same catalog under its own ids.
"""
from __future__ import annotations

import json
import uuid
from typing import Any

from synq_desktop.sandbox import db
from synq_desktop.sandbox.demo import generate_catalog
from synq_desktop.sandbox.runtime import Caller, SandboxRuntime
from synq_desktop.sandbox.validation import validate_tenant

_ID_FIELDS = ("id", "parent_id", "category_id", "brand_id", "template_id", "product_id", "variant_id",
              "attribute_id", "attribute_value_id")
_LIST_ID_FIELDS = ("attribute_ids", "attribute_group_ids", "required_attribute_ids")


def _remapper(tenant_id: str) -> Any:
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"synq-sandbox-tenant:{tenant_id}")
    cache: dict[str, str] = {}

    def remap(old: str | None) -> str | None:
        if old is None:
            return None
        new = cache.get(old)
        if new is None:
            new = cache[old] = str(uuid.uuid5(namespace, old))
        return new

    return remap


def _rows(records: list[dict[str, Any]], caller: Caller, remap: Any, org: bool = True,
          json_fields: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    out = []
    for record in records:
        row = dict(record)
        if remap is not None:
            for name in _ID_FIELDS:
                if name in row:
                    row[name] = remap(row[name])
            for name in _LIST_ID_FIELDS:
                if name in row and row[name] is not None:
                    row[name] = [remap(value) for value in row[name]]
        for name in json_fields:
            if name in row:
                row[name] = None if row[name] is None else json.dumps(row[name])
        row["tenant_id"] = caller.tenant_id
        if org:
            row["org_id"] = caller.org_id
        out.append(row)
    return out


def seed_demo(runtime: SandboxRuntime, caller: Caller, products: int, seed: int) -> dict[str, Any]:
    """Seed `products` demo products (and their taxonomy, variants, media) into the caller's tenant."""
    catalog = generate_catalog(products, seed)
    counts: dict[str, Any] = catalog.counts()
    with runtime.store.session() as session:
        probe = (catalog.categories or catalog.products or [{}])[0].get("id")
        taken = probe is not None and (
            session.get(db.Category, probe) is not None or session.get(db.Product, probe) is not None
        )
        remap = _remapper(caller.tenant_id) if taken else None
        plan: list[tuple[type, list[dict[str, Any]], bool, tuple[str, ...]]] = [
            (db.Category, catalog.categories, True, ()),
            (db.Brand, catalog.brands, True, ()),
            (db.Attribute, catalog.attributes, True, ()),
            (db.AttributeValue, catalog.attribute_values, False, ()),
            (db.AttributeGroup, catalog.attribute_groups, True, ("attribute_ids",)),
            (db.Template, catalog.templates, True, ("attribute_group_ids", "required_attribute_ids")),
            (db.Product, catalog.products, True, ()),
            (db.Variant, catalog.variants, True, ("option_values",)),
            (db.VariantAttributeValue, catalog.variant_attribute_values, False, ()),
            (db.ProductAttributeValue, catalog.product_attribute_values, False, ()),
            (db.Media, catalog.media, True, ()),
        ]
        for model, records, org, json_fields in plan:
            rows = _rows(records, caller, remap, org, json_fields)
            if model in (db.VariantAttributeValue, db.ProductAttributeValue):
                for row in rows:
                    row.setdefault("created_at", runtime.clock.now())
            if rows:
                columns = set(model.__table__.columns.keys())
                session.execute(model.__table__.insert(),
                                [{k: v for k, v in row.items() if k in columns} for row in rows])
        counts["open_issues"] = validate_tenant(session, runtime.clock, caller.tenant_id)
    counts["tenant_id"] = caller.tenant_id
    counts["org_id"] = caller.org_id
    return counts
