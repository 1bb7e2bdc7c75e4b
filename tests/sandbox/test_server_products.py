"""Products and variants over HTTP: fields, status codes, ETag/If-Match, idempotency, paging, bad input."""
from __future__ import annotations

import re

import pytest

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_product_and_variant_round_trip(creds):
    with creds.client() as api:
        created = api.post("/products", json={"title": "Wool Sweater", "description": "Warm", "category": "x"})
        assert created.status_code == 201
        product = created.json()
        assert product["status"] == "ACTIVE" and product["tenant_id"] == creds.tenant_id
        assert ISO_Z.match(product["created_at"]) and ISO_Z.match(product["updated_at"])
        made = api.post(f"/products/{product['id']}/variants",
                        json={"sku": "WS-M", "barcode": "0012345678905", "price": 89.99, "currency": "USD"})
        assert made.status_code == 200
        variant = made.json()
        assert variant["price"] == "89.99" and variant["option_values"] is None and variant["cost_price"] is None
        assert variant["data_quality_score"] == 100
        assert api.get(f"/products/{product['id']}").json()["data_quality_score"] == 100
        assert api.delete(f"/products/{product['id']}").status_code == 204
        assert api.get(f"/products/{product['id']}").status_code == 404
        assert api.get(f"/variants/{variant['id']}").status_code == 404


def test_null_clears_and_absent_is_left_alone(creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "T", "description": "D", "category": "c"}).json()
        updated = api.put(f"/products/{product['id']}", json={"description": None}).json()
        assert updated["description"] is None and updated["category"] == "c" and updated["title"] == "T"


def test_etag_and_if_match(creds):
    with creds.client() as api:
        created = api.post("/products", json={"title": "E"})
        etag = created.headers["ETag"]
        pid = created.json()["id"]
        assert api.get(f"/products/{pid}").headers["ETag"] == etag
        changed = api.put(f"/products/{pid}", json={"title": "E2"}, headers={"If-Match": etag})
        assert changed.status_code == 200 and changed.headers["ETag"] != etag
        stale = api.put(f"/products/{pid}", json={"title": "E3"}, headers={"If-Match": etag})
        assert stale.status_code == 412 and "error" in stale.json()
        assert api.delete(f"/products/{pid}", headers={"If-Match": etag}).status_code == 412
        assert api.get(f"/products/{pid}").json()["title"] == "E2"
        assert api.delete(f"/products/{pid}", headers={"If-Match": changed.headers["ETag"]}).status_code == 204


def test_idempotency_key_replays_and_creates_nothing(creds):
    with creds.client() as api:
        first = api.post("/products", json={"title": "Once"}, headers={"Idempotency-Key": "abc"})
        again = api.post("/products", json={"title": "Once"}, headers={"Idempotency-Key": "abc"})
        assert first.status_code == again.status_code == 201
        assert first.json() == again.json()
        assert len(api.get("/products").json()) == 1
        other = api.post("/products", json={"title": "Different"}, headers={"Idempotency-Key": "abc"})
        assert other.status_code == 400
        pid = first.json()["id"]
        v1 = api.post(f"/products/{pid}/variants", json={"sku": "S"}, headers={"Idempotency-Key": "v"})
        v2 = api.post(f"/products/{pid}/variants", json={"sku": "S"}, headers={"Idempotency-Key": "v"})
        assert v1.json()["id"] == v2.json()["id"]
        assert len(api.get(f"/products/{pid}/variants").json()) == 1


