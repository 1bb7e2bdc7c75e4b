"""Contract: bulk jobs (every payload shape of API.md, per-item errors, EXT variant updates and
expected_updated_at) and exports (CSV and JSON Lines at result_url), with progress that visibly rises."""
from __future__ import annotations

import base64
import csv
import io
import json
import uuid
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from tests.support.jobs import wait_job, watch_job

JOB_FIELDS = {"id", "job_type", "status", "payload", "total_items", "processed_items", "created_at"}


def submit(api: httpx.Client, job_type: str, payload: object) -> dict:
    answer = api.post("/bulk-jobs", json={"job_type": job_type, "payload": payload})
    assert answer.status_code == 200, answer.text
    job = answer.json()
    assert JOB_FIELDS <= job.keys() and job["job_type"] == job_type
    return job


def payload_of(job: dict) -> object:
    """The job's payload: a JSON string, maybe base64 (API.md), or already an object."""
    raw = job["payload"]
    if not isinstance(raw, str):
        return raw
    try:
        return json.loads(raw)
    except ValueError:
        return json.loads(base64.b64decode(raw))


def test_bulk_import_with_variants(api):
    payload = [
        {"title": "Rain Jacket", "description": "Light.", "variants": [
            {"sku": "RJ-RED-M", "price": 129.0, "currency": "EUR"},
            {"sku": "RJ-RED-L", "price": 129.0, "currency": "EUR", "barcode": "0012345678905"}]},
        {"title": "Down Jacket"},
        {"description": "no title here"},
    ]
    job = submit(api, "BULK_IMPORT", payload)
    assert job["status"] == "PENDING"
    assert payload_of(job) == payload, "payload is what was sent"
    done = wait_job(api, job["id"])
    assert done["status"] == "COMPLETED" and done["total_items"] == 3 and done["processed_items"] == 3
    assert done["failed_items"] == 1 and [e["index"] for e in done["errors"]] == [2]
    assert done["errors"][0]["error"]
    titles = sorted(p["title"] for p in api.get("/products").json())
    assert titles == ["Down Jacket", "Rain Jacket"]
    skus = sorted(v["sku"] for v in api.get("/variants").json())
    assert skus == ["RJ-RED-L", "RJ-RED-M"]
    actions = [e["action"] for e in api.get("/audit").json()]
    assert "BULK_JOB_CREATED" in actions and "BULK_JOB_COMPLETED" in actions


def test_bulk_update_array_of_items(api):
    a = api.post("/products", json={"title": "A"}).json()
    b = api.post("/products", json={"title": "B"}).json()
    job = submit(api, "BULK_UPDATE", [{"id": a["id"], "status": "DRAFT", "description": "new"},
                                      {"id": b["id"], "title": "B2"},
                                      {"id": str(uuid.uuid4()), "title": "ghost"}])
    done = wait_job(api, job["id"])
    assert done["processed_items"] == 3 and done["failed_items"] == 1
    assert [e["index"] for e in done["errors"]] == [2]
    assert api.get(f"/products/{a['id']}").json()["status"] == "DRAFT"
    assert api.get(f"/products/{a['id']}").json()["description"] == "new"
    assert api.get(f"/products/{b['id']}").json()["title"] == "B2"


def test_bulk_update_one_object_applies_to_every_product(api):
    ids = [api.post("/products", json={"title": f"P{n}", "status": "DRAFT"}).json()["id"] for n in range(4)]
    done = wait_job(api, submit(api, "BULK_UPDATE", {"status": "ACTIVE"})["id"])
    assert done["status"] == "COMPLETED" and done["total_items"] == 4
    assert {api.get(f"/products/{i}").json()["status"] for i in ids} == {"ACTIVE"}


def test_bulk_update_one_object_restricted_by_ids(api):
    ids = [api.post("/products", json={"title": f"P{n}"}).json()["id"] for n in range(4)]
    done = wait_job(api, submit(api, "BULK_UPDATE", {"status": "ARCHIVED", "ids": ids[:2]})["id"])
    assert done["total_items"] == 2
    assert [api.get(f"/products/{i}").json()["status"] for i in ids] == ["ARCHIVED", "ARCHIVED", "ACTIVE", "ACTIVE"]


def test_bulk_update_variants_and_expected_updated_at(api):
    product = api.post("/products", json={"title": "Priced"}).json()
    v1 = api.post(f"/products/{product['id']}/variants", json={"sku": "V1", "price": 10, "currency": "USD"}).json()
    v2 = api.post(f"/products/{product['id']}/variants", json={"sku": "V2", "price": 20, "currency": "USD"}).json()
    stale = api.put(f"/products/{product['id']}", json={"title": "Changed meanwhile"}).json()
    job = submit(api, "BULK_UPDATE", [
        {"entity": "variant", "id": v1["id"], "price": 11.5, "expected_updated_at": v1["updated_at"]},
        {"entity": "variant", "id": v2["id"], "price": 25, "expected_updated_at": "2020-01-01T00:00:00Z"},
        {"id": product["id"], "title": "Overwrite?", "expected_updated_at": product["updated_at"]},
        {"id": product["id"], "description": "fine", "expected_updated_at": stale["updated_at"]},
    ])
    done = wait_job(api, job["id"])
    assert sorted(e["index"] for e in done["errors"]) == [1, 2], done["errors"]
    assert done["failed_items"] == 2
    assert Decimal(api.get(f"/variants/{v1['id']}").json()["price"]) == Decimal("11.5")
    assert Decimal(api.get(f"/variants/{v2['id']}").json()["price"]) == 20, "a changed record is never overwritten"
    final = api.get(f"/products/{product['id']}").json()
    assert final["title"] == "Changed meanwhile" and final["description"] == "fine"


