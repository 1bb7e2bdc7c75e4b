"""Reconciliation of UNCERTAIN operations, before anything is sent again.

An operation is UNCERTAIN when its request went out and the answer never came (a dropped connection, a
killed app). Updates, deletes and links are safe to send again (an update re-sent with its old If-Match
meets 412 and merges to nothing; a delete meets 404 and is done), so they go back to PENDING. A create
must not be doubled:
- on a server with the Idempotency-Key extension it is replayed with the key it was first sent with (the
  server answers with the first result and creates nothing), within the key's 24 hours;
- otherwise it is looked up by its natural key (category and attribute `slug`, brand `name`, media `url`
  and owner, a variant's `sku` under its product) and adopted if found, sent again if not;
- a product has no natural key: it is matched by title among the products created since the attempt;
  exactly one match is adopted, none means send again, several are left for the user (`adopt` or
  `send_again`), as is anything that cannot be checked on this server.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from synq_desktop.api import Ext, SynqClient, SynqError
from synq_desktop.store import outbox
from synq_desktop.store.entities import SPECS, server_payload
from synq_desktop.store.states import EntityType, OpKind, OpState
from synq_desktop.store.timestamps import normalize_time
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync import record_calls
from synq_desktop.sync.progress import ProgressHub

log = logging.getLogger("synq_desktop.sync")

AMBIGUOUS = "The outcome is unknown and could not be settled automatically"
IDEMPOTENCY_WINDOW = timedelta(hours=23)  # the server keeps keys 24 h; stay clear of the edge
CLOCK_SLACK = timedelta(minutes=5)  # the server's clock may differ from ours


@dataclass(slots=True)
class ReconcileReport:
    replayed: int = 0  # creates sent again with their key, and non-creates made PENDING again
    adopted: int = 0
    resend: int = 0  # lookups that found nothing: sent again
    ambiguous: list[str] = field(default_factory=list)  # op ids left for the user


def _age(sent_at: str | None) -> timedelta:
    if not sent_at:
        return timedelta(0)
    try:
        sent = datetime.strptime(sent_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return timedelta(0)
    return datetime.now(UTC) - sent


def _open_uncertain(connection: Connection) -> list[outbox.Operation]:
    return [op for op in outbox.operations(connection, [OpState.UNCERTAIN])
            if not (op.last_error or "").startswith(AMBIGUOUS)]


def _lookup_context(connection: Connection, op: outbox.Operation) -> tuple[dict[str, Any], set[str]]:
    """The create's body in server ids, and the server ids this copy already holds for that type."""
    body, _ = server_payload(connection, op.entity_type, op.payload)
    table = SPECS[op.entity_type].table
    known = set(connection.execute(select(table.c.server_id).where(
        table.c.server_id.is_not(None), table.c.local_id != op.entity_id)).scalars())
    return body, known


def _send_again_later(connection: Connection, op: outbox.Operation, reason: str) -> None:
    """Back to PENDING, due after a backoff that grows with the attempts: a server that keeps losing
    answers never makes the push spin."""
    from synq_desktop.sync.push import backoff_seconds

    outbox.mark_retry(connection, op.op_id, reason, backoff_seconds(op.attempts) if op.attempts > 1 else 0.0)


async def reconcile(working_copy: WorkingCopy, client: SynqClient,
                    hub: ProgressHub | None = None) -> ReconcileReport:
    """Settle every UNCERTAIN operation that is not already waiting for the user."""
    hub = hub or ProgressHub()
    report = ReconcileReport()
    ops = await working_copy.read(_open_uncertain)
    ext = client.capabilities.ext if client.capabilities is not None else frozenset()
    for done, op in enumerate(ops):
        hub.emit("reconcile", done, len(ops))
        if op.kind != OpKind.CREATE or (Ext.IDEMPOTENCY in ext and _age(op.sent_at) < IDEMPOTENCY_WINDOW):
            await working_copy.write(_send_again_later, op, "sent again with its Idempotency-Key"
                                     if op.kind == OpKind.CREATE else "sent again after a lost answer")
            report.replayed += 1
            continue
        try:
            outcome = await _look_up(working_copy, client, op, ext)
        except SynqError as exc:
            log.info("lookup of an uncertain create failed (%s); tried again next sync", exc)
            continue
        if outcome is None:
            await working_copy.write(_send_again_later, op, "not found on the server: sent again")
            report.resend += 1
        elif isinstance(outcome, str):
            await working_copy.write(outbox.mark_uncertain, op.op_id, f"{AMBIGUOUS}: {outcome}")
            report.ambiguous.append(op.op_id)
        else:
            await working_copy.write(outbox.mark_applied, op.op_id, outcome)
            report.adopted += 1
    hub.emit("reconcile", len(ops), len(ops))
    return report


