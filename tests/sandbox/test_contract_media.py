"""Contract: media assets (documented GET with filters and POST, EXT PUT/DELETE and uploads), absolute URLs
for stored paths, the generated demo images, and MISSING_ALT_TEXT."""
from __future__ import annotations

import uuid

import httpx
import pytest

from synq_desktop.sandbox.images import render_png

MEDIA_FIELDS = {"id", "org_id", "tenant_id", "product_id", "variant_id", "url", "alt_text", "sort_order",
                "created_at", "updated_at"}


@pytest.fixture
def product(api):
    return api.post("/products", json={"title": "Wool Sweater"}).json()


def test_attach_and_filter_media(api, product):
    variant = api.post(f"/products/{product['id']}/variants", json={"sku": "WS-1"}).json()
    made = api.post("/media", json={"product_id": product["id"], "url": "https://cdn.example.com/front.jpg",
                                    "alt_text": "Front view", "sort_order": 1})
    assert made.status_code == 201
    front = made.json()
    assert MEDIA_FIELDS <= front.keys()
    assert front["url"] == "https://cdn.example.com/front.jpg" and front["sort_order"] == 1
    back = api.post("/media", json={"product_id": product["id"], "url": "https://cdn.example.com/back.jpg",
                                    "alt_text": "Back view", "sort_order": 0}).json()
    swatch = api.post("/media", json={"product_id": product["id"], "variant_id": variant["id"],
                                      "url": "https://cdn.example.com/swatch.jpg", "alt_text": "Swatch"}).json()
    assert swatch["variant_id"] == variant["id"]
    of_product = api.get("/media", params={"product_id": product["id"]}).json()
    assert {m["id"] for m in of_product} == {front["id"], back["id"], swatch["id"]}
    assert [m["id"] for m in of_product].index(back["id"]) < [m["id"] for m in of_product].index(front["id"]), \
        "lower sort_order first"
    of_variant = api.get("/media", params={"variant_id": variant["id"]}).json()
    assert [m["id"] for m in of_variant] == [swatch["id"]]
    assert api.get("/media", params={"product_id": str(uuid.uuid4())}).json() == []
    assert api.post("/media", json={"product_id": product["id"]}).status_code == 400, "url is required"


def test_edit_and_delete_media(api, product):
    media = api.post("/media", json={"product_id": product["id"], "url": "https://cdn.example.com/a.jpg"}).json()
    variant = api.post(f"/products/{product['id']}/variants", json={"sku": "V"}).json()
    edited = api.put(f"/media/{media['id']}", json={"alt_text": "Better", "sort_order": 5,
                                                   "variant_id": variant["id"]})
    assert edited.status_code == 200
    body = edited.json()
    assert body["alt_text"] == "Better" and body["sort_order"] == 5 and body["variant_id"] == variant["id"]
    assert body["url"] == media["url"]
    assert api.delete(f"/media/{media['id']}").status_code == 204
    assert api.get("/media", params={"product_id": product["id"]}).json() == []
    assert api.put(f"/media/{uuid.uuid4()}", json={"alt_text": "x"}).status_code == 404
    assert api.delete(f"/media/{media['id']}").status_code == 404


def test_media_without_alt_text_is_listed(api, product):
    media = api.post("/media", json={"product_id": product["id"], "url": "https://cdn.example.com/x.jpg"}).json()
    issues = [i for i in api.get("/validation").json() if i["entity_id"] == media["id"]]
    assert [(i["issue_type"], i["severity"], i["entity_type"]) for i in issues] == [
        ("MISSING_ALT_TEXT", "WARNING", "MEDIA")]
    api.put(f"/media/{media['id']}", json={"alt_text": "Described"})
    assert not [i for i in api.get("/validation").json() if i["entity_id"] == media["id"]]


