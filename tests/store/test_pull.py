"""The pull side: server pages written in batches, local edits never clobbered, deletions, watermarks."""
from __future__ import annotations

from sqlalchemy import select

from synq_desktop.store import edits, outbox, pull, queries, schema, sync_meta
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.states import OpState


def product(server_id: str, **fields) -> dict:
    return {"id": server_id, "title": "Shirt", "description": "Cotton", "status": "ACTIVE",
            "category_id": None, "brand_id": None, "template_id": None,
            "updated_at": "2026-01-01T00:00:00Z", **fields}


def row(r, table, local_id):
    return r(lambda c: c.execute(select(table).where(table.c.local_id == local_id)).mappings().first())


def test_insert_update_unchanged_and_watermark(w, r) -> None:
    report = w(pull.upsert_server_records, E.PRODUCT, [product("p1"), product("p2", updated_at="2026-01-03T00:00:00Z"),
                                                       product("p3", updated_at="2026-01-02T00:00:00.5Z")])
    assert (report.inserted, report.updated, report.unchanged) == (3, 0, 0)
    assert report.max_updated_at == "2026-01-03T00:00:00Z"  # the server's own text, for updated_since
    again = w(pull.upsert_server_records, E.PRODUCT, [product("p1"), product("p2", title="Renamed",
                                                                             updated_at="2026-01-04T00:00:00Z")])
    assert (again.inserted, again.updated, again.unchanged) == (0, 1, 1)
    assert row(r, schema.products, "p2")["title"] == "Renamed"
    assert row(r, schema.products, "p2")["base"]["title"] == "Renamed"
    w(sync_meta.set_watermark, "products", again.max_updated_at)
    assert r(sync_meta.list_state, "products").updated_since == "2026-01-04T00:00:00Z"
    assert r(outbox.operations) == []


def test_references_are_translated_and_sort_names_follow(w, r) -> None:
    w(pull.upsert_server_records, E.CATEGORY, [{"id": "c1", "name": "Shoes", "slug": "shoes"}])
    local_category = w(edits.create, E.CATEGORY, {"name": "Boots", "slug": "boots", "parent_id": "c1"})
    [op] = r(outbox.record_ops, E.CATEGORY, local_category)
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_applied, op.op_id, {"id": "srv-boots", "name": "Boots", "slug": "boots", "parent_id": "c1"})
    w(pull.upsert_server_records, E.PRODUCT, [product("p1", category_id="srv-boots"),
                                              product("p2", category_id="gone-category")])
    assert row(r, schema.products, "p1")["category_id"] == local_category  # the server id became ours
    assert row(r, schema.products, "p1")["category_sort"] == "Boots"
    assert row(r, schema.products, "p2")["category_id"] == "gone-category"  # a stale reference is kept
    w(edits.update, E.CATEGORY, local_category, {"name": "Winter Boots"})
    assert row(r, schema.products, "p1")["category_sort"] == "Winter Boots"


def test_pending_edit_is_not_clobbered_and_the_merge_is_reported(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [product("p1")])
    w(edits.update, E.PRODUCT, "p1", {"title": "Mine", "description": "Linen"})
    report = w(pull.upsert_server_records, E.PRODUCT, [
        product("p1", title="Theirs", description="Linen", status="ARCHIVED", updated_at="2026-01-05T00:00:00Z")])
    merge = report.merged["p1"]
    assert merge.conflicts == ["title"] and merge.same_change == ["description"]
    assert merge.taken_theirs == ["status"]
    assert report.conflicts == [("p1", "title")]
    current = row(r, schema.products, "p1")
    assert (current["title"], current["description"], current["status"]) == ("Mine", "Linen", "ARCHIVED")
    assert current["base"]["title"] == "Theirs" and current["sync_state"] == "CONFLICT"
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    assert op.state == OpState.CONFLICT and op.payload == {"title": "Mine"}
    # Pulling the same page again shows the conflict once, not twice, and the edit still waits for the
    # person: it is not sent just because the re-merge (against the moved base) sees no clash.
    w(pull.upsert_server_records, E.PRODUCT, [
        product("p1", title="Theirs", description="Linen", status="ARCHIVED", updated_at="2026-01-05T00:00:00Z")])
    assert len(r(outbox.open_conflicts)) == 1
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    assert op.state == OpState.CONFLICT and op.payload == {"title": "Mine"}
    assert r(outbox.ready) == []
    # A third value on the server updates the same conflict row.
    w(pull.upsert_server_records, E.PRODUCT, [
        product("p1", title="Theirs 2", description="Linen", status="ARCHIVED", updated_at="2026-01-06T00:00:00Z")])
    [conflict] = r(outbox.open_conflicts)
    assert conflict.theirs == "Theirs 2" and conflict.mine == "Mine"
    w(outbox.resolve_conflict, conflict.id, "mine")
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    assert op.state == OpState.PENDING and op.payload == {"title": "Mine"} and op.base == {"title": "Theirs 2"}


def test_pull_without_clash_keeps_the_edit_pending_with_a_new_base(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [product("p1")])
    w(edits.update, E.PRODUCT, "p1", {"title": "Mine"})
    w(pull.upsert_server_records, E.PRODUCT, [product("p1", description="Wool", updated_at="2026-01-05T00:00:00Z")])
    [op] = r(outbox.record_ops, E.PRODUCT, "p1")
    assert op.state == OpState.PENDING and op.payload == {"title": "Mine"} and op.base == {"title": "Shirt"}
    current = row(r, schema.products, "p1")
    assert (current["title"], current["description"]) == ("Mine", "Wool")


