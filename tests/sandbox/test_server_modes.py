"""Docs-only mode, the OpenAPI document, taxonomy rules, validation, audit details and stats."""
from __future__ import annotations

import httpx

ERROR_CODES = {"400", "401", "403", "404", "409", "412", "413", "429"}


def test_openapi_declares_every_error_answer(sandbox, docs_only_sandbox):
    for running in (sandbox, docs_only_sandbox):
        document = httpx.get(running.url + "/openapi.json").json()
        assert not any(path.startswith(("/_admin", "/files")) for path in document["paths"])
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                declared = set(operation["responses"])
                assert ERROR_CODES <= declared, (method, path, declared)
                assert any(code.startswith("2") for code in declared)
    ext_paths = set(httpx.get(sandbox.url + "/openapi.json").json()["paths"])
    docs_paths = set(httpx.get(docs_only_sandbox.url + "/openapi.json").json()["paths"])
    assert "/api/v1/pim/capabilities" in ext_paths and "/api/v1/pim/capabilities" not in docs_paths
    assert docs_paths < ext_paths


def test_docs_only_turns_every_ext_part_off(docs_only_sandbox):
    creds = docs_only_sandbox.mint("ADMIN")
    with creds.client() as api:
        assert api.get("/capabilities").status_code == 404
        ids = []
        for i in range(103):
            answer = api.post("/products", json={"title": f"P{i}", "status": "DRAFT"},
                              headers={"Idempotency-Key": "same"})
            assert answer.status_code == 201 and "ETag" not in answer.headers
            ids.append(answer.json()["id"])
        assert len(set(ids)) == 103, "Idempotency-Key is not honoured"
        assert answer.json()["status"] == "ACTIVE", "EXT fields are ignored"
        listed = api.get("/products", params={"limit": 5, "offset": 50})
        assert "X-Total-Count" not in listed.headers
        assert [p["id"] for p in listed.json()] == ids[::-1][:100], "at most 100, newest first, no paging"
        assert api.put(f"/products/{ids[0]}", json={"title": "x"}, headers={"If-Match": '"nope"'}).status_code == 200
        assert api.get("/variants").status_code == 404
        queued = api.post("/export")
        assert queued.status_code == 202 and "id" not in queued.json()
        assert len(api.get("/audit", params={"limit": 3}).json()) == 50
        assert "entity_type" not in (api.get("/validation").json() or [{}])[0]


def test_category_rules(creds):
    with creds.client() as api:
        root = api.post("/categories", json={"name": "Root", "slug": "root"})
        assert root.status_code == 201
        child = api.post("/categories", json={"name": "Child", "slug": "child", "parentId": root.json()["id"]}).json()
        grandchild = api.post("/categories", json={"name": "G", "slug": "g", "parent_id": child["id"]}).json()
        assert child["parent_id"] == root.json()["id"]
        assert api.post("/categories", json={"name": "Dup", "slug": "root"}).status_code == 409
        assert api.post("/categories", json={"name": "Bad", "slug": "Not A Slug"}).status_code == 400
        assert api.post("/categories", json={"name": "Orphan", "slug": "o", "parentId": "nope"}).status_code == 400
        cycle = api.put(f"/categories/{root.json()['id']}", json={"parent_id": grandchild["id"]})
        assert cycle.status_code == 400 and "ancestor" in cycle.json()["error"]
        assert api.put(f"/categories/{child['id']}", json={"parent_id": child["id"]}).status_code == 400
        renamed = api.put(f"/categories/{child['id']}", json={"name": "Kid"})
        assert renamed.status_code == 200 and renamed.json()["name"] == "Kid"
        assert [c["name"] for c in api.get("/categories").json()] == ["G", "Kid", "Root"]
        product = api.post("/products", json={"title": "In root", "category": "root"}).json()
        assert product["category_id"] == root.json()["id"]
        assert api.delete(f"/categories/{root.json()['id']}").status_code == 204
        assert api.get(f"/products/{product['id']}").json()["category_id"] == root.json()["id"], "no cascade"
        event = api.get("/audit", params={"action": "CATEGORY_UPDATED"}).json()[0]
        assert event["details"]["changes"] == {"name": {"old": "Child", "new": "Kid"}}


