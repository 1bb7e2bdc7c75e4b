"""Tenancy and auth rules of issue 2: 401, 403, 404 — never another tenant's data."""
from __future__ import annotations

import time


def test_missing_token_and_headers_are_401(sandbox, creds):
    import httpx

    bare = httpx.get(creds.api_url + "/products")
    assert bare.status_code == 401 and "error" in bare.json()
    no_scope = httpx.get(creds.api_url + "/products", headers={"Authorization": f"Bearer {creds.token}"})
    assert no_scope.status_code == 401
    wrong = httpx.get(creds.api_url + "/products", headers={**creds.headers, "Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_expired_token_is_401(sandbox):
    short = sandbox.mint("ADMIN", ttl_seconds=1)
    with short.client() as api:
        assert api.get("/products").status_code == 200
        deadline = time.monotonic() + 5
        while api.get("/products").status_code != 401:
            assert time.monotonic() < deadline, "token never expired"
            time.sleep(0.1)


def test_contradicting_headers_and_viewer_writes_are_403(sandbox, creds):
    other = sandbox.mint("ADMIN")
    with creds.client(headers={**creds.headers, "X-Tenant-ID": other.tenant_id}) as api:
        assert api.get("/products").status_code == 403
    with creds.client(headers={**creds.headers, "X-Org-ID": other.org_id}) as api:
        assert api.get("/products").status_code == 403
    viewer = sandbox.mint("VIEWER", tenant_id=creds.tenant_id, org_id=creds.org_id)
    with viewer.client() as api:
        assert api.get("/products").status_code == 200
        refused = api.post("/products", json={"title": "nope"})
        assert refused.status_code == 403 and "VIEWER" in refused.json()["error"]
    with creds.client() as api:
        assert api.get("/products").json() == []


def test_another_tenants_record_is_404(sandbox, creds):
    other = sandbox.mint("ADMIN")
    with creds.client() as mine, other.client() as theirs:
        product = mine.post("/products", json={"title": "Secret"}).json()
        assert theirs.get(f"/products/{product['id']}").status_code == 404
        assert theirs.put(f"/products/{product['id']}", json={"title": "x"}).status_code == 404
        assert theirs.delete(f"/products/{product['id']}").status_code == 404
        assert theirs.post(f"/products/{product['id']}/variants", json={"sku": "A"}).status_code == 404
        assert theirs.get("/products").json() == []
        assert mine.get(f"/products/{product['id']}").json()["title"] == "Secret"


def test_editor_can_write(sandbox, creds):
    editor = sandbox.mint("EDITOR", tenant_id=creds.tenant_id, org_id=creds.org_id)
    with editor.client() as api:
        assert api.post("/products", json={"title": "By editor"}).status_code == 201


def test_rate_limit_answers_429_with_retry_after():
    from tests.support.sandbox import start_sandbox

    with start_sandbox(rate_limit_per_minute=5) as running:
        limited = running.mint("ADMIN")
        with limited.client() as api:
            codes = [api.get("/products").status_code for _ in range(8)]
            assert codes[:5] == [200] * 5
            assert 429 in codes[5:]
            throttled = api.get("/products")
            assert throttled.status_code == 429
            assert int(throttled.headers["Retry-After"]) >= 1
