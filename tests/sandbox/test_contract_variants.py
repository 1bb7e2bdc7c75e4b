"""Contract: variants (documented create, EXT list/get/update), attribute values linked to variants and
products, option_values, money as strings, and data-quality problems accepted then listed."""
from __future__ import annotations

import uuid
from decimal import Decimal

import httpx
import pytest

VARIANT_FIELDS = {"id", "org_id", "tenant_id", "product_id", "sku", "barcode", "price", "currency",
                  "option_values", "cost_price", "data_quality_score", "created_at", "updated_at"}


@pytest.fixture
def product(api):
    return api.post("/products", json={"title": "Merino Wool Sweater", "description": "Warm."}).json()


def _issues(api: httpx.Client, entity_id: str) -> set[str]:
    return {i["issue_type"] for i in api.get("/validation").json() if i.get("entity_id") == entity_id}


def test_create_variant_answers_200_with_the_documented_shape(api, product, creds):
    made = api.post(f"/products/{product['id']}/variants",
                    json={"sku": "MWS-RED-S", "barcode": "0012345678905", "price": 89.99, "currency": "USD"})
    assert made.status_code == 200
    variant = made.json()
    assert VARIANT_FIELDS <= variant.keys()
    assert variant["product_id"] == product["id"] and variant["tenant_id"] == creds.tenant_id
    assert variant["org_id"] == creds.org_id
    assert variant["price"] == "89.99" and isinstance(variant["price"], str)
    assert variant["option_values"] is None and variant["cost_price"] is None
    assert variant["sku"] == "MWS-RED-S" and variant["barcode"] == "0012345678905"


def test_money_keeps_its_decimals(api, product):
    for price, currency, text in ((89.99, "USD", "89.99"), ("12800", "JPY", "12800"), (24.5, "KWD", "24.5"),
                                  (1e6 + 0.01, "EUR", "1000000.01"), (0, "USD", "0")):
        made = api.post(f"/products/{product['id']}/variants",
                        json={"sku": f"M-{currency}-{text}", "price": price, "currency": currency})
        assert made.status_code == 200, made.text
        assert Decimal(made.json()["price"]) == Decimal(text)
    with_cost = api.post(f"/products/{product['id']}/variants",
                         json={"sku": "C-1", "price": 50, "cost_price": 21.35, "currency": "USD"}).json()
    assert with_cost["cost_price"] == "21.35"


def test_variant_create_on_unknown_product_is_404(api):
    answer = api.post(f"/products/{uuid.uuid4()}/variants", json={"sku": "X"})
    assert answer.status_code == 404 and "error" in answer.json()


def test_variant_lists_get_and_update(api, product):
    ids = [api.post(f"/products/{product['id']}/variants",
                    json={"sku": f"V-{n}", "price": 10 + n, "currency": "USD"}).json()["id"] for n in range(3)]
    other = api.post("/products", json={"title": "Other"}).json()
    api.post(f"/products/{other['id']}/variants", json={"sku": "O-1", "price": 1, "currency": "USD"})
    of_product = api.get(f"/products/{product['id']}/variants")
    assert of_product.status_code == 200 and [v["id"] for v in of_product.json()] == ids
    everything = api.get("/variants")
    assert everything.status_code == 200 and len(everything.json()) == 4
    assert everything.headers["X-Total-Count"] == "4"
    one = api.get(f"/variants/{ids[1]}")
    assert one.status_code == 200 and one.json()["sku"] == "V-1" and one.headers.get("ETag")
    updated = api.put(f"/variants/{ids[1]}", json={"price": 99.5, "barcode": "96385074"})
    assert updated.status_code == 200
    body = updated.json()
    assert Decimal(body["price"]) == Decimal("99.5") and body["barcode"] == "96385074" and body["sku"] == "V-1"
    assert body["updated_at"] > one.json()["updated_at"]
    cleared = api.put(f"/variants/{ids[1]}", json={"barcode": None}).json()
    assert cleared["barcode"] is None and Decimal(cleared["price"]) == Decimal("99.5")
    assert api.get(f"/variants/{uuid.uuid4()}").status_code == 404
    assert api.put(f"/variants/{uuid.uuid4()}", json={"sku": "x"}).status_code == 404


def test_variants_cannot_be_deleted(api, product):
    variant = api.post(f"/products/{product['id']}/variants", json={"sku": "KEEP"}).json()
    answer = api.delete(f"/variants/{variant['id']}")
    assert answer.status_code in (404, 405)
    assert api.get(f"/variants/{variant['id']}").status_code == 200


def test_variants_updated_since_is_incremental(api, product):
    first = api.post(f"/products/{product['id']}/variants", json={"sku": "U-1"}).json()
    second = api.post(f"/products/{product['id']}/variants", json={"sku": "U-2"}).json()
    touched = api.put(f"/variants/{first['id']}", json={"sku": "U-1b"}).json()
    since = api.get("/variants", params={"updated_since": second["updated_at"]}).json()
    assert [v["id"] for v in since] == [second["id"], first["id"]], "ordered by updated_at ascending"
    later = api.get("/variants", params={"updated_since": touched["updated_at"]}).json()
    assert [v["id"] for v in later] == [first["id"]], "updated_at >= the time sent"


