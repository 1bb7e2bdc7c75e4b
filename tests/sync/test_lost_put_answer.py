"""An update whose PUT the server committed but whose answer was lost (the sandbox drops it after the commit):
the transport sends the PUT again with the same If-Match and meets 412, because our own change moved the
ETag. The record push then fetches already holds every value the update sends, so the update is applied
with that record and its ETag: the edit is on the server, nothing is queued and no conflict is left for a
person (identical values on both sides are not a conflict). A real change made there still is one."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.working_copy import WorkingCopy
from tests.sync.helpers import edit, last_seq, new_product, pulled_from_list, server_get, sync

ONE_PRODUCT = r"/products/[^/]+$"


def product_row(wc: WorkingCopy, local_id: str) -> dict[str, Any]:
    p = schema.products
    with wc.reading() as connection:
        return dict(connection.execute(select(p).where(p.c.local_id == local_id)).mappings().one())


def pulled_product(wc: WorkingCopy, creds, title: str) -> tuple[str, str]:
    """A product made by another client, pulled from the product list (no ETag stored)."""
    return pulled_from_list(wc, creds, title, "oak")


def tenant_requests(sandbox: Any, creds: Any, since: int, server_id: str) -> list[tuple[str, Any, Any, Any]]:
    """(method, status the app answered, fault, If-Match) of this tenant's requests on the record."""
    return [(r["method"], r["app_status"], r["fault"], r["if_match"]) for r in sandbox.requests(since=since)
            if r["tenant_id"] == creds.tenant_id and r["path"].endswith(f"/products/{server_id}")]


def server_etag(creds: Any, server_id: str) -> str:
    with creds.client() as http:
        answer = http.get(f"/products/{server_id}")
        answer.raise_for_status()
        return answer.headers["ETag"]


def assert_settled(wc: WorkingCopy, summary: Any) -> None:
    assert (summary.pushed, summary.conflicts, summary.pending) == (1, 0, 0)
    assert wc.read_blocking(outbox.open_conflicts) == []
    assert wc.read_blocking(outbox.operations) == []


def test_a_put_committed_with_its_answer_lost_is_applied_not_a_conflict(wc, creds, sandbox):
    pid, server_id = pulled_product(wc, creds, "Chair")
    fetched_etag = server_etag(creds, server_id)
    edit(wc, edits.update, "product", pid, {"description": "walnut", "status": "ARCHIVED"})
    sandbox.set_faults(drop_after_commit_rate=1.0, paths=ONE_PRODUCT, methods=["PUT"])
    seq = last_seq(sandbox)

    summary = sync(wc, creds, pull=False)

    sandbox.reset_faults()
    sent = tenant_requests(sandbox, creds, seq, server_id)
    # The GET a record without a stored ETag needs, the PUT committed and its answer dropped, the same PUT
    # again (same If-Match) refused with 412, the GET that finds our values there.
    assert sent == [("GET", 200, None, None), ("PUT", 200, "drop", fetched_etag),
                    ("PUT", 412, "drop", fetched_etag), ("GET", 200, None, None)]
    assert_settled(wc, summary)
    record = server_get(creds, f"/products/{server_id}")
    assert (record["description"], record["status"]) == ("walnut", "ARCHIVED")
    row = product_row(wc, pid)
    assert (row["description"], row["status"]) == ("walnut", "ARCHIVED")
    assert row["etag"] == server_etag(creds, server_id) != fetched_etag  # the fetched record's ETag is kept
    seq = last_seq(sandbox)
    assert sync(wc, creds, pull=False).pushed == 0  # nothing is sent again
    assert [r for r in sandbox.requests(since=seq) if r["tenant_id"] == creds.tenant_id and r["method"] == "PUT"] == []


def test_with_a_stored_etag_the_lost_answer_is_applied_too(wc, creds, sandbox):
    pid = new_product(wc, "Desk", description="pine")
    assert sync(wc, creds).pending == 0
    row = product_row(wc, pid)
    server_id, stored_etag = row["server_id"], row["etag"]
    assert stored_etag
    edit(wc, edits.update, "product", pid, {"title": "Standing desk"})
    sandbox.set_faults(drop_after_commit_rate=1.0, paths=ONE_PRODUCT, methods=["PUT"])
    seq = last_seq(sandbox)

    summary = sync(wc, creds, pull=False)

    sandbox.reset_faults()
    sent = tenant_requests(sandbox, creds, seq, server_id)
    assert sent == [("PUT", 200, "drop", stored_etag), ("PUT", 412, "drop", stored_etag), ("GET", 200, None, None)]
    assert_settled(wc, summary)
    assert server_get(creds, f"/products/{server_id}")["title"] == "Standing desk"
    assert product_row(wc, pid)["etag"] == server_etag(creds, server_id)


def test_a_412_over_a_different_value_is_still_a_conflict(wc, creds):
    pid = new_product(wc, "Sofa", description="linen")
    assert sync(wc, creds).pending == 0
    server_id = product_row(wc, pid)["server_id"]
    with creds.client() as http:  # another client changes the same field to another value
        http.put(f"/products/{server_id}", json={"description": "velvet"}).raise_for_status()
    edit(wc, edits.update, "product", pid, {"description": "leather"})

    summary = sync(wc, creds, pull=False)

    assert (summary.pushed, summary.conflicts) == (0, 1)
    [conflict] = wc.read_blocking(outbox.open_conflicts)
    assert (conflict.field, conflict.mine, conflict.theirs) == ("description", "leather", "velvet")
    assert server_get(creds, f"/products/{server_id}")["description"] == "velvet"
