"""Contract: bad input is a 4xx with a clear `{"error", "errors"?}` body, never a 500 — malformed JSON, wrong
types, unknown ids, oversized bodies, negative prices, bad or taken slugs, category cycles, bad limits — plus
a seeded sample of junk bodies thrown at every write route."""
from __future__ import annotations

import json
import random
import uuid

import httpx
import pytest

WRITE_ROUTES = ["/products", "/categories", "/brands", "/attributes", "/attribute-groups", "/templates", "/media",
                "/bulk-jobs", "/export"]


def assert_error_shape(answer: httpx.Response, status: int | tuple[int, ...]) -> dict:
    wanted = (status,) if isinstance(status, int) else status
    assert answer.status_code in wanted, (answer.status_code, answer.text[:300])
    assert answer.headers["content-type"].startswith("application/json")
    body = answer.json()
    assert isinstance(body, dict) and isinstance(body["error"], str) and body["error"].strip()
    if "errors" in body and body["errors"] is not None:
        assert isinstance(body["errors"], list)
        for item in body["errors"]:
            assert isinstance(item["field"], str) and isinstance(item["message"], str)
    assert "Traceback" not in answer.text
    return body


@pytest.mark.parametrize("route", WRITE_ROUTES[:-1])
def test_malformed_json_is_400(api, route):
    for raw in (b"{", b"{'title': 'x'}", b"not json", b"\xff\xfe\x00", b'{"title": "x",}', b"[1, 2"):
        answer = api.post(route, content=raw, headers={"Content-Type": "application/json"})
        assert assert_error_shape(answer, 400)["error"] == "The body is not valid JSON.", raw


@pytest.mark.parametrize("content_type", [None, "application/x-www-form-urlencoded", "text/plain"])
def test_a_body_is_json_whatever_its_content_type_says(api, content_type):
    """`curl -d '{bad'` labels the body as a form: the answer still says what is wrong with it."""
    headers = {"Content-Type": content_type} if content_type else {}
    bad = api.post("/products", content=b"{bad", headers=headers)
    assert assert_error_shape(bad, 400)["error"] == "The body is not valid JSON."
    good = api.post("/products", content=b'{"title": "Labelled oddly"}', headers=headers)
    assert good.status_code == 201 and good.json()["title"] == "Labelled oddly"


@pytest.mark.parametrize("raw,kind", [(b"[1]", "an array"), (b'"x"', "a string"), (b"null", "null"),
                                      (b"3", "a number"), (b"true", "a boolean")])
def test_json_that_is_not_an_object_is_named(api, raw, kind):
    answer = api.post("/brands", content=raw, headers={"Content-Type": "application/json"})
    body = assert_error_shape(answer, 400)
    assert body["error"] == f"The body must be a JSON object, not {kind}."
    assert body["errors"] == [{"field": "body", "message": body["error"]}]


def test_malformed_json_on_put(api):
    product = api.post("/products", json={"title": "x"}).json()
    answer = api.put(f"/products/{product['id']}", content=b"{oops", headers={"Content-Type": "application/json"})
    assert_error_shape(answer, 400)


@pytest.mark.parametrize("route,body,field", [
    ("/products", {"title": 123}, "title"),
    ("/products", {"title": ["a"]}, "title"),
    ("/products", {}, "title"),
    ("/products", {"title": "   "}, "title"),
    ("/products", {"title": "x", "status": "SOLD"}, "status"),
    ("/products", [{"title": "x"}], None),
    ("/categories", {"name": "x", "slug": 5}, "slug"),
    ("/brands", {"name": {"a": 1}}, "name"),
    ("/attributes", {"name": "x", "slug": "x", "type": "COLOR"}, "type"),
    ("/attribute-groups", {"name": "x", "attribute_ids": "not-a-list"}, "attribute_ids"),
    ("/templates", {"name": "x", "required_attribute_ids": [1, 2]}, "required_attribute_ids"),
    ("/media", {"url": 7}, "url"),
    ("/media", {"url": "https://x.example/a.png", "sort_order": "first"}, "sort_order"),
    ("/bulk-jobs", {"job_type": 3, "payload": []}, "job_type"),
])
def test_wrong_types_are_400_naming_the_field(api, route, body, field):
    error = assert_error_shape(api.post(route, json=body), 400)
    if field is not None:
        assert any(field in item["field"] for item in error.get("errors") or []) or field in error["error"]


