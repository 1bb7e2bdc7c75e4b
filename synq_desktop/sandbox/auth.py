"""Tokens bound to one tenant, one org and a role, and the checks every API request passes.

401: no bearer token, an unknown or expired one, or a missing X-Tenant-ID / X-Org-ID.
403: the headers name another tenant or org than the token, or a VIEWER tries to write.
Another tenant's records are simply never found (404), because every query filters by tenant.
Tokens are kept only as SHA-256 digests; the plain token is never logged or stored (except the demo
token in the sandbox's own database, so a restart can print the same one).
"""
from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPBearer

from synq_desktop.sandbox.db import Org, Tenant, Token
from synq_desktop.sandbox.errors import ApiError
from synq_desktop.sandbox.ratelimit import retry_after_header
from synq_desktop.sandbox.runtime import Caller, SandboxRuntime

ROLES = ("ADMIN", "EDITOR", "VIEWER")
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# Declared as security schemes so the OpenAPI document shows the three headers (and schemathesis
# treats them as credentials rather than inputs to fuzz); the checks below read the headers themselves.
bearer_scheme = HTTPBearer(auto_error=False, description="Bearer token")
tenant_scheme = APIKeyHeader(name="X-Tenant-ID", auto_error=False, scheme_name="TenantId")
org_scheme = APIKeyHeader(name="X-Org-ID", auto_error=False, scheme_name="OrgId")


def digest_of(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def runtime_of(request: Request) -> SandboxRuntime:
    return request.app.state.runtime


def mint_token(
    runtime: SandboxRuntime,
    role: str,
    tenant_id: str | None = None,
    org_id: str | None = None,
    ttl_seconds: int | None = None,
    token: str | None = None,
) -> dict[str, object]:
    """Create (or re-bind) a token; new random tenant and org ids when none are given."""
    if role not in ROLES:
        raise ApiError(400, f"role must be one of {', '.join(ROLES)}")
    tenant_id = tenant_id or str(uuid.uuid4())
    org_id = org_id or str(uuid.uuid4())
    token = token or "sbx_" + secrets.token_urlsafe(32)
    expires_at = time.time() + ttl_seconds if ttl_seconds is not None else None
    digest = digest_of(token)
    actor = f"{role.lower()}@{tenant_id[:8]}.sandbox.synq"
    now = runtime.clock.now()
    with runtime.store.session() as session:
        if session.get(Tenant, tenant_id) is None:
            session.add(Tenant(id=tenant_id, created_at=now))
        if session.get(Org, org_id) is None:
            session.add(Org(id=org_id, tenant_id=tenant_id, created_at=now))
        record = session.get(Token, digest)
        if record is None:
            session.add(Token(digest=digest, tenant_id=tenant_id, org_id=org_id, role=role, actor_email=actor,
                              expires_at=expires_at, created_at=now))
        else:
            record.tenant_id, record.org_id, record.role = tenant_id, org_id, role
            record.actor_email, record.expires_at = actor, expires_at
    runtime.token_cache[digest] = (tenant_id, org_id, role, actor, expires_at)
    return {
        "token": token,
        "tenant_id": tenant_id,
        "org_id": org_id,
        "role": role,
        "expires_at": None if expires_at is None else _iso(expires_at),
    }


def _iso(unix_seconds: float) -> str:
    from datetime import UTC, datetime

    from synq_desktop.sandbox.clock import format_time

    return format_time(datetime.fromtimestamp(unix_seconds, UTC))


def lookup_token(runtime: SandboxRuntime, digest: str) -> tuple[str, str, str, str, float | None] | None:
    cached = runtime.token_cache.get(digest)
    if cached is not None:
        return cached
    with runtime.store.session() as session:
        record = session.get(Token, digest)
        if record is None:
            return None
        found = (record.tenant_id, record.org_id, record.role, record.actor_email, record.expires_at)
    runtime.token_cache[digest] = found
    return found


def authenticate(request: Request) -> Caller:
    """The caller of an API request, or the 401/403/429 that stops it."""
    runtime = runtime_of(request)
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(401, "Missing bearer token (Authorization: Bearer <token>).")
    digest = digest_of(token)
    found = lookup_token(runtime, digest)
    if found is None:
        raise ApiError(401, "The token is not valid.")
    tenant_id, org_id, role, actor, expires_at = found
    if expires_at is not None and time.time() >= expires_at:
        raise ApiError(401, "The token has expired.")
    sent_tenant = request.headers.get("x-tenant-id")
    sent_org = request.headers.get("x-org-id")
    if not sent_tenant or not sent_org:
        raise ApiError(401, "X-Tenant-ID and X-Org-ID headers are required.")
    if sent_tenant.strip().lower() != tenant_id.lower() or sent_org.strip().lower() != org_id.lower():
        raise ApiError(403, "X-Tenant-ID / X-Org-ID do not match the token.")
    if runtime.ext:
        wait = runtime.limiter.acquire(digest)
        if wait is not None:
            raise ApiError(429, "Too many requests for this token; slow down.",
                           headers={"Retry-After": retry_after_header(wait)})
    if request.method in _WRITE_METHODS and role not in ("ADMIN", "EDITOR"):
        raise ApiError(403, f"The role {role} may not change the catalog.")
    client = request.client
    return Caller(tenant_id=tenant_id, org_id=org_id, role=role, actor_email=actor,
                  ip_address=client.host if client else None, token_digest=digest)


def current_caller(
    request: Request,
    _bearer: object = Depends(bearer_scheme),
    _tenant: object = Depends(tenant_scheme),
    _org: object = Depends(org_scheme),
) -> Caller:
    """The FastAPI dependency every API route takes."""
    return authenticate(request)


CallerDep = Annotated[Caller, Depends(current_caller)]
