"""Fixtures of the API client tests: a `SynqClient` on a fresh tenant of the full or the docs-only sandbox."""
from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from synq_desktop.api import RetryPolicy, SynqClient

# Fast backoff so retry tests take milliseconds; Retry-After from the server is still honoured.
FAST_RETRY = RetryPolicy(max_attempts=5, max_seconds=30.0, base_delay=0.01, max_delay=0.05)


@dataclass
class Server:
    """One sandbox and a fresh ADMIN tenant on it."""

    sandbox: Any
    creds: Any
    docs_only: bool

    def client(self, **kwargs: Any) -> SynqClient:
        kwargs.setdefault("retry", FAST_RETRY)
        return SynqClient(self.creds.url, self.creds.token, self.creds.tenant_id, self.creds.org_id, **kwargs)

    def mint(self, role: str = "ADMIN") -> Any:
        return self.sandbox.mint(role, tenant_id=self.creds.tenant_id, org_id=self.creds.org_id)

    def api_requests(self, since: int = 0) -> list[dict[str, Any]]:
        """This tenant's /api requests in the sandbox's log."""
        return [entry for entry in self.sandbox.requests(since) if entry.get("tenant_id") == self.creds.tenant_id]

    def last_seq(self) -> int:
        entries = self.sandbox.requests(0)
        return entries[-1]["seq"] if entries else 0


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(params=["ext", "docs_only"])
def server(request: pytest.FixtureRequest) -> Server:
    """The same test on the full sandbox and on the docs-only one."""
    docs_only = request.param == "docs_only"
    sandbox = request.getfixturevalue("docs_only_sandbox" if docs_only else "sandbox")
    return Server(sandbox, sandbox.mint("ADMIN"), docs_only)


@pytest.fixture
def ext_server(sandbox: Any) -> Server:
    """The full sandbox only (fault tests, EXT-only behaviour)."""
    return Server(sandbox, sandbox.mint("ADMIN"), False)


@pytest.fixture
async def client(server: Server) -> AsyncIterator[SynqClient]:
    async with server.client() as connected:
        await connected.connect()
        yield connected


@pytest.fixture
async def ext_client(ext_server: Server) -> AsyncIterator[SynqClient]:
    async with ext_server.client() as connected:
        await connected.connect()
        yield connected