def test_variant_wrong_types_and_negative_prices(api):
    product = api.post("/products", json={"title": "x"}).json()
    path = f"/products/{product['id']}/variants"
    for body in ({"price": "cheap"}, {"price": True}, {"price": -0.01}, {"cost_price": -3}, {"sku": 5},
                 {"price": "NaN"}, {"price": "Infinity"}, {"currency": ["USD"]}):
        assert_error_shape(api.post(path, json=body), 400)
    for raw in (b'{"price": 1e400}', b'{"price": NaN}', b'{"price": -Infinity}'):
        assert_error_shape(api.post(path, content=raw, headers={"Content-Type": "application/json"}), 400)
    assert api.post(path, json={"price": 1e308, "currency": "USD"}).status_code in (200, 400)


def test_unknown_ids_are_404_or_400(api):
    missing = str(uuid.uuid4())
    assert_error_shape(api.get(f"/products/{missing}"), 404)
    assert_error_shape(api.put(f"/products/{missing}", json={"title": "x"}), 404)
    assert_error_shape(api.delete(f"/products/{missing}"), 404)
    assert_error_shape(api.post(f"/products/{missing}/variants", json={"sku": "x"}), 404)
    assert_error_shape(api.get(f"/variants/{missing}"), 404)
    assert_error_shape(api.get(f"/bulk-jobs/{missing}"), 404)
    for weird in ("..", "%00", "x" * 500, "'; DROP TABLE products; --", "\u202e"):
        answer = api.get(f"/products/{weird}")
        assert answer.status_code in (400, 404), weird
    for body in ({"title": "x", "category_id": missing}, {"title": "x", "brand_id": missing},
                 {"title": "x", "template_id": missing}, {"title": "x", "brand_id": "not-a-uuid"}):
        answer = api.post("/products", json=body)
        assert answer.status_code in (201, 400, 404), body
        if answer.status_code >= 400:
            assert_error_shape(answer, (400, 404))
    assert_error_shape(api.post("/media", json={"url": "https://x.example/a.png", "product_id": missing}), (400, 404))


def test_body_over_10_mb_is_413(api):
    big = {"title": "x", "description": "y" * (10 * 1024 * 1024 + 100)}
    assert_error_shape(api.post("/products", json=big), 413)

    def streamed():
        """A chunked body with no Content-Length: refused once it passes the cap."""
        yield b'{"title": "x", "description": "'
        for _ in range(11):
            yield b"z" * (1024 * 1024)
        yield b'"}'

    assert_error_shape(api.post("/products", content=streamed(), headers={"Content-Type": "application/json"}), 413)
    assert api.post("/products", json={"title": "x", "description": "y" * (9 * 1024 * 1024)}).status_code == 201


def test_slug_rules(api):
    for bad in ("Bad Slug", "a_b", "-a", "a-", "a--b", "", " ", "x" * 500, "naïve"):
        assert_error_shape(api.post("/categories", json={"name": "x", "slug": bad}), 400)
        assert_error_shape(api.post("/attributes", json={"name": "x", "slug": bad}), 400)
    explained = assert_error_shape(api.post("/categories", json={"name": "x", "slug": "Bad Slug"}), 400)
    assert explained["errors"] == [{"field": "slug", "message": "a slug is lowercase letters and digits, words "
                                                              "joined by single hyphens (e.g. summer-sale)"}]
    blank = assert_error_shape(api.post("/products", json={"title": "  "}), 400)
    assert blank["errors"] == [{"field": "title", "message": "must not be empty or blank"}], "no regex in messages"
    api.post("/categories", json={"name": "A", "slug": "taken"})
    assert_error_shape(api.post("/categories", json={"name": "B", "slug": "taken"}), 409)
    api.post("/attributes", json={"name": "A", "slug": "taken"})
    assert_error_shape(api.post("/attributes", json={"name": "B", "slug": "taken"}), 409)
    attribute = api.post("/attributes", json={"name": "C", "slug": "c", "type": "SELECT"}).json()
    api.post(f"/attributes/{attribute['id']}/values", json={"value": "Red", "slug": "red"})
    again = api.post(f"/attributes/{attribute['id']}/values", json={"value": "Rouge", "slug": "red"})
    assert again.status_code in (200, 201, 409)
    assert_error_shape(api.post(f"/attributes/{attribute['id']}/values", json={"value": "x", "slug": "Bad"}), 400)


