"""Contract: the documented product routes, /stats, /validation, /audit (API.md rows), over real HTTP."""
from __future__ import annotations

import re
import uuid
from decimal import Decimal

import httpx

from tests.support.jobs import wait_job

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")
PRODUCT_FIELDS = {"id", "org_id", "tenant_id", "title", "description", "category", "category_id", "brand_id",
                  "template_id", "status", "data_quality_score", "created_at", "updated_at"}
SUMMARY_FIELDS = {"id", "title", "category", "status", "updated_at"}


def _issues_of(api: httpx.Client, entity_id: str) -> set[str]:
    return {issue["issue_type"] for issue in api.get("/validation").json() if issue.get("entity_id") == entity_id}


def test_create_product_answers_201_with_every_field(creds):
    with creds.client() as api:
        created = api.post("/products", json={"title": "Classic Wool Sweater",
                                              "description": "100% merino wool, machine washable.",
                                              "category": "apparel"})
        assert created.status_code == 201
        product = created.json()
        assert PRODUCT_FIELDS <= product.keys()
        assert uuid.UUID(product["id"])
        assert product["tenant_id"] == creds.tenant_id and product["org_id"] == creds.org_id
        assert product["title"] == "Classic Wool Sweater" and product["category"] == "apparel"
        assert product["status"] == "ACTIVE", "ACTIVE by default"
        assert product["category_id"] is None, "a free label that is no category's slug fills nothing"
        assert ISO_Z.match(product["created_at"]) and ISO_Z.match(product["updated_at"])
        score = product["data_quality_score"]
        assert score is None or 0 <= score <= 100


def test_create_product_ext_fields(creds):
    with creds.client() as api:
        category = api.post("/categories", json={"name": "Outerwear", "slug": "outerwear"}).json()
        brand = api.post("/brands", json={"name": "Nordvik"}).json()
        template = api.post("/templates", json={"name": "Apparel"}).json()
        product = api.post("/products", json={
            "title": "Parka", "status": "DRAFT", "category_id": category["id"], "brand_id": brand["id"],
            "template_id": template["id"],
        }).json()
        assert product["status"] == "DRAFT" and product["category_id"] == category["id"]
        assert product["brand_id"] == brand["id"] and product["template_id"] == template["id"]
        by_slug = api.post("/products", json={"title": "Coat", "category": "outerwear"}).json()
        assert by_slug["category_id"] == category["id"], "a category slug sent as `category` fills category_id"
        assert by_slug["category"] == "outerwear"


def test_get_one_full_and_unknown_is_404(creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "Lamp"}).json()
        fetched = api.get(f"/products/{product['id']}")
        assert fetched.status_code == 200 and fetched.json() == product
        for missing in (str(uuid.uuid4()), "not-a-uuid"):
            answer = api.get(f"/products/{missing}")
            assert answer.status_code == 404 and isinstance(answer.json()["error"], str)


def test_list_is_a_bare_array_newest_first_at_most_100(creds):
    with creds.client() as api:
        assert api.get("/products").json() == []
        job = api.post("/bulk-jobs", json={"job_type": "BULK_IMPORT",
                                           "payload": [{"title": f"Item {n:03d}"} for n in range(105)]})
        assert job.status_code == 200
        wait_job(api, job.json()["id"])
        for n in range(3):
            api.post("/products", json={"title": f"Newest {n}"})
        listed = api.get("/products")
        assert listed.status_code == 200
        items = listed.json()
        assert isinstance(items, list) and len(items) == 100
        assert [p["title"] for p in items[:3]] == ["Newest 2", "Newest 1", "Newest 0"]
        stamps = [p["created_at"] for p in items]
        assert stamps == sorted(stamps, reverse=True)
        assert PRODUCT_FIELDS <= items[0].keys(), "the sandbox lists full objects"


