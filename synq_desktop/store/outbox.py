"""The outbox: every local change waiting for the server, and the state machine of DESIGN.md.

Edits (edits.py) queue operations here in the same transaction as the row they change; the sync
engine takes ready operations, marks them IN_FLIGHT (committed before the request goes out), and
reports each answer back: applied, retry later, uncertain, conflict, rejected. Operations of one record
go in `seq` order: an operation is ready only when every earlier operation of its record is PENDING and
due too. An operation whose record references a record the server does not know yet (a variant under
an unsent product) is BLOCKED on that record's create and becomes PENDING when the create is applied.

Nothing leaves the outbox silently: only `mark_applied` (the server took it) and an explicit `discard`
remove an operation; coalescing folds a pending operation into another or cancels a pair that undo
each other before either was sent.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import JSON, Connection, bindparam, delete, func, insert, select, update

from synq_desktop.domain.merge import MISSING, merge_fields
from synq_desktop.store import schema
from synq_desktop.store.entities import (
    SPECS,
    EntitySpec,
    IdTranslator,
    base_of,
    comparable,
    local_fields,
    normalize,
    row_base,
    same_value,
    server_payload,
    spec_for,
    stored_base,
)
from synq_desktop.store.errors import EditError, StoreError
from synq_desktop.store.states import SYNC_STATE_PRIORITY, UNSENT, EntityType, OpKind, OpState, SyncState
from synq_desktop.store.timestamps import normalize_time, now_iso

ob = schema.outbox
LINK_VALUE = "attribute_value_id"
WHOLE_RECORD = "*"  # the conflict field of an edit against a remote delete
DELETED_HERE = "(deleted here)"  # the conflict field of a delete against a record changed on the server
# Where a delete keeps the record's unsent operations it made moot (a rename, a link): undoing the delete
# queues them again, so the record comes back exactly as it was, its pending edits included.
SUPERSEDED = "superseded"


@dataclass(frozen=True, slots=True)
class Operation:
    seq: int
    op_id: str
    entity_type: EntityType
    entity_id: str
    kind: OpKind
    payload: dict[str, Any]
    base: dict[str, Any] | None
    idempotency_key: str
    state: OpState
    depends_on: str | None
    attempts: int
    next_attempt_at: str | None
    last_error: str | None
    http_status: int | None
    sent_at: str | None
    batch_id: str | None
    created_at: str
    updated_at: str
    # A delete's: the unsent operations of the record it made moot, as stored rows (never sent with it).
    superseded: tuple[dict[str, Any], ...] = ()


def _operation(row: Any) -> Operation:
    m = row._mapping
    payload = dict(m["payload"] or {})
    superseded = tuple(payload.pop(SUPERSEDED, None) or ()) if m["kind"] == OpKind.DELETE.value else ()
    return Operation(
        seq=m["seq"], op_id=m["op_id"], entity_type=EntityType(m["entity_type"]), entity_id=m["entity_id"],
        kind=OpKind(m["kind"]), payload=payload, superseded=superseded,
        base=dict(m["base"]) if m["base"] is not None else None, idempotency_key=m["idempotency_key"],
        state=OpState(m["state"]), depends_on=m["depends_on"], attempts=m["attempts"],
        next_attempt_at=m["next_attempt_at"], last_error=m["last_error"], http_status=m["http_status"],
        sent_at=m["sent_at"], batch_id=m["batch_id"], created_at=m["created_at"], updated_at=m["updated_at"],
    )


# Prebuilt statements for the hot paths (SQLAlchemy then reuses their compiled form): a push of
# thousands of operations runs these once per operation.
_GET = select(ob).where(ob.c.op_id == bindparam("op_id"))
_RECORD_OPS = select(ob).where(ob.c.entity_type == bindparam("et"), ob.c.entity_id == bindparam("eid")).order_by(
    ob.c.seq)
_DELETE = delete(ob).where(ob.c.op_id == bindparam("op_id"))


def get(connection: Connection, op_id: str) -> Operation | None:
    row = connection.execute(_GET, {"op_id": op_id}).first()
    return _operation(row) if row is not None else None


def _require(connection: Connection, op_id: str, allowed: Iterable[OpState] | None = None) -> Operation:
    op = get(connection, op_id)
    if op is None:
        raise StoreError(f"No queued operation {op_id}.")
    if allowed is not None and op.state not in tuple(allowed):
        raise StoreError(f"Operation {op_id} is {op.state}, not {' or '.join(s.value for s in allowed)}.")
    return op


def record_ops(connection: Connection, entity_type: EntityType | str, entity_id: str) -> list[Operation]:
    rows = connection.execute(_RECORD_OPS, {"et": str(entity_type), "eid": entity_id}).all()
    return [_operation(r) for r in rows]


def operations(
    connection: Connection,
    states: Iterable[OpState | str] | None = None,
    entity_type: EntityType | str | None = None,
    entity_id: str | None = None,
    limit: int | None = None,
) -> list[Operation]:
    """Operations for lists in the UI (rejected, uncertain, ...), oldest first."""
    statement = select(ob).order_by(ob.c.seq)
    if states is not None:
        statement = statement.where(ob.c.state.in_([str(s) for s in states]))
    if entity_type is not None:
        statement = statement.where(ob.c.entity_type == str(entity_type))
    if entity_id is not None:
        statement = statement.where(ob.c.entity_id == entity_id)
    if limit is not None:
        statement = statement.limit(limit)
    return [_operation(r) for r in connection.execute(statement).all()]


def counts(connection: Connection) -> dict[str, int]:
    """Operations per state (every state present, zeros included)."""
    found = dict(connection.execute(select(ob.c.state, func.count()).group_by(ob.c.state)).all())
    return {state.value: int(found.get(state.value, 0)) for state in OpState}


# -- sync state of rows ------------------------------------------------------------------------------

def state_of(ops: Iterable[Operation]) -> SyncState:
    """The row's sync state given its operations."""
    present = {op.state.value for op in ops}
    return next((s for s in SYNC_STATE_PRIORITY if s.value in present), SyncState.SYNCED)


def refresh_sync_state(connection: Connection, entity_type: EntityType | str, entity_ids: Iterable[str]) -> None:
    """Recompute the grid's sync state of rows from their operations and open conflicts."""
    et = EntityType(entity_type)
    ids = list(dict.fromkeys(entity_ids))
    if not ids:
        return
    table = SPECS[et].table
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        states: dict[str, set[str]] = {i: set() for i in chunk}
        for entity_id, state in connection.execute(
            select(ob.c.entity_id, ob.c.state).where(ob.c.entity_type == et.value, ob.c.entity_id.in_(chunk))
        ):
            states[entity_id].add(state)
        by_state: dict[str, list[str]] = {}
        for entity_id, present in states.items():
            chosen = next((s.value for s in SYNC_STATE_PRIORITY if s.value in present), SyncState.SYNCED.value)
            by_state.setdefault(chosen, []).append(entity_id)
        for state, members in by_state.items():
            connection.execute(update(table).where(table.c.local_id.in_(members)).values(sync_state=state))