def test_bulk_delete(api):
    ids = [api.post("/products", json={"title": f"D{n}"}).json()["id"] for n in range(3)]
    done = wait_job(api, submit(api, "BULK_DELETE", [ids[0], ids[1], str(uuid.uuid4())])["id"])
    assert done["processed_items"] == 3 and done["failed_items"] == 1
    assert [p["id"] for p in api.get("/products").json()] == [ids[2]]


def test_bulk_job_refuses_malformed_requests(api):
    for body in ({"job_type": "BULK_EXPLODE", "payload": []}, {"payload": []},
                 {"job_type": "BULK_DELETE", "payload": "not a list"},
                 {"job_type": "BULK_IMPORT", "payload": {"title": "not a list"}}):
        answer = api.post("/bulk-jobs", json=body)
        assert answer.status_code == 400, body
        assert answer.json()["error"]


def test_job_lists_by_type_newest_first(api):
    update1 = submit(api, "BULK_UPDATE", [])
    update2 = submit(api, "BULK_UPDATE", [])
    delete = submit(api, "BULK_DELETE", [])
    listed = api.get("/bulk-jobs").json()
    assert [j["id"] for j in listed] == [update2["id"], update1["id"]], "type defaults to BULK_UPDATE"
    assert [j["id"] for j in api.get("/bulk-jobs", params={"type": "BULK_DELETE"}).json()] == [delete["id"]]
    assert api.get(f"/bulk-jobs/{uuid.uuid4()}").status_code == 404


def test_export_csv_and_jsonl(demo_creds):
    with demo_creds.client() as api:
        products = {p["id"]: p for p in api.get("/products").json()}
        for fmt in ("csv", "jsonl"):
            queued = api.post("/export", json={"format": fmt})
            assert queued.status_code == 202
            job = queued.json()
            assert job["job_type"] == "EXPORT" and job["status"] in ("PENDING", "PROCESSING", "COMPLETED")
            done = wait_job(api, job["id"])
            assert done["status"] == "COMPLETED" and done["result_url"]
            url = done["result_url"]
            if url.startswith("/"):
                url = demo_creds.url + url
            assert url.startswith(demo_creds.url) and url.endswith("." + fmt)
            assert httpx.get(url).status_code in (401, 403), "export results need the credentials"
            got = httpx.get(url, headers=demo_creds.headers)
            assert got.status_code == 200
            if fmt == "csv":
                rows = list(csv.DictReader(io.StringIO(got.text)))
                assert {r["id"] for r in rows} == set(products)
                assert {"id", "title", "status"} <= rows[0].keys()
            else:
                lines = [json.loads(line) for line in got.text.splitlines() if line.strip()]
                assert {line["id"] for line in lines} == set(products)
        exports = api.get("/bulk-jobs", params={"type": "EXPORT"}).json()
        assert len(exports) == 2 and all(e["job_type"] == "EXPORT" for e in exports)
        assert "EXPORT_REQUESTED" in [e["action"] for e in api.get("/audit").json()]
        assert api.post("/export", json={"format": "xlsx"}).status_code == 400
        assert api.post("/export").status_code == 202, "the documented export takes no body"


@pytest.fixture(scope="module")
def slow_sandbox() -> Iterator:
    from tests.support.sandbox import start_sandbox

    running = start_sandbox(job_rate=40)
    yield running
    running.close()


def test_progress_rises_visibly(slow_sandbox):
    creds = slow_sandbox.mint("ADMIN")
    with creds.client() as api:
        job = submit(api, "BULK_IMPORT", [{"title": f"Slow {n}"} for n in range(80)])  # 2 s at 40 a second
        states = watch_job(api, job["id"], timeout=20)
        current = states[-1]
        assert current["status"] == "COMPLETED"
        seen = [(state["status"], state["processed_items"]) for state in states]
        counts = [count for _status, count in seen]
        assert counts == sorted(counts), "processed_items never goes back"
        middle = {count for status, count in seen if status == "PROCESSING"}
        assert len(middle) >= 3 and any(0 < c < 80 for c in middle), f"progress seen: {sorted(middle)}"
        assert current["total_items"] == 80 and current["processed_items"] == 80
        assert current.get("updated_at", "") >= current["created_at"]
