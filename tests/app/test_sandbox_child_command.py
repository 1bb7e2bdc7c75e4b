"""`synq-desktop _sandbox-child`: how a frozen build (no `python -c`) starts the embedded sandbox as a
child process. It prints the connection facts, answers on them, and ends when its stdin closes (the app
is gone however it ended)."""
from __future__ import annotations

import subprocess
import sys

import httpx

from synq_desktop.app.connection import Connection
from synq_desktop.app.embedded_sandbox import SANDBOX_CHILD_COMMAND


def test_the_hidden_command_serves_the_demo_and_ends_with_the_app(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "synq_desktop.app.main", SANDBOX_CHILD_COMMAND,
         "--db", str(tmp_path / "sandbox.sqlite"), "--demo", "3"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        assert process.stdout is not None and process.stdin is not None
        facts: dict[str, str] = {}
        for line in process.stdout:
            name, sep, value = line.strip().partition("=")
            if sep:
                facts[name] = value
            if "TOKEN" in facts:
                break
        assert {"URL", "TOKEN", "TENANT_ID", "ORG_ID"} <= facts.keys()
        conn = Connection(base_url=facts["URL"], tenant_id=facts["TENANT_ID"], org_id=facts["ORG_ID"],
                          token=facts["TOKEN"])
        stats = httpx.get(conn.base_url + "/api/v1/pim/stats", headers=conn.headers, timeout=10)
        assert stats.status_code == 200
        assert stats.json()["total_products"] == 3
        process.stdin.close()  # what the app's death looks like from the child
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()