# -- blocking ---------------------------------------------------------------------------------------

def _link_spec() -> EntitySpec:
    return EntitySpec(EntityType.VARIANT, schema.variants, fields=(), refs={LINK_VALUE: EntityType.ATTRIBUTE_VALUE})


def block_target(connection: Connection, entity_type: EntityType, kind: OpKind,
                 payload: Mapping[str, Any]) -> str | None:
    """The op id of the create this operation must wait for, or None when it may be sent."""
    if kind in (OpKind.DELETE, OpKind.UNLINK):
        return None
    spec = _link_spec() if kind == OpKind.LINK else SPECS[entity_type]
    translator = IdTranslator(connection, spec, [payload], to_local=False)
    for target, local_id in translator.unresolved(payload):
        op_id = connection.execute(
            select(ob.c.op_id).where(ob.c.entity_type == target.value, ob.c.entity_id == local_id,
                                     ob.c.kind == OpKind.CREATE.value).order_by(ob.c.seq).limit(1)
        ).scalar_one_or_none()
        if op_id is not None:
            return op_id
    return None


def _set_block(connection: Connection, op: Operation, payload: Mapping[str, Any]) -> None:
    if op.state not in UNSENT:
        return
    target = block_target(connection, op.entity_type, op.kind, payload)
    state = OpState.BLOCKED if target else OpState.PENDING
    connection.execute(update(ob).where(ob.c.op_id == op.op_id).values(
        state=state.value, depends_on=target, updated_at=now_iso()))


# -- queueing (used by edits.py, inside the edit's transaction) ----------------------------------------

def _insert_op(connection: Connection, entity_type: EntityType, entity_id: str, kind: OpKind,
               payload: Mapping[str, Any], base: Mapping[str, Any] | None, batch_id: str | None) -> str:
    depends_on = block_target(connection, entity_type, kind, payload)
    now = now_iso()
    op_id = str(uuid.uuid4())
    connection.execute(insert(ob).values(
        op_id=op_id, entity_type=entity_type.value, entity_id=entity_id, kind=kind.value,
        payload=dict(payload), base=dict(base) if base is not None else None,
        idempotency_key=str(uuid.uuid4()),  # made once, kept for every resend of this operation
        state=(OpState.BLOCKED if depends_on else OpState.PENDING).value, depends_on=depends_on,
        batch_id=batch_id, created_at=now, updated_at=now,
    ))
    return op_id


def _tail(ops: Sequence[Operation]) -> list[Operation]:
    """The record's operations after the last one already sent or waiting for a person: only these may
    be rewritten (an IN_FLIGHT or UNCERTAIN operation is never changed)."""
    start = 0
    for index, op in enumerate(ops):
        if op.state not in UNSENT:
            start = index + 1
    return list(ops[start:])


@dataclass(slots=True)
class Queued:
    """What queueing did: the operation that now carries the change (None when it cancelled out)."""

    op_id: str | None
    coalesced: bool = False
    vanished: list[str] = field(default_factory=list)  # op ids removed because they cancelled out


def queue(connection: Connection, entity_type: EntityType, entity_id: str, kind: OpKind,
          payload: Mapping[str, Any], base: Mapping[str, Any] | None = None,
          batch_id: str | None = None) -> Queued:
    """Queue one change of one record, coalescing it into the record's unsent operations."""
    ops = record_ops(connection, entity_type, entity_id)
    tail = _tail(ops)
    if kind == OpKind.UPDATE:
        target = next((op for op in tail if op.kind == OpKind.CREATE), None) or next(
            (op for op in reversed(tail) if op.kind == OpKind.UPDATE), None)
        if target is None:
            return Queued(_insert_op(connection, entity_type, entity_id, kind, payload, base, batch_id))
        merged = {**target.payload, **payload}
        merged_base = dict(target.base or {})
        if target.kind == OpKind.UPDATE:
            for name in payload:
                merged_base.setdefault(name, (base or {}).get(name))
            # Back to the server's value: the field no longer needs sending.
            for name in list(merged):
                if name in merged_base and same_value(SPECS[entity_type], name, merged[name], merged_base[name]):
                    del merged[name]
                    del merged_base[name]
            if not merged:
                connection.execute(delete(ob).where(ob.c.op_id == target.op_id))
                return Queued(None, coalesced=True, vanished=[target.op_id])
        connection.execute(update(ob).where(ob.c.op_id == target.op_id).values(
            payload=merged, base=merged_base if target.kind == OpKind.UPDATE else target.base,
            updated_at=now_iso()))
        _set_block(connection, target, merged)
        return Queued(target.op_id, coalesced=True)
    if kind == OpKind.DELETE:
        if tail and tail[0].kind == OpKind.CREATE and len(tail) == len(ops):
            gone = [op.op_id for op in tail]
            connection.execute(delete(ob).where(ob.c.op_id.in_(gone)))
            return Queued(None, coalesced=True, vanished=gone)
        moot_ops = [op for op in tail if op.kind != OpKind.CREATE]
        moot = [op.op_id for op in moot_ops]
        delete_payload = dict(payload)
        if moot:
            connection.execute(delete(ob).where(ob.c.op_id.in_(moot)))
            # Kept inside the delete, not dropped: an undo of the delete must bring the rename back too.
            delete_payload[SUPERSEDED] = [_stored(op) for op in moot_ops]
        return Queued(_insert_op(connection, entity_type, entity_id, kind, delete_payload, base, batch_id),
                      coalesced=bool(moot), vanished=moot)
    if kind in (OpKind.LINK, OpKind.UNLINK):
        opposite = OpKind.UNLINK if kind == OpKind.LINK else OpKind.LINK
        value = payload.get(LINK_VALUE)
        undone = next((op for op in tail if op.kind == opposite and op.payload.get(LINK_VALUE) == value), None)
        if undone is not None:
            connection.execute(delete(ob).where(ob.c.op_id == undone.op_id))
            return Queued(None, coalesced=True, vanished=[undone.op_id])
    return Queued(_insert_op(connection, entity_type, entity_id, kind, payload, base, batch_id))


def _stored(op: Operation) -> dict[str, Any]:
    """What re-queueing a superseded operation needs (its op id and Idempotency-Key kept: the same change)."""
    return {"op_id": op.op_id, "kind": op.kind.value, "payload": op.payload, "base": op.base,
            "idempotency_key": op.idempotency_key, "batch_id": op.batch_id, "created_at": op.created_at}


