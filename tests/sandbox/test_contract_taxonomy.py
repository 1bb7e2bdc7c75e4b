"""Contract: categories, brands, attributes and their values, attribute groups, templates (documented
GET/POST, EXT PUT/DELETE), sorted lists, unique slugs, cycles, no cascade on delete."""
from __future__ import annotations

import re
import uuid

import pytest

ISO_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_categories_create_list_sorted_by_name(api, creds):
    made = api.post("/categories", json={"name": "Outerwear", "slug": "outerwear",
                                         "description": "Jackets, coats, and sweaters."})
    assert made.status_code == 201
    top = made.json()
    assert {"id", "org_id", "tenant_id", "parent_id", "name", "slug", "description", "created_at",
            "updated_at"} <= top.keys()
    assert top["parent_id"] is None and top["tenant_id"] == creds.tenant_id and ISO_Z.match(top["created_at"])
    child = api.post("/categories", json={"name": "Coats", "slug": "coats", "parentId": top["id"]}).json()
    assert child["parent_id"] == top["id"], "parentId (as documented) sets parent_id"
    snake = api.post("/categories", json={"name": "Anoraks", "slug": "anoraks", "parent_id": top["id"]}).json()
    assert snake["parent_id"] == top["id"], "parent_id is read too (tolerant)"
    names = [c["name"] for c in api.get("/categories").json()]
    assert names == sorted(names) == ["Anoraks", "Coats", "Outerwear"]
    assert api.get(f"/categories/{child['id']}").json()["slug"] == "coats"


def test_category_slug_rules(api):
    assert api.post("/categories", json={"name": "A", "slug": "taken"}).status_code == 201
    taken = api.post("/categories", json={"name": "B", "slug": "taken"})
    assert taken.status_code == 409 and taken.json()["error"]
    for bad in ("Has Spaces", "UPPER", "-lead", "trail-", "double--dash", "", "ü"):
        answer = api.post("/categories", json={"name": "C", "slug": bad})
        assert answer.status_code == 400, bad
        assert answer.json()["error"] and answer.json().get("errors"), "invalid input names the field"
    assert api.post("/categories", json={"slug": "no-name"}).status_code == 400
    assert api.post("/categories", json={"name": "Orphan", "slug": "orphan",
                                         "parentId": str(uuid.uuid4())}).status_code in (400, 404)


