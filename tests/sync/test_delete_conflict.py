"""A delete that meets a change made on the server since our base is a conflict for a person, never a
silent delete: keep mine deletes it anyway, take theirs keeps the server's version and drops the delete.
With ETags the server says so (412); without them the record is fetched and compared first."""
from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.errors import EditError
from synq_desktop.store.states import OpKind, OpState
from synq_desktop.store.working_copy import WorkingCopy
from tests.sync.helpers import edit, last_seq, new_product, pulled_from_list, server_get, sync


def product_row(wc: WorkingCopy, local_id: str) -> dict:
    p = schema.products
    with wc.reading() as connection:
        return dict(connection.execute(select(p).where(p.c.local_id == local_id)).mappings().one())


def synced_then_changed_there_and_deleted_here(wc: WorkingCopy, creds) -> tuple[str, str]:
    pid = new_product(wc, "Lamp", description="brass")
    assert sync(wc, creds).pending == 0
    server_id = product_row(wc, pid)["server_id"]
    with creds.client() as http:
        http.put(f"/products/{server_id}", json={"title": "Their lamp"}).raise_for_status()
    edit(wc, edits.delete, "product", pid)
    return pid, server_id


def test_delete_meeting_412_is_a_conflict_and_take_theirs_restores_the_servers_version(wc, creds, sandbox):
    pid, server_id = synced_then_changed_there_and_deleted_here(wc, creds)
    assert product_row(wc, pid)["etag"]  # the DELETE carries If-Match
    seq = last_seq(sandbox)
    summary = sync(wc, creds, pull=False)
    deletes = [r for r in sandbox.requests(since=seq) if r["method"] == "DELETE" and r["tenant_id"] == creds.tenant_id]
    assert [r["status"] for r in deletes] == [412]
    assert summary.conflicts == 1 and summary.pushed == 0
    [conflict] = wc.read_blocking(outbox.open_conflicts)
    assert (conflict.field, conflict.base, conflict.mine, conflict.theirs) == (
        outbox.DELETED_HERE, {"title": "Lamp"}, None, {"title": "Their lamp"})
    [op] = wc.read_blocking(outbox.operations)
    assert (op.kind, op.state) == (OpKind.DELETE, OpState.CONFLICT)
    assert server_get(creds, f"/products/{server_id}")["title"] == "Their lamp"  # not deleted behind the person
    assert sync(wc, creds).conflicts == 1  # a second sync neither deletes it nor asks twice
    assert len(wc.read_blocking(outbox.open_conflicts)) == 1

    with pytest.raises(EditError):
        edit(wc, outbox.resolve_conflict, conflict.id, "value", "anything")
    edit(wc, outbox.resolve_conflict, conflict.id, "theirs")
    row = product_row(wc, pid)
    assert (row["deleted"], row["title"], row["description"]) == (0, "Their lamp", "brass")
    assert wc.read_blocking(outbox.operations) == []
    summary = sync(wc, creds)
    assert (summary.pending, summary.conflicts) == (0, 0)
    assert server_get(creds, f"/products/{server_id}")["title"] == "Their lamp"


def test_keep_mine_deletes_it_anyway(wc, creds):
    pid, server_id = synced_then_changed_there_and_deleted_here(wc, creds)
    sync(wc, creds, pull=False)
    [conflict] = wc.read_blocking(outbox.open_conflicts)
    edit(wc, outbox.resolve_conflict, conflict.id, "mine")
    summary = sync(wc, creds)
    assert (summary.pushed, summary.pending, summary.conflicts) == (1, 0, 0)
    with creds.client() as http:
        assert http.get(f"/products/{server_id}").status_code == httpx.codes.NOT_FOUND
    with wc.reading() as connection:
        assert connection.execute(select(schema.products.c.local_id).where(
            schema.products.c.local_id == pid)).first() is None


def test_without_etags_the_record_is_compared_before_the_delete(wc, docs_only_sandbox):
    creds = docs_only_sandbox.mint("ADMIN")
    _pid, server_id = synced_then_changed_there_and_deleted_here(wc, creds)
    summary = sync(wc, creds, pull=False)
    assert summary.conflicts == 1
    assert server_get(creds, f"/products/{server_id}")["title"] == "Their lamp"
    [conflict] = wc.read_blocking(outbox.open_conflicts)
    edit(wc, outbox.resolve_conflict, conflict.id, "mine")
    assert sync(wc, creds, pull=False).pushed == 1
    with creds.client() as http:
        assert http.get(f"/products/{server_id}").status_code == httpx.codes.NOT_FOUND