def _requeue_superseded(connection: Connection, spec: EntitySpec, delete_op: Operation) -> None:
    """Undo of a delete: the operations it made moot go back in their order, and the row shows their
    values again (a pull while the record was hidden may have written the server's over them)."""
    row_values: dict[str, Any] = {}
    for stored in delete_op.superseded:
        kind = OpKind(stored["kind"])
        payload = dict(stored.get("payload") or {})
        connection.execute(insert(ob).values(
            op_id=stored["op_id"], entity_type=spec.type.value, entity_id=delete_op.entity_id, kind=kind.value,
            payload=payload, base=stored.get("base"), idempotency_key=stored["idempotency_key"],
            state=OpState.PENDING.value, batch_id=stored.get("batch_id"), created_at=stored["created_at"],
            updated_at=now_iso()))
        requeued = get(connection, stored["op_id"])
        assert requeued is not None
        _set_block(connection, requeued, payload)
        if kind == OpKind.UPDATE:
            row_values.update({name: value for name, value in payload.items() if name in spec.table.c})
    if row_values:
        connection.execute(update(spec.table).where(spec.table.c.local_id == delete_op.entity_id).values(row_values))


# -- the sync engine's side ---------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RecordOps:
    """The ready operations of one record, in the order they must be sent."""

    entity_type: EntityType
    entity_id: str
    server_id: str | None
    ops: list[Operation]


def in_flight_to_uncertain(connection: Connection) -> int:
    """At open: a request from an earlier run may or may not have reached the server."""
    rows = connection.execute(select(ob.c.entity_type, ob.c.entity_id).where(
        ob.c.state == OpState.IN_FLIGHT.value)).all()
    if not rows:
        return 0
    connection.execute(update(ob).where(ob.c.state == OpState.IN_FLIGHT.value).values(
        state=OpState.UNCERTAIN.value, updated_at=now_iso(),
        last_error="The app stopped while this was being sent; the outcome is unknown."))
    for entity_type in {r[0] for r in rows}:
        refresh_sync_state(connection, entity_type, [r[1] for r in rows if r[0] == entity_type])
    return len(rows)


def ready(connection: Connection, max_records: int = 100, now: str | None = None,
          entity_types: Iterable[EntityType | str] | None = None) -> list[RecordOps]:
    """Records with operations due, oldest first; per record the leading run of PENDING operations.

    An operation is ready when it is PENDING and due, and every earlier operation of its record is too:
    a record whose first operation waits (in flight, blocked, uncertain, conflict, rejected, backing
    off) sends nothing."""
    now = now or now_iso()
    earlier = ob.alias("earlier")
    statement = (
        select(ob)
        .where(
            ob.c.state == OpState.PENDING.value,
            (ob.c.next_attempt_at.is_(None)) | (ob.c.next_attempt_at <= now),
            ~select(earlier.c.seq).where(
                earlier.c.entity_type == ob.c.entity_type, earlier.c.entity_id == ob.c.entity_id,
                earlier.c.seq < ob.c.seq,
                (earlier.c.state != OpState.PENDING.value) | (earlier.c.next_attempt_at > now),
            ).exists(),
        )
        .order_by(ob.c.seq)
    )
    if entity_types is not None:
        statement = statement.where(ob.c.entity_type.in_([str(t) for t in entity_types]))
    groups: dict[tuple[str, str], list[Operation]] = {}
    for row in connection.execute(statement):
        op = _operation(row)
        key = (op.entity_type.value, op.entity_id)
        if key not in groups:
            if len(groups) >= max_records:
                continue
            groups[key] = []
        groups[key].append(op)
    server_ids: dict[tuple[str, str], str | None] = {}
    for entity_type in {key[0] for key in groups}:
        table = SPECS[EntityType(entity_type)].table
        wanted = [key[1] for key in groups if key[0] == entity_type]
        for start in range(0, len(wanted), 500):
            for local_id, server_id in connection.execute(select(table.c.local_id, table.c.server_id).where(
                    table.c.local_id.in_(wanted[start:start + 500]))):
                server_ids[(entity_type, local_id)] = server_id
    return [RecordOps(EntityType(et), eid, server_ids.get((et, eid)), ops) for (et, eid), ops in groups.items()]


def mark_in_flight(connection: Connection, op_ids: Iterable[str]) -> int:
    """PENDING -> IN_FLIGHT before the requests go out (commit this before sending)."""
    ids = list(op_ids)
    if not ids:
        return 0
    now = now_iso()
    touched = connection.execute(select(ob.c.entity_type, ob.c.entity_id).where(
        ob.c.op_id.in_(ids), ob.c.state == OpState.PENDING.value)).all()
    result = connection.execute(update(ob).where(ob.c.op_id.in_(ids), ob.c.state == OpState.PENDING.value).values(
        state=OpState.IN_FLIGHT.value, attempts=ob.c.attempts + 1, sent_at=now, updated_at=now))
    for entity_type in {t[0] for t in touched}:
        refresh_sync_state(connection, entity_type, [t[1] for t in touched if t[0] == entity_type])
    return result.rowcount


def _set_state(connection: Connection, op: Operation, state: OpState, **values: Any) -> None:
    connection.execute(update(ob).where(ob.c.op_id == op.op_id).values(
        state=state.value, updated_at=now_iso(), **values))
    refresh_sync_state(connection, op.entity_type, [op.entity_id])


def mark_retry(connection: Connection, op_id: str, error: str, delay_seconds: float,
               http_status: int | None = None) -> None:
    """429, 5xx, network error: back to PENDING, due again after `delay_seconds`."""
    op = _require(connection, op_id, (OpState.IN_FLIGHT, OpState.UNCERTAIN, OpState.PENDING))
    _set_state(connection, op, OpState.PENDING, next_attempt_at=now_iso(max(delay_seconds, 0.0)),
               last_error=error, http_status=http_status)


def mark_uncertain(connection: Connection, op_id: str, error: str) -> None:
    """The answer to a request was lost: the server may or may not have applied it."""
    op = _require(connection, op_id, (OpState.IN_FLIGHT, OpState.UNCERTAIN))
    _set_state(connection, op, OpState.UNCERTAIN, last_error=error)


def mark_rejected(connection: Connection, op_id: str, reason: str, http_status: int | None = None) -> None:
    """400, 403, 409, 413: kept with the server's reason until the user edits, retries or discards it."""
    op = _require(connection, op_id)
    _set_state(connection, op, OpState.REJECTED, last_error=reason, http_status=http_status)


def retry(connection: Connection, op_id: str) -> None:
    """The user sends a rejected or uncertain operation again (same idempotency key)."""
    op = _require(connection, op_id, (OpState.REJECTED, OpState.UNCERTAIN))
    _set_state(connection, op, OpState.PENDING, next_attempt_at=None)
    pending = _require(connection, op_id)  # _set_block acts only on an unsent operation: pass it as it is now
    _set_block(connection, pending, pending.payload)
    refresh_sync_state(connection, op.entity_type, [op.entity_id])


def set_payload(connection: Connection, op_id: str, payload: Mapping[str, Any]) -> None:
    """Replace what an unsent or rejected operation carries (the user fixed a rejected value)."""
    _require(connection, op_id, (*UNSENT, OpState.REJECTED))
    connection.execute(update(ob).where(ob.c.op_id == op_id).values(payload=dict(payload), updated_at=now_iso()))