def test_variants_update_counts_search_and_orphans_are_reported(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [product("p1"), product("p2", title="Trousers")])
    report = w(pull.upsert_server_records, E.VARIANT, [
        {"id": "v1", "product_id": "p1", "sku": "SHI-RED-S", "price": "10.00", "currency": "EUR",
         "option_values": {"color": "Red"}},
        {"id": "v2", "product_id": "p1", "sku": "SHI-RED-M", "price": "10.00", "currency": "EUR"},
        {"id": "v3", "product_id": "missing", "sku": "X", "price": "1", "currency": "EUR"}])
    assert report.inserted == 2 and report.orphans == ["v3"]
    assert row(r, schema.products, "p1")["variant_count"] == 2
    assert row(r, schema.variants, "v1")["option_values"] == {"color": "Red"}
    assert r(queries.product_ids, queries.ProductFilter(text="red-m")) == ["p1"]
    assert "NO_VARIANTS" not in {i["issue_type"] for i in row(r, schema.products, "p1")["issues"] or []}


def test_remote_deletion_removes_records_without_edits(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [product("p1"), product("p2")])
    w(pull.upsert_server_records, E.VARIANT, [{"id": "v1", "product_id": "p1", "sku": "A", "price": "1",
                                                "currency": "EUR"}])
    report = w(pull.mark_remote_deleted, E.PRODUCT, ["p1"])
    assert report.removed == ["p1"]
    assert row(r, schema.products, "p1") is None and row(r, schema.variants, "v1") is None
    assert r(pull.local_server_ids, E.PRODUCT) == ["p2"]


def test_full_scan_resumes_and_finds_missing_ids(w, r) -> None:
    state = w(sync_meta.start_scan, "products")
    assert state.scan_offset == 0
    w(sync_meta.record_scan_page, "products", ["a", "b"], 2)
    resumed = w(sync_meta.start_scan, "products")  # a killed run starts again where it stopped
    assert resumed.scan_offset == 2 and r(sync_meta.scan_seen_count, "products") == 2
    w(sync_meta.record_scan_page, "products", ["c"], 3)
    missing = w(sync_meta.finish_scan, "products", ["a", "b", "c", "d"])
    assert missing == ["d"]
    assert r(sync_meta.list_state, "products").last_full_scan is not None
    w(sync_meta.set_truncated, "products", True)
    assert r(sync_meta.truncated_lists) == ["products"]


def test_links_validation_audit_and_jobs(w, r) -> None:
    w(pull.upsert_server_records, E.PRODUCT, [product("p1")])
    w(pull.upsert_server_records, E.VARIANT, [{"id": "v1", "product_id": "p1", "sku": "A", "price": "1",
                                                "currency": "EUR"}])
    w(pull.upsert_server_records, E.ATTRIBUTE, [{"id": "a1", "name": "Color", "slug": "color", "type": "SELECT"}])
    w(pull.upsert_server_records, E.ATTRIBUTE_VALUE, [{"id": "av1", "attribute_id": "a1", "value": "Red",
                                                       "slug": "red"}])
    w(pull.replace_server_links, E.VARIANT, "v1", ["av1"])
    assert [v["value"] for v in r(queries.linked_values, E.VARIANT, "v1")] == ["Red"]
    w(pull.replace_server_links, E.VARIANT, "v1", [])
    assert r(queries.linked_values, E.VARIANT, "v1") == []
    assert w(pull.replace_validation_issues, [{"id": "i1", "severity": "WARNING", "issue_type": "NO_VARIANTS",
                                               "message": "m", "entity_id": "p1"}]) == 1
    assert w(pull.upsert_audit_events, [{"id": "e1", "action": "PRODUCT_UPDATED", "entity_id": "p1",
                                         "details": {"changes": {"title": {"old": "a", "new": "b"}}}}]) == 1
    assert w(pull.upsert_audit_events, [{"id": "e1", "action": "PRODUCT_UPDATED"}]) == 0
    w(pull.upsert_server_records, E.BULK_JOB, [{"id": "j1", "job_type": "EXPORT", "status": "RUNNING"}])
    assert r(queries.bulk_jobs)[0]["status"] == "PROCESSING"
    counts = r(queries.counts)
    assert (counts["validation_issue"], counts["audit_event"], counts["bulk_job"]) == (1, 1, 1)


def test_issues_and_audit_events_point_at_local_ids(w, r) -> None:
    pid = w(edits.create, E.PRODUCT, {"title": "Made here"})
    [op] = r(outbox.record_ops, E.PRODUCT, pid)
    w(outbox.mark_in_flight, [op.op_id])
    w(outbox.mark_applied, op.op_id, {"id": "srv-9", "title": "Made here"})
    w(pull.replace_validation_issues, [{"id": "i1", "severity": "WARNING", "issue_type": "NO_VARIANTS",
                                        "message": "m", "entity_type": "PRODUCT", "entity_id": "srv-9"}])
    w(pull.upsert_audit_events, [{"id": "e1", "action": "PRODUCT_CREATED", "entity_type": "PRODUCT",
                                  "entity_id": "srv-9"}])
    assert [i["server_id"] for i in r(queries.validation_issues, pid)] == ["i1"]
    assert [e["server_id"] for e in r(queries.audit_events, pid)] == ["e1"]


def test_findings_can_be_checked_later_in_batches(w, r) -> None:
    from synq_desktop.store import findings

    w(pull.upsert_server_records, E.PRODUCT, [product(f"p{i}", description="") for i in range(5)],
      check_findings=False)
    assert row(r, schema.products, "p3")["issue_level"] == 0
    after = w(findings.refresh_batch, E.PRODUCT, 0, 3)
    assert after is not None
    assert w(findings.refresh_batch, E.PRODUCT, after, 3) is None
    assert {i["issue_type"] for i in row(r, schema.products, "p4")["issues"]} == {"MISSING_DESCRIPTION",
                                                                                "NO_VARIANTS"}
