"""Three working copies edit one catalog offline, then sync in turn, twice: every copy ends equal to the
server, each real clash is surfaced once in each copy that must decide, identical changes raise none,
nothing is lost silently."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.working_copy import WorkingCopy
from tests.sync.helpers import server_all, sync

FIELDS = ("title", "description", "status")


def local_products(wc: WorkingCopy) -> dict[str, tuple]:
    p = schema.products
    with wc.reading() as connection:
        rows = connection.execute(select(p.c.server_id, *(p.c[f] for f in FIELDS)).where(p.c.deleted == 0)).all()
    return {row[0]: tuple(row[1:]) for row in rows}


def server_products(creds) -> dict[str, tuple]:
    return {p["id"]: tuple(p[f] for f in FIELDS) for p in server_all(creds, "/products")}


def conflicts(wc: WorkingCopy) -> list[tuple[str, str]]:
    return sorted((c.entity_id, c.field) for c in wc.read_blocking(outbox.open_conflicts))


@pytest.fixture
def copies(tmp_path, demo_creds):
    made = [WorkingCopy.open(tmp_path / f"{name}.sqlite") for name in "abc"]
    for wc in made:
        sync(wc, demo_creds)
    yield made
    for wc in made:
        wc.close()


def test_three_copies_converge(copies, demo_creds):
    a, b, c = copies
    ids = sorted(server_products(demo_creds))
    p_split, p_same, p_clash, p_deleted = ids[:4]
    # Separate fields of one record: both go through.
    a.write_blocking(edits.update, "product", p_split, {"title": "A split"})
    b.write_blocking(edits.update, "product", p_split, {"description": "B split"})
    # The same change on two sides: no conflict.
    a.write_blocking(edits.update, "product", p_same, {"status": "ARCHIVED"})
    b.write_blocking(edits.update, "product", p_same, {"status": "ARCHIVED"})
    # Three different titles: B and C must decide, once each.
    a.write_blocking(edits.update, "product", p_clash, {"title": "A clash"})
    b.write_blocking(edits.update, "product", p_clash, {"title": "B clash", "description": "B desc"})
    c.write_blocking(edits.update, "product", p_clash, {"title": "C clash"})
    # An edit against a remote delete: C must decide.
    a.write_blocking(edits.delete, "product", p_deleted)
    c.write_blocking(edits.update, "product", p_deleted, {"description": "C edit of a deleted product"})
    # New records on every side.
    for name, wc in zip("abc", copies, strict=True):
        wc.write_blocking(edits.create, "product", {"title": f"new from {name}"})

    for _ in range(2):  # in turn, then again: nothing new may be raised the second time
        for wc in copies:
            sync(wc, demo_creds, scan_interval=0)

    assert conflicts(a) == []
    assert conflicts(b) == [(p_clash, "title")]
    assert conflicts(c) == sorted([(p_clash, "title"), (p_deleted, "*")])
    server = server_products(demo_creds)
    assert server[p_split][:2] == ("A split", "B split")
    assert server[p_same][2] == "ARCHIVED"
    assert server[p_clash][0] == "A clash"
    # B's other field of that record waits with the clash (one operation), held, not lost.
    [held] = [op for op in b.read_blocking(outbox.operations) if op.entity_id == p_clash]
    assert held.state == "CONFLICT" and held.payload["description"] == "B desc"
    assert p_deleted not in server
    assert sorted(t for t, _, _ in server.values() if t.startswith("new from")) == [
        "new from a", "new from b", "new from c"]

    # The people decide: B takes theirs, C keeps its title and lets the deleted product go.
    [b_title] = b.read_blocking(outbox.open_conflicts)
    b.write_blocking(outbox.resolve_conflict, b_title.id, "theirs")
    for conflict in c.read_blocking(outbox.open_conflicts):
        c.write_blocking(outbox.resolve_conflict, conflict.id, "mine" if conflict.field == "title" else "theirs")
    for _ in range(2):
        for wc in copies:
            sync(wc, demo_creds, scan_interval=0)
    server = server_products(demo_creds)
    assert server[p_clash][:2] == ("C clash", "B desc")
    for wc in copies:
        assert conflicts(wc) == []
        assert wc.read_blocking(outbox.operations) == []
        assert local_products(wc) == server