def test_category_cycles_are_400(api):
    a = api.post("/categories", json={"name": "A", "slug": "a"}).json()
    b = api.post("/categories", json={"name": "B", "slug": "b", "parentId": a["id"]}).json()
    assert_error_shape(api.put(f"/categories/{a['id']}", json={"parent_id": b["id"]}), 400)
    assert_error_shape(api.put(f"/categories/{a['id']}", json={"parent_id": a["id"]}), 400)


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": 101}, {"limit": -5}, {"limit": "all"},
                                    {"offset": -1}, {"offset": "x"}, {"updated_since": "not a time"},
                                    {"limit": "1e3"}, {"offset": 2**70}])
def test_bad_paging_is_400(api, params):
    assert_error_shape(api.get("/products", params=params), 400)


def test_bad_query_filters(api):
    assert api.get("/media", params={"product_id": "not-a-uuid"}).status_code in (200, 400)
    assert api.get("/bulk-jobs", params={"type": "NONSENSE"}).status_code in (200, 400)
    assert api.get("/audit", params={"limit": 0}).status_code == 400


def test_wrong_content_type_and_empty_bodies(api):
    answer = api.post("/products", content=b"title=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert assert_error_shape(answer, 400)["error"] == "The body is not valid JSON."
    for headers in ({"Content-Type": "application/json"}, {}):
        empty = api.post("/products", content=b"", headers=headers)
        assert assert_error_shape(empty, 400)["error"] == "The body is empty: send a JSON object."
    assert_error_shape(api.post("/products", content=b"null", headers={"Content-Type": "application/json"}), 400)
    assert api.post("/export", content=b"", headers={"Content-Type": "text/plain"}).status_code == 202


def test_unknown_routes_and_methods_answer_json_errors(api):
    assert_error_shape(api.get("/no-such-thing"), 404)
    assert_error_shape(api.patch("/products", json={}), (404, 405))


def _junk(rng: random.Random, depth: int = 0) -> object:
    choice = rng.randrange(9 if depth < 2 else 6)
    if choice == 0:
        return None
    if choice == 1:
        return rng.choice([True, False])
    if choice == 2:
        return rng.choice([0, -1, 2**63, -(2**80), 3.5, 1e308, -0.0])
    if choice == 3:
        return "".join(rng.choice("aZ9 -_\u00e9\u4e2d\U0001f600\x00\n\"'\\") for _ in range(rng.randrange(0, 40)))
    if choice == 4:
        return str(uuid.UUID(int=rng.getrandbits(128)))
    if choice == 5:
        return rng.choice(["ACTIVE", "TEXT", "SELECT", "BULK_IMPORT", "csv", "USD", "0012345678905"])
    if choice == 6:
        return [_junk(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = ["title", "name", "slug", "type", "url", "price", "currency", "sku", "payload", "job_type", "format",
            "parentId", "parent_id", "product_id", "variant_id", "ids", "status", "attribute_ids", "sort_order",
            "description", "logoUrl", "barcode", "cost_price", "alt_text", "required_attribute_ids"]
    return {rng.choice(keys): _junk(rng, depth + 1) for _ in range(rng.randrange(5))}


def test_junk_bodies_never_cause_a_500(api):
    """A seeded sample of odd-but-valid JSON at every write route: always an answer below 500."""
    rng = random.Random(20240611)
    product = api.post("/products", json={"title": "target"}).json()
    variant = api.post(f"/products/{product['id']}/variants", json={"sku": "T"}).json()
    routes = [("POST", r) for r in WRITE_ROUTES] + [
        ("POST", f"/products/{product['id']}/variants"), ("PUT", f"/products/{product['id']}"),
        ("PUT", f"/variants/{variant['id']}"), ("POST", f"/variants/{variant['id']}/attribute-values"),
        ("POST", f"/products/{product['id']}/attribute-values")]
    failures = []
    for _ in range(12):
        for method, route in routes:
            body = _junk(rng)
            answer = api.request(method, route, content=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
            if answer.status_code >= 500 or not answer.headers["content-type"].startswith("application/json"):
                failures.append((method, route, body, answer.status_code, answer.text[:200]))
    assert failures == []
