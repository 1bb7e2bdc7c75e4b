"""The outbox state machine of DESIGN.md, driven the way the sync engine will drive it."""
from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from synq_desktop.store import edits, outbox, pull, schema
from synq_desktop.store.entities import server_payload
from synq_desktop.store.errors import StoreError
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.states import OpKind, OpState
from synq_desktop.store.working_copy import WorkingCopy


def field_of(w, table, local_id, name):
    return w(lambda c: c.execute(select(table.c[name]).where(table.c.local_id == local_id)).scalar_one())


def test_variant_under_unsent_product_is_blocked_until_the_create_is_applied(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "New"})
    vid = w(edits.create, E.VARIANT, {"product_id": pid, "sku": "N-1", "price": "5", "currency": "EUR"})
    [product_op] = r(outbox.record_ops, E.PRODUCT, pid)
    [variant_op] = r(outbox.record_ops, E.VARIANT, vid)
    assert variant_op.state == OpState.BLOCKED and variant_op.depends_on == product_op.op_id
    assert [g.entity_id for g in r(outbox.ready)] == [pid]
    payload, missing = r(server_payload, E.VARIANT, variant_op.payload)
    assert missing == [(E.PRODUCT, pid)]

    w(outbox.mark_in_flight, [product_op.op_id])
    assert r(outbox.ready) == []
    unblocked = w(outbox.mark_applied, product_op.op_id,
                  {"id": "srv-p", "title": "New", "status": "ACTIVE", "updated_at": "2026-01-01T00:00:00Z"},
                  '"etag-1"')
    assert unblocked == [variant_op.op_id]
    assert field_of(w, schema.products, pid, "server_id") == "srv-p"
    assert field_of(w, schema.products, pid, "etag") == '"etag-1"'
    [group] = r(outbox.ready)
    assert group.entity_id == vid and group.ops[0].state == OpState.PENDING
    payload, missing = r(server_payload, E.VARIANT, group.ops[0].payload)
    assert payload["product_id"] == "srv-p" and missing == []


def test_operations_of_one_record_go_in_order(w, r) -> None:
    pull_product(w)
    w(edits.update, E.PRODUCT, "p1", {"title": "one"})
    [first] = r(outbox.record_ops, E.PRODUCT, "p1")
    w(outbox.mark_in_flight, [first.op_id])
    w(edits.update, E.PRODUCT, "p1", {"title": "two"})
    assert r(outbox.ready) == []  # the second waits for the first
    w(outbox.mark_retry, first.op_id, "503", 3600)
    assert r(outbox.ready) == []  # backing off: nothing of the record goes
    w(outbox.mark_retry, first.op_id, "503", 0)
    [group] = r(outbox.ready)
    assert [op.payload["title"] for op in group.ops] == ["one", "two"]
    assert group.server_id == "p1"


def pull_product(w, server_id: str = "p1", title: str = "Shirt", **extra) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [{"id": server_id, "title": title, "description": "Cotton",
                                                "status": "ACTIVE", "updated_at": "2026-01-01T00:00:00Z", **extra}])


def test_in_flight_becomes_uncertain_on_reopen(tmp_path: Path) -> None:
    path = tmp_path / "c.sqlite"
    with WorkingCopy.open(path) as wc:
        pid = wc.write_blocking(edits.create, E.PRODUCT, {"title": "Maybe sent"})
        [op] = wc.read_blocking(outbox.record_ops, E.PRODUCT, pid)
        wc.write_blocking(outbox.mark_in_flight, [op.op_id])
    with WorkingCopy.open(path) as wc:
        assert wc.reopened_uncertain == 1
        [op2] = wc.read_blocking(outbox.record_ops, E.PRODUCT, pid)
        assert op2.state == OpState.UNCERTAIN and op2.idempotency_key == op.idempotency_key
        assert op2.attempts == 1
        assert wc.read_blocking(outbox.counts)["UNCERTAIN"] == 1
        # Reconciled by Idempotency-Key replay: applied with the server's record.
        wc.write_blocking(outbox.mark_applied, op.op_id, {"id": "s-1", "title": "Maybe sent"})
        assert wc.read_blocking(outbox.operations) == []