def _repoint(connection: Connection, entity_type: EntityType, old: str, new: str) -> None:
    """Make every reference to local id `old` point at `new` (two rows turned out to be one record)."""
    for spec in SPECS.values():
        for name, target in spec.refs.items():
            if target == entity_type:
                connection.execute(update(spec.table).where(spec.table.c[name] == old).values({name: new}))
    links = schema.value_links
    if entity_type in (EntityType.PRODUCT, EntityType.VARIANT):
        connection.execute(update(links).where(links.c.owner_type == entity_type.value,
                                               links.c.owner_id == old).values(owner_id=new))
    if entity_type == EntityType.ATTRIBUTE_VALUE:
        connection.execute(update(links).where(links.c.value_id == old).values(value_id=new))
    connection.execute(update(ob).where(ob.c.entity_type == entity_type.value, ob.c.entity_id == old).values(
        entity_id=new))


def _pending_fields(connection: Connection, op: Operation, others: list[Operation] | None = None) -> set[str]:
    """Fields other operations of the record still carry (the row keeps those local values)."""
    names: set[str] = set()
    for other in others if others is not None else record_ops(connection, op.entity_type, op.entity_id):
        if other.op_id != op.op_id and other.kind in (OpKind.CREATE, OpKind.UPDATE):
            names |= set(other.payload)
    return names


def apply_server_record(connection: Connection, spec: EntitySpec, local_id: str, record: Mapping[str, Any],
                        keep: set[str], etag: str | None = None,
                        sync_state: SyncState | None = None) -> dict[str, Any]:
    """Write the server's version of a record: base, etag, server-computed values, and every settable
    field except those in `keep` (local edits still waiting). Returns the new base."""
    theirs = local_fields(connection, spec.type, record)
    values: dict[str, Any] = {name: value for name, value in theirs.items() if name not in keep}
    for name in spec.server_fields:
        if name in record:
            values[name] = record[name]
    if "created_at" in record:
        values["created_at"] = normalize_time(record["created_at"])
    if "updated_at" in record:
        values["updated_at"] = normalize_time(record["updated_at"])
    old_base = stored_base(connection, spec, local_id)
    theirs = {**(old_base or {}), **theirs}  # a light projection leaves the other fields as they were
    values["base"] = theirs
    if etag is not None:
        values["etag"] = etag
    if sync_state is not None:
        values["sync_state"] = sync_state.value
    connection.execute(update(spec.table).where(spec.table.c.local_id == local_id).values(values))
    return theirs


def _remove_record(connection: Connection, entity_type: EntityType, local_id: str) -> None:
    """Remove a record the server no longer has, with what hangs off it locally."""
    spec = SPECS[entity_type]
    links = schema.value_links
    if entity_type == EntityType.PRODUCT:
        variant_ids = list(connection.execute(select(schema.variants.c.local_id).where(
            schema.variants.c.product_id == local_id)).scalars())
        for variant_id in variant_ids:
            _remove_record(connection, EntityType.VARIANT, variant_id)
        for media_id in list(connection.execute(select(schema.media.c.local_id).where(
                schema.media.c.product_id == local_id)).scalars()):
            _remove_record(connection, EntityType.MEDIA, media_id)
    if entity_type in (EntityType.PRODUCT, EntityType.VARIANT):
        connection.execute(delete(links).where(links.c.owner_type == entity_type.value,
                                               links.c.owner_id == local_id))
    # Its waiting operations have nothing left to act on; one in flight settles when its answer comes.
    connection.execute(delete(ob).where(ob.c.entity_type == entity_type.value, ob.c.entity_id == local_id,
                                        ob.c.state != OpState.IN_FLIGHT.value))
    c = schema.conflicts
    connection.execute(update(c).where(c.c.entity_type == entity_type.value, c.c.entity_id == local_id,
                                       c.c.resolved == 0).values(resolved=1, resolution="deleted",
                                                                 resolved_at=now_iso()))
    if entity_type == EntityType.VARIANT:
        connection.execute(update(schema.media).where(schema.media.c.variant_id == local_id).values(
            variant_id=None))
    connection.execute(delete(spec.table).where(spec.table.c.local_id == local_id))


def mark_applied(connection: Connection, op_id: str, server_record: Mapping[str, Any] | None = None,
                 etag: str | None = None) -> list[str]:
    """The server took the operation (2xx, or an uncertain one found applied): it leaves the outbox.

    For a create `server_record` (the server's answer, server ids) is required: its id becomes the
    record's server id. The record's merge base becomes the server's version; later unsent operations
    of the record get it as their base; operations blocked on this create become PENDING. Returns the
    op ids that were unblocked."""
    op = _require(connection, op_id, (OpState.IN_FLIGHT, OpState.UNCERTAIN, OpState.PENDING))
    spec = SPECS[op.entity_type]
    table = spec.table
    new_base: dict[str, Any] | None = None
    if op.kind == OpKind.CREATE:
        if not server_record or not server_record.get("id"):
            raise StoreError("A create is applied only with the server's record (its id).")
        server_id = str(server_record["id"])
        twin = connection.execute(select(table.c.local_id).where(
            table.c.server_id == server_id, table.c.local_id != op.entity_id)).scalar_one_or_none()
        if twin is not None:
            # A pull brought the record in before this answer: fold the copy into ours.
            _repoint(connection, op.entity_type, twin, op.entity_id)
            connection.execute(delete(table).where(table.c.local_id == twin))
        connection.execute(update(table).where(table.c.local_id == op.entity_id).values(server_id=server_id))
        if server_id != op.entity_id:
            # Records pulled before this answer may name the new record by its server id: point them here.
            _repoint(connection, op.entity_type, server_id, op.entity_id)
    connection.execute(_DELETE, {"op_id": op.op_id})
    if op.kind == OpKind.CREATE and server_record:
        _queue_untaken_fields(connection, spec, op, server_record)
    remaining = record_ops(connection, op.entity_type, op.entity_id)
    if op.kind in (OpKind.CREATE, OpKind.UPDATE):
        if server_record:
            new_base = apply_server_record(connection, spec, op.entity_id, server_record,
                                           _pending_fields(connection, op, remaining), etag, state_of(remaining))
        else:
            new_base = {**(stored_base(connection, spec, op.entity_id) or {}), **op.payload}
            values: dict[str, Any] = {"base": new_base, "sync_state": state_of(remaining).value}
            if etag is not None:
                values["etag"] = etag
            connection.execute(update(table).where(table.c.local_id == op.entity_id).values(values))
    elif op.kind == OpKind.DELETE:
        _remove_record(connection, op.entity_type, op.entity_id)
    elif op.kind in (OpKind.LINK, OpKind.UNLINK):
        if op.kind == OpKind.LINK:
            links = schema.value_links
            connection.execute(update(links).where(
                links.c.owner_type == op.entity_type.value, links.c.owner_id == op.entity_id,
                links.c.value_id == op.payload.get(LINK_VALUE)).values(server_linked=1))
        connection.execute(update(table).where(table.c.local_id == op.entity_id).values(
            sync_state=state_of(remaining).value))
    if new_base is not None:
        for later in remaining:
            if later.state in UNSENT and later.kind == OpKind.UPDATE:
                rebased = {**(later.base or {}), **{k: new_base.get(k) for k in later.payload if k in new_base}}
                if rebased != later.base:
                    connection.execute(update(ob).where(ob.c.op_id == later.op_id).values(base=rebased))
    unblocked: list[str] = []
    if op.kind == OpKind.CREATE:  # only creates are waited for
        for dependent in [_operation(r) for r in connection.execute(select(ob).where(ob.c.depends_on == op.op_id))]:
            _set_block(connection, dependent, dependent.payload)
            refresh_sync_state(connection, dependent.entity_type, [dependent.entity_id])
            if get(connection, dependent.op_id).state == OpState.PENDING:  # type: ignore[union-attr]
                unblocked.append(dependent.op_id)
    return unblocked


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def _queue_untaken_fields(connection: Connection, spec: EntitySpec, create_op: Operation,
                          server_record: Mapping[str, Any]) -> str | None:
    """A create endpoint may take fewer fields than the update (a docs-only POST /products takes title,
    description and category only: no category_id, brand_id, status): fields the create carried with a
    value that its answer lacks or leaves empty were not taken. They become an update of the record,
    queued after the create in the same transaction that applies its answer (a kill between the two
    loses nothing), and the row keeps the values (it is PENDING until the update is applied). A value the
    server answers differently (its normal form) is its word, as for any answer. Fields a later
    operation of the record carries are left to it (it holds the newer value). Returns the op id."""
    if not spec.can_update:
        return None
    theirs = local_fields(connection, spec.type, server_record)
    later = _pending_fields(connection, create_op)
    untaken = {name: value for name, value in create_op.payload.items()
               if name in spec.fields and name not in later and not _empty(value)
               and (name not in theirs or _empty(theirs[name]))}
    if not untaken:
        return None
    base = {name: theirs.get(name) for name in untaken}
    return _insert_op(connection, spec.type, create_op.entity_id, OpKind.UPDATE, untaken, base, create_op.batch_id)


