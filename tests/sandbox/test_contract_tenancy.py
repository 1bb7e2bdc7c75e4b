"""Contract: tenancy and auth on every resource. 401 for a missing/invalid/expired token or missing scoping
headers, 403 for headers that contradict the token or a VIEWER's write, 404 for another tenant's record
(never its data), and lists that show only the caller's tenant."""
from __future__ import annotations

import uuid

import httpx
import pytest

from tests.support.jobs import wait_job

API = "/api/v1/pim"

READ_ROUTES = ["/products", "/variants", "/categories", "/brands", "/attributes", "/attribute-groups", "/templates",
               "/media", "/stats", "/validation", "/audit", "/bulk-jobs", "/capabilities"]


@pytest.fixture
def world(sandbox, creds):
    """One record of every kind in the `creds` tenant, made through the API."""
    with creds.client() as api:
        product = api.post("/products", json={"title": "Secret"}).json()
        variant = api.post(f"/products/{product['id']}/variants", json={"sku": "S-1", "price": 1,
                                                                        "currency": "USD"}).json()
        category = api.post("/categories", json={"name": "Cat", "slug": "cat"}).json()
        brand = api.post("/brands", json={"name": "Brand"}).json()
        attribute = api.post("/attributes", json={"name": "Attr", "slug": "attr"}).json()
        value = api.post(f"/attributes/{attribute['id']}/values", json={"value": "V"}).json()
        group = api.post("/attribute-groups", json={"name": "Group"}).json()
        template = api.post("/templates", json={"name": "Template"}).json()
        media = api.post("/media", json={"product_id": product["id"], "url": "https://x.example/a.png"}).json()
        job = api.post("/bulk-jobs", json={"job_type": "BULK_UPDATE", "payload": []}).json()
    return {"products": product, "variants": variant, "categories": category, "brands": brand,
            "attributes": attribute, "value": value, "attribute-groups": group, "templates": template,
            "media": media, "bulk-jobs": job}


def _write_calls(world: dict) -> list[tuple[str, str, dict | None]]:
    p, v, a = world["products"]["id"], world["variants"]["id"], world["attributes"]["id"]
    calls: list[tuple[str, str, dict | None]] = [
        ("POST", "/products", {"title": "x"}),
        ("PUT", f"/products/{p}", {"title": "x"}),
        ("POST", f"/products/{p}/variants", {"sku": "x"}),
        ("PUT", f"/variants/{v}", {"sku": "x"}),
        ("POST", f"/variants/{v}/attribute-values", {"attribute_value_id": world["value"]["id"]}),
        ("POST", f"/products/{p}/attribute-values", {"attribute_value_id": world["value"]["id"]}),
        ("POST", "/categories", {"name": "x", "slug": "x-new"}),
        ("POST", "/brands", {"name": "x"}),
        ("POST", "/attributes", {"name": "x", "slug": "x-new"}),
        ("POST", f"/attributes/{a}/values", {"value": "x"}),
        ("POST", "/attribute-groups", {"name": "x"}),
        ("POST", "/templates", {"name": "x"}),
        ("POST", "/media", {"url": "https://x.example/b.png", "product_id": p}),
        ("POST", "/bulk-jobs", {"job_type": "BULK_UPDATE", "payload": []}),
        ("POST", "/export", None),
    ]
    for kind in ("categories", "brands", "attributes", "attribute-groups", "templates", "media"):
        calls.append(("PUT", f"/{kind}/{world[kind]['id']}", {"name": "y"} if kind != "media" else {"alt_text": "y"}))
    for kind in ("media", "templates", "attribute-groups", "brands", "categories", "products"):
        calls.append(("DELETE", f"/{kind}/{world[kind]['id']}", None))
    return calls


def test_missing_or_bad_credentials_are_401_everywhere(sandbox, creds):
    variants = {
        "no headers": {},
        "no token": {"X-Tenant-ID": creds.tenant_id, "X-Org-ID": creds.org_id},
        "no tenant": {"Authorization": f"Bearer {creds.token}", "X-Org-ID": creds.org_id},
        "no org": {"Authorization": f"Bearer {creds.token}", "X-Tenant-ID": creds.tenant_id},
        "unknown token": {**creds.headers, "Authorization": "Bearer not-a-token"},
        "not bearer": {**creds.headers, "Authorization": f"Basic {creds.token}"},
    }
    with httpx.Client(base_url=sandbox.url + API) as client:
        for route in READ_ROUTES:
            for label, headers in variants.items():
                answer = client.get(route, headers=headers)
                assert answer.status_code == 401, (route, label, answer.status_code)
                assert isinstance(answer.json()["error"], str)
                assert creds.token not in answer.text
        assert client.post("/products", json={"title": "x"}, headers=variants["no token"]).status_code == 401


def test_expired_token_is_401_with_a_clear_message(sandbox):
    import time

    short = sandbox.mint("EDITOR", ttl_seconds=1)
    with short.client() as api:
        assert api.get("/products").status_code == 200
        deadline = time.monotonic() + 5
        while (answer := api.get("/products")).status_code != 401:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert "expired" in answer.json()["error"].lower()