def test_put_updates_sent_fields_null_clears_absent_stays(creds):
    with creds.client() as api:
        brand = api.post("/brands", json={"name": "Kestrel"}).json()
        product = api.post("/products", json={"title": "Tee", "description": "Soft", "category": "tops"}).json()
        changed = api.put(f"/products/{product['id']}", json={"title": "Pocket Tee", "brand_id": brand["id"],
                                                               "status": "ARCHIVED"})
        assert changed.status_code == 200
        body = changed.json()
        assert body["title"] == "Pocket Tee" and body["brand_id"] == brand["id"] and body["status"] == "ARCHIVED"
        assert body["description"] == "Soft" and body["category"] == "tops"
        assert body["updated_at"] > product["updated_at"] and body["created_at"] == product["created_at"]
        cleared = api.put(f"/products/{product['id']}", json={"description": None, "brand_id": None}).json()
        assert cleared["description"] is None and cleared["brand_id"] is None and cleared["title"] == "Pocket Tee"
        assert api.get(f"/products/{product['id']}").json() == cleared
        assert api.put(f"/products/{uuid.uuid4()}", json={"title": "x"}).status_code == 404


def test_delete_answers_204_then_404(creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "Gone"}).json()
        deleted = api.delete(f"/products/{product['id']}")
        assert deleted.status_code == 204 and deleted.content == b""
        assert api.get(f"/products/{product['id']}").status_code == 404
        assert api.delete(f"/products/{product['id']}").status_code == 404
        assert api.get("/products").json() == []


def test_stats_counts_everything(demo_creds):
    with demo_creds.client() as api:
        stats = api.get("/stats")
        assert stats.status_code == 200
        counts = stats.json()
        assert isinstance(counts, dict)
        assert counts["total_products"] == 20
        variants = len(api.get("/variants", params={"limit": 100}).json())
        assert counts["total_variants"] == variants
        assert counts["total_categories"] == len(api.get("/categories", params={"limit": 100}).json())
        assert counts["total_brands"] == len(api.get("/brands", params={"limit": 100}).json())
        for name in ("total_attributes", "total_media"):
            assert isinstance(counts[name], int) and counts[name] > 0, name
        api.post("/products", json={"title": "One more"})
        assert api.get("/stats").json()["total_products"] == 21


def test_validation_lists_issues_until_fixed_and_scores_follow(creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "Plain"}).json()
        issues = api.get("/validation")
        assert issues.status_code == 200 and isinstance(issues.json(), list)
        mine = [i for i in issues.json() if i["entity_id"] == product["id"]]
        assert {i["issue_type"] for i in mine} == {"MISSING_DESCRIPTION", "NO_VARIANTS"}
        for issue in mine:
            assert {"id", "severity", "issue_type", "message", "created_at", "entity_type", "entity_id",
                    "field"} <= issue.keys()
            assert issue["severity"] == "WARNING" and issue["entity_type"] == "PRODUCT"
            assert ISO_Z.match(issue["created_at"]) and issue["message"]
        assert api.get(f"/products/{product['id']}").json()["data_quality_score"] == 80
        api.put(f"/products/{product['id']}", json={"description": "Now described"})
        api.post(f"/products/{product['id']}/variants", json={"sku": "P-1", "price": 10, "currency": "USD"})
        assert _issues_of(api, product["id"]) == set()
        assert api.get(f"/products/{product['id']}").json()["data_quality_score"] == 100


def test_demo_catalog_shows_every_server_issue_type(demo_creds):
    with demo_creds.client() as api:
        kinds = {issue["issue_type"] for issue in api.get("/validation").json()}
    assert {"MISSING_TITLE", "DUPLICATE_SKU", "INVALID_BARCODE", "INVALID_CURRENCY", "INVALID_PRICE",
            "MISSING_REQUIRED_ATTRIBUTE", "MISSING_DESCRIPTION", "NO_VARIANTS", "MISSING_ALT_TEXT"} <= kinds


def test_audit_records_product_changes_newest_first(creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "Audited", "description": "a"}).json()
        api.put(f"/products/{product['id']}", json={"title": "Audited 2"})
        api.delete(f"/products/{product['id']}")
        events = api.get("/audit")
        assert events.status_code == 200
        mine = [e for e in events.json() if e["entity_id"] == product["id"]]
        assert [e["action"] for e in mine] == ["PRODUCT_DELETED", "PRODUCT_UPDATED", "PRODUCT_CREATED"]
        for event in mine:
            assert {"id", "actor_email", "action", "entity_type", "entity_id", "details", "ip_address",
                    "created_at"} <= event.keys()
            assert isinstance(event["details"], dict) and ISO_Z.match(event["created_at"])
        update = mine[1]
        assert update["details"]["changes"]["title"] == {"old": "Audited", "new": "Audited 2"}
        alias = httpx.get(creds.url + "/api/v1/audit", headers=creds.headers)
        assert alias.status_code == 200 and alias.json() == events.json()