def test_conflict_per_field_and_resolution(w, r) -> None:
    pull_product(w)
    w(edits.update, E.PRODUCT, "p1", {"title": "Mine", "description": "Same", "status": "DRAFT"})
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    w(outbox.mark_in_flight, [op.op_id])
    theirs = {"id": "p1", "title": "Theirs", "description": "Same", "status": "ACTIVE",
              "updated_at": "2026-01-02T00:00:00Z"}
    outcome = w(outbox.mark_conflict, op.op_id, theirs, "ann@example.com", "2026-01-02T00:00:00Z")
    assert outcome.fields == ["title"] and outcome.state == OpState.CONFLICT
    [conflict] = r(outbox.open_conflicts)
    assert (conflict.base, conflict.mine, conflict.theirs, conflict.theirs_by) == (
        "Shirt", "Mine", "Theirs", "ann@example.com")
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    assert op.payload == {"title": "Mine", "status": "DRAFT"}  # the identical change is no longer sent
    assert op.base == {"title": "Theirs", "status": "ACTIVE"}
    assert field_of(w, schema.products, "p1", "sync_state") == "CONFLICT"
    assert field_of(w, schema.products, "p1", "title") == "Mine"
    w(outbox.resolve_conflict, conflict.id, "theirs")
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    assert op.state == OpState.PENDING and op.payload == {"status": "DRAFT"}
    assert field_of(w, schema.products, "p1", "title") == "Theirs"


def test_rejected_kept_with_reason_then_retried_or_discarded(w, r) -> None:
    pull_product(w)
    w(edits.update, E.PRODUCT, "p1", {"title": "Bad"})
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_rejected, op.op_id, "title: too long", 400)
    [op] = r(outbox.operations, [OpState.REJECTED])
    assert op.last_error == "title: too long" and op.http_status == 400
    w(outbox.retry, op.op_id)
    assert r(outbox.get, op.op_id).state == OpState.PENDING
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_rejected, op.op_id, "still bad", 400)
    w(outbox.discard, op.op_id)
    assert r(outbox.operations) == []
    assert field_of(w, schema.products, "p1", "title") == "Shirt"  # back to the server's value


def test_remote_delete_against_local_edit_is_a_conflict(w, r) -> None:
    pull_product(w)
    w(edits.update, E.PRODUCT, "p1", {"title": "Edited"})
    report = w(pull.mark_remote_deleted, E.PRODUCT, ["p1"])
    assert report.conflicted == ["p1"]
    [conflict] = r(outbox.open_conflicts)
    assert conflict.field == "*"
    w(outbox.resolve_conflict, conflict.id, "mine")  # keep it: it becomes a new record
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    assert op.kind == OpKind.CREATE and op.payload["title"] == "Edited" and op.state == OpState.PENDING
    assert field_of(w, schema.products, "p1", "server_id") is None


def test_discarding_a_create_discards_what_was_blocked_on_it(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "X"})
    w(edits.create, E.VARIANT, {"product_id": pid, "sku": "X-1", "price": "1", "currency": "EUR"})
    [op] = r(outbox.record_ops, E.PRODUCT, pid)
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_rejected, op.op_id, "no", 400)
    removed = w(outbox.discard, op.op_id)
    assert len(removed) == 2 and r(outbox.operations) == []


def test_applying_twice_is_refused_clearly(w) -> None:
    pid = w(edits.create, E.BRAND, {"name": "Acme"})
    op_id = w(lambda c: outbox.record_ops(c, E.BRAND, pid)[0].op_id)
    w(outbox.mark_in_flight, [op_id])
    w(outbox.mark_applied, op_id, {"id": "b-1", "name": "Acme"})
    with pytest.raises(StoreError, match="No queued operation"):
        w(outbox.mark_applied, op_id, {"id": "b-1", "name": "Acme"})


