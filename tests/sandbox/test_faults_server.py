"""Every fault type through the real sandbox (admin route and CLI flags), and the request log showing what
reached the app: a create whose answer was dropped after commit exists, and its Idempotency-Key replays."""
from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.support.sandbox import start_sandbox_process


def _new_entries(sandbox, since: int) -> list[dict]:
    return [e for e in sandbox.requests(since) if e["path"].startswith("/api/")]


def _last_seq(sandbox) -> int:
    entries = sandbox.requests(0)
    return entries[-1]["seq"] if entries else 0


def test_admin_fault_route_validates_and_resets(sandbox):
    current = httpx.get(sandbox.url + "/_admin/faults").json()
    assert current["error_rate"] == 0 and current["error_codes"] == [500, 502, 503]
    for bad in ({"error_rate": 2}, {"error_codes": [418]}, {"paths": "("}, {"latency_ms": -5}):
        answer = httpx.put(sandbox.url + "/_admin/faults", json=bad)
        assert answer.status_code == 400 and answer.json()["error"], bad
    changed = sandbox.set_faults(latency_ms=5)
    assert changed["latency_ms"] == 5
    sandbox.reset_faults()
    assert httpx.get(sandbox.url + "/_admin/faults").json()["latency_ms"] == 0


def test_latency(sandbox, creds):
    sandbox.set_faults(latency_ms=600, latency_jitter_ms=50)
    with creds.client() as api:
        started = time.perf_counter()
        assert api.get("/products").status_code == 200
        assert time.perf_counter() - started >= 0.6
    # Admin routes are never delayed: under a minute of latency one still answers within the client's
    # deadline (a delayed one would time out).
    sandbox.set_faults(latency_ms=60_000)
    assert httpx.get(sandbox.url + "/_admin/faults", timeout=20).json()["latency_ms"] == 60_000


def test_error_rate_answers_before_anything_changes(sandbox, creds):
    since = _last_seq(sandbox)
    sandbox.set_faults(error_rate=1.0, error_codes=[503])
    with creds.client() as api:
        for n in range(3):
            answer = api.post("/products", json={"title": f"never {n}"})
            assert answer.status_code == 503 and answer.json()["error"]
    sandbox.reset_faults()
    with creds.client() as api:
        assert api.get("/products").json() == [], "nothing was created"
    entries = [e for e in _new_entries(sandbox, since) if e["method"] == "POST"]
    assert [e["status"] for e in entries] == [503, 503, 503]
    assert all(e.get("fault") == "error" and e.get("app_status") is None for e in entries)


def test_error_codes_are_drawn_from_the_list_reproducibly(sandbox, creds):
    def run() -> list[int]:
        sandbox.set_faults(error_rate=0.6, error_codes=[500, 502], seed=99)
        with creds.client() as api:
            return [api.get("/stats").status_code for _ in range(20)]

    first = run()
    assert set(first) == {200, 500, 502}
    assert run() == first, "the same seed gives the same faults"


