"""A randomized model check of the outbox: edits, coalescing, blocking, lost answers and restarts, driven
against an in-process model of the server. After everything is sent, the server must equal the working
copy, with no duplicate and no lost field edit. Seeded and deterministic, so a failure replays;
SYNQ_MODEL_SEEDS=200 runs a longer sample than the default 12."""
from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.entities import server_payload
from synq_desktop.store.errors import EditError
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.states import OpKind, OpState
from synq_desktop.store.working_copy import WorkingCopy

GONE: dict[str, Any] = {"gone": True}


class ModelServer:
    """Applies operations as the API would; remembers Idempotency-Keys so a replay creates nothing."""

    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.kinds: dict[str, E] = {}
        self.keys: dict[str, dict[str, Any]] = {}
        self.counter = 0

    def apply(self, connection: Any, group: outbox.RecordOps, op: outbox.Operation) -> dict[str, Any] | None:
        payload, missing = server_payload(connection, op.entity_type, op.payload)
        assert not missing, f"{op.kind} of {op.entity_type} sent before its parent existed: {missing}"
        if op.kind == OpKind.CREATE:
            if op.idempotency_key in self.keys:
                return dict(self.keys[op.idempotency_key])
            if op.entity_type == E.VARIANT:
                assert payload["product_id"] in self.records, "variant under a product the server lacks"
            self.counter += 1
            record = {"id": f"s{self.counter}", **payload}
            self.records[record["id"]] = record
            self.kinds[record["id"]] = op.entity_type
            self.keys[op.idempotency_key] = dict(record)
            return dict(record)
        server_id = group.server_id
        assert server_id is not None, "an update or delete was sent before the record's create"
        if server_id not in self.records:
            return GONE  # 404: deleted meanwhile (a variant goes with its product)
        if op.kind == OpKind.UPDATE:
            self.records[server_id].update(payload)
            return dict(self.records[server_id])
        if op.kind == OpKind.DELETE:
            for child in [k for k, v in self.records.items() if v.get("product_id") == server_id]:
                del self.records[child]
            del self.records[server_id]
        return None


def sync_some(wc: WorkingCopy, server: ModelServer, rng: random.Random, lose_answers: bool) -> None:
    groups = wc.read_blocking(outbox.ready, rng.randint(1, 5))
    ops = [(g, g.ops[0]) for g in groups]  # one op per record per round, like the engine's ordering
    wc.write_blocking(outbox.mark_in_flight, [op.op_id for _, op in ops])
    for group, op in ops:
        answer = wc.read_blocking(server.apply, group, op)
        if lose_answers and rng.random() < 0.2:
            wc.write_blocking(outbox.mark_uncertain, op.op_id, "answer lost")
            continue
        settle(wc, op, answer)


def settle(wc: WorkingCopy, op: outbox.Operation, answer: dict[str, Any] | None) -> None:
    if answer is GONE and op.kind == OpKind.DELETE:
        answer = None  # already gone: the delete is done
    if answer is GONE:  # an edit met a remote delete: a conflict; the user here takes the delete
        wc.write_blocking(outbox.mark_conflict, op.op_id, None)
        for conflict in wc.read_blocking(outbox.open_conflicts, op.entity_type, op.entity_id):
            wc.write_blocking(outbox.resolve_conflict, conflict.id, "theirs")
        return
    wc.write_blocking(outbox.mark_applied, op.op_id, answer)


def reconcile_uncertain(wc: WorkingCopy, server: ModelServer) -> None:
    """Replay each uncertain operation (same Idempotency-Key): the server answers without doing it twice."""
    for op in wc.read_blocking(outbox.operations, [OpState.UNCERTAIN]):
        if wc.read_blocking(outbox.get, op.op_id) is None:
            continue  # settled with another record meanwhile (a variant of a product taken as deleted)
        group = _group_of(wc, op)
        settle(wc, op, wc.read_blocking(server.apply, group, op))