def test_attribute_values_linked_to_a_variant_show_in_option_values(api, product):
    color = api.post("/attributes", json={"name": "Color", "slug": "color", "type": "SELECT"}).json()
    size = api.post("/attributes", json={"name": "Size", "slug": "size", "type": "TEXT"}).json()
    red = api.post(f"/attributes/{color['id']}/values", json={"value": "Red", "slug": "red"})
    assert red.status_code == 201
    red = red.json()
    assert {"id", "attribute_id", "value", "slug", "created_at"} <= red.keys()
    small = api.post(f"/attributes/{size['id']}/values", json={"value": "Small", "slug": "small"}).json()
    variant = api.post(f"/products/{product['id']}/variants", json={"sku": "MWS-RED-S"}).json()
    for value in (red, small):
        linked = api.post(f"/variants/{variant['id']}/attribute-values", json={"attribute_value_id": value["id"]})
        assert linked.status_code in (200, 201), linked.text
    assert api.get(f"/variants/{variant['id']}").json()["option_values"] == {"color": "Red", "size": "Small"}
    listed = api.get(f"/variants/{variant['id']}/attribute-values")
    assert listed.status_code == 200
    assert {v.get("attribute_value_id") or v["id"] for v in listed.json()} == {red["id"], small["id"]}
    removed = api.delete(f"/variants/{variant['id']}/attribute-values/{small['id']}")
    assert removed.status_code == 204
    assert api.get(f"/variants/{variant['id']}").json()["option_values"] == {"color": "Red"}
    assert api.post(f"/variants/{variant['id']}/attribute-values",
                    json={"attribute_value_id": str(uuid.uuid4())}).status_code in (400, 404)


def test_attribute_values_linked_to_a_product(api, product):
    material = api.post("/attributes", json={"name": "Material", "slug": "material"}).json()
    wool = api.post(f"/attributes/{material['id']}/values", json={"value": "Merino Wool"}).json()
    assert wool["slug"] == "merino-wool", "TEXT values get a slug made from the value"
    again = api.post(f"/attributes/{material['id']}/values", json={"value": "Merino Wool"})
    assert again.status_code in (200, 201) and again.json()["id"] == wool["id"], "TEXT values are reused by slug"
    linked = api.post(f"/products/{product['id']}/attribute-values", json={"attribute_value_id": wool["id"]})
    assert linked.status_code in (200, 201)
    listed = api.get(f"/products/{product['id']}/attribute-values").json()
    assert any(wool["id"] in (v.get("id"), v.get("attribute_value_id")) for v in listed)
    assert api.delete(f"/products/{product['id']}/attribute-values/{wool['id']}").status_code == 204
    listed = api.get(f"/products/{product['id']}/attribute-values").json()
    assert not any(wool["id"] in (v.get("id"), v.get("attribute_value_id")) for v in listed)


def test_required_attributes_from_the_template(api):
    material = api.post("/attributes", json={"name": "Material", "slug": "material"}).json()
    template = api.post("/templates", json={"name": "Apparel", "required_attribute_ids": [material["id"]]}).json()
    product = api.post("/products", json={"title": "Shirt", "description": "d", "template_id": template["id"]}).json()
    api.post(f"/products/{product['id']}/variants", json={"sku": "S-1", "price": 5, "currency": "USD"})
    assert "MISSING_REQUIRED_ATTRIBUTE" in _issues(api, product["id"])
    cotton = api.post(f"/attributes/{material['id']}/values", json={"value": "Cotton"}).json()
    api.post(f"/products/{product['id']}/attribute-values", json={"attribute_value_id": cotton["id"]})
    assert "MISSING_REQUIRED_ATTRIBUTE" not in _issues(api, product["id"])


@pytest.mark.parametrize("body,issue", [
    ({"sku": "Q-1", "barcode": "0012345678904", "price": 10, "currency": "USD"}, "INVALID_BARCODE"),
    ({"sku": "Q-2", "barcode": "0012345678905", "price": 10, "currency": "UKP"}, "INVALID_CURRENCY"),
    ({"sku": "Q-3", "barcode": "0012345678905", "price": 10.999, "currency": "USD"}, "INVALID_PRICE"),
    ({"sku": "Q-4", "barcode": "0012345678905", "price": 10.5, "currency": "JPY"}, "INVALID_PRICE"),
    ({"sku": "Q-5", "barcode": "0012345678905", "currency": "USD"}, "INVALID_PRICE"),
])
def test_data_quality_problems_are_accepted_and_listed(api, product, body, issue):
    made = api.post(f"/products/{product['id']}/variants", json=body)
    assert made.status_code == 200, "data-quality problems are accepted"
    variant = made.json()
    issues = [i for i in api.get("/validation").json() if i["entity_id"] == variant["id"]]
    assert [i["issue_type"] for i in issues] == [issue]
    assert issues[0]["severity"] == "ERROR" and issues[0]["entity_type"] == "VARIANT"
    assert variant["data_quality_score"] == 75 or api.get(f"/variants/{variant['id']}").json()[
        "data_quality_score"] == 75


def test_duplicate_sku_flags_both_until_one_changes(api, product):
    first = api.post(f"/products/{product['id']}/variants", json={"sku": "DUP", "price": 1, "currency": "USD"})
    second = api.post(f"/products/{product['id']}/variants", json={"sku": "DUP", "price": 1, "currency": "USD"})
    assert first.status_code == second.status_code == 200
    a, b = first.json()["id"], second.json()["id"]
    assert "DUPLICATE_SKU" in _issues(api, a) and "DUPLICATE_SKU" in _issues(api, b)
    api.put(f"/variants/{b}", json={"sku": "UNIQUE"})
    assert "DUPLICATE_SKU" not in _issues(api, a) and "DUPLICATE_SKU" not in _issues(api, b)


def test_negative_price_is_refused(api, product):
    for body in ({"sku": "N", "price": -1, "currency": "USD"}, {"sku": "N", "cost_price": -0.01, "price": 1}):
        answer = api.post(f"/products/{product['id']}/variants", json=body)
        assert answer.status_code == 400 and answer.json()["error"]
    variant = api.post(f"/products/{product['id']}/variants", json={"sku": "P", "price": 1}).json()
    assert api.put(f"/variants/{variant['id']}", json={"price": -5}).status_code == 400