_OP_KEYS_BY_ID = select(ob.c.op_id, ob.c.entity_type, ob.c.entity_id, ob.c.kind, ob.c.state).where(
    ob.c.op_id.in_(bindparam("ids", expanding=True)))
_OPS_OF_RECORDS = select(ob.c.entity_id, ob.c.op_id).where(
    ob.c.entity_type == bindparam("et"), ob.c.entity_id.in_(bindparam("ids", expanding=True)))
_DELETE_MANY = delete(ob).where(ob.c.op_id.in_(bindparam("ids", expanding=True)))
_CHUNK = 500  # ids per IN list (SQLite's default limit on variables is far above it)


def mark_applied_many(connection: Connection,
                      results: Iterable[tuple[str, Mapping[str, Any] | None, str | None]]) -> list[str]:
    """`mark_applied` for many answers in one transaction: (op_id, server_record, etag) each. With
    synchronous=FULL every commit waits for the disk, so an engine that batches its answers into one
    write per round saves a disk flush per operation. Returns the op ids unblocked.

    The common answer (an update whose record has no other operation, one answer per record in the
    batch) is written set-based: a few statements for the whole batch (one SELECT of the operations, one
    of the other operations of their records, one of the rows, one per referenced table, one executemany
    UPDATE of what changed in the rows, one DELETE) instead of about twenty per operation. Every other
    answer goes through `mark_applied`, in the order given, before them; the two sets touch different
    records."""
    items = list(results)
    if not items:
        return []
    ops: dict[str, _OpKey] = {}  # only what sorting the answers needs (no payload or base to decode)
    ids = list(dict.fromkeys(op_id for op_id, _, _ in items))
    for start in range(0, len(ids), _CHUNK):
        for op_id, entity_type, entity_id, kind, state in connection.execute(
                _OP_KEYS_BY_ID, {"ids": ids[start:start + _CHUNK]}):
            ops[op_id] = _OpKey(op_id, entity_type, entity_id, kind, state)
    per_record: dict[tuple[str, str], int] = {}
    for op_id, _, _ in items:
        key = ops.get(op_id)
        if key is not None:
            per_record[key.record] = per_record.get(key.record, 0) + 1
    busy = _records_with_other_ops(connection, per_record, set(ids))
    fast: dict[str, list[tuple[_OpKey, Mapping[str, Any], str | None]]] = {}
    slow: list[tuple[str, Mapping[str, Any] | None, str | None]] = []
    for op_id, record, etag in items:
        key = ops.get(op_id)
        if (key is not None and record and key.kind == OpKind.UPDATE.value and key.state in _APPLICABLE
                and per_record[key.record] == 1 and key.record not in busy):
            fast.setdefault(key.entity_type, []).append((key, record, etag))
        else:
            slow.append((op_id, record, etag))
    unblocked: list[str] = []
    for op_id, record, etag in slow:
        unblocked += mark_applied(connection, op_id, record, etag)
    for entity_type, answers in fast.items():
        _apply_lone_updates(connection, SPECS[EntityType(entity_type)], answers)
    return unblocked


_APPLICABLE = frozenset((OpState.IN_FLIGHT.value, OpState.UNCERTAIN.value, OpState.PENDING.value))


@dataclass(frozen=True, slots=True)
class _OpKey:
    """An operation as mark_applied_many sorts it: which record, what kind, what state."""

    op_id: str
    entity_type: str
    entity_id: str
    kind: str
    state: str

    @property
    def record(self) -> tuple[str, str]:
        return (self.entity_type, self.entity_id)


def _records_with_other_ops(connection: Connection, records: Mapping[tuple[str, str], int],
                            batch: set[str]) -> set[tuple[str, str]]:
    """The records (of `records`) that hold an operation outside `batch`."""
    busy: set[tuple[str, str]] = set()
    for entity_type in {et for et, _ in records}:
        entity_ids = [eid for et, eid in records if et == entity_type]
        for start in range(0, len(entity_ids), _CHUNK):
            for entity_id, op_id in connection.execute(
                    _OPS_OF_RECORDS, {"et": entity_type, "ids": entity_ids[start:start + _CHUNK]}):
                if op_id not in batch:
                    busy.add((entity_type, entity_id))
    return busy


