"""The pull side: server records written into the working copy in batches.

A record without local changes takes the server's version. A record with local changes waiting is never
overwritten: its merge base becomes the server's version, fields only the server changed are taken,
identical changes are dropped from the waiting operation, and real clashes become conflicts (the
per-field merge of DESIGN.md). Records come in the server's ids and field names of API.md; references are
translated to local ids here.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from synq_desktop.domain.merge import MergeResult, merge_fields
from synq_desktop.store import findings, outbox, schema
from synq_desktop.store.entities import IdTranslator, base_of, comparable, row_base, spec_for
from synq_desktop.store.fresh_rows import driver_connection, insert_fresh, present
from synq_desktop.store.states import UNSENT, EntityType, OpKind, OpState
from synq_desktop.store.timestamps import normalize_time, stored_time

CHUNK = 500
JOB_STATUS_ALIASES = {"RUNNING": "PROCESSING"}


@dataclass(slots=True)
class PullReport:
    entity_type: EntityType
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    merged: dict[str, MergeResult] = field(default_factory=dict)  # local id -> merge, records with local edits
    conflicts: list[tuple[str, str]] = field(default_factory=list)  # (local id, field)
    orphans: list[str] = field(default_factory=list)  # server ids not written: their parent is not here
    max_updated_at: str | None = None  # the largest updated_at seen, exactly as the server wrote it

    @property
    def written(self) -> int:
        return self.inserted + self.updated


def _server_values(spec: Any, record: Mapping[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in spec.server_fields:
        if name in record:
            value = record[name]
            if spec.type == EntityType.BULK_JOB and name == "status" and isinstance(value, str):
                value = JOB_STATUS_ALIASES.get(value.upper(), value.upper())
            values[name] = value
    for name in ("created_at", "updated_at"):
        if name in record:
            values[name] = normalize_time(record[name])
    return values


def upsert_server_records(connection: Connection, entity_type: EntityType | str,
                          records: Sequence[Mapping[str, Any]],
                          etags: Mapping[str, str] | None = None, check_findings: bool = True,
                          derived_deferred: bool = False) -> PullReport:
    """Write one page (or more) of server records. `records` are dicts as the server sends them (server
    ids, API.md field names); `etags` maps server id -> ETag where the server sent one.

    `check_findings=False` skips the local validation of the written rows (about a quarter of the
    cost of a first pull); run `findings.refresh_batch` over the table afterwards, in idle time.
    `derived_deferred=True` (a first pull, see store.derived): variant counts are rebuilt at the end, and the
    NO_VARIANTS findings of products with it."""
    spec = spec_for(entity_type)
    report = PullReport(spec.type)
    # One record twice in a batch (it changed while the list was read): its later version wins.
    by_id: dict[str, Mapping[str, Any]] = {}
    for record in records:
        if record.get("id"):
            by_id[str(record["id"])] = record
    records = list(by_id.values())
    if not records:
        return report
    best: tuple[str, str] | None = None
    for record in records:
        raw = record.get("updated_at")
        if raw:
            key = stored_time(raw) or str(raw)
            if best is None or key > best[0]:
                best = (key, str(raw))
    report.max_updated_at = best[1] if best else None
    etags = etags or {}
    for start in range(0, len(records), CHUNK):
        _upsert_chunk(connection, spec, records[start:start + CHUNK], etags, report, check_findings,
                      derived_deferred)
    return report


def _upsert_chunk(connection: Connection, spec: Any, records: Sequence[Mapping[str, Any]],
                  etags: Mapping[str, str], report: PullReport, check_findings: bool,
                  derived_deferred: bool) -> None:
    table = spec.table
    raw = driver_connection(connection)
    server_ids = [str(r["id"]) for r in records]
    present_ids = present(raw, table.name, "server_id", server_ids)
    fresh = [r for r in records if str(r["id"]) not in present_ids]
    if fresh:
        # Records this copy has never seen (all of them in a first pull): no base to merge, no local
        # edit to keep; plain rows written with one prepared statement.
        inserted = insert_fresh(connection, spec, fresh, etags, report, check_findings,
                                counts_known=not derived_deferred)
        if spec.type == EntityType.VARIANT and check_findings and not derived_deferred:
            findings.recheck_no_variants(connection, {row["product_id"] for row in inserted})
    if not present_ids:
        return
    records = [r for r in records if str(r["id"]) in present_ids]
    translator = IdTranslator(connection, spec, list(records), to_local=True)
    server_ids = [str(r["id"]) for r in records]
    existing = {
        row.server_id: row for row in connection.execute(
            select(table.c.local_id, table.c.server_id, table.c.base, table.c.etag, table.c.updated_at,
                   *(table.c[name] for name in spec.create_fields))
            .where(table.c.server_id.in_(server_ids)))
    }
    with_ops = set(connection.execute(select(outbox.ob.c.entity_id).where(
        outbox.ob.c.entity_type == spec.type.value,
        outbox.ob.c.entity_id.in_([row.local_id for row in existing.values()]))).scalars())
    updates: list[dict[str, Any]] = []
    touched: list[str] = []
    for record in records:
        server_id = str(record["id"])
        theirs = base_of(spec, translator.record(record))
        row = existing[server_id]
        if row.local_id in with_ops:
            _merge_into_local_edits(connection, spec, row.local_id, record, theirs, etags.get(server_id), report)
            touched.append(row.local_id)
            continue
        server_values = _server_values(spec, record)
        base = row_base(spec, row._mapping)
        theirs = {**(base or {}), **theirs}  # a light projection leaves the other fields as they were
        if base == theirs and row.updated_at == server_values.get("updated_at", row.updated_at) and (
                etags.get(server_id) in (None, row.etag)):
            report.unchanged += 1
            continue
        updates.append({"b_local_id": row.local_id, "base": theirs, "etag": etags.get(server_id, row.etag),
                        "remote_deleted": 0, **theirs, **server_values})
        touched.append(row.local_id)
    if updates:
        for keys, group in _group_by_keys(updates).items():
            values = {k: bindparam(k) for k in keys if k != "b_local_id"}
            connection.execute(update(table).where(table.c.local_id == bindparam("b_local_id")).values(values), group)
        report.updated += len(updates)
    if not check_findings:
        return
    findings.refresh(connection, spec.type, touched)


def _group_by_keys(rows: list[dict[str, Any]]) -> dict[tuple[str, ...], list[dict[str, Any]]]:
    """executemany needs the same keys in every row: records that lack a field form their own group."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(row)), []).append(row)
    return groups