def _group_of(wc: WorkingCopy, op: outbox.Operation) -> outbox.RecordOps:
    table = schema.products if op.entity_type == E.PRODUCT else schema.variants
    server_id = wc.read_blocking(lambda c: c.execute(select(table.c.server_id).where(
        table.c.local_id == op.entity_id)).scalar_one_or_none())
    return outbox.RecordOps(op.entity_type, op.entity_id, server_id, [op])


def random_edit(wc: WorkingCopy, rng: random.Random, n: int) -> None:
    def live(table: Any) -> list[str]:
        return wc.read_blocking(lambda c: list(c.execute(select(table.c.local_id).where(
            table.c.deleted == 0).order_by(table.c.local_id)).scalars()))

    products, variants = live(schema.products), live(schema.variants)
    choice = rng.random()
    try:
        if choice < 0.25 or not products:
            wc.write_blocking(edits.create, E.PRODUCT, {"title": f"P{n}", "description": f"D{n}"},
                              local_id=f"local-p{n:03d}")
        elif choice < 0.55:
            field = rng.choice(["title", "description"])
            wc.write_blocking(edits.update, E.PRODUCT, rng.choice(products), {field: f"{field}{n}"})
        elif choice < 0.62:
            wc.write_blocking(edits.delete, E.PRODUCT, rng.choice(products))
        elif choice < 0.80 or not variants:
            wc.write_blocking(edits.create, E.VARIANT, {"product_id": rng.choice(products), "sku": f"S{n}",
                                                         "price": f"{n}.50", "currency": "EUR"},
                              local_id=f"local-v{n:03d}")
        elif choice < 0.95:
            wc.write_blocking(edits.update, E.VARIANT, rng.choice(variants), {"sku": f"S{n}x", "price": n})
        else:
            wc.write_blocking(edits.delete, E.VARIANT, rng.choice(variants))
    except EditError:
        pass  # e.g. deleting a synced variant: refused, as it must be


