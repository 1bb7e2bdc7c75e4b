"""Contract: the EXT parts (paging, updated_since, fields=summary, ETag/If-Match, Idempotency-Key,
throttling, capabilities, audit paging) and their absence on a `--docs-only` server."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from tests.support.jobs import wait_job

LIST_ROUTES = ["/products", "/variants", "/categories", "/brands", "/attributes", "/attribute-groups",
               "/templates", "/media", "/validation", "/audit", "/bulk-jobs"]


def _import(api: httpx.Client, payload: list[dict]) -> None:
    job = api.post("/bulk-jobs", json={"job_type": "BULK_IMPORT", "payload": payload}).json()
    wait_job(api, job["id"])


def test_paging_with_limit_offset_and_total(creds):
    with creds.client() as api:
        _import(api, [{"title": f"P{n:03d}"} for n in range(130)])
        first = api.get("/products", params={"limit": 50})
        assert first.status_code == 200 and first.headers["X-Total-Count"] == "130"
        pages = [first.json()]
        for offset in (50, 100):
            pages.append(api.get("/products", params={"limit": 50, "offset": offset}).json())
        assert [len(p) for p in pages] == [50, 50, 30]
        ids = [p["id"] for page in pages for p in page]
        assert len(set(ids)) == 130, "pages neither overlap nor skip"
        beyond = api.get("/products", params={"limit": 50, "offset": 500})
        assert beyond.json() == [] and beyond.headers["X-Total-Count"] == "130"
        whole = api.get("/products", params={"limit": 100, "offset": 0}).json()
        assert [p["id"] for p in whole] == ids[:100], "the same order whatever the page size"


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_every_list_takes_limit_and_offset(demo_creds, route):
    with demo_creds.client() as api:
        full = api.get(route, params={"limit": 100})
        assert full.status_code == 200 and "X-Total-Count" in full.headers, route
        total = int(full.headers["X-Total-Count"])
        one = api.get(route, params={"limit": 1, "offset": 1})
        assert len(one.json()) == (1 if total > 1 else 0)
        if total > 1:
            assert one.json()[0] == full.json()[1]
        for bad in (0, 101, -1, "ten"):
            refused = api.get(route, params={"limit": bad})
            assert refused.status_code == 400, (route, bad)
            assert refused.json()["error"]
        assert api.get(route, params={"offset": -1}).status_code == 400


def test_updated_since_returns_changes_oldest_first(creds):
    with creds.client() as api:
        a = api.post("/products", json={"title": "A"}).json()
        b = api.post("/products", json={"title": "B"}).json()
        c = api.post("/products", json={"title": "C"}).json()
        a2 = api.put(f"/products/{a['id']}", json={"title": "A2"}).json()
        since_b = api.get("/products", params={"updated_since": b["updated_at"]}).json()
        assert [p["id"] for p in since_b] == [b["id"], c["id"], a["id"]]
        assert api.get("/products", params={"updated_since": a2["updated_at"]}).json()[0]["title"] == "A2"
        future = api.get("/products", params={"updated_since": "2999-01-01T00:00:00Z"}).json()
        assert future == []
        offset_form = b["updated_at"].replace("Z", "+00:00")
        assert [p["id"] for p in api.get("/products", params={"updated_since": offset_form}).json()] == \
            [p["id"] for p in since_b]
        assert api.get("/products", params={"updated_since": "yesterday"}).status_code == 400
        paged = api.get("/products", params={"updated_since": b["updated_at"], "limit": 2})
        assert [p["id"] for p in paged.json()] == [b["id"], c["id"]] and paged.headers["X-Total-Count"] == "3"


def test_fields_summary_is_the_light_projection(creds):
    with creds.client() as api:
        api.post("/products", json={"title": "Light", "description": "long text"})
        summary = api.get("/products", params={"fields": "summary"}).json()
        assert set(summary[0]) == {"id", "title", "category", "status", "updated_at"}
        assert "description" in api.get("/products").json()[0]
        assert api.get("/products", params={"fields": "everything"}).status_code == 400


@pytest.mark.parametrize("kind,create,change", [
    ("products", {"title": "E"}, {"title": "E2"}),
    ("categories", {"name": "E", "slug": "e"}, {"name": "E2"}),
    ("brands", {"name": "E"}, {"name": "E2"}),
    ("attributes", {"name": "E", "slug": "e"}, {"name": "E2"}),
    ("attribute-groups", {"name": "E"}, {"name": "E2"}),
    ("templates", {"name": "E"}, {"name": "E2"}),
])
def test_etag_and_if_match(creds, kind, create, change):
    with creds.client() as api:
        made = api.post(f"/{kind}", json=create)
        etag = made.headers["ETag"]
        rid = made.json()["id"]
        got = api.get(f"/{kind}/{rid}")
        assert got.headers["ETag"] == etag
        fresh = api.put(f"/{kind}/{rid}", json=change, headers={"If-Match": etag})
        assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
        stale = api.put(f"/{kind}/{rid}", json={"name": "lost", "title": "lost"}, headers={"If-Match": etag})
        assert stale.status_code == 412 and stale.json()["error"]
        assert api.delete(f"/{kind}/{rid}", headers={"If-Match": etag}).status_code == 412
        assert api.get(f"/{kind}/{rid}").status_code == 200, "a failed precondition changes nothing"
        assert api.put(f"/{kind}/{rid}", json=change, headers={"If-Match": "*"}).status_code == 200
        current = api.get(f"/{kind}/{rid}").headers["ETag"]
        assert api.delete(f"/{kind}/{rid}", headers={"If-Match": current}).status_code == 204


def test_variant_and_media_etags(creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "P"}).json()
        variant = api.post(f"/products/{product['id']}/variants", json={"sku": "S"})
        etag = variant.headers["ETag"]
        vid = variant.json()["id"]
        assert api.put(f"/variants/{vid}", json={"sku": "S2"}, headers={"If-Match": etag}).status_code == 200
        assert api.put(f"/variants/{vid}", json={"sku": "S3"}, headers={"If-Match": etag}).status_code == 412
        media = api.post("/media", json={"url": "https://x.example/a.png", "product_id": product["id"]})
        mtag = media.headers["ETag"]
        mid = media.json()["id"]
        assert api.put(f"/media/{mid}", json={"alt_text": "a"}, headers={"If-Match": mtag}).status_code == 200
        assert api.delete(f"/media/{mid}", headers={"If-Match": mtag}).status_code == 412


def test_lists_carry_updated_at(demo_creds):
    with demo_creds.client() as api:
        for route in ("/products", "/variants", "/categories", "/brands", "/attributes", "/media"):
            assert all("updated_at" in item for item in api.get(route).json()), route


@pytest.mark.parametrize("path,body", [
    ("/products", {"title": "Once"}),
    ("/categories", {"name": "Once", "slug": "once"}),
    ("/brands", {"name": "Once"}),
    ("/media", {"url": "https://x.example/once.png"}),
    ("/bulk-jobs", {"job_type": "BULK_UPDATE", "payload": []}),
])
def test_idempotency_key_replays_the_first_answer(creds, path, body):
    with creds.client() as api:
        key = str(uuid.uuid4())
        first = api.post(path, json=body, headers={"Idempotency-Key": key})
        again = api.post(path, json=body, headers={"Idempotency-Key": key})
        assert first.status_code == again.status_code and first.status_code in (200, 201)
        assert again.json() == first.json()
        listed = api.get(path if path != "/bulk-jobs" else "/bulk-jobs?type=BULK_UPDATE").json()
        assert len(listed) == 1, "the replay created nothing"
        mismatch = api.post(path, json={**body, "name": "Other", "title": "Other", "url": "https://x.example/o.png"},
                            headers={"Idempotency-Key": key})
        assert mismatch.status_code == 400 and mismatch.json()["error"]
        natural_key = {"/categories": {"slug": "once-2"}, "/brands": {"name": "Once 2"}}.get(path, {})
        other_key = api.post(path, json={**body, **natural_key}, headers={"Idempotency-Key": str(uuid.uuid4())})
        assert other_key.status_code in (200, 201) and other_key.json()["id"] != first.json()["id"]


def test_idempotency_key_on_variant_create_and_export(creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "P"}).json()
        key = {"Idempotency-Key": "variant-key-1"}
        first = api.post(f"/products/{product['id']}/variants", json={"sku": "K", "price": 1.5}, headers=key)
        again = api.post(f"/products/{product['id']}/variants", json={"sku": "K", "price": 1.5}, headers=key)
        assert first.status_code == again.status_code == 200 and first.json() == again.json()
        assert len(api.get(f"/products/{product['id']}/variants").json()) == 1
        export_key = {"Idempotency-Key": "export-key-1"}
        e1 = api.post("/export", json={"format": "csv"}, headers=export_key)
        e2 = api.post("/export", json={"format": "csv"}, headers=export_key)
        assert e1.status_code == e2.status_code == 202 and e1.json()["id"] == e2.json()["id"]


def test_idempotency_keys_are_per_tenant(sandbox, creds):
    other = sandbox.mint("ADMIN")
    key = {"Idempotency-Key": "shared-key"}
    with creds.client() as mine, other.client() as theirs:
        a = mine.post("/products", json={"title": "Mine"}, headers=key).json()
        b = theirs.post("/products", json={"title": "Mine"}, headers=key)
        assert b.status_code == 201 and b.json()["id"] != a["id"] and b.json()["tenant_id"] == other.tenant_id


def test_capabilities(sandbox, creds):
    with creds.client() as api:
        caps = api.get("/capabilities")
        assert caps.status_code == 200
        body = caps.json()
        assert body["role"] == "ADMIN" and isinstance(body["limits"], dict)
        assert isinstance(body["ext"], list) and body["ext"]
        assert all(isinstance(name, str) for name in body["ext"])
        assert body["limits"]["max_page_size"] == 100 and body["limits"]["max_json_body_bytes"] == 10 * 1024 * 1024
    # Every part the client knows by name is announced, so a client against this server uses them all.
    from synq_desktop.api.capabilities import Ext

    known = {value for name, value in vars(Ext).items() if not name.startswith("_")}
    assert known <= set(body["ext"]), known - set(body["ext"])
    for role in ("EDITOR", "VIEWER"):
        with sandbox.mint(role).client() as api:
            assert api.get("/capabilities").json()["role"] == role, "the caller's role, not a fixed one"


def test_audit_paging_and_filters(creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "A"}).json()
        for n in range(3):
            api.put(f"/products/{product['id']}", json={"title": f"A{n}"})
        api.post("/products", json={"title": "B"})
        mine = api.get("/audit", params={"entity_id": product["id"]}).json()
        assert len(mine) == 4 and {e["entity_id"] for e in mine} == {product["id"]}
        updates = api.get("/audit", params={"action": "PRODUCT_UPDATED"}).json()
        assert len(updates) == 3 and {e["action"] for e in updates} == {"PRODUCT_UPDATED"}
        page = api.get("/audit", params={"limit": 2, "offset": 1})
        assert [e["id"] for e in page.json()] == [e["id"] for e in api.get("/audit").json()[1:3]]
        assert page.headers["X-Total-Count"] == "5"


@pytest.fixture(scope="module")
def throttled_sandbox() -> Iterator:
    from tests.support.sandbox import start_sandbox

    running = start_sandbox(rate_limit_per_minute=10)
    yield running
    running.close()


def test_rate_limit_is_per_token_with_retry_after(throttled_sandbox):
    first = throttled_sandbox.mint("ADMIN")
    second = throttled_sandbox.mint("ADMIN")
    with first.client() as api:
        statuses = [api.get("/products").status_code for _ in range(15)]
        assert statuses[:5] == [200] * 5 and 429 in statuses
        refused = api.get("/products")
        assert refused.status_code == 429 and refused.json()["error"]
        retry_after = refused.headers["Retry-After"]
        assert retry_after.isdigit() and 1 <= int(retry_after) <= 60
    with second.client() as api:
        assert api.get("/products").status_code == 200, "another token has its own budget"


# ---- docs-only: every EXT part off ----

def test_docs_only_has_no_ext_routes(docs_only_sandbox):
    creds = docs_only_sandbox.mint("ADMIN")
    with creds.client() as api:
        assert api.get("/capabilities").status_code == 404
        product = api.post("/products", json={"title": "Doc"})
        assert product.status_code == 201
        pid = product.json()["id"]
        assert "ETag" not in product.headers and "ETag" not in api.get(f"/products/{pid}").headers
        variant = api.post(f"/products/{pid}/variants", json={"sku": "D", "price": 1, "currency": "USD"})
        assert variant.status_code == 200
        vid = variant.json()["id"]
        for path in ("/variants", f"/variants/{vid}", f"/variants/{vid}/attribute-values",
                     f"/products/{pid}/attribute-values"):
            assert api.get(path).status_code == 404, path
        # Only POST exists on this path (documented): a GET is refused, never a list.
        assert api.get(f"/products/{pid}/variants").status_code in (404, 405)
        assert api.put(f"/variants/{vid}", json={"sku": "x"}).status_code in (404, 405)
        category = api.post("/categories", json={"name": "C", "slug": "c"}).json()
        for path in (f"/categories/{category['id']}",):
            assert api.put(path, json={"name": "x"}).status_code in (404, 405)
            assert api.delete(path).status_code in (404, 405)
        assert api.post("/media/uploads", files={"file": ("a.png", b"\x89PNG\r\n\x1a\n", "image/png")}
                        ).status_code in (404, 405)
        attribute = api.post("/attributes", json={"name": "A", "slug": "a"}).json()
        assert api.get(f"/attributes/{attribute['id']}/values").status_code == 404


def test_docs_only_ignores_paging_etags_and_idempotency(docs_only_sandbox):
    creds = docs_only_sandbox.mint("ADMIN")
    with creds.client() as api:
        for n in range(3):
            api.post("/products", json={"title": f"P{n}"})
        listed = api.get("/products", params={"limit": 1, "offset": 1})
        assert listed.status_code == 200 and len(listed.json()) == 3, "limit and offset are not honoured"
        assert "X-Total-Count" not in listed.headers
        assert api.get("/products", params={"limit": 0}).status_code == 200, "no 400 for what it ignores"
        pid = listed.json()[0]["id"]
        put = api.put(f"/products/{pid}", json={"title": "x"}, headers={"If-Match": '"bogus"'})
        assert put.status_code == 200, "If-Match is not honoured"
        key = {"Idempotency-Key": "same"}
        a = api.post("/products", json={"title": "Twice"}, headers=key).json()
        b = api.post("/products", json={"title": "Twice"}, headers=key).json()
        assert a["id"] != b["id"], "Idempotency-Key is not honoured"
        since = api.get("/products", params={"updated_since": "2999-01-01T00:00:00Z"}).json()
        assert len(since) == 5, "updated_since is not honoured"


def test_docs_only_export_and_jobs_still_work(docs_only_sandbox):
    creds = docs_only_sandbox.mint("ADMIN")
    with creds.client() as api:
        queued = api.post("/export")
        assert queued.status_code == 202
        job = api.post("/bulk-jobs", json={"job_type": "BULK_UPDATE", "payload": {"status": "ACTIVE"}})
        assert job.status_code == 200 and job.json()["status"] == "PENDING"
        assert isinstance(api.get("/bulk-jobs").json(), list)
        assert api.get(f"/bulk-jobs/{job.json()['id']}").status_code == 404, "job detail is EXT"


def test_docs_only_openapi_has_no_ext_paths(docs_only_sandbox, sandbox):
    docs_paths = set(httpx.get(docs_only_sandbox.url + "/openapi.json").json()["paths"])
    full_paths = set(httpx.get(sandbox.url + "/openapi.json").json()["paths"])
    assert "/api/v1/pim/capabilities" in full_paths and "/api/v1/pim/capabilities" not in docs_paths
    assert "/api/v1/pim/variants" not in docs_paths
    assert {"/api/v1/pim/products", "/api/v1/pim/products/{product_id}/variants", "/api/v1/pim/stats",
            "/api/v1/pim/export", "/api/v1/pim/bulk-jobs", "/api/v1/pim/validation", "/api/v1/pim/audit",
            "/api/v1/pim/categories", "/api/v1/pim/brands", "/api/v1/pim/attributes",
            "/api/v1/pim/attribute-groups", "/api/v1/pim/templates", "/api/v1/pim/media"} <= docs_paths


def test_concurrent_retries_with_one_key_create_one_record(creds):
    """A client that retries while its first attempt is still in flight must not get two records."""
    import threading

    key = {"Idempotency-Key": "race-key"}
    answers: list[httpx.Response] = []
    lock = threading.Lock()

    def attempt() -> None:
        with creds.client() as api:
            answer = api.post("/products", json={"title": "Raced"}, headers=key)
        with lock:
            answers.append(answer)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with creds.client() as api:
        assert len(api.get("/products").json()) == 1
    created = [a for a in answers if a.status_code == 201]
    assert created and len({a.json()["id"] for a in created}) == 1
    assert all(a.status_code in (201, 409, 429) for a in answers), [a.status_code for a in answers]


def test_one_key_on_two_routes_never_replays_the_wrong_thing(creds):
    with creds.client() as api:
        key = {"Idempotency-Key": "cross-route"}
        product = api.post("/products", json={"name": "Same body", "title": "Same body"}, headers=key).json()
        brand = api.post("/brands", json={"name": "Same body", "title": "Same body"}, headers=key)
        assert brand.status_code in (201, 400, 409)
        if brand.status_code == 201:
            assert brand.json()["id"] != product["id"] and "logo_url" in brand.json()


def test_ties_in_the_sort_order_are_broken_by_id(creds):
    with creds.client() as api:
        made = [api.post("/categories", json={"name": "Same", "slug": f"same-{n}"}).json()["id"] for n in range(7)]
        pages = [api.get("/categories", params={"limit": 2, "offset": offset}).json() for offset in (0, 2, 4, 6)]
        seen = [c["id"] for page in pages for c in page]
        assert seen == sorted(made), "equal names come in id order, so pages neither repeat nor skip"


def test_score_changes_move_updated_at_so_incremental_pulls_see_them(creds):
    """A variant whose score drops because another variant took its SKU must show up in the next pull."""
    with creds.client() as api:
        product = api.post("/products", json={"title": "P", "description": "d"}).json()
        first = api.post(f"/products/{product['id']}/variants",
                         json={"sku": "TWIN", "price": 1, "currency": "USD"}).json()
        assert first["data_quality_score"] == 100
        mark = api.get("/variants").json()[-1]["updated_at"]
        product_mark = api.get(f"/products/{product['id']}").json()["updated_at"]
        second = api.post(f"/products/{product['id']}/variants",
                          json={"sku": "TWIN", "price": 1, "currency": "USD"}).json()
        pulled = {v["id"]: v for v in api.get("/variants", params={"updated_since": mark}).json()}
        assert second["id"] in pulled and first["id"] in pulled, "the first variant's score changed too"
        assert pulled[first["id"]]["data_quality_score"] == 75
        # The product's own score did not change here; a product that gains its first variant does.
        lonely = api.post("/products", json={"title": "L", "description": "d"}).json()
        assert lonely["data_quality_score"] == 90
        lonely_mark = api.get(f"/products/{lonely['id']}").json()["updated_at"]
        api.post(f"/products/{lonely['id']}/variants", json={"sku": "L-1", "price": 1, "currency": "USD"})
        pulled_products = {p["id"]: p for p in api.get("/products", params={"updated_since": lonely_mark}).json()}
        assert pulled_products[lonely["id"]]["data_quality_score"] == 100
        assert product_mark <= api.get(f"/products/{product['id']}").json()["updated_at"]


def _at_once(creds, calls: list) -> list:
    """Run each call(client) on its own thread, released together."""
    import threading

    results: list = [None] * len(calls)
    barrier = threading.Barrier(len(calls))

    def run(index: int) -> None:
        with creds.client() as client:
            barrier.wait()
            results[index] = calls[index](client)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_racing_writers_with_one_etag_exactly_one_wins(creds):
    with creds.client() as api:
        made = api.post("/products", json={"title": "Contended"})
    etag, pid = made.headers["ETag"], made.json()["id"]
    statuses = _at_once(creds, [
        lambda client, n=n: client.put(f"/products/{pid}", json={"title": f"W{n}"}, headers={"If-Match": etag})
        .status_code for n in range(6)])
    assert sorted(statuses) == [200, 412, 412, 412, 412, 412]


def test_racing_reparents_never_make_a_cycle(creds):
    with creds.client() as api:
        for n in range(10):
            a = api.post("/categories", json={"name": "A", "slug": f"ra-{n}"}).json()
            b = api.post("/categories", json={"name": "B", "slug": f"rb-{n}"}).json()
            statuses = _at_once(creds, [
                lambda client, child=a["id"], parent=b["id"]: client.put(
                    f"/categories/{child}", json={"parent_id": parent}).status_code,
                lambda client, child=b["id"], parent=a["id"]: client.put(
                    f"/categories/{child}", json={"parent_id": parent}).status_code])
            assert sorted(statuses) == [200, 400], statuses


def test_a_restart_keeps_idempotency_and_moves_urls_to_the_new_address(tmp_path):
    """The client replays an uncertain create after the server came back (on another port): the key still
    replays, and every URL the server hands out points at its new address."""
    from tests.support.sandbox import start_sandbox_process

    database = str(tmp_path / "sandbox.sqlite")
    first_run = start_sandbox_process("--db", database, "--demo", "5", "--job-rate", "0")
    with first_run, first_run.credentials.client() as api:
        created = api.post("/products", json={"title": "Keyed"}, headers={"Idempotency-Key": "restart-key"})
        export = api.post("/export", json={"format": "csv"}).json()
        assert wait_job(api, export["id"], timeout=20)["status"] == "COMPLETED"
    with start_sandbox_process("--db", database, "--demo", "5") as second_run:
        creds = second_run.credentials
        assert second_run.url != first_run.url
        with creds.client() as api:
            replay = api.post("/products", json={"title": "Keyed"}, headers={"Idempotency-Key": "restart-key"})
            assert replay.status_code == 201 and replay.json()["id"] == created.json()["id"]
            assert [p["title"] for p in api.get("/products", params={"limit": 100}).json()].count("Keyed") == 1
            job = api.get(f"/bulk-jobs/{export['id']}").json()
            assert job["result_url"].startswith(second_run.url + "/files/exports/")
            assert httpx.get(job["result_url"], headers=creds.headers).status_code == 200
            media = api.get("/media", params={"limit": 5}).json()
            assert media and all(m["url"].startswith(second_run.url + "/files/demo/") for m in media)


def test_openapi_declares_every_answer(sandbox):
    """Each API operation declares its success code as API.md states and every error code a client can meet."""
    document = httpx.get(sandbox.url + "/openapi.json").json()
    assert {"HTTPBearer", "TenantId", "OrgId"} <= set(document["components"]["securitySchemes"])
    errors = {"400", "401", "403", "404", "409", "412", "413", "429"}
    success_by_shape = {
        ("post", "/api/v1/pim/products/{product_id}/variants"): "200",
        ("post", "/api/v1/pim/bulk-jobs"): "200",
        ("post", "/api/v1/pim/export"): "202",
    }
    operations = 0
    for path, methods in document["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, operation in methods.items():
            operations += 1
            declared = set(operation["responses"])
            assert errors <= declared, (method, path, sorted(errors - declared))
            assert operation.get("security"), (method, path)
            expected = success_by_shape.get((method, path)) or {"post": "201", "delete": "204"}.get(method, "200")
            assert expected in declared, (method, path, sorted(declared))
            assert "429" in declared and "Retry-After" in operation["responses"]["429"].get("headers", {})
    assert operations >= 55


def test_docs_only_light_lists_give_the_projection():
    """API.md: a documented server's product list "may be the light projection"; the sandbox can act so."""
    from tests.support.sandbox import start_sandbox

    with start_sandbox(docs_only=True, docs_only_light_lists=True) as running:
        creds = running.mint("ADMIN")
        with creds.client() as api:
            made = api.post("/products", json={"title": "Light", "description": "only in the full record"}).json()
            listed = api.get("/products").json()
            assert listed == [{key: made[key] for key in ("id", "title", "category", "status", "updated_at")}]
            assert api.get(f"/products/{made['id']}").json()["description"] == "only in the full record"
