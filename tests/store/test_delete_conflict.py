"""outbox.mark_delete_conflict: a delete that met a newer server version asks a person only when a field
someone can set really changed; values the server computes (a quality score, the time stamp) do not."""
from __future__ import annotations

from sqlalchemy import select

from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.states import OpState

P = schema.products


def deleted_synced_product(w, r) -> tuple[str, outbox.Operation]:
    pid = w(edits.create, E.PRODUCT, {"title": "Chair", "description": "oak"})
    [create] = r(outbox.record_ops, E.PRODUCT, pid)
    w(outbox.mark_in_flight, [create.op_id])
    w(outbox.mark_applied, create.op_id, {"id": "srv-1", "title": "Chair", "description": "oak",
                                          "status": "ACTIVE", "data_quality_score": 70}, '"v1"')
    w(edits.delete, E.PRODUCT, pid)
    [delete] = r(outbox.record_ops, E.PRODUCT, pid)
    w(outbox.mark_in_flight, [delete.op_id])
    return pid, delete


def test_only_server_computed_values_moved_the_delete_goes_again_with_the_new_etag(w, r) -> None:
    pid, delete = deleted_synced_product(w, r)
    outcome = w(outbox.mark_delete_conflict, delete.op_id, {
        "id": "srv-1", "title": "Chair", "description": "oak", "status": "ACTIVE", "data_quality_score": 90,
        "updated_at": "2026-11-27T08:00:00Z"}, '"v2"')
    assert outcome == outbox.ConflictOutcome([], OpState.PENDING)
    assert r(outbox.open_conflicts) == []
    op = r(outbox.get, delete.op_id)
    assert op.state == OpState.PENDING and op.next_attempt_at is None
    row = r(lambda c: c.execute(select(P).where(P.c.local_id == pid)).mappings().one())
    assert (row["etag"], row["deleted"], row["data_quality_score"]) == ('"v2"', 1, 90)


def test_a_changed_field_waits_for_a_person_and_discarding_the_delete_resolves_it(w, r) -> None:
    pid, delete = deleted_synced_product(w, r)
    outcome = w(outbox.mark_delete_conflict, delete.op_id, {
        "id": "srv-1", "title": "Chair", "description": "walnut", "status": "ACTIVE"}, '"v2"')
    assert outcome == outbox.ConflictOutcome([outbox.DELETED_HERE], OpState.CONFLICT)
    [conflict] = r(outbox.open_conflicts)
    assert (conflict.base, conflict.theirs) == ({"description": "oak"}, {"description": "walnut"})
    w(outbox.discard, delete.op_id)  # the operations dialog's way out: same as take theirs
    assert r(outbox.open_conflicts) == []
    row = r(lambda c: c.execute(select(P).where(P.c.local_id == pid)).mappings().one())
    assert (row["deleted"], row["description"]) == (0, "walnut")