def _merge_into_local_edits(connection: Connection, spec: Any, local_id: str, record: Mapping[str, Any],
                            theirs: dict[str, Any], etag: str | None, report: PullReport) -> None:
    table = spec.table
    row = connection.execute(select(table).where(table.c.local_id == local_id)).mappings().first()
    assert row is not None
    mine = {name: row[name] for name in spec.create_fields}
    report.merged[local_id] = merge_fields(comparable(spec, row_base(spec, row)), comparable(spec, mine),
                                           comparable(spec, theirs), list(theirs))
    ops = outbox.record_ops(connection, spec.type, local_id)
    keep: set[str] = set()
    for op in ops:
        keep |= set(op.payload)
    outbox.apply_server_record(connection, spec, local_id, record, keep, etag)
    connection.execute(update(table).where(table.c.local_id == local_id).values(remote_deleted=0))
    for op in ops:
        if op.kind == OpKind.UPDATE and op.state in (*UNSENT, OpState.CONFLICT):
            outcome = outbox.mark_conflict(connection, op.op_id, record, etag=etag)
            report.conflicts += [(local_id, name) for name in outcome.fields]
    outbox.refresh_sync_state(connection, spec.type, [local_id])


@dataclass(slots=True)
class DeletionReport:
    removed: list[str] = field(default_factory=list)  # local ids removed here too
    conflicted: list[str] = field(default_factory=list)  # local ids with edits against the delete


def mark_remote_deleted(connection: Connection, entity_type: EntityType | str,
                        server_ids: Iterable[str]) -> DeletionReport:
    """The server no longer has these records (a complete scan missed them and a GET said 404).
    Records without local edits go; an edit against the delete becomes a conflict for the user."""
    spec = spec_for(entity_type)
    table = spec.table
    report = DeletionReport()
    for server_id in server_ids:
        local_id = connection.execute(select(table.c.local_id).where(
            table.c.server_id == server_id)).scalar_one_or_none()
        if local_id is None:
            continue
        ops = outbox.record_ops(connection, spec.type, local_id)
        edits = [op for op in ops if op.kind != OpKind.DELETE and op.state != OpState.IN_FLIGHT]
        if not edits:
            connection.execute(delete(outbox.ob).where(outbox.ob.c.op_id.in_(
                [op.op_id for op in ops if op.state != OpState.IN_FLIGHT])))
            outbox._remove_record(connection, spec.type, local_id)
            report.removed.append(local_id)
            continue
        outbox.mark_conflict(connection, edits[0].op_id, None)
        report.conflicted.append(local_id)
    return report


def has_server_records(connection: Connection, entity_type: EntityType | str) -> bool:
    """Does this copy hold any record of this kind the server knows?"""
    table = spec_for(entity_type).table
    return connection.execute(select(table.c.local_id).where(table.c.server_id.is_not(None)).limit(1)).first() \
        is not None


def local_server_ids(connection: Connection, entity_type: EntityType | str) -> list[str]:
    """Server ids of every record here (what a full scan compares against)."""
    table = spec_for(entity_type).table
    return list(connection.execute(select(table.c.server_id).where(table.c.server_id.is_not(None))).scalars())