@pytest.mark.parametrize("seed", range(int(os.environ.get("SYNQ_MODEL_SEEDS", "12"))))
def test_everything_reaches_the_server_once(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    server = ModelServer()
    path = tmp_path / "catalog.sqlite"
    wc = WorkingCopy.open(path)
    try:
        for n in range(60):
            step = rng.random()
            if step < 0.6:
                random_edit(wc, rng, n)
            elif step < 0.9:
                sync_some(wc, server, rng, lose_answers=True)
            else:  # the app restarts: IN_FLIGHT would become UNCERTAIN; then the engine reconciles
                wc.close()
                wc = WorkingCopy.open(path)
                reconcile_uncertain(wc, server)
        reconcile_uncertain(wc, server)
        for _ in range(200):
            if not wc.read_blocking(outbox.ready):
                break
            sync_some(wc, server, rng, lose_answers=False)
        assert wc.read_blocking(outbox.operations) == []

        def local(table: Any, fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
            rows = wc.read_blocking(lambda c: c.execute(select(table).where(table.c.deleted == 0)).mappings().all())
            return {r["server_id"]: {f: r[f] for f in fields} for r in rows}

        products = local(schema.products, ("title", "description"))
        variants = local(schema.variants, ("sku", "price"))
        assert None not in products and None not in variants  # everything made here got its server id
        remote_products = {k: {f: v.get(f) for f in ("title", "description")}
                           for k, v in server.records.items() if server.kinds[k] == E.PRODUCT}
        remote_variants = {k: {f: v.get(f) for f in ("sku", "price")}
                           for k, v in server.records.items() if server.kinds[k] == E.VARIANT}
        assert products == remote_products
        assert variants == remote_variants
    finally:
        wc.close()


def push_with_precondition(wc: WorkingCopy, server: ModelServer, rng: random.Random) -> None:
    """Like the engine on a server without ETags: before a PUT, compare the server's record with the
    operation's base; a field changed there too is merged (and may become a conflict)."""
    from synq_desktop.store.entities import local_fields

    groups = wc.read_blocking(outbox.ready, rng.randint(1, 5))
    ops = [(g, g.ops[0]) for g in groups]
    wc.write_blocking(outbox.mark_in_flight, [op.op_id for _, op in ops])
    for group, op in ops:
        undecided = [c for c in wc.read_blocking(outbox.open_conflicts, op.entity_type, op.entity_id)
                     if c.op_id == op.op_id]
        assert not undecided, "an operation was sent while the person still had to decide a clash"
        if op.kind == OpKind.UPDATE and group.server_id in server.records:
            current = dict(server.records[group.server_id])
            theirs = wc.read_blocking(local_fields, op.entity_type, current)
            if any(theirs.get(f) != (op.base or {}).get(f) for f in op.payload):
                wc.write_blocking(outbox.mark_conflict, op.op_id, current, "other@example.com")
                continue
        settle(wc, op, wc.read_blocking(server.apply, group, op))


def pull_all(wc: WorkingCopy, server: ModelServer) -> None:
    from synq_desktop.store import pull

    for kind in (E.PRODUCT, E.VARIANT):
        records = [dict(r) for k, r in server.records.items() if server.kinds[k] == kind]
        wc.write_blocking(pull.upsert_server_records, kind, records)
        gone = set(wc.read_blocking(pull.local_server_ids, kind)) - {r["id"] for r in records}
        wc.write_blocking(pull.mark_remote_deleted, kind, sorted(gone))


def resolve_some(wc: WorkingCopy, rng: random.Random, everything: bool = False) -> None:
    for conflict in wc.read_blocking(outbox.open_conflicts):
        if not (everything or rng.random() < 0.5):
            continue
        choice = rng.choice(["mine", "theirs"]) if conflict.field != outbox.WHOLE_RECORD else "theirs"
        try:
            wc.write_blocking(outbox.resolve_conflict, conflict.id, choice)
        except EditError:
            pass  # settled meanwhile with another conflict of the same record


@pytest.mark.parametrize("seed", range(int(os.environ.get("SYNQ_MODEL_SEEDS", "12"))))
def test_two_editors_converge_and_every_clash_is_shown(tmp_path: Path, seed: int) -> None:
    rng = random.Random(1000 + seed)
    server = ModelServer()
    wc = WorkingCopy.open(tmp_path / "catalog.sqlite")
    try:
        for n in range(60):
            step = rng.random()
            products = [k for k, v in server.records.items() if server.kinds[k] == E.PRODUCT]
            if step < 0.45:
                random_edit(wc, rng, n)
            elif step < 0.6 and products:  # the other editor, straight on the server
                target = server.records[rng.choice(products)]
                target[rng.choice(["title", "description"])] = f"remote{n}"
            elif step < 0.8:
                push_with_precondition(wc, server, rng)
            elif step < 0.9:
                pull_all(wc, server)
            else:
                resolve_some(wc, rng)
            for conflict in wc.read_blocking(outbox.open_conflicts):
                same = [c for c in wc.read_blocking(outbox.open_conflicts, conflict.entity_type, conflict.entity_id)
                        if c.field == conflict.field]
                assert len(same) == 1, "a clash is shown once per record and field"
        for _ in range(300):
            resolve_some(wc, rng, everything=True)
            if not wc.read_blocking(outbox.ready) and not wc.read_blocking(outbox.open_conflicts):
                break
            push_with_precondition(wc, server, rng)
        pull_all(wc, server)
        assert wc.read_blocking(outbox.operations) == []

        def local(table: Any, fields: tuple[str, ...]) -> dict[str, dict[str, Any]]:
            rows = wc.read_blocking(lambda c: c.execute(select(table).where(table.c.deleted == 0)).mappings().all())
            return {r["server_id"]: {f: r[f] for f in fields} for r in rows}

        remote_products = {k: {f: v.get(f) for f in ("title", "description")}
                           for k, v in server.records.items() if server.kinds[k] == E.PRODUCT}
        remote_variants = {k: {f: v.get(f) for f in ("sku", "price")}
                           for k, v in server.records.items() if server.kinds[k] == E.VARIANT}
        assert local(schema.products, ("title", "description")) == remote_products
        assert local(schema.variants, ("sku", "price")) == remote_variants
    finally:
        wc.close()
