"""Which API call carries each kind of outbox operation, per record type (API.md's tables), and which
of them a server without the EXT parts cannot take at all.

Bodies come in as the working copy's field names with server ids; records go out as plain dicts (JSON
forms: money as text, times as ISO text), exactly what the store's pull and apply functions read.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from synq_desktop.api import Ext, NotFoundError, SynqClient
from synq_desktop.store.states import EntityType, OpKind

E = EntityType

# Fields that travel in the path, not the body, on create.
PATH_FIELDS = {E.VARIANT: "product_id", E.ATTRIBUTE_VALUE: "attribute_id"}

_TAXONOMY = (E.CATEGORY, E.BRAND, E.ATTRIBUTE, E.ATTRIBUTE_GROUP, E.TEMPLATE)


def dump(model: Any) -> dict[str, Any]:
    """A wire model as the store reads it: only the fields the server sent, JSON forms."""
    if isinstance(model, Mapping):
        return dict(model)
    return model.model_dump(mode="json", exclude_unset=True)


def unsendable_reason(entity_type: EntityType, kind: OpKind, ext: frozenset[str]) -> str | None:
    """Why this server cannot take the operation at all (it then stays pending with this reason)."""
    if entity_type == E.VARIANT and kind == OpKind.UPDATE and Ext.VARIANTS not in ext:
        return "this server has no endpoint to update a variant; the edit stays pending"
    if kind in (OpKind.LINK, OpKind.UNLINK) and Ext.ATTRIBUTE_VALUES not in ext:
        return "this server has no endpoint to link attribute values; the change stays pending"
    if entity_type == E.ATTRIBUTE_VALUE and Ext.ATTRIBUTE_VALUES not in ext:
        return "this server has no endpoint for attribute values; the value stays pending"
    if entity_type in _TAXONOMY and kind in (OpKind.UPDATE, OpKind.DELETE) and Ext.TAXONOMY_EDITS not in ext:
        return f"this server cannot {kind.value} a {entity_type.value.replace('_', ' ')}; the change stays pending"
    if entity_type == E.MEDIA and kind in (OpKind.UPDATE, OpKind.DELETE) and Ext.MEDIA_EDITS not in ext:
        return f"this server cannot {kind.value} media; the change stays pending"
    if entity_type == E.BULK_JOB and kind != OpKind.CREATE:
        return "a job cannot be changed once queued"
    return None


async def create(client: SynqClient, entity_type: EntityType, body: dict[str, Any],
                 key: str) -> tuple[dict[str, Any] | None, str | None]:
    """Send a create; returns (the server's record, its ETag). A docs-only export answers no job: None."""
    body = {k: v for k, v in body.items() if k != PATH_FIELDS.get(entity_type)}
    full = body
    if entity_type == E.PRODUCT:
        tagged = await client.create_product(body, idempotency_key=key)
    elif entity_type == E.VARIANT:
        raise AssertionError("variants are created with create_variant")  # pragma: no cover
    elif entity_type == E.CATEGORY:
        tagged = await client.create_category(body, idempotency_key=key)
    elif entity_type == E.BRAND:
        tagged = await client.create_brand(body, idempotency_key=key)
    elif entity_type == E.ATTRIBUTE:
        tagged = await client.create_attribute(body, idempotency_key=key)
    elif entity_type == E.ATTRIBUTE_GROUP:
        tagged = await client.create_attribute_group(body, idempotency_key=key)
    elif entity_type == E.TEMPLATE:
        tagged = await client.create_template(body, idempotency_key=key)
    elif entity_type == E.MEDIA:
        tagged = await client.create_media(body, idempotency_key=key)
    elif entity_type == E.BULK_JOB:
        job_type = str(full.get("job_type") or "")
        if job_type == "EXPORT":
            export = await client.request_export(str(full.get("format") or "csv"), idempotency_key=key)
            return (_job_record(export) if export is not None else None), None
        job = await client.create_bulk_job(job_type, _job_payload(full.get("payload")), idempotency_key=key)
        return _job_record(job), None
    else:
        raise AssertionError(f"no create for {entity_type}")  # pragma: no cover
    return dump(tagged.value), tagged.etag


async def create_child(client: SynqClient, entity_type: EntityType, parent_server_id: str, body: dict[str, Any],
                       key: str) -> tuple[dict[str, Any], str | None]:
    """Creates whose parent is in the path: a variant under its product, a value under its attribute."""
    body = {k: v for k, v in body.items() if k != PATH_FIELDS.get(entity_type)}
    if entity_type == E.VARIANT:
        tagged = await client.create_variant(parent_server_id, body, idempotency_key=key)
        record = dump(tagged.value)
        record.setdefault("product_id", parent_server_id)
        return record, tagged.etag
    value = await client.create_attribute_value(parent_server_id, body, idempotency_key=key)
    record = dump(value)
    record.setdefault("attribute_id", parent_server_id)
    return record, None


def _job_record(job: Any) -> dict[str, Any]:
    """A job as the store keeps it: what was sent stays as queued here (the server echoes it decoded)."""
    record = dump(job)
    record.pop("payload", None)
    record.pop("format", None)
    return record


def _job_payload(payload: Any) -> Any:
    import json

    if isinstance(payload, str):
        try:
            return json.loads(payload)
        except ValueError:
            return payload
    return payload


async def update(client: SynqClient, entity_type: EntityType, server_id: str, body: dict[str, Any],
                 if_match: str | None) -> tuple[dict[str, Any], str | None]:
    calls = {
        E.PRODUCT: client.update_product, E.VARIANT: client.update_variant, E.CATEGORY: client.update_category,
        E.BRAND: client.update_brand, E.ATTRIBUTE: client.update_attribute,
        E.ATTRIBUTE_GROUP: client.update_attribute_group, E.TEMPLATE: client.update_template,
        E.MEDIA: client.update_media,
    }
    body = {k: v for k, v in body.items() if k != PATH_FIELDS.get(entity_type)}
    tagged = await calls[entity_type](server_id, body, if_match=if_match)
    return dump(tagged.value), tagged.etag


async def delete(client: SynqClient, entity_type: EntityType, server_id: str, if_match: str | None) -> None:
    calls = {
        E.PRODUCT: client.delete_product, E.CATEGORY: client.delete_category, E.BRAND: client.delete_brand,
        E.ATTRIBUTE: client.delete_attribute, E.ATTRIBUTE_GROUP: client.delete_attribute_group,
        E.TEMPLATE: client.delete_template, E.MEDIA: client.delete_media,
    }
    await calls[entity_type](server_id, if_match=if_match)


async def link(client: SynqClient, owner_type: EntityType, owner_server_id: str, value_server_id: str,
               key: str) -> None:
    if owner_type == E.VARIANT:
        await client.link_variant_attribute_value(owner_server_id, value_server_id, idempotency_key=key)
    else:
        await client.link_product_attribute_value(owner_server_id, value_server_id, idempotency_key=key)


async def unlink(client: SynqClient, owner_type: EntityType, owner_server_id: str, value_server_id: str) -> None:
    if owner_type == E.VARIANT:
        await client.unlink_variant_attribute_value(owner_server_id, value_server_id)
    else:
        await client.unlink_product_attribute_value(owner_server_id, value_server_id)


async def fetch(client: SynqClient, entity_type: EntityType,
                server_id: str) -> tuple[dict[str, Any] | None, str | None]:
    """The server's current record and ETag, or (None, None) when it is gone (404 or not in its list)."""
    try:
        if entity_type == E.PRODUCT:
            tagged = await client.get_product(server_id)
            return dump(tagged.value), tagged.etag
        if entity_type == E.VARIANT:
            tagged = await client.get_variant(server_id)
            return dump(tagged.value), tagged.etag
    except NotFoundError:
        return None, None
    lists = {
        E.CATEGORY: client.list_categories, E.BRAND: client.list_brands, E.ATTRIBUTE: client.list_attributes,
        E.ATTRIBUTE_GROUP: client.list_attribute_groups, E.TEMPLATE: client.list_templates,
        E.MEDIA: client.list_media,
    }
    if entity_type not in lists:
        return None, None
    async for record in lists[entity_type]():
        if str(record.id) == server_id:
            return dump(record), None
    return None, None
