"""The sandbox as tests use it: a real server on a loopback port, driven over HTTP.

- `start_sandbox(**settings)` runs `SandboxServer` in this process and returns a `RunningSandbox`
  (mint tokens, seed demo catalogs, set faults, read the request log through the admin routes).
- `start_sandbox_process(*cli_args)` runs `python -m synq_desktop.sandbox.cli` as a subprocess, for tests
  that kill or restart the server and for benchmarks.
The session fixtures in tests/conftest.py are built on these.
"""
from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import httpx

from synq_desktop.sandbox.server import SandboxServer
from synq_desktop.sandbox.settings import SandboxSettings

API_PATH = "/api/v1/pim"
REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Credentials:
    """One token bound to a tenant, an org and a role on one server."""

    url: str
    token: str
    tenant_id: str
    org_id: str
    role: str = "ADMIN"

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", "X-Tenant-ID": self.tenant_id, "X-Org-ID": self.org_id}

    @property
    def api_url(self) -> str:
        return self.url + API_PATH

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client on the PIM API (base URL .../api/v1/pim) sending these credentials."""
        kwargs.setdefault("timeout", 30.0)
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.api_url, headers=headers, **kwargs)

    def __repr__(self) -> str:
        return (f"Credentials(url={self.url!r}, token=<hidden>, tenant_id={self.tenant_id!r}, "
                f"org_id={self.org_id!r}, role={self.role!r})")


class RunningSandbox:
    """A started sandbox (in this process, or a subprocess) and its admin routes."""

    def __init__(self, url: str, server: SandboxServer | None = None) -> None:
        self.url = url.rstrip("/")
        self.server = server
        self._admin = httpx.Client(base_url=self.url, timeout=60.0)
        self.faults_dirty = False
        _ACTIVE.append(self)

    @property
    def api_url(self) -> str:
        return self.url + API_PATH

    def mint(self, role: str = "ADMIN", tenant_id: str | None = None, org_id: str | None = None,
             ttl_seconds: int | None = None) -> Credentials:
        body: dict[str, Any] = {"role": role, "ttl_seconds": ttl_seconds}
        if tenant_id is not None:
            body["tenant_id"] = tenant_id
        if org_id is not None:
            body["org_id"] = org_id
        answer = self._admin.post("/_admin/tokens", json=body)
        answer.raise_for_status()
        data = answer.json()
        return Credentials(self.url, data["token"], data["tenant_id"], data["org_id"], data["role"])

    def seed_demo(self, creds: Credentials, products: int = 20, seed: int = 1) -> dict[str, Any]:
        answer = self._admin.post("/_admin/demo", json={
            "tenant_id": creds.tenant_id, "org_id": creds.org_id, "products": products, "seed": seed,
        })
        answer.raise_for_status()
        return answer.json()

    def set_faults(self, **fields: Any) -> dict[str, Any]:
        self.faults_dirty = True
        answer = self._admin.put("/_admin/faults", json=fields)
        answer.raise_for_status()
        return answer.json()

    def reset_faults(self) -> None:
        answer = self._admin.delete("/_admin/faults")
        answer.raise_for_status()
        self.faults_dirty = False

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        answer = self._admin.get("/_admin/requests", params={"since": since})
        answer.raise_for_status()
        return answer.json()

    def clear_requests(self) -> None:
        self._admin.delete("/_admin/requests").raise_for_status()

    def close(self) -> None:
        self._admin.close()
        if self in _ACTIVE:
            _ACTIVE.remove(self)
        if self.server is not None:
            self.server.stop()
            self.server = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


_ACTIVE: list[RunningSandbox] = []


def reset_dirty_faults() -> None:
    """Called after every test: turn faults off on the servers a test changed."""
    for running in _ACTIVE:
        if running.faults_dirty:
            running.reset_faults()


def start_sandbox(**settings: Any) -> RunningSandbox:
    """A SandboxServer in this process (defaults: memory DB, no demo, fast jobs, generous rate limit)."""
    settings.setdefault("demo_products", 0)
    settings.setdefault("job_rate", 0)
    settings.setdefault("rate_limit_per_minute", 1_000_000)
    server = SandboxServer(SandboxSettings(**settings))
    url = server.start()
    return RunningSandbox(url, server)


class SandboxProcess:
    """`python -m synq_desktop.sandbox.cli ...` in a subprocess, with what it printed at start."""

    def __init__(self, *cli_args: str, env: dict[str, str] | None = None, timeout: float = 120.0) -> None:
        self.args = [sys.executable, "-m", "synq_desktop.sandbox.cli", *cli_args]
        full_env = {**os.environ, **(env or {})}
        full_env.setdefault("PYTHONUNBUFFERED", "1")
        self.proc = subprocess.Popen(self.args, cwd=REPO_ROOT, env=full_env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, text=True)
        self.facts: dict[str, str] = {}
        self.output: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: list[str] = []
        self._pumps = [
            threading.Thread(target=self._pump, args=(self.proc.stdout, True), daemon=True),
            threading.Thread(target=self._pump, args=(self.proc.stderr, False), daemon=True),
        ]
        for pump in self._pumps:
            pump.start()
        deadline = time.monotonic() + timeout
        while not {"URL", "TENANT_ID", "ORG_ID", "TOKEN"} <= self.facts.keys():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.kill()
                raise RuntimeError(f"sandbox process did not print its facts in {timeout}s: {self.output}")
            try:
                line = self._lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                self.proc.wait(10)
                self._close_pipes()
                raise RuntimeError(f"sandbox process exited ({self.proc.wait()}): {''.join(self._stderr)[-2000:]}")
            name, sep, value = line.strip().partition("=")
            if sep:
                self.facts[name] = value
        self.url = self.facts["URL"]
        self.credentials = Credentials(self.url, self.facts["TOKEN"], self.facts["TENANT_ID"], self.facts["ORG_ID"])
        self.sandbox = RunningSandbox(self.url)

    def _pump(self, stream: Any, is_stdout: bool) -> None:
        for line in stream:
            if is_stdout:
                self.output.append(line)
                self._lines.put(line)
            else:
                self._stderr.append(line)
        if is_stdout:
            self._lines.put(None)

    @property
    def stderr(self) -> str:
        return "".join(self._stderr)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait (SIGKILL if it does not exit); the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout)
        self._close_client()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL: the server gets no chance to finish anything."""
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(15)
        self._close_client()

    def _close_client(self) -> None:
        sandbox = getattr(self, "sandbox", None)
        if sandbox is not None:
            sandbox.close()
        self._close_pipes()

    def _close_pipes(self) -> None:
        """After the process ended: let the readers finish, then close the pipes (no ResourceWarning)."""
        if self.proc.poll() is None:
            return
        for pump in self._pumps:
            pump.join(5)
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream is not None and not stream.closed:
                stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()


def start_sandbox_process(*cli_args: str, env: dict[str, str] | None = None, timeout: float = 120.0) -> SandboxProcess:
    """Run the sandbox CLI in a subprocess; use as a context manager (stops it on exit)."""
    return SandboxProcess(*cli_args, env=env, timeout=timeout)
