"""A role learned from a docs-only server's 403 is a guess the engine tests again: each sync sends one kept
change; a refusal keeps the copy read-only (nothing else is tried, nothing lost), a change that goes through
makes it writable again, and with nothing left to test with the guess is dropped."""
from __future__ import annotations

import pytest

from synq_desktop.store import edits, outbox, sync_meta
from synq_desktop.store.errors import ReadOnlyError
from synq_desktop.store.states import OpState
from synq_desktop.store.working_copy import WorkingCopy
from tests.sync.helpers import last_seq, new_product, server_all, sync


@pytest.fixture
def admin(docs_only_sandbox):
    return docs_only_sandbox.mint("ADMIN")


def writes_since(sandbox, seq: int, tenant_id: str) -> list[int]:
    return [r["status"] for r in sandbox.requests(since=seq)
            if r["method"] in ("POST", "PUT", "DELETE") and r["tenant_id"] == tenant_id]


def learn_viewer(wc: WorkingCopy, sandbox, admin) -> None:
    viewer = sandbox.mint("VIEWER", tenant_id=admin.tenant_id, org_id=admin.org_id)
    for index in range(3):
        new_product(wc, f"Kept {index}")
    summary = sync(wc, viewer)
    assert summary.read_only_reason and wc.read_blocking(sync_meta.is_read_only)
    assert [op.state for op in wc.read_blocking(outbox.operations)] == [OpState.PENDING] * 3


def test_a_refused_probe_keeps_the_copy_read_only_and_a_later_success_lifts_it(wc, docs_only_sandbox, admin):
    learn_viewer(wc, docs_only_sandbox, admin)
    still_viewer = docs_only_sandbox.mint("VIEWER", tenant_id=admin.tenant_id, org_id=admin.org_id)
    seq = last_seq(docs_only_sandbox)
    summary = sync(wc, still_viewer)
    assert writes_since(docs_only_sandbox, seq, admin.tenant_id) == [403]  # one change tried, not all three
    assert summary.read_only_reason and summary.pending == 3 and summary.pushed == 0
    with pytest.raises(ReadOnlyError):
        new_product(wc, "not yet")

    # The account may write now (the server declares no role: only a change that goes through can say so).
    summary = sync(wc, admin)
    assert summary.read_only_reason is None and not wc.read_blocking(sync_meta.is_read_only)
    assert (summary.pushed, summary.pending) == (3, 0)
    assert sorted(p["title"] for p in server_all(admin, "/products")) == ["Kept 0", "Kept 1", "Kept 2"]
    new_product(wc, "editable again")


def test_with_nothing_left_to_test_with_the_guess_is_dropped(wc, docs_only_sandbox, admin):
    learn_viewer(wc, docs_only_sandbox, admin)
    for op in wc.read_blocking(outbox.operations):
        wc.write_blocking(outbox.discard, op.op_id)
    summary = sync(wc, admin)
    assert summary.read_only_reason is None and not wc.read_blocking(sync_meta.is_read_only)
    wc.write_blocking(edits.create, "product", {"title": "editable again"})
