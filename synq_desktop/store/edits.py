"""The edit API the UI and the command line share.

Each function takes a Connection inside a write transaction (run it through
`WorkingCopy.write(fn)`), so an edit's row, its outbox operation and its history entry are committed
together or not at all; several edits in one write function (a paste of 1,000 cells via `apply`) are
one transaction and, with one batch id, one undo step.

What the API allows (API.md): products, categories, brands, attributes, groups, templates and media
may be created, updated and deleted; variants created and updated, never deleted once sent (an unsent
one may be discarded); attribute values and bulk jobs only created. A VIEWER's copy refuses every edit.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy import Connection, insert, literal, select

from synq_desktop.domain.sku import ProposedVariant
from synq_desktop.store import findings, history, outbox, schema, sync_meta
from synq_desktop.store.entities import SPECS, EntitySpec, normalize, row_base, same_value, spec_for
from synq_desktop.store.errors import EditError, ReadOnlyError, RecordNotFoundError
from synq_desktop.store.history import new_batch_id
from synq_desktop.store.states import UNSENT, EntityType, OpKind
from synq_desktop.store.timestamps import now_iso

__all__ = [
    "Edit",
    "apply",
    "create",
    "create_variant_matrix",
    "delete",
    "link_value",
    "new_batch_id",
    "queue_bulk_job",
    "queue_export",
    "reorder_media",
    "revert_batch",
    "unlink_value",
    "update",
]

OWNER_TYPES = (EntityType.PRODUCT, EntityType.VARIANT)


# Inside `apply`, per-record follow-ups (sync state, findings) are collected and done once per batch:
# a paste of 1,000 cells then costs one refresh query per chunk instead of four per cell.
_batch: ContextVar[dict[EntityType, set[str]] | None] = ContextVar("synq_edit_batch", default=None)


def _writable(connection: Connection) -> None:
    if _batch.get() is not None:
        return  # checked once when the batch began
    if sync_meta.is_read_only(connection):
        raise ReadOnlyError()


def _live_row(connection: Connection, spec: EntitySpec, local_id: str) -> Mapping[str, Any]:
    row = connection.execute(select(spec.table).where(
        spec.table.c.local_id == local_id, spec.table.c.deleted == 0)).mappings().first()
    if row is None:
        raise RecordNotFoundError(f"No {spec.type.value.replace('_', ' ')} {local_id} in the working copy.")
    return row


def _check_refs(connection: Connection, spec: EntitySpec, values: Mapping[str, Any], local_id: str) -> None:
    """Parents a record cannot exist without must exist here; a category may not become its own ancestor."""
    for name in ("product_id", "attribute_id"):
        if name in spec.refs and name in values:
            target = SPECS[spec.refs[name]]
            if values[name] is None:
                raise EditError(f"A {spec.type.value.replace('_', ' ')} needs its {name}.")
            _live_row(connection, target, str(values[name]))
    if "variant_id" in spec.refs and values.get("variant_id"):
        _live_row(connection, SPECS[EntityType.VARIANT], str(values["variant_id"]))
    if spec.type == EntityType.CATEGORY and values.get("parent_id"):
        parent = str(values["parent_id"])
        c = schema.categories
        seen: set[str] = set()
        current: str | None = parent
        while current is not None and current not in seen:
            if current == local_id:
                raise EditError("A category cannot be moved under itself or one of its descendants.")
            seen.add(current)
            current = connection.execute(select(c.c.parent_id).where(c.c.local_id == current)).scalar_one_or_none()


def _history_entry(batch_id: str, spec: EntitySpec, local_id: str, action: str, field_name: str | None,
                   old: Any, new: Any, op_id: str | None, at: str) -> dict[str, Any]:
    return {"batch_id": batch_id, "entity_type": spec.type.value, "entity_id": local_id, "action": action,
            "field": field_name, "old": old, "new": new, "at": at, "op_id": op_id}


def _after_change(connection: Connection, spec: EntitySpec, local_id: str, row: Mapping[str, Any] | None = None) -> None:
    touched: dict[EntityType, set[str]] = {spec.type: {local_id}}
    if spec.type == EntityType.VARIANT:
        product_id = (row or {}).get("product_id") or connection.execute(select(schema.variants.c.product_id).where(
            schema.variants.c.local_id == local_id)).scalar_one_or_none()
        if product_id:
            touched[EntityType.PRODUCT] = {product_id}
        sku = (row or {}).get("sku")
        if sku:  # duplicates of the old SKU may have become unique
            others = connection.execute(select(schema.variants.c.local_id).where(
                schema.variants.c.sku == sku, schema.variants.c.deleted == 0)).scalars().all()
            touched[EntityType.VARIANT] |= set(others)
    pending = _batch.get()
    if pending is not None:
        for entity_type, ids in touched.items():
            pending.setdefault(entity_type, set()).update(ids)
        return
    _refresh(connection, touched)


def _refresh(connection: Connection, touched: Mapping[EntityType, set[str]]) -> None:
    for entity_type, ids in touched.items():
        outbox.refresh_sync_state(connection, entity_type, ids)
        findings.refresh(connection, entity_type, ids)


def create(connection: Connection, entity_type: EntityType | str, fields: Mapping[str, Any], *,
           batch_id: str | None = None, local_id: str | None = None) -> str:
    """Create a record locally and queue its create. Returns the new local id."""
    _writable(connection)
    spec = spec_for(entity_type)
    unknown = set(fields) - set(spec.create_fields)
    if unknown:
        raise EditError(f"A {spec.type.value.replace('_', ' ')} has no settable field {', '.join(sorted(unknown))}.")
    values = {name: normalize(spec, name, value) for name, value in fields.items()}
    missing = [name for name in spec.required if name in ("product_id", "attribute_id", "job_type", "url")
               and not values.get(name)]
    if missing:
        raise EditError(f"A {spec.type.value.replace('_', ' ')} needs {', '.join(missing)}.")
    local_id = local_id or str(uuid.uuid4())
    _check_refs(connection, spec, values, local_id)
    now = now_iso()
    connection.execute(insert(spec.table).values(
        local_id=local_id, created_at=now, updated_at=now, local_updated_at=now, **values))
    payload = {name: value for name, value in values.items()}
    batch_id = batch_id or new_batch_id()
    queued = outbox.queue(connection, spec.type, local_id, OpKind.CREATE, payload, None, batch_id)
    history.write(connection, [_history_entry(batch_id, spec, local_id, "create", None, None, payload,
                                              queued.op_id, now)])
    _after_change(connection, spec, local_id, values)
    return local_id


def update(connection: Connection, entity_type: EntityType | str, local_id: str, changes: Mapping[str, Any], *,
           batch_id: str | None = None) -> bool:
    """Change fields of a record and queue the change (coalesced into an unsent one when there is one).
    Returns False when nothing actually changed."""
    _writable(connection)
    spec = spec_for(entity_type)
    row = _live_row(connection, spec, local_id)
    if not spec.can_update and row["server_id"] is not None:
        raise EditError(f"The server does not allow changing a {spec.type.value.replace('_', ' ')}.")
    allowed = spec.fields if row["server_id"] is not None or not spec.can_update else spec.create_fields
    unknown = set(changes) - set(allowed)
    if unknown:
        raise EditError(
            f"{', '.join(sorted(unknown))} of a {spec.type.value.replace('_', ' ')} cannot be changed here.")
    values = {name: normalize(spec, name, value) for name, value in changes.items()}
    values = {name: value for name, value in values.items() if not same_value(spec, name, row[name], value)}
    if not values:
        return False
    _check_refs(connection, spec, values, local_id)
    now = now_iso()
    connection.execute(sa.update(spec.table).where(spec.table.c.local_id == local_id).values(
        local_updated_at=now, **values))
    base = row_base(spec, row) or {}
    batch_id = batch_id or new_batch_id()
    queued = outbox.queue(connection, spec.type, local_id, OpKind.UPDATE, values,
                          {name: base.get(name) for name in values}, batch_id)
    history.write(connection, [
        _history_entry(batch_id, spec, local_id, "update", name, row[name], value, queued.op_id, now)
        for name, value in values.items()
    ])
    _after_change(connection, spec, local_id, row)
    return True


def delete(connection: Connection, entity_type: EntityType | str, local_id: str, *,
           batch_id: str | None = None) -> None:
    """Delete a record. An unsent local record vanishes with its queued create; a synced one is hidden
    and its delete queued (it comes back if the delete is discarded). A synced variant cannot be deleted:
    the API has no way."""
    _writable(connection)
    spec = spec_for(entity_type)
    row = _live_row(connection, spec, local_id)
    ops = outbox.record_ops(connection, spec.type, local_id)
    unsent_create = bool(ops) and ops[0].kind == OpKind.CREATE and all(op.state in UNSENT for op in ops)
    if not spec.can_delete and not unsent_create:
        raise EditError(
            f"A {spec.type.value.replace('_', ' ')} the server knows cannot be deleted (the API has no way); "
            "only one not yet sent can be discarded.")
    if unsent_create:
        _refuse_if_needed_by_others(connection, spec, local_id, ops[0].op_id)
    now = now_iso()
    batch_id = batch_id or new_batch_id()
    entries: list[dict[str, Any]] = []
    if spec.type == EntityType.PRODUCT:
        # Variants not yet sent go with their product (their create would meet a missing product).
        for variant_id in connection.execute(select(schema.variants.c.local_id).where(
                schema.variants.c.product_id == local_id, schema.variants.c.server_id.is_(None),
                schema.variants.c.deleted == 0)).scalars().all():
            v_ops = outbox.record_ops(connection, EntityType.VARIANT, variant_id)
            if all(op.state in UNSENT for op in v_ops):
                delete(connection, EntityType.VARIANT, variant_id, batch_id=batch_id)
    snapshot = {name: row[name] for name in spec.create_fields}
    if unsent_create:
        outbox.queue(connection, spec.type, local_id, OpKind.DELETE, {}, None, batch_id)
        outbox._remove_record(connection, spec.type, local_id)
        entries.append(_history_entry(batch_id, spec, local_id, "delete", None, snapshot, None, None, now))
    else:
        connection.execute(sa.update(spec.table).where(spec.table.c.local_id == local_id).values(
            deleted=1, local_updated_at=now))
        queued = outbox.queue(connection, spec.type, local_id, OpKind.DELETE, {}, row_base(spec, row), batch_id)
        entries.append(_history_entry(batch_id, spec, local_id, "delete", None, snapshot, None, queued.op_id, now))
        outbox.refresh_sync_state(connection, spec.type, [local_id])
    history.write(connection, entries)
    if spec.type == EntityType.VARIANT:
        findings.refresh(connection, EntityType.PRODUCT, [row["product_id"]])


def _refuse_if_needed_by_others(connection: Connection, spec: EntitySpec, local_id: str, op_id: str) -> None:
    needed = [op for op in outbox.dependents(connection, op_id)
              if not (spec.type == EntityType.PRODUCT and op.entity_type in (EntityType.VARIANT, EntityType.MEDIA))]
    if needed:
        raise EditError(
            f"This {spec.type.value.replace('_', ' ')} is not on the server yet and {len(needed)} other "
            "unsent change(s) need it; delete or change those first.")


def link_value(connection: Connection, owner_type: EntityType | str, owner_id: str, value_id: str, *,
               batch_id: str | None = None) -> bool:
    """Link an attribute value to a variant or product. False when it was linked already."""
    _writable(connection)
    owner = _owner_spec(owner_type)
    _live_row(connection, owner, owner_id)
    _live_row(connection, SPECS[EntityType.ATTRIBUTE_VALUE], value_id)
    links = schema.value_links
    exists = connection.execute(select(literal(1)).where(
        links.c.owner_type == owner.type.value, links.c.owner_id == owner_id, links.c.value_id == value_id)).first()
    if exists:
        return False
    ops = outbox.record_ops(connection, owner.type, owner_id)
    was_unlinked_pending = any(op.kind == OpKind.UNLINK and op.payload.get(outbox.LINK_VALUE) == value_id
                               and op.state in UNSENT for op in ops)
    connection.execute(insert(links).values(owner_type=owner.type.value, owner_id=owner_id, value_id=value_id,
                                            server_linked=1 if was_unlinked_pending else 0))
    return _queue_link(connection, owner, owner_id, value_id, OpKind.LINK, batch_id)


def unlink_value(connection: Connection, owner_type: EntityType | str, owner_id: str, value_id: str, *,
                 batch_id: str | None = None) -> bool:
    """Remove a link. False when there was none."""
    _writable(connection)
    owner = _owner_spec(owner_type)
    _live_row(connection, owner, owner_id)
    links = schema.value_links
    removed = connection.execute(sa.delete(links).where(
        links.c.owner_type == owner.type.value, links.c.owner_id == owner_id, links.c.value_id == value_id))
    if not removed.rowcount:
        return False
    return _queue_link(connection, owner, owner_id, value_id, OpKind.UNLINK, batch_id)


def _owner_spec(owner_type: EntityType | str) -> EntitySpec:
    spec = spec_for(owner_type)
    if spec.type not in OWNER_TYPES:
        raise EditError("Attribute values link to variants and products only.")
    return spec


def _queue_link(connection: Connection, owner: EntitySpec, owner_id: str, value_id: str, kind: OpKind,
                batch_id: str | None) -> bool:
    batch_id = batch_id or new_batch_id()
    queued = outbox.queue(connection, owner.type, owner_id, kind, {outbox.LINK_VALUE: value_id}, None, batch_id)
    now = now_iso()
    history.write(connection, [_history_entry(
        batch_id, owner, owner_id, kind.value, outbox.LINK_VALUE,
        value_id if kind == OpKind.UNLINK else None, value_id if kind == OpKind.LINK else None,
        queued.op_id, now)])
    outbox.refresh_sync_state(connection, owner.type, [owner_id])
    if owner.type == EntityType.PRODUCT:
        findings.refresh(connection, EntityType.PRODUCT, [owner_id])
    return True


def reorder_media(connection: Connection, media_ids: Sequence[str], *, batch_id: str | None = None) -> int:
    """Give the listed media sort_order 0, 1, 2, ... in that order (one batch). Returns how many changed."""
    batch_id = batch_id or new_batch_id()
    changed = 0
    for position, media_id in enumerate(media_ids):
        changed += update(connection, EntityType.MEDIA, media_id, {"sort_order": position}, batch_id=batch_id)
    return changed


@dataclass(frozen=True, slots=True)
class Edit:
    """One edit of a batch: action is create, update, delete, link or unlink.

    For link/unlink, `local_id` is the owner (variant or product) and `fields` holds
    {"attribute_value_id": ...}."""

    action: str
    entity_type: EntityType | str
    local_id: str | None = None
    fields: Mapping[str, Any] = field(default_factory=dict)


def apply(connection: Connection, batch: Iterable[Edit], batch_id: str | None = None) -> tuple[str, list[str | None]]:
    """Apply many edits as one batch (one transaction when run as one write, one undo step).
    Returns the batch id and, per edit, the local id it touched (the new id for a create)."""
    batch_id = batch_id or new_batch_id()
    touched: list[str | None] = []
    if _batch.get() is not None:  # nested inside another batch: that one refreshes
        return batch_id, _apply_each(connection, batch, batch_id, touched)
    _writable(connection)
    token = _batch.set({})
    try:
        _apply_each(connection, batch, batch_id, touched)
        pending = _batch.get() or {}
    finally:
        _batch.reset(token)
    _refresh(connection, pending)
    return batch_id, touched


def _apply_each(connection: Connection, batch: Iterable[Edit], batch_id: str,
                touched: list[str | None]) -> list[str | None]:
    for edit in batch:
        if edit.action == "create":
            touched.append(create(connection, edit.entity_type, edit.fields, batch_id=batch_id,
                                  local_id=edit.local_id))
        elif edit.action == "update":
            update(connection, edit.entity_type, _need_id(edit), edit.fields, batch_id=batch_id)
            touched.append(edit.local_id)
        elif edit.action == "delete":
            delete(connection, edit.entity_type, _need_id(edit), batch_id=batch_id)
            touched.append(edit.local_id)
        elif edit.action in ("link", "unlink"):
            value_id = str(edit.fields.get(outbox.LINK_VALUE, ""))
            fn = link_value if edit.action == "link" else unlink_value
            fn(connection, edit.entity_type, _need_id(edit), value_id, batch_id=batch_id)
            touched.append(edit.local_id)
        else:
            raise EditError(f"{edit.action!r} is not an edit (create, update, delete, link, unlink).")
    return touched


def _need_id(edit: Edit) -> str:
    if not edit.local_id:
        raise EditError(f"A {edit.action} needs the record's local id.")
    return edit.local_id


def revert_batch(connection: Connection, batch_id: str) -> str:
    """Undo a batch by applying its inverse as a new batch (returned), newest change first. Creates are
    deleted, updates put the old values back, links are reversed; a delete is undone by restoring the
    record when its delete is still unsent."""
    entries = history.batch(connection, batch_id)
    if not entries:
        raise EditError(f"Nothing to undo in batch {batch_id}.")
    undo_id = new_batch_id()
    _writable(connection)
    token = _batch.set({})
    try:
        _revert_entries(connection, entries, undo_id)
        pending = _batch.get() or {}
    finally:
        _batch.reset(token)
    _refresh(connection, pending)
    return undo_id


def _revert_entries(connection: Connection, entries: list[history.HistoryEntry], undo_id: str) -> None:
    for entry in reversed(entries):
        spec = SPECS[entry.entity_type]
        if entry.action == "update":
            row = connection.execute(select(spec.table.c.local_id).where(
                spec.table.c.local_id == entry.entity_id, spec.table.c.deleted == 0)).first()
            if row is not None and entry.field is not None:
                update(connection, entry.entity_type, entry.entity_id, {entry.field: entry.old}, batch_id=undo_id)
        elif entry.action == "create":
            exists = connection.execute(select(spec.table.c.local_id).where(
                spec.table.c.local_id == entry.entity_id, spec.table.c.deleted == 0)).first()
            if exists is not None:
                delete(connection, entry.entity_type, entry.entity_id, batch_id=undo_id)
        elif entry.action == "delete":
            _undelete(connection, spec, entry, undo_id)
        elif entry.action == "link":
            unlink_value(connection, entry.entity_type, entry.entity_id, str(entry.new), batch_id=undo_id)
        elif entry.action == "unlink":
            link_value(connection, entry.entity_type, entry.entity_id, str(entry.old), batch_id=undo_id)


def _undelete(connection: Connection, spec: EntitySpec, entry: history.HistoryEntry, undo_id: str) -> None:
    ops = outbox.record_ops(connection, spec.type, entry.entity_id)
    pending_delete = next((op for op in ops if op.kind == OpKind.DELETE and op.state in UNSENT), None)
    if pending_delete is not None:
        outbox.discard(connection, pending_delete.op_id)
        history.write(connection, [_history_entry(undo_id, spec, entry.entity_id, "undelete", None, None, None,
                                                  None, now_iso())])
        return
    exists = connection.execute(select(spec.table.c.local_id).where(
        spec.table.c.local_id == entry.entity_id)).first()
    if exists is None and entry.old:
        # The record was local only (it vanished with its create): make it again under the same id.
        fields = {k: v for k, v in dict(entry.old).items() if v is not None}
        create(connection, spec.type, fields, batch_id=undo_id, local_id=entry.entity_id)
        return
    raise EditError("This delete was already sent to the server; it cannot be undone here.")


def create_variant_matrix(connection: Connection, product_id: str, proposals: Iterable[ProposedVariant],
                          defaults: Mapping[str, Any] | None = None, *, batch_id: str | None = None) -> list[str]:
    """Create the variants a matrix proposed (domain.sku.variant_matrix), skipping those marked as
    existing, as one batch (one undo step). `defaults` fills price, currency, ... Returns the new ids."""
    batch_id = batch_id or new_batch_id()
    fields = dict(defaults or {})
    batch = [Edit("create", EntityType.VARIANT, None, {**fields, "product_id": product_id, "sku": p.sku})
             for p in proposals if not p.exists]
    _, created = apply(connection, batch, batch_id)
    return [i for i in created if i is not None]


def queue_bulk_job(connection: Connection, job_type: str, payload: Any) -> str:
    """Queue a server bulk job (BULK_IMPORT, BULK_UPDATE, BULK_DELETE), even offline."""
    import json

    text = payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False, default=str)
    if job_type not in ("BULK_IMPORT", "BULK_UPDATE", "BULK_DELETE"):
        raise EditError(f"{job_type!r} is not a bulk job type (BULK_IMPORT, BULK_UPDATE, BULK_DELETE).")
    return create(connection, EntityType.BULK_JOB, {"job_type": job_type, "payload": text})


def queue_export(connection: Connection, fmt: str = "csv") -> str:
    """Queue a catalog export (csv or jsonl), even offline."""
    if fmt not in ("csv", "jsonl"):
        raise EditError(f"{fmt!r} is not an export format (csv, jsonl).")
    return create(connection, EntityType.BULK_JOB, {"job_type": "EXPORT", "format": fmt})