def test_upload_an_image_and_attach_it(api, creds, product):
    png = render_png("upload-test", 64, 64)
    uploaded = api.post("/media/uploads", files={"file": ("photo.png", png, "image/png")})
    assert uploaded.status_code in (200, 201), uploaded.text
    url = uploaded.json()["url"]
    assert url.startswith(creds.url + "/files/uploads/") and url.endswith(".png")
    served = httpx.get(url)
    assert served.status_code == 200 and served.content == png
    assert served.headers["content-type"].startswith("image/png")
    media = api.post("/media", json={"product_id": product["id"], "url": url, "alt_text": "Uploaded"}).json()
    assert media["url"] == url
    # A retried upload (its answer lost; Idempotency-Key does not match multipart bodies) gives the same URL.
    again = api.post("/media/uploads", files={"file": ("retry.png", png, "image/png")},
                     headers={"Idempotency-Key": "upload-retry"})
    assert again.status_code == uploaded.status_code and again.json()["url"] == url
    other = api.post("/media/uploads", files={"file": ("other.png", render_png("other", 8, 8), "image/png")})
    assert other.json()["url"] != url


def test_upload_refuses_what_is_not_an_image(api):
    for name, data in (("notes.txt", b"just some text"), ("evil.png", b"MZ\x90\x00 not really a png"),
                       ("empty.png", b"")):
        answer = api.post("/media/uploads", files={"file": (name, data, "image/png")})
        assert 400 <= answer.status_code < 500 and answer.status_code != 404, name
        assert answer.json()["error"]
    assert api.post("/media/uploads", data={"nothing": "here"}).status_code in (400, 415)


def test_upload_over_25_mb_is_413(api):
    big = b"\x89PNG\r\n\x1a\n" + b"\x00" * (25 * 1024 * 1024 + 10)
    answer = api.post("/media/uploads", files={"file": ("big.png", big, "image/png")})
    assert answer.status_code == 413 and answer.json()["error"]


def test_stored_paths_come_back_absolute_for_the_server_asked(demo_creds):
    with demo_creds.client() as api:
        media = api.get("/media", params={"limit": 100}).json()
    assert media
    for item in media:
        assert item["url"].startswith(demo_creds.url + "/files/demo/") and item["url"].endswith(".png")
    picture = httpx.get(media[0]["url"])
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
    name = media[0]["url"].rsplit("/", 1)[1].removesuffix(".png")
    assert picture.content == render_png(name), "the generated image for that name"
    # The same record asked through another spelling of the host gets that host in its URL.
    other_base = demo_creds.url.replace("127.0.0.1", "localhost")
    with httpx.Client(base_url=other_base + "/api/v1/pim", headers=demo_creds.headers) as other:
        again = other.get("/media", params={"limit": 1}).json()
    assert again[0]["url"].startswith(other_base + "/files/demo/")


def test_demo_images_are_public_and_unknown_files_404(sandbox):
    assert httpx.get(sandbox.url + "/files/demo/anything-at-all.png").status_code == 200
    assert httpx.get(sandbox.url + "/files/uploads/" + str(uuid.uuid4()) + ".png").status_code == 404
    assert httpx.get(sandbox.url + "/files/uploads/../../etc/passwd").status_code in (400, 404)


def test_media_is_audited(api, product):
    media = api.post("/media", json={"product_id": product["id"], "url": "https://cdn.example.com/a.jpg"}).json()
    api.put(f"/media/{media['id']}", json={"alt_text": "x"})
    api.delete(f"/media/{media['id']}")
    actions = [e["action"] for e in api.get("/audit").json() if e["entity_id"] == media["id"]]
    assert actions == ["MEDIA_DELETED", "MEDIA_UPDATED", "MEDIA_CREATED"]


def test_an_uploaded_url_follows_the_server_address(api, creds, product):
    """Uploads come back absolute; once attached, the stored URL must still point at this server when it is
    reached by another address (a restart on another port), so it is kept as a path."""
    url = api.post("/media/uploads", files={"file": ("p.png", render_png("moving", 8, 8), "image/png")}).json()["url"]
    media = api.post("/media", json={"product_id": product["id"], "url": url, "alt_text": "x"}).json()
    other_base = creds.url.replace("127.0.0.1", "localhost")
    with httpx.Client(base_url=other_base + "/api/v1/pim", headers=creds.headers) as other:
        seen = other.get("/media", params={"product_id": product["id"]}).json()
    assert [m["url"] for m in seen] == [other_base + url.removeprefix(creds.url)], media
    relative = api.post("/media", json={"product_id": product["id"], "url": "/files/demo/rel.png"}).json()
    assert relative["url"] == creds.url + "/files/demo/rel.png"
