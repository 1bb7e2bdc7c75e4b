"""Against a `--docs-only` server: do what it allows, say what it could not do, lose nothing."""
from __future__ import annotations

import pytest

from synq_desktop.store import edits, outbox
from synq_desktop.store.states import OpState
from synq_desktop.sync.reconcile import AMBIGUOUS
from tests.sync.helpers import edit, new_product, new_variant, server_get, sync


@pytest.fixture
def docs_creds(docs_only_sandbox):
    return docs_only_sandbox.mint("ADMIN")


def test_truncated_list_is_reported_not_an_error(wc, docs_only_sandbox, docs_creds):
    docs_only_sandbox.seed_demo(docs_creds, products=120, seed=3)
    summary = sync(wc, docs_creds)
    assert "products" in summary.truncated and summary.pending == 0
    assert summary.pulled_by_list["products"] == 100
    assert "variants" not in summary.pulled_by_list  # no variant list on such a server


def test_variant_edit_without_endpoint_stays_pending_with_reason(wc, docs_creds):
    product = new_product(wc, "Lamp")
    variant = new_variant(wc, product, "LAMP-1", "30.00")
    assert sync(wc, docs_creds).pending == 0
    edit(wc, edits.update, "variant", variant, {"price": "31.00"})
    summary = sync(wc, docs_creds)
    [op] = wc.read_blocking(outbox.operations, [OpState.PENDING])
    assert op.entity_id == variant and "no endpoint" in (op.last_error or "")
    assert summary.pending == 1 and any("variant" in reason for reason in summary.waiting)


def test_update_without_etags_compares_with_the_base(wc, docs_creds):
    pid = new_product(wc, "Desk", description="oak")
    sync(wc, docs_creds)
    from sqlalchemy import select

    from synq_desktop.store import schema

    with wc.reading() as connection:
        server_id = connection.execute(select(schema.products.c.server_id).where(
            schema.products.c.local_id == pid)).scalar_one()
    with docs_creds.client() as http:
        http.put(f"/products/{server_id}", json={"title": "Their desk"}).raise_for_status()
    edit(wc, edits.update, "product", pid, {"title": "My desk", "description": "walnut"})
    summary = sync(wc, docs_creds)
    conflicts = wc.read_blocking(outbox.open_conflicts)
    assert [(c.field, c.mine, c.theirs) for c in conflicts] == [("title", "My desk", "Their desk")]
    assert summary.conflicts == 1
    server = server_get(docs_creds, f"/products/{server_id}")
    assert server["title"] == "Their desk"  # nothing overwritten before the person decides


def test_lost_create_answer_is_matched_by_title(wc, docs_only_sandbox, docs_creds):
    new_product(wc, "Unique chair")
    docs_only_sandbox.set_faults(drop_after_commit_rate=1.0, paths="/products$")
    first = sync(wc, docs_creds, max_wait=0.0, pull=False)
    assert first.pushed == 0 and first.pending == 1  # the answer was lost: uncertain, not sent again
    docs_only_sandbox.reset_faults()
    second = sync(wc, docs_creds)
    with docs_creds.client() as http:
        titles = [p["title"] for p in http.get("/products").json()]
    assert titles.count("Unique chair") == 1
    assert second.pending == 0 and second.uncertain == 0
    assert wc.read_blocking(outbox.operations) == []  # adopted, not re-sent


def test_ambiguous_title_match_is_left_for_the_user(wc, docs_only_sandbox, docs_creds):
    new_product(wc, "Twin")
    docs_only_sandbox.set_faults(drop_after_commit_rate=1.0, paths="/products$")
    sync(wc, docs_creds, max_wait=0.0, pull=False)
    docs_only_sandbox.reset_faults()
    with docs_creds.client() as http:
        http.post("/products", json={"title": "Twin"}).raise_for_status()  # someone else, same title
    summary = sync(wc, docs_creds)
    [op] = wc.read_blocking(outbox.operations, [OpState.UNCERTAIN])
    assert (op.last_error or "").startswith(AMBIGUOUS) and summary.uncertain == 1
    with docs_creds.client() as http:
        assert [p["title"] for p in http.get("/products").json()].count("Twin") == 2  # never a third