def test_create_answer_after_a_pull_brought_the_record_folds_the_copy(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "Dup"})
    vid = w(edits.create, E.VARIANT, {"product_id": pid, "sku": "D-1", "price": "1", "currency": "EUR"})
    [op] = r(outbox.record_ops, E.PRODUCT, pid)
    w(outbox.mark_in_flight, [op.op_id])
    pull_product(w, server_id="srv-dup", title="Dup")  # the server had it before the answer came
    w(outbox.mark_applied, op.op_id, {"id": "srv-dup", "title": "Dup"})
    ids = r(lambda c: c.execute(select(schema.products.c.local_id)).scalars().all())
    assert ids == [pid]
    assert field_of(w, schema.variants, vid, "product_id") == pid


def test_open_beside_a_live_sync_engine_leaves_its_requests_in_flight(tmp_path: Path) -> None:
    import subprocess
    import sys

    from synq_desktop.store.profiles import LOCK_FILE

    path = tmp_path / "c.sqlite"
    with WorkingCopy.open(path) as wc:
        pid = wc.write_blocking(edits.create, E.PRODUCT, {"title": "Being sent"})
        [op] = wc.read_blocking(outbox.record_ops, E.PRODUCT, pid)
        wc.write_blocking(outbox.mark_in_flight, [op.op_id])
    holder = ("import fcntl, json, os, socket, sys\n"
              f"fd = os.open({str(tmp_path / LOCK_FILE)!r}, os.O_RDWR | os.O_CREAT)\n"
              "fcntl.flock(fd, fcntl.LOCK_EX)\n"
              "os.write(fd, json.dumps({'pid': os.getpid(), 'host': socket.gethostname()}).encode())\n"
              "print('locked', flush=True)\n"
              "sys.stdin.readline()\n")
    with subprocess.Popen([sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True) as child:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "locked"
        with WorkingCopy.open(path) as wc:
            assert wc.reopened_uncertain == 0
            assert wc.read_blocking(outbox.get, op.op_id).state == OpState.IN_FLIGHT
        child.stdin.close()
        assert child.wait(timeout=30) == 0
    with WorkingCopy.open(path) as wc:  # the engine is gone: its request's outcome is unknown
        assert wc.reopened_uncertain == 1


def test_references_pulled_before_the_create_answer_are_pointed_at_the_new_record(w, r) -> None:
    category = w(edits.create, E.CATEGORY, {"name": "New", "slug": "new"})
    [op] = r(outbox.record_ops, E.CATEGORY, category)
    w(outbox.mark_in_flight, [op.op_id])
    pull_product(w, server_id="p9", category_id="srv-new")  # another copy already used it
    w(outbox.mark_applied, op.op_id, {"id": "srv-new", "name": "New", "slug": "new"})
    assert field_of(w, schema.products, "p9", "category_id") == category
    assert field_of(w, schema.products, "p9", "category_sort") == "New"


def test_the_same_price_written_differently_is_no_clash(w, r) -> None:
    pull_product(w)
    w(pull.upsert_server_records, E.VARIANT, [{"id": "v1", "product_id": "p1", "sku": "A", "price": "95.00",
                                                "currency": "EUR"}])
    w(edits.update, E.VARIANT, "v1", {"price": 90, "sku": "B"})
    [op] = r(outbox.record_ops, E.VARIANT, "v1")
    assert op.payload == {"price": "90", "sku": "B"}
    w(pull.upsert_server_records, E.VARIANT, [{"id": "v1", "product_id": "p1", "sku": "C", "price": "90.00",
                                                "currency": "EUR"}])  # another editor: same price, other SKU
    [op] = r(outbox.record_ops, E.VARIANT, "v1")
    assert op.payload == {"sku": "B"} and op.state == OpState.CONFLICT
    assert [c.field for c in r(outbox.open_conflicts)] == ["sku"]
    w(edits.update, E.VARIANT, "v1", {"price": "90.0"})  # typing the server's amount again changes nothing to send
    [op] = r(outbox.record_ops, E.VARIANT, "v1")
    assert "price" not in op.payload
