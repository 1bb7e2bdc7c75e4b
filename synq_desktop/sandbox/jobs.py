"""Bulk jobs and exports: reading a payload, fixing a job's item list, and doing one item.

The worker (worker.py) calls these inside its transactions; one item's effects and the job's progress
commit together, so a job interrupted by a restart resumes at `processed_items` without doing an item
twice. Payload shapes (API.md):
- BULK_IMPORT: a list of product objects (`title` required, may be empty; EXT: `variants: [...]`).
- BULK_UPDATE: a list of `{id, ...fields}` (EXT: `"entity": "variant"` for a variant, and
  `expected_updated_at` to skip a record changed since), or one object of fields for every product,
  restricted by `"ids": [...]` when given.
- BULK_DELETE: a list of product ids (or `{"ids": [...]}`).
A payload may arrive as JSON, as a JSON string, or as base64 of a JSON string.
"""
from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from synq_desktop.sandbox import catalog, db, serialize
from synq_desktop.sandbox.clock import MonotonicClock, format_time, parse_time
from synq_desktop.sandbox.errors import ApiError, bad_input
from synq_desktop.sandbox.runtime import Caller
from synq_desktop.sandbox.schemas import ProductUpdate, Status, VariantCreate, VariantUpdate

MAX_ITEMS = 100_000
JOB_TYPES = ("BULK_IMPORT", "BULK_UPDATE", "BULK_DELETE")
CSV_COLUMNS = [
    "id", "title", "description", "category", "category_id", "brand_id", "template_id", "status",
    "data_quality_score", "updated_at", "variant_id", "sku", "barcode", "price", "currency",
    "cost_price", "option_values", "variant_data_quality_score",
]


class ImportItem(BaseModel):
    """One product of a BULK_IMPORT: like a create, but an empty title is accepted (and listed)."""

    model_config = ConfigDict(extra="ignore")
    title: str
    description: str | None = None
    category: str | None = None
    status: Status | None = None
    category_id: str | None = None
    brand_id: str | None = None
    template_id: str | None = None
    variants: list[dict[str, Any]] | None = None


def decode_payload(payload: Any) -> Any:
    """The payload as JSON data (it may be sent as data, a JSON string, or base64 of one)."""
    if not isinstance(payload, str):
        return payload
    try:
        return json.loads(payload)
    except ValueError:
        pass
    try:
        return json.loads(base64.b64decode(payload, validate=True))
    except (ValueError, binascii.Error):
        raise bad_input("payload is neither JSON nor base64 of JSON.", "payload") from None


def check_payload(job_type: str, payload: Any) -> None:
    """400 for a payload shape the job type cannot take."""
    data = decode_payload(payload)
    if job_type == "BULK_IMPORT":
        items = data.get("products", data.get("items")) if isinstance(data, dict) else data
        if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
            raise bad_input("BULK_IMPORT takes a list of product objects.", "payload")
    elif job_type == "BULK_UPDATE":
        if isinstance(data, dict):
            items = data.get("ids")
            if items is not None and (not isinstance(items, list) or not all(isinstance(i, str) for i in items)):
                raise bad_input("ids must be a list of product ids.", "payload.ids")
        elif not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
            raise bad_input("BULK_UPDATE takes a list of objects with id, or one object of fields.", "payload")
        else:
            items = data
    else:
        items = data.get("ids") if isinstance(data, dict) else data
        if not isinstance(items, list):
            raise bad_input("BULK_DELETE takes a list of product ids.", "payload")
    if isinstance(items, list) and len(items) > MAX_ITEMS:
        raise bad_input(f"A job takes at most {MAX_ITEMS} items.", "payload")


def fix_items(session: Session, job: db.BulkJob) -> list[Any]:
    """The job's items, decided once when processing starts (kept in the job, so a resume sees the same)."""
    if job.job_type == "EXPORT":
        return list(session.scalars(select(db.Product.id).where(db.Product.tenant_id == job.tenant_id)
                                    .order_by(db.Product.created_at, db.Product.id)))
    data = decode_payload(job.payload)
    if job.job_type == "BULK_IMPORT":
        return list(data.get("products", data.get("items")) if isinstance(data, dict) else data)
    if job.job_type == "BULK_DELETE":
        return list(data.get("ids") if isinstance(data, dict) else data)
    if isinstance(data, list):
        return data
    fields = {name: value for name, value in data.items() if name != "ids"}
    ids = data.get("ids")
    if ids is None:
        ids = list(session.scalars(select(db.Product.id).where(db.Product.tenant_id == job.tenant_id)
                                   .order_by(db.Product.created_at, db.Product.id)))
    return [{**fields, "id": product_id} for product_id in ids]