def test_throttle_burst(sandbox, creds):
    sandbox.set_faults(throttle_burst=2, retry_after_s=3)
    with creds.client() as api:
        answers = [api.get("/products") for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["Retry-After"] == "3" and answers[0].json()["error"]
    assert httpx.get(sandbox.url + "/_admin/faults").json()["throttle_burst"] == 0, "the burst counts down"
    sandbox.set_faults(latency_ms=1)
    with creds.client() as api:
        assert api.get("/products").status_code == 200, "changing another field does not re-arm it"


def test_drop_after_commit_then_replay_with_the_same_key(sandbox, creds):
    since = _last_seq(sandbox)
    sandbox.set_faults(drop_after_commit_rate=1.0, paths=r"/products$")
    key = {"Idempotency-Key": "drop-test-1"}
    with creds.client() as api:
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            api.post("/products", json={"title": "Committed"}, headers=key)
        assert api.get("/stats").status_code == 200, "paths restricts the fault"
    sandbox.reset_faults()
    entry = next(e for e in _new_entries(sandbox, since) if e["method"] == "POST")
    assert entry["status"] == "dropped" and entry["idempotency_key"] == "drop-test-1"
    assert entry.get("app_status") == 201, "the request reached the app and succeeded there"
    assert entry["tenant_id"] == creds.tenant_id
    with creds.client() as api:
        products = api.get("/products").json()
        assert [p["title"] for p in products] == ["Committed"], "the change was committed"
        replay = api.post("/products", json={"title": "Committed"}, headers=key)
        assert replay.status_code == 201 and replay.json()["id"] == products[0]["id"]
        assert len(api.get("/products").json()) == 1, "the retry created nothing"


def test_drop_after_commit_on_a_delete(sandbox, creds):
    with creds.client() as api:
        product = api.post("/products", json={"title": "Doomed"}).json()
        sandbox.set_faults(drop_after_commit_rate=1.0)
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            api.delete(f"/products/{product['id']}")
        sandbox.reset_faults()
        assert api.get(f"/products/{product['id']}").status_code == 404


def test_truncated_body(sandbox, demo_creds):
    sandbox.set_faults(truncate_rate=1.0)
    with demo_creds.client() as api:
        received = b""
        with pytest.raises(httpx.RemoteProtocolError), api.stream("GET", "/products") as answer:
            assert answer.status_code == 200
            for chunk in answer.iter_raw():
                received += chunk
        assert received.startswith(b"[")
        with pytest.raises(ValueError):
            json.loads(received)
    since = _last_seq(sandbox) - 1
    sandbox.reset_faults()
    assert sandbox.requests(since)[-1]["status"] == "dropped"


def test_garbage_bodies(sandbox, creds):
    sandbox.set_faults(garbage_rate=1.0, seed=5)
    labels = set()
    with creds.client() as api:
        for n in range(10):
            answer = api.post("/products", json={"title": f"G{n}"})
            assert 200 <= answer.status_code < 300
            with pytest.raises(ValueError):
                json.loads(answer.content)
            labels.add(answer.headers["content-type"].split(";")[0])
    sandbox.reset_faults()
    assert "application/json" in labels, "sometimes labelled JSON although it is not"
    with creds.client() as api:
        assert len(api.get("/products").json()) == 10, "garbage answers still committed"


def test_admin_and_files_are_never_faulted(sandbox):
    sandbox.set_faults(error_rate=1.0, paths=".*")
    assert httpx.get(sandbox.url + "/_admin/faults").status_code == 200
    assert isinstance(sandbox.requests(0), list)
    assert httpx.get(sandbox.url + "/files/demo/brand-1.png").status_code == 200


def test_request_log_records_headers_and_clears(sandbox, creds):
    sandbox.clear_requests()
    assert [e for e in sandbox.requests(0) if e["path"].startswith("/api/")] == []
    with creds.client() as api:
        product = api.post("/products", json={"title": "Logged"}, headers={"Idempotency-Key": "log-1"})
        etag = product.headers["ETag"]
        api.put(f"/products/{product.json()['id']}", json={"title": "L2"}, headers={"If-Match": etag})
        api.get("/products", params={"limit": 5})
    entries = sandbox.requests(0)
    assert [(e["method"], e["status"]) for e in entries] == [("POST", 201), ("PUT", 200), ("GET", 200)]
    post, put, get = entries
    assert post["idempotency_key"] == "log-1" and put["if_match"] == etag and get["query"] == "limit=5"
    assert post["path"] == "/api/v1/pim/products" and all(e["tenant_id"] == creds.tenant_id for e in entries)
    assert post["seq"] < put["seq"] < get["seq"] and post["time"].endswith("Z")
    assert [e["seq"] for e in sandbox.requests(put["seq"])] == [get["seq"]]
    assert creds.token not in json.dumps(entries), "the log never holds the token"


def test_fault_flags_on_the_command_line():
    with start_sandbox_process("--demo", "0", "--error-rate", "1", "--error-codes", "502",
                               "--fault-paths", "/products$") as proc:
        creds = proc.credentials
        with creds.client() as api:
            assert api.get("/products").status_code == 502
            assert api.get("/stats").status_code == 200
        current = httpx.get(proc.url + "/_admin/faults").json()
        assert current["error_rate"] == 1.0 and current["error_codes"] == [502]