def test_audit_keeps_the_newest_50(creds):
    with creds.client() as api:
        job = api.post("/bulk-jobs", json={"job_type": "BULK_IMPORT",
                                           "payload": [{"title": f"A{n}"} for n in range(60)]}).json()
        wait_job(api, job["id"])
        events = api.get("/audit").json()
        assert len(events) == 50
        stamps = [e["created_at"] for e in events]
        assert stamps == sorted(stamps, reverse=True)


def test_variant_price_change_is_audited(creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "Priced"}).json()
        variant = api.post(f"/products/{product['id']}/variants",
                           json={"sku": "PR-1", "price": 10, "currency": "EUR"}).json()
        api.put(f"/variants/{variant['id']}", json={"price": 12.5})
        actions = [e["action"] for e in api.get("/audit").json()]
        assert "VARIANT_CREATED" in actions
        assert "PRODUCT_PRICE_CHANGED" in actions or "VARIANT_UPDATED" in actions
        changed = [e for e in api.get("/audit").json() if e["entity_id"] == variant["id"]
                   and e["action"] in ("VARIANT_UPDATED", "PRODUCT_PRICE_CHANGED")]
        assert changed
        price = changed[0]["details"]["changes"]["price"]
        assert Decimal(str(price["old"])) == 10 and Decimal(str(price["new"])) == Decimal("12.5")




def test_put_category_slug_fills_category_id(creds):
    with creds.client() as api:
        category = api.post("/categories", json={"name": "Tents", "slug": "tents"}).json()
        product = api.post("/products", json={"title": "Dome", "category": "free label"}).json()
        moved = api.put(f"/products/{product['id']}", json={"category": "tents"}).json()
        assert moved["category"] == "tents" and moved["category_id"] == category["id"]


def test_deleting_a_product_clears_the_duplicate_sku_of_the_other(creds):
    with creds.client() as api:
        a = api.post("/products", json={"title": "A"}).json()
        b = api.post("/products", json={"title": "B"}).json()
        va = api.post(f"/products/{a['id']}/variants", json={"sku": "SAME", "price": 1, "currency": "USD"}).json()
        api.post(f"/products/{b['id']}/variants", json={"sku": "SAME", "price": 1, "currency": "USD"})
        assert "DUPLICATE_SKU" in _issues_of(api, va["id"])
        api.delete(f"/products/{b['id']}")
        assert "DUPLICATE_SKU" not in _issues_of(api, va["id"])
        assert api.get(f"/variants/{va['id']}").json()["data_quality_score"] == 100
        assert not [i for i in api.get("/validation").json() if i["entity_id"] == b["id"]], "no issues of the dead"


def test_template_changes_revalidate_its_products(creds):
    with creds.client() as api:
        material = api.post("/attributes", json={"name": "Material", "slug": "material"}).json()
        template = api.post("/templates", json={"name": "T"}).json()
        product = api.post("/products", json={"title": "P", "description": "d", "template_id": template["id"]}).json()
        api.post(f"/products/{product['id']}/variants", json={"sku": "S", "price": 1, "currency": "USD"})
        assert _issues_of(api, product["id"]) == set()
        api.put(f"/templates/{template['id']}", json={"required_attribute_ids": [material["id"]]})
        assert _issues_of(api, product["id"]) == {"MISSING_REQUIRED_ATTRIBUTE"}
        wool = api.post(f"/attributes/{material['id']}/values", json={"value": "Wool"}).json()
        api.post(f"/products/{product['id']}/attribute-values", json={"attribute_value_id": wool["id"]})
        assert _issues_of(api, product["id"]) == set()
        api.delete(f"/products/{product['id']}/attribute-values/{wool['id']}")
        assert _issues_of(api, product["id"]) == {"MISSING_REQUIRED_ATTRIBUTE"}
        api.put(f"/products/{product['id']}", json={"template_id": None})
        assert _issues_of(api, product["id"]) == set()
