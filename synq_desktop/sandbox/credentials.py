"""The ready demo tenant, org and token a server prints at start, kept in its database.

A restart on the same database file prints the same three (and never reseeds); `--token`,
`--tenant-id` and `--org-id` fix them. The plain demo token is kept in the sandbox's own meta table:
it is what a restarted server must print again, and the sandbox is a local test server.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from synq_desktop.sandbox.auth import digest_of, mint_token
from synq_desktop.sandbox.db import Token
from synq_desktop.sandbox.runtime import SandboxRuntime


@dataclass(frozen=True, slots=True)
class DemoCredentials:
    token: str
    tenant_id: str
    org_id: str

    def __iter__(self):
        return iter((self.token, self.tenant_id, self.org_id))

    def __repr__(self) -> str:
        return f"DemoCredentials(token=<hidden>, tenant_id={self.tenant_id!r}, org_id={self.org_id!r})"


def ensure_demo_credentials(runtime: SandboxRuntime) -> DemoCredentials:
    settings = runtime.settings
    store = runtime.store
    with store.session() as session:
        tenant_id = settings.tenant_id or store.get_meta(session, "demo_tenant_id")
        org_id = settings.org_id or store.get_meta(session, "demo_org_id")
        token = settings.token or store.get_meta(session, "demo_token")
        existing = session.get(Token, digest_of(token)) if token else None
        reuse = (
            existing is not None and existing.tenant_id == tenant_id and existing.org_id == org_id
            and (existing.expires_at is None or existing.expires_at > time.time())
            and settings.token_ttl_seconds is None
        )
    if reuse:
        runtime.token_cache.pop(digest_of(token), None)
        return DemoCredentials(token, tenant_id, org_id)  # type: ignore[arg-type]
    minted = mint_token(runtime, "ADMIN", tenant_id, org_id, settings.token_ttl_seconds, token=token)
    credentials = DemoCredentials(str(minted["token"]), str(minted["tenant_id"]), str(minted["org_id"]))
    with store.session() as session:
        store.set_meta(session, "demo_tenant_id", credentials.tenant_id)
        store.set_meta(session, "demo_org_id", credentials.org_id)
        store.set_meta(session, "demo_token", credentials.token)
    return credentials