def _apply_lone_updates(connection: Connection, spec: EntitySpec,
                        answers: list[tuple[_OpKey, Mapping[str, Any], str | None]]) -> None:
    """mark_applied of updates whose records have no other operation: nothing to keep, rebase or unblock;
    the row takes the server's version (apply_server_record's values) and is SYNCED.

    Only the columns whose value differs are written (most of a pushed record already holds what the
    server echoes): every column in an UPDATE's SET list costs the upkeep of the grid's sort indexes on
    it, five to ten times the cost of the row itself. The UPDATE goes to the driver as plain SQL with
    positional rows (SQLAlchemy's per-row parameter processing costs more than SQLite's work here)."""
    table = spec.table
    translator = IdTranslator(connection, spec, [record for _, record, _ in answers], to_local=True)
    columns = [*dict.fromkeys((*spec.create_fields, *spec.server_fields, "created_at", "updated_at", "base",
                               "server_id", "etag", "sync_state"))]
    columns = [name for name in columns if name in table.c]
    current: dict[str, dict[str, Any]] = {}
    local_ids = [op.entity_id for op, _, _ in answers]
    rows_of = select(table.c.local_id, *(table.c[name] for name in columns)).where(
        table.c.local_id.in_(bindparam("ids", expanding=True)))
    for start in range(0, len(local_ids), _CHUNK):
        for local_id, *row in connection.execute(rows_of, {"ids": local_ids[start:start + _CHUNK]}):
            current[local_id] = dict(zip(columns, row, strict=True))
    json_columns = {name for name in columns if isinstance(table.c[name].type, JSON)}
    by_columns: dict[tuple[str, ...], list[tuple[Any, ...]]] = {}
    for op, record, etag in answers:
        theirs = base_of(spec, translator.record(record))
        values: dict[str, Any] = dict(theirs)
        for name in spec.server_fields:
            if name in record:
                values[name] = record[name]
        if "created_at" in record:
            values["created_at"] = normalize_time(record["created_at"])
        if "updated_at" in record:
            values["updated_at"] = normalize_time(record["updated_at"])
        now = current.get(op.entity_id)
        values["base"] = {**((row_base(spec, now) if now is not None else None) or {}), **theirs}
        if etag is not None:
            values["etag"] = etag
        values["sync_state"] = SyncState.SYNCED.value
        if now is not None:
            values = {name: value for name, value in values.items() if name not in now or now[name] != value}
        if not values:
            continue
        names = tuple(values)
        by_columns.setdefault(names, []).append((
            *(_json_text(values[name]) if name in json_columns else values[name] for name in names),
            op.entity_id))
    for names, rows in by_columns.items():
        assignments = ", ".join(f'"{name}" = ?' for name in names)
        connection.exec_driver_sql(f'UPDATE "{table.name}" SET {assignments} WHERE local_id = ?', rows)
    op_ids = [op.op_id for op, _, _ in answers]
    for start in range(0, len(op_ids), _CHUNK):
        connection.execute(_DELETE_MANY, {"ids": op_ids[start:start + _CHUNK]})


def _json_text(value: Any) -> str | None:
    """A JSON column's value as the store's engine writes it (compact, UTF-8 kept)."""
    return None if value is None else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


# -- conflicts -----------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class ConflictRow:
    id: int
    entity_type: EntityType
    entity_id: str
    op_id: str | None
    field: str
    base: Any
    mine: Any
    theirs: Any
    theirs_by: str | None
    theirs_at: str | None
    resolved: bool
    resolution: str | None
    created_at: str


def _conflict(row: Any) -> ConflictRow:
    m = row._mapping
    return ConflictRow(
        id=m["id"], entity_type=EntityType(m["entity_type"]), entity_id=m["entity_id"], op_id=m["op_id"],
        field=m["field"], base=m["base"], mine=m["mine"], theirs=m["theirs"], theirs_by=m["theirs_by"],
        theirs_at=m["theirs_at"], resolved=bool(m["resolved"]), resolution=m["resolution"],
        created_at=m["created_at"],
    )


def open_conflicts(connection: Connection, entity_type: EntityType | str | None = None,
                   entity_id: str | None = None) -> list[ConflictRow]:
    c = schema.conflicts
    statement = select(c).where(c.c.resolved == 0).order_by(c.c.id)
    if entity_type is not None:
        statement = statement.where(c.c.entity_type == str(entity_type))
    if entity_id is not None:
        statement = statement.where(c.c.entity_id == entity_id)
    return [_conflict(r) for r in connection.execute(statement)]


def record_conflict(connection: Connection, entity_type: EntityType, entity_id: str, op_id: str | None,
                    field_name: str, base: Any, mine: Any, theirs: Any, theirs_by: str | None = None,
                    theirs_at: str | None = None) -> None:
    """One open conflict per record and field: a newer clash on the same field updates it (the user
    sees each conflicting field once)."""
    c = schema.conflicts
    existing = connection.execute(select(c.c.id).where(
        c.c.entity_type == entity_type.value, c.c.entity_id == entity_id, c.c.field == field_name,
        c.c.resolved == 0)).scalar_one_or_none()
    values = {"op_id": op_id, "base": base, "mine": mine, "theirs": theirs, "theirs_by": theirs_by,
              "theirs_at": theirs_at}
    if existing is None:
        connection.execute(insert(c).values(entity_type=entity_type.value, entity_id=entity_id,
                                            field=field_name, created_at=now_iso(), **values))
    else:
        connection.execute(update(c).where(c.c.id == existing).values(values))


@dataclass(frozen=True, slots=True)
class ConflictOutcome:
    fields: list[str]  # the conflicting fields (empty: merged cleanly, the operation is PENDING again)
    state: OpState


def mark_conflict(connection: Connection, op_id: str, theirs: Mapping[str, Any] | None,
                  theirs_by: str | None = None, theirs_at: str | None = None,
                  etag: str | None = None) -> ConflictOutcome:
    """The server's record changed since the operation's base (412, or a GET before a PUT showed it),
    or is gone (404 on PUT: `theirs` None). Merges per field: fields only the server changed are taken,
    identical changes are dropped from the operation, real clashes become conflict rows and the
    operation waits in CONFLICT. `theirs` is the server's record in server ids."""
    op = _require(connection, op_id, (OpState.IN_FLIGHT, OpState.UNCERTAIN, *UNSENT, OpState.CONFLICT))
    spec = SPECS[op.entity_type]
    table = spec.table
    if theirs is None:
        connection.execute(update(table).where(table.c.local_id == op.entity_id).values(remote_deleted=1))
        record_conflict(connection, op.entity_type, op.entity_id, op.op_id, WHOLE_RECORD, op.base,
                        op.payload, None, theirs_by, theirs_at)
        _set_state(connection, op, OpState.CONFLICT, last_error="The record was deleted on the server.")
        return ConflictOutcome([WHOLE_RECORD], OpState.CONFLICT)
    theirs_local = apply_server_record(connection, spec, op.entity_id, theirs,
                                       _pending_fields(connection, op) | set(op.payload), etag)
    fields = list(op.payload)
    result = merge_fields(comparable(spec, op.base or {}), comparable(spec, op.payload),
                          comparable(spec, theirs_local), fields)
    payload = dict(op.payload)
    for name in result.same_change:
        del payload[name]
    for name in result.conflicts:
        record_conflict(connection, op.entity_type, op.entity_id, op.op_id, name, (op.base or {}).get(name, None),
                        payload[name], theirs_local.get(name), theirs_by, theirs_at)
    new_base = {name: theirs_local.get(name) for name in payload}
    if not payload and op.kind == OpKind.UPDATE:
        connection.execute(delete(ob).where(ob.c.op_id == op.op_id))
        refresh_sync_state(connection, op.entity_type, [op.entity_id])
        return ConflictOutcome([], OpState.PENDING)
    keep_state = op.state if op.state == OpState.BLOCKED else OpState.PENDING
    # A clash the person has not decided yet stays open even when this merge sees none (its base already
    # moved to the server's value when the clash was found): sending now would drop their decision.
    undecided = set(connection.execute(select(schema.conflicts.c.field).where(
        schema.conflicts.c.op_id == op.op_id, schema.conflicts.c.resolved == 0)).scalars()) & set(payload)
    state = OpState.CONFLICT if result.conflicts or undecided else keep_state
    result.conflicts += sorted(undecided - set(result.conflicts))
    connection.execute(update(ob).where(ob.c.op_id == op.op_id).values(
        payload=payload, base=new_base, state=state.value, updated_at=now_iso(),
        last_error="Changed here and on the server." if result.conflicts else None))
    refresh_sync_state(connection, op.entity_type, [op.entity_id])
    return ConflictOutcome(result.conflicts, state)


