"""A pull never re-opens the door for an operation waiting in CONFLICT (the reported bug: the re-merge
against the moved base saw no clash and made the operation PENDING with the undecided value). Store only:
no sync-layer workaround runs here."""
from __future__ import annotations

from synq_desktop.store import edits, outbox, pull
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.states import OpState


def shirt(**fields) -> dict:
    return {"id": "p1", "title": "Shirt", "description": "Cotton", "status": "ACTIVE",
            "updated_at": "2026-01-01T00:00:00Z", **fields}


def test_an_operation_in_conflict_stays_there_when_the_server_changes_another_field(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [shirt()])
    w(edits.update, E.PRODUCT, "p1", {"title": "Mine"})
    w(pull.upsert_server_records, E.PRODUCT, [shirt(title="Theirs", updated_at="2026-01-02T00:00:00Z")])
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    assert op.state == OpState.CONFLICT and op.base == {"title": "Theirs"}
    # The server moves on in a field the edit does not touch: the title clash is still undecided.
    report = w(pull.upsert_server_records, E.PRODUCT, [
        shirt(title="Theirs", description="Wool", updated_at="2026-01-03T00:00:00Z")])
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    assert op.state == OpState.CONFLICT and op.payload == {"title": "Mine"}
    assert r(outbox.ready) == []
    assert report.conflicts == [("p1", "title")]
    [conflict] = r(outbox.open_conflicts)
    assert (conflict.field, conflict.mine, conflict.theirs) == ("title", "Mine", "Theirs")
    w(outbox.resolve_conflict, conflict.id, "theirs")
    assert r(outbox.record_ops, E.PRODUCT, "p1") == []
