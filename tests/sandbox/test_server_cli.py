"""`synq-sandbox` as a process: the facts it prints, restarts on one database, fixed credentials."""
from __future__ import annotations

import uuid

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
