"""Bulk jobs and exports run by the worker thread: payload shapes, per-item errors, progress, resume."""
from __future__ import annotations

import csv
import io
import json

import httpx

from tests.support.jobs import wait_job, watch_job


def test_every_payload_shape_with_per_item_errors(creds):
    with creds.client() as api:
        imported = api.post("/bulk-jobs", json={"job_type": "BULK_IMPORT", "payload": [
            {"title": "A", "variants": [{"sku": "A-1", "price": 5, "currency": "EUR"}]},
            {"title": ""},
            {"description": "no title"},
            {"title": "B", "variants": [{"price": -1}]},
        ]})
        assert imported.status_code == 200 and imported.json()["status"] == "PENDING"
        job = wait_job(api, imported.json()["id"])
        assert (job["total_items"], job["processed_items"], job["failed_items"]) == (4, 4, 2)
        assert [e["index"] for e in job["errors"]] == [2, 3]
        products = {p["title"]: p for p in api.get("/products").json()}
        assert set(products) == {"A", ""}
        issues = {i["issue_type"] for i in api.get("/validation").json()}
        assert "MISSING_TITLE" in issues

        variant = api.get(f"/products/{products['A']['id']}/variants").json()[0]
        stale = products["A"]["updated_at"]
        api.put(f"/products/{products['A']['id']}", json={"description": "changed meanwhile"})
        updated = wait_job(api, api.post("/bulk-jobs", json={"job_type": "BULK_UPDATE", "payload": [
            {"id": products["A"]["id"], "title": "A2", "expected_updated_at": stale},
            {"id": products[""]["id"], "title": "Named"},
            {"id": variant["id"], "entity": "variant", "price": 7.5},
            {"id": "missing", "title": "x"},
        ]}).json()["id"])
        assert updated["failed_items"] == 2 and [e["index"] for e in updated["errors"]] == [0, 3]
        assert api.get(f"/products/{products['A']['id']}").json()["title"] == "A"
        assert api.get(f"/variants/{variant['id']}").json()["price"] == "7.5"

        everyone = wait_job(api, api.post("/bulk-jobs", json={
            "job_type": "BULK_UPDATE", "payload": json.dumps({"status": "DRAFT"})}).json()["id"])
        assert everyone["total_items"] == 2 and everyone["failed_items"] == 0
        assert {p["status"] for p in api.get("/products").json()} == {"DRAFT"}

        deleted = wait_job(api, api.post("/bulk-jobs", json={
            "job_type": "BULK_DELETE", "payload": [products["A"]["id"], "missing"]}).json()["id"])
        assert deleted["failed_items"] == 1 and len(api.get("/products").json()) == 1
        actions = {e["action"] for e in api.get("/audit", params={"limit": 100}).json()}
        assert {"BULK_JOB_CREATED", "BULK_JOB_COMPLETED", "PRODUCT_DELETED", "PRODUCT_PRICE_CHANGED"} <= actions


def test_bad_job_requests_are_400(creds):
    with creds.client() as api:
        for body in ({"job_type": "BULK_NOPE", "payload": []}, {"job_type": "BULK_IMPORT", "payload": {"a": 1}},
                     {"job_type": "BULK_DELETE", "payload": 5}, {"job_type": "BULK_IMPORT"},
                     {"job_type": "BULK_UPDATE", "payload": "%%%not base64%%%"}):
            answer = api.post("/bulk-jobs", json=body)
            assert answer.status_code == 400 and answer.json()["error"], body


def test_export_file_is_served_to_its_tenant_only(sandbox, demo_creds):
    other = sandbox.mint("ADMIN")
    with demo_creds.client() as api:
        ids = {p["id"] for p in api.get("/products").json()}
        job = wait_job(api, api.post("/export", json={"format": "csv"}).json()["id"])
        assert job["total_items"] == len(ids) and job["result_url"].endswith(".csv")
        got = httpx.get(job["result_url"], headers=demo_creds.headers)
        assert got.status_code == 200
        assert {row["id"] for row in csv.DictReader(io.StringIO(got.text))} == ids
        assert httpx.get(job["result_url"]).status_code == 401
        assert httpx.get(job["result_url"], headers=other.headers).status_code == 404


def test_progress_rises_visibly_at_the_configured_rate():
    from tests.support.sandbox import start_sandbox

    with start_sandbox(job_rate=50) as running:
        creds = running.mint("ADMIN")
        with creds.client() as api:
            job = api.post("/bulk-jobs", json={"job_type": "BULK_IMPORT",
                                               "payload": [{"title": f"P{i}"} for i in range(100)]}).json()  # 2 s
            states = watch_job(api, job["id"], timeout=20)
            assert states[-1]["status"] == "COMPLETED"
            seen = {state["processed_items"] for state in states}
            assert len(seen - {0, 100}) >= 3, f"progress was not visible: {sorted(seen)}"


def test_a_job_interrupted_by_a_kill_resumes_after_restart(tmp_path):
    from tests.support.sandbox import start_sandbox_process

    database = tmp_path / "jobs.sqlite"
    first = start_sandbox_process("--db", str(database), "--demo", "0", "--job-rate", "20")
    try:
        with first.credentials.client() as api:
            job = api.post("/bulk-jobs", json={"job_type": "BULK_IMPORT",
                                               "payload": [{"title": f"Item {i}"} for i in range(60)]}).json()
            wait_job(api, job["id"], lambda state: state["processed_items"] >= 5, timeout=20)
    finally:
        first.kill()
    with start_sandbox_process("--db", str(database), "--demo", "0", "--job-rate", "0") as second:
        assert second.credentials.token == first.credentials.token
        with second.credentials.client() as api:
            done = wait_job(api, job["id"])
            assert done["status"] == "COMPLETED" and done["processed_items"] == 60
            titles = [p["title"] for p in api.get("/products", params={"limit": 100}).json()]
            assert sorted(titles) == sorted(f"Item {i}" for i in range(60)), "each item exactly once"


def test_an_export_resumed_after_restart_writes_each_product_once(tmp_path):
    from dataclasses import replace

    from tests.support.sandbox import start_sandbox

    database = tmp_path / "export.sqlite"
    with start_sandbox(database=database, job_rate=10) as first:
        creds = first.mint("ADMIN")
        with creds.client() as api:
            ids = {api.post("/products", json={"title": f"E{i}"}).json()["id"] for i in range(25)}
            job = api.post("/export", json={"format": "jsonl"}).json()
            wait_job(api, job["id"], lambda state: state["processed_items"] >= 3, timeout=20)
    export_file = tmp_path / "export.sqlite.files" / "exports" / f"{job['id']}.jsonl"
    with export_file.open("ab") as handle:  # bytes of a batch whose commit never happened
        handle.write(b'{"id": "half-written')
    with start_sandbox(database=database, job_rate=0) as second, replace(creds, url=second.url).client() as api:
        done = wait_job(api, job["id"])
        assert done["status"] == "COMPLETED" and done["result_url"].startswith(second.url)
        lines = httpx.get(done["result_url"], headers=creds.headers).text.splitlines()
        assert sorted(json.loads(line)["id"] for line in lines) == sorted(ids)