async def _look_up(working_copy: WorkingCopy, client: SynqClient, op: outbox.Operation,
                   ext: frozenset[str]) -> dict[str, Any] | str | None:
    """The server's record this create made (dict), None when it surely made none, or a reason (str)
    why a person must decide."""
    body, known = await working_copy.read(_lookup_context, op)
    et = op.entity_type

    def fresh(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in records if str(r.get("id")) not in known]

    if et in (EntityType.CATEGORY, EntityType.ATTRIBUTE):
        lister = client.list_categories if et == EntityType.CATEGORY else client.list_attributes
        found = fresh([record_calls.dump(r) async for r in lister() if r.slug == body.get("slug")])
        return found[0] if found else None
    if et == EntityType.BRAND:
        found = fresh([record_calls.dump(r) async for r in client.list_brands() if r.name == body.get("name")])
        return found[0] if found else None
    if et == EntityType.MEDIA:
        found = fresh([record_calls.dump(r) async for r in client.list_media(product_id=body.get("product_id"))
                       if r.url == body.get("url") and (r.variant_id or None) == (body.get("variant_id") or None)])
        return found[0] if found else None
    if et == EntityType.ATTRIBUTE_VALUE and Ext.ATTRIBUTE_VALUES in ext:
        wanted = body.get("slug") or body.get("value")
        found = fresh([record_calls.dump(r) async for r in client.list_attribute_values(str(body["attribute_id"]))
                       if wanted in (r.slug, r.value)])
        return found[0] if found else None
    if et == EntityType.VARIANT and Ext.VARIANTS in ext and body.get("sku"):
        found = fresh([record_calls.dump(r) async for r in client.list_product_variants(str(body["product_id"]))
                       if r.sku == body.get("sku")])
        if len(found) > 1:
            return f"{len(found)} variants with this SKU exist under the product"
        return found[0] if found else None
    if et == EntityType.PRODUCT:
        return await _match_product(client, op, body, known)
    return "this server offers no way to check whether it was created; adopt it or send it again"


async def _match_product(client: SynqClient, op: outbox.Operation, body: dict[str, Any],
                         known: set[str]) -> dict[str, Any] | str | None:
    since = normalize_time(op.sent_at) or ""
    sent = datetime.strptime(since, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) if since else None
    floor = (sent - CLOCK_SLACK) if sent else None
    candidates: list[dict[str, Any]] = []
    async for record in client.list_products(updated_since=floor):
        if record.title != body.get("title") or str(record.id) in known:
            continue
        stamp = record.created_at or record.updated_at
        if floor is not None and stamp is not None and stamp < floor:
            continue
        candidates.append(record_calls.dump(record))
    full: list[dict[str, Any]] = []
    for candidate in candidates:
        record, _ = await record_calls.fetch(client, EntityType.PRODUCT, str(candidate["id"]))
        if record is None:
            continue
        created = record.get("created_at")
        if floor is not None and created and (normalize_time(created) or "") < (normalize_time(floor) or ""):
            continue
        full.append(record)
    if len(full) == 1:
        return full[0]
    if not full:
        return None
    ids = ", ".join(str(r["id"]) for r in full[:5])
    return f"{len(full)} products titled {body.get('title')!r} were created since the attempt ({ids})"


async def adopt(working_copy: WorkingCopy, client: SynqClient, op_id: str, server_id: str) -> None:
    """The user says: this server record is the one my uncertain create made."""
    op = await working_copy.read(outbox.get, op_id)
    if op is None:
        raise ValueError(f"no operation {op_id}")
    record, etag = await record_calls.fetch(client, op.entity_type, server_id)
    if record is None:
        raise ValueError(f"the server has no {op.entity_type.value} {server_id}")
    await working_copy.write(outbox.mark_applied, op_id, record, etag)


async def send_again(working_copy: WorkingCopy, op_id: str) -> None:
    """The user says: it was not created; send it again (with the same Idempotency-Key)."""
    await working_copy.write(outbox.retry, op_id)