def test_an_unchanged_record_is_deleted_without_asking(wc, docs_only_sandbox):
    creds = docs_only_sandbox.mint("ADMIN")
    pid = new_product(wc, "Stool")
    sync(wc, creds)
    server_id = product_row(wc, pid)["server_id"]
    edit(wc, edits.delete, "product", pid)
    summary = sync(wc, creds)
    assert (summary.pushed, summary.conflicts, summary.pending) == (1, 0, 0)
    with creds.client() as http:
        assert http.get(f"/products/{server_id}").status_code == httpx.codes.NOT_FOUND


# -- a record pulled from a list: the server has ETags, but this copy never got the record's own ----------------

def pulled_without_an_etag(wc: WorkingCopy, creds, title: str) -> tuple[str, str]:
    """A product made by another client, pulled from the product list (no ETag stored)."""
    return pulled_from_list(wc, creds, title, "pine")


def test_a_pulled_record_changed_there_since_is_a_conflict_not_a_delete(wc, creds, sandbox):
    pid, server_id = pulled_without_an_etag(wc, creds, "Bench")
    with creds.client() as http:  # another client renames it after our pull
        http.put(f"/products/{server_id}", json={"title": "Their bench"}).raise_for_status()
    edit(wc, edits.delete, "product", pid)
    seq = last_seq(sandbox)
    summary = sync(wc, creds, pull=False)
    assert (summary.conflicts, summary.pushed) == (1, 0)
    sent = [r for r in sandbox.requests(since=seq) if r["tenant_id"] == creds.tenant_id]
    assert [r["method"] for r in sent if r["method"] == "DELETE"] == []  # asked first, never sent
    assert server_get(creds, f"/products/{server_id}")["title"] == "Their bench"  # not deleted behind the person
    [conflict] = wc.read_blocking(outbox.open_conflicts)
    assert (conflict.field, conflict.mine, conflict.theirs) == (outbox.DELETED_HERE, None, {"title": "Their bench"})
    [op] = wc.read_blocking(outbox.operations)
    assert (op.kind, op.state) == (OpKind.DELETE, OpState.CONFLICT)

    # Keep mine: deleted, with the ETag of the version the person was shown.
    with creds.client() as http:
        seen_etag = http.get(f"/products/{server_id}").headers["ETag"]
    edit(wc, outbox.resolve_conflict, conflict.id, "mine")
    seq = last_seq(sandbox)
    assert sync(wc, creds, pull=False).pushed == 1
    deletes = [r for r in sandbox.requests(since=seq) if r["method"] == "DELETE" and r["tenant_id"] == creds.tenant_id]
    assert [(r["if_match"], r["status"]) for r in deletes] == [(seen_etag, 204)]


def test_an_unchanged_pulled_record_is_deleted_with_the_etag_just_fetched(wc, creds, sandbox):
    pid, server_id = pulled_without_an_etag(wc, creds, "Shelf")
    with creds.client() as http:
        current_etag = http.get(f"/products/{server_id}").headers["ETag"]
    edit(wc, edits.delete, "product", pid)
    seq = last_seq(sandbox)
    summary = sync(wc, creds, pull=False)
    assert (summary.pushed, summary.conflicts, summary.pending) == (1, 0, 0)
    deletes = [r for r in sandbox.requests(since=seq) if r["method"] == "DELETE" and r["tenant_id"] == creds.tenant_id]
    assert [(r["path"].rsplit("/", 1)[-1], r["if_match"], r["status"]) for r in deletes] == [
        (server_id, current_etag, 204)]
    with creds.client() as http:
        assert http.get(f"/products/{server_id}").status_code == httpx.codes.NOT_FOUND


def test_a_pulled_record_already_deleted_there_needs_no_delete(wc, creds, sandbox):
    pid, server_id = pulled_without_an_etag(wc, creds, "Crate")
    with creds.client() as http:
        http.delete(f"/products/{server_id}").raise_for_status()
    edit(wc, edits.delete, "product", pid)
    seq = last_seq(sandbox)
    summary = sync(wc, creds, pull=False)
    assert (summary.pushed, summary.conflicts, summary.pending) == (1, 0, 0)
    assert [r for r in sandbox.requests(since=seq) if r["method"] == "DELETE" and r["tenant_id"] == creds.tenant_id] == []
    assert wc.read_blocking(outbox.operations) == []
