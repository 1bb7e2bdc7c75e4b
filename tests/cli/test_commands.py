"""`synq-desktop profile|sync|status` against the sandbox: exit codes, JSON keys, where the token lives."""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

from synq_desktop.cli.commands import run
from synq_desktop.store import edits
from synq_desktop.store.working_copy import WorkingCopy

REPO = Path(__file__).resolve().parents[2]
SYNC_KEYS = {"pulled", "pushed", "pending", "conflicts", "rejected", "truncated"}


def cli(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run(list(args), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def add_profile(creds, name: str = "work") -> None:
    code, out, _ = cli("profile", "add", name, "--url", creds.url, "--tenant", creds.tenant_id,
                       "--org", creds.org_id)
    assert code == 0, out


def test_profile_add_keeps_the_token_in_the_keyring_only(home, memory_keyring, monkeypatch, demo_creds):
    monkeypatch.setenv("SYNQ_TOKEN", demo_creds.token)
    add_profile(demo_creds)
    assert list(memory_keyring.secrets.values()) == [demo_creds.token]
    for path in home.rglob("*"):
        if path.is_file():
            assert demo_creds.token.encode() not in path.read_bytes(), path
    code, out, _ = cli("profile", "list")
    assert code == 0 and "work" in out and demo_creds.tenant_id in out and demo_creds.token not in out
    # The keyring alone now carries the token: sync works without SYNQ_TOKEN.
    monkeypatch.delenv("SYNQ_TOKEN")
    code, out, err = cli("sync", "--profile", "work", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert SYNC_KEYS <= set(data) and data["pulled"] >= 20 and data["truncated"] == []
    assert demo_creds.token not in out + err


def test_without_a_keyring_backend_nothing_is_stored(home, monkeypatch, demo_creds):
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    try:
        monkeypatch.setenv("SYNQ_TOKEN", demo_creds.token)
        code, out, _ = cli("profile", "add", "p", "--url", demo_creds.url, "--tenant", demo_creds.tenant_id,
                           "--org", demo_creds.org_id)
        assert code == 0 and "SYNQ_TOKEN" in out and "no usable keyring" in out
        monkeypatch.delenv("SYNQ_TOKEN")
        code, _, err = cli("sync", "--profile", "p")
        assert code == 3 and "SYNQ_TOKEN" in err
    finally:
        keyring.set_keyring(previous)


def test_sync_then_status_counts_per_type(home, memory_keyring, monkeypatch, demo_creds):
    monkeypatch.setenv("SYNQ_TOKEN", demo_creds.token)
    add_profile(demo_creds)
    code, _, err = cli("sync")
    assert code == 0, err
    code, out, _ = cli("status", "--json")
    data = json.loads(out)
    assert code == 0 and SYNC_KEYS <= set(data)
    assert data["counts"]["products"] == 20 and data["counts"]["variants"] > 0 and data["pending"] == 0


def test_exit_codes_usage_auth_unreachable_and_needs_person(home, memory_keyring, monkeypatch, creds, sandbox):
    assert cli("sync", "--bogus")[0] == 2
    assert cli("frobnicate")[0] == 2
    assert cli("sync", "--profile", "missing")[0] == 2
    monkeypatch.setenv("SYNQ_TOKEN", "not-a-token")
    add_profile(creds)
    assert cli("sync", "--profile", "work")[0] == 3
    # Unreachable: a port nothing listens on.
    code, _, _ = cli("profile", "add", "down", "--url", "http://127.0.0.1:9", "--tenant", "t", "--org", "o")
    assert code == 0
    code, _, err = cli("sync", "--profile", "down")
    assert code == 4 and "unreachable" in err
    # A rejected operation (a taken slug) needs a person: 5.
    monkeypatch.setenv("SYNQ_TOKEN", creds.token)
    with creds.client() as http:
        http.post("/categories", json={"name": "Shoes", "slug": "shoes"}).raise_for_status()
    wc = WorkingCopy.open(home / "profiles" / "work" / "catalog.sqlite")
    try:
        wc.write_blocking(edits.create, "category", {"name": "Shoes again", "slug": "shoes"})
    finally:
        wc.close()
    code, out, _ = cli("sync", "--profile", "work", "--json")
    assert code == 5 and json.loads(out)["rejected"] == 1


def test_cli_subprocess_sync_json(home, demo_creds, tmp_path):
    env = {**os.environ, "SYNQ_DESKTOP_HOME": str(home), "SYNQ_TOKEN": demo_creds.token,
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    base = [sys.executable, "-m", "synq_desktop.app.main"]
    done = subprocess.run([*base, "profile", "add", "x", "--url", demo_creds.url, "--tenant",
                           demo_creds.tenant_id, "--org", demo_creds.org_id], check=False, env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([*base, "sync", "--profile", "x", "--json"], check=False, env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["pulled"] >= 20
    assert "pull:products" in done.stderr  # progress goes to stderr, the JSON alone to stdout