def test_category_rename_reparent_and_cycles(api):
    a = api.post("/categories", json={"name": "A", "slug": "a"}).json()
    b = api.post("/categories", json={"name": "B", "slug": "b", "parentId": a["id"]}).json()
    c = api.post("/categories", json={"name": "C", "slug": "c", "parentId": b["id"]}).json()
    renamed = api.put(f"/categories/{c['id']}", json={"name": "C2", "slug": "c-two"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "C2" and renamed.json()["slug"] == "c-two"
    moved = api.put(f"/categories/{c['id']}", json={"parent_id": a["id"]})
    assert moved.status_code == 200 and moved.json()["parent_id"] == a["id"]
    for parent in (c["id"], a["id"]):
        cycle = api.put(f"/categories/{a['id']}", json={"parent_id": parent})  # its child, or itself
        assert cycle.status_code == 400 and "error" in cycle.json()
    deep = api.put(f"/categories/{a['id']}", json={"parentId": b["id"]})
    assert deep.status_code == 400, "a category cannot become its own ancestor"
    assert api.get(f"/categories/{a['id']}").json()["parent_id"] is None
    taken = api.put(f"/categories/{b['id']}", json={"slug": "a"})
    assert taken.status_code == 409


def test_category_delete_does_not_cascade(api):
    category = api.post("/categories", json={"name": "Tents", "slug": "tents"}).json()
    product = api.post("/products", json={"title": "Dome Tent", "category": "tents"}).json()
    assert product["category_id"] == category["id"]
    assert api.delete(f"/categories/{category['id']}").status_code == 204
    assert api.get(f"/categories/{category['id']}").status_code == 404
    kept = api.get(f"/products/{product['id']}").json()
    assert kept["category_id"] == category["id"] and kept["category"] == "tents", "the stale reference stays"
    assert api.delete(f"/categories/{category['id']}").status_code == 404


def test_brands(api):
    made = api.post("/brands", json={"name": "Nordvik", "description": "Scandinavian outdoor apparel.",
                                     "logoUrl": "https://cdn.example.com/nordvik-logo.png"})
    assert made.status_code == 201
    brand = made.json()
    assert {"id", "org_id", "tenant_id", "name", "description", "logo_url", "created_at", "updated_at"} <= brand.keys()
    assert brand["logo_url"] == "https://cdn.example.com/nordvik-logo.png", "logoUrl is stored as logo_url"
    api.post("/brands", json={"name": "Alder & Oak"})
    assert [b["name"] for b in api.get("/brands").json()] == ["Alder & Oak", "Nordvik"]
    renamed = api.put(f"/brands/{brand['id']}", json={"name": "Nordvik Outdoor", "logo_url": None})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Nordvik Outdoor"
    assert renamed.json()["logo_url"] is None and renamed.json()["description"] == brand["description"]
    product = api.post("/products", json={"title": "Jacket", "brand_id": brand["id"]}).json()
    assert api.delete(f"/brands/{brand['id']}").status_code == 204
    assert api.get(f"/products/{product['id']}").json()["brand_id"] == brand["id"], "no cascade"
    assert api.post("/brands", json={"description": "no name"}).status_code == 400


def test_a_brand_name_is_taken_once(api, sandbox):
    """The name is a brand's natural key (API.md: how an uncertain create is found again): 409 when taken."""
    first = api.post("/brands", json={"name": "Acme"}).json()
    again = api.post("/brands", json={"name": "Acme", "description": "a second Acme"})
    assert again.status_code == 409 and again.json()["error"] == "A brand named 'Acme' already exists."
    assert again.json()["errors"] == [{"field": "name", "message": "taken"}]
    same_key = api.post("/brands", json={"name": " ACME "})
    assert same_key.status_code == 409, "compared as the client finds brands: case and outer spaces aside"
    other = api.post("/brands", json={"name": "Acme Tools"}).json()
    clash = api.put(f"/brands/{other['id']}", json={"name": "Acme"})
    assert clash.status_code == 409 and "Acme" in clash.json()["error"]
    assert api.put(f"/brands/{first['id']}", json={"name": "Acme", "description": "same name"}).status_code == 200
    assert [b["name"] for b in api.get("/brands").json()] == ["Acme", "Acme Tools"]
    stranger = sandbox.mint("ADMIN")
    with stranger.client() as elsewhere:
        assert elsewhere.post("/brands", json={"name": "Acme"}).status_code == 201, "unique per tenant only"
    assert api.delete(f"/brands/{first['id']}").status_code == 204
    assert api.post("/brands", json={"name": "Acme"}).status_code == 201, "a deleted brand frees its name"


def test_demo_brand_logos_are_absolute_and_served(demo_creds):
    import httpx

    with demo_creds.client() as api:
        brands = api.get("/brands").json()
    assert brands
    for brand in brands:
        assert brand["logo_url"].startswith(demo_creds.url + "/files/demo/brand-")
    image = httpx.get(brands[0]["logo_url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert image.content.startswith(b"\x89PNG")


def test_attributes_and_values(api):
    made = api.post("/attributes", json={"name": "Color", "slug": "color"})
    assert made.status_code == 201
    color = made.json()
    assert {"id", "org_id", "tenant_id", "name", "slug", "type", "created_at", "updated_at"} <= color.keys()
    assert color["type"] == "TEXT", "TEXT by default"
    for kind in ("NUMBER", "BOOLEAN", "SELECT"):
        assert api.post("/attributes", json={"name": f"{kind} attr", "slug": kind.lower(),
                                             "type": kind}).json()["type"] == kind
    assert api.post("/attributes", json={"name": "X", "slug": "x", "type": "DATE"}).status_code == 400
    assert api.post("/attributes", json={"name": "Dup", "slug": "color"}).status_code == 409
    names = [a["name"] for a in api.get("/attributes").json()]
    assert names == sorted(names)
    red = api.post(f"/attributes/{color['id']}/values", json={"value": "Red", "slug": "red"}).json()
    blue = api.post(f"/attributes/{color['id']}/values", json={"value": "Blue", "slug": "blue"}).json()
    assert red["attribute_id"] == color["id"] and red["value"] == "Red" and red["slug"] == "red"
    listed = api.get(f"/attributes/{color['id']}/values")
    assert listed.status_code == 200 and {v["id"] for v in listed.json()} == {red["id"], blue["id"]}
    weight = api.post("/attributes", json={"name": "Weight", "slug": "weight", "type": "NUMBER"}).json()
    w1 = api.post(f"/attributes/{weight['id']}/values", json={"value": "350"}).json()
    w2 = api.post(f"/attributes/{weight['id']}/values", json={"value": "350"}).json()
    assert w1["id"] == w2["id"], "NUMBER values are reused by slug"
    assert api.post(f"/attributes/{uuid.uuid4()}/values", json={"value": "x"}).status_code == 404
    renamed = api.put(f"/attributes/{color['id']}", json={"name": "Colour"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Colour" and renamed.json()["slug"] == "color"
    assert api.delete(f"/attributes/{weight['id']}").status_code == 204
    assert api.get(f"/attributes/{weight['id']}").status_code == 404


def test_attribute_groups_and_templates(api):
    color = api.post("/attributes", json={"name": "Color", "slug": "color", "type": "SELECT"}).json()
    size = api.post("/attributes", json={"name": "Size", "slug": "size", "type": "SELECT"}).json()
    made = api.post("/attribute-groups", json={"name": "Basics", "description": "Options",
                                               "attribute_ids": [color["id"], size["id"]]})
    assert made.status_code == 201
    group = made.json()
    assert {"id", "name", "description", "attribute_ids"} <= group.keys()
    assert group["attribute_ids"] == [color["id"], size["id"]]
    assert api.get("/attribute-groups").json()[0]["id"] == group["id"]
    template = api.post("/templates", json={"name": "Apparel", "description": "Garments",
                                            "attribute_group_ids": [group["id"]],
                                            "required_attribute_ids": [color["id"]]})
    assert template.status_code == 201
    body = template.json()
    assert {"id", "name", "description", "attribute_group_ids", "required_attribute_ids"} <= body.keys()
    assert body["attribute_group_ids"] == [group["id"]] and body["required_attribute_ids"] == [color["id"]]
    plain = api.post("/templates", json={"name": "Plain"}).json()
    assert plain["attribute_group_ids"] == [] and plain["required_attribute_ids"] == []
    edited = api.put(f"/templates/{body['id']}", json={"required_attribute_ids": [color["id"], size["id"]]})
    assert edited.status_code == 200 and edited.json()["required_attribute_ids"] == [color["id"], size["id"]]
    regrouped = api.put(f"/attribute-groups/{group['id']}", json={"attribute_ids": [size["id"]], "name": "Sizes"})
    assert regrouped.status_code == 200 and regrouped.json()["attribute_ids"] == [size["id"]]
    assert [t["name"] for t in api.get("/templates").json()] == ["Apparel", "Plain"]
    assert api.delete(f"/templates/{plain['id']}").status_code == 204
    assert api.delete(f"/attribute-groups/{group['id']}").status_code == 204
    assert api.get("/attribute-groups").json() == []
    unknown = api.post("/templates", json={"name": "Bad", "required_attribute_ids": [str(uuid.uuid4())]})
    assert unknown.status_code in (201, 400, 404)


@pytest.mark.parametrize("path", ["/categories", "/brands", "/attributes", "/attribute-groups", "/templates"])
def test_taxonomy_edits_on_unknown_ids_are_404(api, path):
    missing = str(uuid.uuid4())
    assert api.get(f"{path}/{missing}").status_code == 404
    assert api.put(f"{path}/{missing}", json={"name": "x"}).status_code == 404
    assert api.delete(f"{path}/{missing}").status_code == 404


def test_taxonomy_changes_are_audited(api):
    category = api.post("/categories", json={"name": "A", "slug": "a"}).json()
    api.put(f"/categories/{category['id']}", json={"name": "A2"})
    api.delete(f"/categories/{category['id']}")
    brand = api.post("/brands", json={"name": "B"}).json()
    api.put(f"/brands/{brand['id']}", json={"name": "B2"})
    api.delete(f"/brands/{brand['id']}")
    attribute = api.post("/attributes", json={"name": "C", "slug": "c"}).json()
    api.put(f"/attributes/{attribute['id']}", json={"name": "C2"})
    group = api.post("/attribute-groups", json={"name": "G", "attribute_ids": [attribute["id"]]}).json()
    api.put(f"/attribute-groups/{group['id']}", json={"name": "G2"})
    template = api.post("/templates", json={"name": "T", "attribute_group_ids": [group["id"]]}).json()
    api.put(f"/templates/{template['id']}", json={"required_attribute_ids": [attribute["id"]]})
    assert api.delete(f"/templates/{template['id']}").status_code == 204
    assert api.delete(f"/attribute-groups/{group['id']}").status_code == 204
    assert api.delete(f"/attributes/{attribute['id']}").status_code == 204
    actions = {(e["action"], e["entity_id"]) for e in api.get("/audit").json()}
    for kind, record in (("CATEGORY", category), ("BRAND", brand), ("ATTRIBUTE", attribute),
                         ("ATTRIBUTE_GROUP", group), ("TEMPLATE", template)):
        for change in ("CREATED", "UPDATED", "DELETED"):
            assert (f"{kind}_{change}", record["id"]) in actions, f"{kind}_{change}"


def test_taxonomy_null_clears_and_absent_stays(api):
    top = api.post("/categories", json={"name": "Top", "slug": "top"}).json()
    child = api.post("/categories", json={"name": "Child", "slug": "child", "parentId": top["id"],
                                          "description": "kept"}).json()
    to_root = api.put(f"/categories/{child['id']}", json={"parentId": None}).json()
    assert to_root["parent_id"] is None and to_root["description"] == "kept" and to_root["slug"] == "child"
    cleared = api.put(f"/categories/{child['id']}", json={"description": None}).json()
    assert cleared["description"] is None and cleared["name"] == "Child"
    assert api.put(f"/categories/{child['id']}", json={"name": None}).status_code == 400, "a name is required"
    assert api.put(f"/categories/{child['id']}", json={"slug": None}).status_code == 400, "a slug is required"
    group = api.post("/attribute-groups", json={"name": "G", "description": "d"}).json()
    renamed = api.put(f"/attribute-groups/{group['id']}", json={"name": "G2"}).json()
    assert renamed["description"] == "d" and renamed["attribute_ids"] == []