def test_paging_and_updated_since(creds):
    with creds.client() as api:
        ids = [api.post("/products", json={"title": f"P{i}"}).json()["id"] for i in range(7)]
        page1 = api.get("/products", params={"limit": 3})
        assert page1.headers["X-Total-Count"] == "7"
        assert [p["id"] for p in page1.json()] == ids[::-1][:3]  # newest first
        page3 = api.get("/products", params={"limit": 3, "offset": 6}).json()
        assert [p["id"] for p in page3] == [ids[0]]
        middle = api.get(f"/products/{ids[3]}").json()["updated_at"]
        api.put(f"/products/{ids[0]}", json={"title": "P0 changed"})
        since = api.get("/products", params={"updated_since": middle}).json()
        assert [p["id"] for p in since] == [*ids[3:], ids[0]]  # updated_at ascending
        summary = api.get("/products", params={"fields": "summary", "limit": 1}).json()[0]
        assert set(summary) == {"id", "title", "category", "status", "updated_at"}
        for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"updated_since": "yesterday"}):
            answer = api.get("/products", params=bad)
            assert answer.status_code == 400 and answer.json()["error"]


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"title": 5}', "application/json"),
        (b'{"title": ""}', "application/json"),
        (b"[]", "application/json"),
        (b'{"title": "x", "status": "GONE"}', "application/json"),
        (b'{"title": "x", "category_id": "00000000-0000-0000-0000-000000000000"}', "application/json"),
    ],
)
def test_bad_product_input_is_400(creds, body, content_type):
    with creds.client() as api:
        answer = api.post("/products", content=body, headers={"Content-Type": content_type})
        assert answer.status_code == 400, answer.text
        assert isinstance(answer.json()["error"], str)


def test_bad_variant_input_is_400_but_quality_problems_are_accepted(creds):
    with creds.client() as api:
        pid = api.post("/products", json={"title": "V"}).json()["id"]
        for body in ({"price": -1}, {"price": "abc"}, {"price": True}, {"sku": 12}, {"cost_price": -0.5}):
            answer = api.post(f"/products/{pid}/variants", json=body)
            assert answer.status_code == 400, body
        for raw in (b'{"price": 1e400}', b'{"price": NaN}', b'{"price": 1e30}', b'{"sku": "A"'):
            answer = api.post(f"/products/{pid}/variants", content=raw, headers={"Content-Type": "application/json"})
            assert answer.status_code == 400, raw
        accepted = api.post(f"/products/{pid}/variants",
                            json={"sku": "DUP", "barcode": "123", "price": 1.999, "currency": "XXY"})
        assert accepted.status_code == 200
        twin = api.post(f"/products/{pid}/variants", json={"sku": "DUP", "price": 2, "currency": "EUR"})
        assert twin.status_code == 200
        first = api.get(f"/variants/{accepted.json()['id']}").json()
        assert first["data_quality_score"] < 100


def test_huge_body_is_413(creds):
    with creds.client() as api:
        answer = api.post("/products", content=b'{"title": "' + b"x" * (10 * 1024 * 1024 + 10) + b'"}',
                          headers={"Content-Type": "application/json"})
        assert answer.status_code == 413 and "error" in answer.json()


def test_variant_update_records_price_change(creds):
    with creds.client() as api:
        pid = api.post("/products", json={"title": "Priced"}).json()["id"]
        vid = api.post(f"/products/{pid}/variants", json={"sku": "P1", "price": 10, "currency": "USD"}).json()["id"]
        updated = api.put(f"/variants/{vid}", json={"price": "12.50"})
        assert updated.status_code == 200 and updated.json()["price"] == "12.50"
        listed = api.get("/variants", params={"updated_since": updated.json()["updated_at"]}).json()
        assert [v["id"] for v in listed] == [vid]


def test_a_rescore_moves_updated_at_but_not_the_etag(creds):
    with creds.client() as api:
        created = api.post("/products", json={"title": "Scored", "description": "d"})
        product = created.json()
        assert product["data_quality_score"] == 90  # NO_VARIANTS
        api.post(f"/products/{product['id']}/variants",
                 json={"sku": "SC-1", "barcode": "4006381333931", "price": 3, "currency": "EUR"})
        rescored = api.get(f"/products/{product['id']}")
        assert rescored.json()["data_quality_score"] == 100
        assert rescored.json()["updated_at"] > product["updated_at"], "an incremental pull sees the new score"
        assert rescored.headers["ETag"] == created.headers["ETag"]
        edited = api.put(f"/products/{product['id']}", json={"title": "Edited"},
                         headers={"If-Match": created.headers["ETag"]})
        assert edited.status_code == 200