def mark_delete_conflict(connection: Connection, op_id: str, theirs: Mapping[str, Any],
                         etag: str | None = None, theirs_by: str | None = None,
                         theirs_at: str | None = None) -> ConflictOutcome:
    """A delete met 412: the server's record changed since the base this copy deleted. The row takes
    the server's version (still hidden here). When a settable field differs from the base, a person
    decides (one DELETED_HERE conflict: keep mine deletes it anyway, take theirs keeps the server's
    version and drops the delete); when only values the server computes moved (a quality score, the
    time stamp), nobody changed what was deleted and the delete goes again at once with the new ETag.
    `theirs` is the server's record in server ids."""
    op = _require(connection, op_id, (OpState.IN_FLIGHT, OpState.UNCERTAIN, *UNSENT, OpState.CONFLICT))
    if op.kind != OpKind.DELETE:
        raise StoreError(f"Operation {op_id} is a {op.kind.value}, not a delete.")
    spec = SPECS[op.entity_type]
    base = op.base if op.base is not None else stored_base(connection, spec, op.entity_id)
    theirs_local = apply_server_record(connection, spec, op.entity_id, theirs, _pending_fields(connection, op),
                                       etag)
    changed = sorted(name for name, value in theirs_local.items()
                     if base is None or not same_value(spec, name, value, base.get(name)))
    values: dict[str, Any] = {"base": theirs_local, "updated_at": now_iso()}
    if not changed:
        connection.execute(update(ob).where(ob.c.op_id == op.op_id).values(
            state=OpState.PENDING.value, next_attempt_at=None, last_error=None, **values))
        refresh_sync_state(connection, op.entity_type, [op.entity_id])
        return ConflictOutcome([], OpState.PENDING)
    record_conflict(connection, op.entity_type, op.entity_id, op.op_id, DELETED_HERE,
                    {name: (base or {}).get(name) for name in changed}, None,
                    {name: theirs_local.get(name) for name in changed}, theirs_by, theirs_at)
    connection.execute(update(ob).where(ob.c.op_id == op.op_id).values(
        state=OpState.CONFLICT.value, last_error="Deleted here and changed on the server.", **values))
    refresh_sync_state(connection, op.entity_type, [op.entity_id])
    return ConflictOutcome([DELETED_HERE], OpState.CONFLICT)


def resolve_conflict(connection: Connection, conflict_id: int, choice: str, value: Any = MISSING) -> None:
    """The user decides one conflicting field: "mine" (send the local value), "theirs" (take the
    server's), or "value" (send `value`). When no conflict of the operation is left open it is PENDING.
    For a record deleted on the server: "theirs" removes it here too, "mine" makes it a new record."""
    c = schema.conflicts
    row = connection.execute(select(c).where(c.c.id == conflict_id, c.c.resolved == 0)).first()
    if row is None:
        raise EditError(f"No open conflict {conflict_id}.")
    conflict = _conflict(row)
    if choice not in ("mine", "theirs", "value"):
        raise EditError(f"{choice!r} is not a way to resolve a conflict (mine, theirs or value).")
    if choice == "value" and value is MISSING:
        raise EditError("Resolving with a new value needs the value.")
    if choice == "value" and conflict.field == DELETED_HERE:
        raise EditError("A record deleted here has no value to choose: keep mine (delete it on the server "
                        "too) or take theirs (keep the server's version).")
    spec = SPECS[conflict.entity_type]
    op = get(connection, conflict.op_id) if conflict.op_id else None
    connection.execute(update(c).where(c.c.id == conflict_id).values(
        resolved=1, resolution=choice, resolved_at=now_iso()))
    if conflict.field == DELETED_HERE:
        _resolve_local_delete(connection, conflict, op, choice)
        return
    if conflict.field == WHOLE_RECORD:
        _resolve_remote_delete(connection, spec, conflict, choice)
        return
    if op is not None:
        payload = dict(op.payload)
        if choice == "theirs":
            payload.pop(conflict.field, None)
            connection.execute(update(spec.table).where(spec.table.c.local_id == conflict.entity_id).values(
                {conflict.field: conflict.theirs}))
        elif choice == "value":
            payload[conflict.field] = value
            connection.execute(update(spec.table).where(spec.table.c.local_id == conflict.entity_id).values(
                {conflict.field: value}))
        still_open = connection.execute(select(func.count()).select_from(c).where(
            c.c.op_id == op.op_id, c.c.resolved == 0)).scalar_one()
        values: dict[str, Any] = {"payload": payload, "updated_at": now_iso()}
        if not still_open:
            values.update(state=OpState.PENDING.value, next_attempt_at=None, last_error=None)
        if not payload and op.kind == OpKind.UPDATE and not still_open:
            connection.execute(delete(ob).where(ob.c.op_id == op.op_id))
        else:
            connection.execute(update(ob).where(ob.c.op_id == op.op_id).values(values))
    refresh_sync_state(connection, conflict.entity_type, [conflict.entity_id])


def _resolve_local_delete(connection: Connection, conflict: ConflictRow, op: Operation | None, choice: str) -> None:
    """Keep mine: the delete goes again (with the ETag of the version the person saw). Take theirs: the
    delete is dropped and the record, already holding the server's version, shows again."""
    if op is None:
        return
    if choice == "mine":
        connection.execute(update(ob).where(ob.c.op_id == op.op_id).values(
            state=OpState.PENDING.value, next_attempt_at=None, last_error=None, updated_at=now_iso()))
        refresh_sync_state(connection, conflict.entity_type, [conflict.entity_id])
    else:
        # The person chose the server's version over their delete: edits the delete had made moot stay gone.
        discard(connection, op.op_id, restore_superseded=False)