def test_contradicting_headers_are_403(sandbox, creds):
    other = sandbox.mint("ADMIN")
    with httpx.Client(base_url=sandbox.url + API) as client:
        for headers in ({**creds.headers, "X-Tenant-ID": other.tenant_id},
                        {**creds.headers, "X-Org-ID": other.org_id}):
            for route in ("/products", "/categories", "/stats"):
                answer = client.get(route, headers=headers)
                assert answer.status_code == 403, (route, answer.status_code)
                assert answer.json()["error"]
        malformed = client.get("/products", headers={**creds.headers, "X-Tenant-ID": "not-a-uuid"})
        assert malformed.status_code in (400, 401, 403) and malformed.json()["error"]


def test_viewer_reads_but_every_write_is_403(sandbox, creds, world):
    viewer = sandbox.mint("VIEWER", tenant_id=creds.tenant_id, org_id=creds.org_id)
    with viewer.client() as api:
        for route in READ_ROUTES:
            assert api.get(route).status_code == 200, route
        assert api.get(f"/products/{world['products']['id']}").json()["title"] == "Secret"
        for method, path, body in _write_calls(world):
            answer = api.request(method, path, json=body)
            assert answer.status_code == 403, (method, path, answer.status_code)
            assert answer.json()["error"]
        assert api.get("/capabilities").json()["role"] == "VIEWER"
    with creds.client() as api:
        assert api.get(f"/products/{world['products']['id']}").json()["title"] == "Secret", "nothing changed"
        assert len(api.get("/products").json()) == 1


def test_editor_can_write(sandbox, creds, world):
    editor = sandbox.mint("EDITOR", tenant_id=creds.tenant_id, org_id=creds.org_id)
    with editor.client() as api:
        assert api.get("/capabilities").json()["role"] == "EDITOR"
        for method, path, body in _write_calls(world):
            answer = api.request(method, path, json=body)
            assert answer.status_code < 400, (method, path, answer.status_code, answer.text)


def test_another_tenants_records_are_404_and_never_listed(sandbox, creds, world):
    stranger = sandbox.mint("ADMIN")
    with stranger.client() as api:
        for kind in ("products", "variants", "categories", "brands", "attributes", "attribute-groups",
                     "templates", "bulk-jobs"):
            answer = api.get(f"/{kind}/{world[kind]['id']}")
            assert answer.status_code == 404, kind
            assert world[kind]["id"] not in answer.text
        for method, path, body in _write_calls(world):
            if method == "POST" and path.count("/") == 1:
                continue  # plain creates are the stranger's own
            answer = api.request(method, path, json=body)
            assert answer.status_code == 404, (method, path, answer.status_code)
        for route in READ_ROUTES:
            if route in ("/stats", "/capabilities"):
                continue
            assert api.get(route).json() == [], route
        assert api.get("/media", params={"product_id": world["products"]["id"]}).json() == []
        assert api.get(f"/products/{world['products']['id']}/variants").status_code == 404
        assert api.get(f"/attributes/{world['attributes']['id']}/values").status_code == 404
        assert api.get("/stats").json()["total_products"] == 0
        # Linking the stranger's own variant to the first tenant's value is refused too.
        own = api.post("/products", json={"title": "Mine"}).json()
        own_variant = api.post(f"/products/{own['id']}/variants", json={"sku": "M"}).json()
        link = api.post(f"/variants/{own_variant['id']}/attribute-values",
                        json={"attribute_value_id": world["value"]["id"]})
        assert link.status_code in (400, 404)
        media = api.post("/media", json={"url": "https://x.example/c.png", "product_id": world["products"]["id"]})
        assert media.status_code in (400, 404)
        assert api.post("/products", json={"title": "x", "brand_id": world["brands"]["id"]}).status_code in (201, 400, 404)
    with creds.client() as api:
        assert api.get(f"/products/{world['products']['id']}").status_code == 200, "untouched"


def test_same_tenant_other_org_token(sandbox, creds):
    """A token minted for another org of the same tenant must not pass with this org's header."""
    other_org = str(uuid.uuid4())
    second = sandbox.mint("ADMIN", tenant_id=creds.tenant_id, org_id=other_org)
    headers = {**second.headers, "X-Org-ID": creds.org_id}
    answer = httpx.get(sandbox.url + API + "/products", headers=headers)
    assert answer.status_code == 403


def test_export_files_are_scoped_to_their_tenant(sandbox, demo_creds):
    with demo_creds.client() as api:
        job = wait_job(api, api.post("/export", json={"format": "csv"}).json()["id"], timeout=20)
        assert job["status"] == "COMPLETED"
    url = job["result_url"] if job["result_url"].startswith("http") else sandbox.url + job["result_url"]
    stranger = sandbox.mint("ADMIN")
    answer = httpx.get(url, headers=stranger.headers)
    assert answer.status_code in (403, 404)
    assert httpx.get(url, headers=demo_creds.headers).status_code == 200


def test_admin_routes_are_not_in_the_openapi_document(sandbox):
    schema = httpx.get(sandbox.url + "/openapi.json").json()
    assert not [path for path in schema["paths"] if path.startswith("/_admin")]