def replace_server_links(connection: Connection, owner_type: EntityType | str, owner_server_id: str,
                         value_server_ids: Iterable[str]) -> None:
    """The attribute values the server has linked to one variant or product. Links with a change
    waiting here keep their local state."""
    owner = spec_for(owner_type)
    owner_id = connection.execute(select(owner.table.c.local_id).where(
        owner.table.c.server_id == owner_server_id)).scalar_one_or_none()
    if owner_id is None:
        return
    values = schema.attribute_values
    wanted_server = list(dict.fromkeys(str(v) for v in value_server_ids))
    mapped = dict(connection.execute(select(values.c.server_id, values.c.local_id).where(
        values.c.server_id.in_(wanted_server))).all())
    wanted = {mapped.get(v, v) for v in wanted_server}
    pending = {op.payload.get(outbox.LINK_VALUE) for op in outbox.record_ops(connection, owner.type, owner_id)
               if op.kind in (OpKind.LINK, OpKind.UNLINK)}
    links = schema.value_links
    current = dict(connection.execute(select(links.c.value_id, links.c.server_linked).where(
        links.c.owner_type == owner.type.value, links.c.owner_id == owner_id)).all())
    gone = [v for v in current if v not in wanted and v not in pending]
    if gone:
        connection.execute(delete(links).where(links.c.owner_type == owner.type.value,
                                               links.c.owner_id == owner_id, links.c.value_id.in_(gone)))
    new = [v for v in wanted if v not in current and v not in pending]
    if new:
        connection.execute(insert(links), [{"owner_type": owner.type.value, "owner_id": owner_id, "value_id": v,
                                            "server_linked": 1} for v in new])
    stale = [v for v in wanted if current.get(v) == 0 and v not in pending]
    if stale:
        connection.execute(update(links).where(links.c.owner_type == owner.type.value, links.c.owner_id == owner_id,
                                               links.c.value_id.in_(stale)).values(server_linked=1))
    if owner.type == EntityType.PRODUCT:
        findings.refresh(connection, EntityType.PRODUCT, [owner_id])


def _to_local_ids(connection: Connection, items: Sequence[Mapping[str, Any]]) -> dict[tuple[str, str], str]:
    """(entity_type as the server spells it, server id) -> local id, for records created here (whose local
    id differs from the server's); the views look issues and audit events up by local id."""
    wanted: dict[EntityType, set[str]] = {}
    for item in items:
        kind, entity_id = str(item.get("entity_type") or "").lower(), item.get("entity_id")
        if entity_id and kind in EntityType._value2member_map_:
            wanted.setdefault(EntityType(kind), set()).add(str(entity_id))
    found: dict[tuple[str, str], str] = {}
    for entity_type, ids in wanted.items():
        table = spec_for(entity_type).table
        chunk_ids = list(ids)
        for start in range(0, len(chunk_ids), CHUNK):
            for server_id, local_id in connection.execute(select(table.c.server_id, table.c.local_id).where(
                    table.c.server_id.in_(chunk_ids[start:start + CHUNK]), table.c.local_id != table.c.server_id)):
                found[(entity_type.value, server_id)] = local_id
    return found


def _local_entity_id(found: Mapping[tuple[str, str], str], item: Mapping[str, Any]) -> str | None:
    entity_id = item.get("entity_id")
    if not entity_id:
        return None
    return found.get((str(item.get("entity_type") or "").lower(), str(entity_id)), str(entity_id))


def replace_validation_issues(connection: Connection, issues: Sequence[Mapping[str, Any]]) -> int:
    """The server's open validation issues (GET /validation lists them all): replaces the stored set."""
    t = schema.validation_issues
    connection.execute(delete(t))
    local = _to_local_ids(connection, issues)
    rows = [{
        "server_id": str(i["id"]), "severity": i.get("severity"), "issue_type": i.get("issue_type"),
        "message": i.get("message"), "entity_type": i.get("entity_type"),
        "entity_id": _local_entity_id(local, i), "field": i.get("field"),
        "created_at": normalize_time(i.get("created_at")),
    } for i in issues if i.get("id")]
    if rows:
        connection.execute(insert(t).prefix_with("OR REPLACE"), rows)
    return len(rows)


def upsert_audit_events(connection: Connection, events: Sequence[Mapping[str, Any]]) -> int:
    """Audit events are immutable on the server: new ones are added, known ones left alone."""
    t = schema.audit_events
    local = _to_local_ids(connection, events)
    rows = [{
        "server_id": str(e["id"]), "actor_email": e.get("actor_email"), "action": e.get("action"),
        "entity_type": e.get("entity_type"), "entity_id": _local_entity_id(local, e),
        "details": e.get("details"), "ip_address": e.get("ip_address"),
        "created_at": normalize_time(e.get("created_at")),
    } for e in events if e.get("id")]
    if not rows:
        return 0
    result = connection.execute(insert(t).prefix_with("OR IGNORE"), rows)
    return max(result.rowcount, 0)


__all__ = [
    "DeletionReport", "PullReport", "has_server_records", "local_server_ids", "mark_remote_deleted", "replace_server_links",
    "replace_validation_issues", "upsert_audit_events", "upsert_server_records",
]