def test_attribute_values_links_and_required_attributes(creds):
    with creds.client() as api:
        size = api.post("/attributes", json={"name": "Size", "slug": "size", "type": "SELECT"}).json()
        note = api.post("/attributes", json={"name": "Note", "slug": "note"}).json()
        small = api.post(f"/attributes/{size['id']}/values", json={"value": "Small"})
        assert small.status_code == 201 and small.json()["slug"] == "small"
        assert api.post(f"/attributes/{size['id']}/values", json={"value": "Small"}).status_code == 409
        first = api.post(f"/attributes/{note['id']}/values", json={"value": "Soft"})
        again = api.post(f"/attributes/{note['id']}/values", json={"value": "Soft"})
        assert again.status_code == 200 and again.json()["id"] == first.json()["id"], "TEXT values are reused"
        template = api.post("/templates", json={"name": "T", "required_attribute_ids": [size["id"]]}).json()
        product = api.post("/products", json={"title": "Shirt", "description": "d", "template_id": template["id"]})
        pid = product.json()["id"]
        variant = api.post(f"/products/{pid}/variants",
                           json={"sku": "S1", "barcode": "4006381333931", "price": 9, "currency": "EUR"}).json()
        missing = api.get("/validation", params={"entity_id": pid}).json()
        assert [i["issue_type"] for i in missing] == ["MISSING_REQUIRED_ATTRIBUTE"]
        linked = api.post(f"/variants/{variant['id']}/attribute-values",
                          json={"attribute_value_id": small.json()["id"]})
        assert linked.status_code == 201
        assert api.get(f"/variants/{variant['id']}").json()["option_values"] == {"size": "Small"}
        assert api.get("/validation", params={"entity_id": pid}).json() == []
        assert api.get(f"/products/{pid}").json()["data_quality_score"] == 100
        assert api.delete(f"/variants/{variant['id']}/attribute-values/{small.json()['id']}").status_code == 204
        assert api.get(f"/variants/{variant['id']}").json()["option_values"] is None
        by_text = api.post(f"/products/{pid}/attribute-values", json={"attribute_id": note["id"], "value": "Warm"})
        assert by_text.status_code == 201 and by_text.json()["value"] == "Warm"


def test_quality_problems_are_listed_and_stats_count_everything(demo_creds):
    with demo_creds.client() as api:
        kinds = {issue["issue_type"] for issue in api.get("/validation", params={"limit": 100}).json()}
        assert {"MISSING_TITLE", "DUPLICATE_SKU", "INVALID_BARCODE", "INVALID_CURRENCY", "INVALID_PRICE",
                "MISSING_REQUIRED_ATTRIBUTE", "MISSING_DESCRIPTION", "NO_VARIANTS", "MISSING_ALT_TEXT"} <= kinds
        stats = api.get("/stats").json()
        assert stats["total_products"] == 20
        for key in ("total_variants", "total_categories", "total_brands", "total_attributes", "total_media",
                    "total_templates", "total_attribute_groups", "open_issues"):
            assert stats[key] > 0, key
        assert stats["open_issues"] == int(api.get("/validation", params={"limit": 1}).headers["X-Total-Count"])


def test_renaming_or_deleting_an_attribute_updates_option_values(demo_creds):
    with demo_creds.client() as api:
        variant = next(v for v in api.get("/variants", params={"limit": 100}).json()
                       if v["option_values"] and "size" in v["option_values"])
        size = next(a for a in api.get("/attributes").json() if a["slug"] == "size")
        label = variant["option_values"]["size"]
        assert api.put(f"/attributes/{size['id']}", json={"slug": "fit"}).status_code == 200
        renamed = api.get(f"/variants/{variant['id']}").json()
        assert renamed["option_values"]["fit"] == label and "size" not in renamed["option_values"]
        assert renamed["updated_at"] > variant["updated_at"]
        assert api.delete(f"/attributes/{size['id']}").status_code == 204
        after = api.get(f"/variants/{variant['id']}").json()["option_values"] or {}
        assert "fit" not in after
        assert api.get(f"/attributes/{size['id']}/values").status_code == 404
        assert api.get("/audit", params={"action": "ATTRIBUTE_DELETED"}).json()[0]["entity_id"] == size["id"]
