"""`synq-sandbox` as a process: the facts it prints, restarts on one database, fixed credentials."""
from __future__ import annotations

import time
import uuid

import httpx
import pytest

from tests.support.sandbox import start_sandbox_process


def test_cli_prints_facts_and_a_restart_keeps_catalog_and_credentials(tmp_path):
    database = tmp_path / "demo.sqlite"
    with start_sandbox_process("--db", str(database), "--demo", "12", "--seed", "3") as first:
        assert first.url.startswith("http://127.0.0.1:")
        assert [line.split("=")[0] for line in first.output[:4]] == ["URL", "TENANT_ID", "ORG_ID", "TOKEN"]
        with first.credentials.client() as api:
            stats = api.get("/stats").json()
            assert stats["total_products"] == 12 and stats["total_variants"] > 0
            created = api.post("/products", json={"title": "Made before the restart"}).json()
    with start_sandbox_process("--db", str(database), "--demo", "50") as second:
        assert second.credentials.token == first.credentials.token
        assert (second.credentials.tenant_id, second.credentials.org_id) == (
            first.credentials.tenant_id, first.credentials.org_id)
        with second.credentials.client() as api:
            assert api.get("/stats").json()["total_products"] == 13, "a restart never reseeds"
            again = api.get(f"/products/{created['id']}").json()
            assert again["title"] == "Made before the restart"
            newer = api.post("/products", json={"title": "After"}).json()
            assert newer["created_at"] > again["updated_at"], "the clock keeps rising across restarts"
        # Demo images are served by the restarted server on its new port.
        with second.credentials.client() as api:
            media = api.get("/media", params={"limit": 1}).json()[0]
            assert media["url"].startswith(second.url + "/files/demo/")
            assert api.get(media["url"]).headers["content-type"] == "image/png"


def test_fixed_token_tenant_and_org(tmp_path):
    tenant, org = str(uuid.uuid4()), str(uuid.uuid4())
    with start_sandbox_process("--demo", "0", "--token", "fixed-token-for-docs", "--tenant-id", tenant,
                               "--org-id", org) as running:
        assert running.credentials.token == "fixed-token-for-docs"
        assert (running.credentials.tenant_id, running.credentials.org_id) == (tenant, org)
        with running.credentials.client() as api:
            assert api.get("/products").status_code == 200
        assert "fixed-token-for-docs" not in running.stderr


def test_cli_defaults():
    from synq_desktop.sandbox.cli import build_parser, settings_from

    defaults = settings_from(build_parser().parse_args([]))
    assert defaults.demo_products == 500, "--demo defaults to 500 products"
    assert defaults.database is None and defaults.docs_only is False and defaults.token_ttl_seconds is None
    assert defaults.faults is None or not defaults.faults.active, "faults are off by default"


@pytest.mark.parametrize("ttl", [None, "1"])
def test_a_fixed_token_expires_only_when_token_ttl_says(ttl):
    from synq_desktop.sandbox import db
    from synq_desktop.sandbox.auth import digest_of
    from synq_desktop.sandbox.cli import build_parser, settings_from
    from synq_desktop.sandbox.server import SandboxServer

    args = ["--demo", "0", "--port", "0", "--token", "fixed-ttl-token"] + (["--token-ttl", ttl] if ttl else [])
    server = SandboxServer(settings_from(build_parser().parse_args(args)))
    url = server.start()
    try:
        token, tenant_id, org_id = server.demo_credentials
        with server.runtime.store.session() as session:
            expires_at = session.get(db.Token, digest_of("fixed-ttl-token")).expires_at
        assert (expires_at is None) == (ttl is None)
        headers = {"Authorization": f"Bearer {token}", "X-Tenant-ID": tenant_id, "X-Org-ID": org_id}
        with httpx.Client(base_url=url + "/api/v1/pim", headers=headers) as api:
            assert api.get("/products").status_code == 200
            if ttl is not None:
                deadline = time.monotonic() + 15
                while (answer := api.get("/products")).status_code != 401:
                    assert time.monotonic() < deadline, "a token with --token-ttl 1 never expired"
                    time.sleep(0.05)
                assert "expired" in answer.json()["error"].lower()
    finally:
        server.stop()


def test_admin_routes_answer_on_loopback_only(sandbox):
    """uvicorn takes the client address from X-Forwarded-For when a trusted local proxy sends it: a request
    relayed for a remote client is refused, the same request from loopback itself is served."""
    remote = {"X-Forwarded-For": "203.0.113.7"}
    for method, path, body in (("POST", "/_admin/tokens", {"role": "ADMIN"}), ("GET", "/_admin/faults", None),
                               ("PUT", "/_admin/faults", {"latency_ms": 1}), ("GET", "/_admin/requests", None)):
        refused = httpx.request(method, sandbox.url + path, json=body, headers=remote)
        assert refused.status_code == 403, (path, refused.text)
        assert refused.json()["error"] == "Admin routes answer only on loopback."
    assert httpx.get(sandbox.url + "/_admin/faults").json()["latency_ms"] == 0, "the remote PUT changed nothing"
    assert httpx.post(sandbox.url + "/_admin/tokens", json={"role": "VIEWER"}).status_code in (200, 201)