def _resolve_remote_delete(connection: Connection, spec: EntitySpec, conflict: ConflictRow, choice: str) -> None:
    table = spec.table
    ops = record_ops(connection, spec.type, conflict.entity_id)
    if choice == "theirs":
        connection.execute(delete(ob).where(ob.c.op_id.in_([o.op_id for o in ops if o.state != OpState.IN_FLIGHT])))
        _remove_record(connection, spec.type, conflict.entity_id)
        return
    # Keep mine: the record becomes a new one, sent as a create with every field it has now.
    row = connection.execute(select(table).where(table.c.local_id == conflict.entity_id)).mappings().first()
    if row is None:
        return
    connection.execute(delete(ob).where(ob.c.op_id.in_([o.op_id for o in ops if o.state != OpState.IN_FLIGHT])))
    connection.execute(update(table).where(table.c.local_id == conflict.entity_id).values(
        server_id=None, base=None, etag=None, remote_deleted=0))
    payload = {name: row[name] for name in spec.create_fields if row[name] is not None}
    _insert_op(connection, spec.type, conflict.entity_id, OpKind.CREATE, payload, None, None)
    refresh_sync_state(connection, spec.type, [conflict.entity_id])


# -- the user's side: discard and revert ----------------------------------------------------------------

def dependents(connection: Connection, op_id: str) -> list[Operation]:
    """Operations blocked on this one (discarding a create discards them too)."""
    found: list[Operation] = []
    frontier = [op_id]
    while frontier:
        rows = connection.execute(select(ob).where(ob.c.depends_on.in_(frontier))).all()
        frontier = []
        for row in rows:
            op = _operation(row)
            found.append(op)
            frontier.append(op.op_id)
    return found


def discard(connection: Connection, op_id: str, *, restore_superseded: bool = True) -> list[str]:
    """Drop an operation the user gave up on (never one IN_FLIGHT) and undo its local effect: a create
    removes the local record (and what was blocked on it), an update puts the server's values back,
    a delete brings the record back as it was before the delete (the unsent edits it made moot are
    queued again unless `restore_superseded` is False), a link or unlink is undone. Returns every op id
    removed."""
    op = _require(connection, op_id, (*UNSENT, OpState.UNCERTAIN, OpState.CONFLICT, OpState.REJECTED))
    spec = SPECS[op.entity_type]
    table = spec.table
    removed = [op.op_id]
    if op.kind == OpKind.CREATE:
        for dependent in dependents(connection, op.op_id):
            if dependent.state != OpState.IN_FLIGHT:
                removed += discard(connection, dependent.op_id) if get(connection, dependent.op_id) else []
        others = [o.op_id for o in record_ops(connection, op.entity_type, op.entity_id)
                  if o.state != OpState.IN_FLIGHT]
        connection.execute(delete(ob).where(ob.c.op_id.in_(others)))
        removed += [o for o in others if o not in removed]
        _remove_record(connection, op.entity_type, op.entity_id)
    else:
        connection.execute(delete(ob).where(ob.c.op_id == op.op_id))
        if op.kind == OpKind.UPDATE:
            base = stored_base(connection, SPECS[op.entity_type], op.entity_id)
            later = _pending_fields(connection, op)
            restore = {name: (base or {}).get(name) for name in op.payload if name not in later}
            if restore:
                connection.execute(update(table).where(table.c.local_id == op.entity_id).values(restore))
        elif op.kind == OpKind.DELETE:
            connection.execute(update(table).where(table.c.local_id == op.entity_id).values(deleted=0))
            if restore_superseded:
                _requeue_superseded(connection, spec, op)
        elif op.kind in (OpKind.LINK, OpKind.UNLINK):
            links = schema.value_links
            where = (links.c.owner_type == op.entity_type.value, links.c.owner_id == op.entity_id,
                     links.c.value_id == op.payload.get(LINK_VALUE))
            if op.kind == OpKind.LINK:
                connection.execute(delete(links).where(*where))
            else:
                connection.execute(insert(links).prefix_with("OR IGNORE").values(
                    owner_type=op.entity_type.value, owner_id=op.entity_id,
                    value_id=op.payload.get(LINK_VALUE), server_linked=1))
        c = schema.conflicts
        connection.execute(update(c).where(c.c.op_id == op.op_id, c.c.resolved == 0).values(
            resolved=1, resolution="discarded", resolved_at=now_iso()))
        refresh_sync_state(connection, op.entity_type, [op.entity_id])
    return removed


def revert_record(connection: Connection, entity_type: EntityType | str, local_id: str) -> list[str]:
    """Give up every local change of a record that is not in flight: back to the server's version. An
    unsent delete is the exception that undo relies on: giving it up brings the record back as it was
    before the delete, so the edits the delete had made moot are queued again (a second revert gives
    those up)."""
    spec = spec_for(entity_type)
    removed: list[str] = []
    for op in reversed(record_ops(connection, spec.type, local_id)):
        if op.state != OpState.IN_FLIGHT and get(connection, op.op_id) is not None:
            removed += discard(connection, op.op_id)
    return removed


def adopt(connection: Connection, op_id: str, server_id: str) -> list[str]:
    """The user says: the server record `server_id` is the one this UNCERTAIN create made (the lost
    answer's record, found by the user among the candidates the lookup named). The create is applied
    with that id. When a pull already brought that record in as a separate row, the row's merge base is
    the server's version and the two rows become one (mark_applied folds the copy into this record);
    otherwise what the create sent is taken as the server's version until the next pull. Returns the op
    ids unblocked (operations that waited for this create)."""
    op = _require(connection, op_id, (OpState.UNCERTAIN,))
    if op.kind != OpKind.CREATE:
        raise StoreError("Only a create whose outcome is unknown can be adopted; send the others again.")
    server_id = server_id.strip()
    if not server_id:
        raise StoreError("Adopting needs the server's id of the record.")
    table = SPECS[op.entity_type].table
    twin = connection.execute(select(table.c.local_id).where(
        table.c.server_id == server_id, table.c.local_id != op.entity_id)).scalar()
    twin_base = stored_base(connection, SPECS[op.entity_type], twin) if twin is not None else None
    known = twin_base or op.payload
    body, _unresolved = server_payload(connection, op.entity_type, known)
    return mark_applied(connection, op.op_id, {**body, "id": server_id})


def fix(connection: Connection, op_id: str, changes: Mapping[str, Any]) -> None:
    """The user corrects what a REJECTED create or update carries and sends it again: the new values go
    into the operation (same Idempotency-Key for a create: the server never took it) and into the row,
    unless a later edit of the record already changed that field (the later edit wins on the row)."""
    op = _require(connection, op_id, (OpState.REJECTED,))
    if op.kind not in (OpKind.CREATE, OpKind.UPDATE):
        raise StoreError("Only a refused create or update carries values to fix; retry or discard it.")
    spec = SPECS[op.entity_type]
    unknown = [name for name in changes if name not in spec.create_fields]
    if unknown:
        raise EditError(f"{spec.type.value} has no field {', '.join(sorted(unknown))}.")
    values = {name: normalize(spec, name, value) for name, value in changes.items()}
    connection.execute(update(ob).where(ob.c.op_id == op_id).values(
        payload={**op.payload, **values}, updated_at=now_iso()))
    later = _pending_fields(connection, op)
    row_values = {name: value for name, value in values.items() if name not in later}
    if row_values:
        connection.execute(update(spec.table).where(spec.table.c.local_id == op.entity_id).values(row_values))
    retry(connection, op_id)