def _message(exc: Exception) -> str:
    if isinstance(exc, ApiError):
        return exc.message
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors()[:5]:
            where = ".".join(str(part) for part in error.get("loc", ())) or "item"
            parts.append(f"{where}: {error.get('msg', 'invalid')}")
        return "; ".join(parts)
    return str(exc)


def _unchanged_since(record: Any, expected: Any) -> None:
    if expected is None:
        return
    try:
        wanted = format_time(parse_time(str(expected)))
    except ValueError:
        raise ApiError(400, f"expected_updated_at {expected!r} is not a time.") from None
    if record.updated_at != wanted:
        raise ApiError(412, f"The record changed since {expected} (now {record.updated_at}); not updated.")


def do_item(session: Session, clock: MonotonicClock, caller: Caller, job: db.BulkJob, item: Any) -> None:
    """Carry out one item; raises (ApiError, ValidationError, ValueError) with the per-item error."""
    if job.job_type == "BULK_IMPORT":
        if not isinstance(item, dict):
            raise ValueError("an import item must be a product object")
        parsed = ImportItem.model_validate(item)
        fields = {name: getattr(parsed, name) for name in parsed.model_fields_set if name != "variants"}
        product = catalog.create_product(session, clock, caller, fields, allow_blank_title=True)
        for position, raw in enumerate(parsed.variants or []):
            try:
                variant = VariantCreate.model_validate(raw)
            except ValidationError as exc:
                raise ValueError(f"variants[{position}]: {_message(exc)}") from None
            catalog.create_variant(session, clock, caller, product, variant.sent())
    elif job.job_type == "BULK_DELETE":
        if not isinstance(item, str):
            raise ValueError("a delete item must be a product id")
        product = session.get(db.Product, item)
        if product is None or product.tenant_id != caller.tenant_id:
            raise ApiError(404, f"product {item} not found")
        catalog.delete_product(session, clock, caller, product)
    elif job.job_type == "BULK_UPDATE":
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            raise ValueError("an update item needs an id")
        fields = {name: value for name, value in item.items() if name not in ("id", "entity", "expected_updated_at")}
        if item.get("entity") == "variant":
            variant = session.get(db.Variant, item["id"])
            if variant is None or variant.tenant_id != caller.tenant_id:
                raise ApiError(404, f"variant {item['id']} not found")
            _unchanged_since(variant, item.get("expected_updated_at"))
            catalog.update_variant(session, clock, caller, variant, VariantUpdate.model_validate(fields).sent())
        else:
            product = session.get(db.Product, item["id"])
            if product is None or product.tenant_id != caller.tenant_id:
                raise ApiError(404, f"product {item['id']} not found")
            _unchanged_since(product, item.get("expected_updated_at"))
            catalog.update_product(session, clock, caller, product, ProductUpdate.model_validate(fields).sent())
    else:
        raise ValueError(f"unknown job type {job.job_type}")


def item_error(exc: Exception) -> str:
    return _message(exc)


def export_chunk(session: Session, job: db.BulkJob, product_ids: list[str], write_header: bool) -> str:
    """The text an export appends for these products (deleted ones are skipped).

    CSV: one row per variant (a product without variants gets one row), product columns first.
    JSON Lines: one product per line with its `variants`."""
    products = {row.id: row for row in session.scalars(select(db.Product).where(db.Product.id.in_(product_ids)))}
    variants: dict[str, list[db.Variant]] = {}
    for variant in session.scalars(select(db.Variant).where(db.Variant.product_id.in_(product_ids))
                                   .order_by(db.Variant.created_at, db.Variant.id)):
        variants.setdefault(variant.product_id, []).append(variant)
    out = io.StringIO()
    if job.export_format == "jsonl":
        for product_id in product_ids:
            product = products.get(product_id)
            if product is None:
                continue
            record = serialize.product(product)
            record["variants"] = [serialize.variant(variant) for variant in variants.get(product_id, [])]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        return out.getvalue()
    writer = csv.writer(out, lineterminator="\n")
    if write_header:
        writer.writerow(CSV_COLUMNS)
    for product_id in product_ids:
        product = products.get(product_id)
        if product is None:
            continue
        head = [product.id, product.title, product.description or "", product.category or "",
                product.category_id or "", product.brand_id or "", product.template_id or "", product.status,
                "" if product.data_quality_score is None else product.data_quality_score, product.updated_at]
        rows = variants.get(product_id) or [None]
        for variant in rows:
            if variant is None:
                writer.writerow([*head, "", "", "", "", "", "", "", ""])
            else:
                writer.writerow([*head, variant.id, variant.sku or "", variant.barcode or "", variant.price or "",
                                 variant.currency or "", variant.cost_price or "", variant.option_values or "",
                                 "" if variant.data_quality_score is None else variant.data_quality_score])
    return out.getvalue()
