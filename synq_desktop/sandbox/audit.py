"""The audit trail: one event per change, with API.md's action names.

Updates carry `details.changes = {field: {"old", "new"}}` so the client can show who changed what.
"""
from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy.orm import Session

from synq_desktop.sandbox.clock import MonotonicClock
from synq_desktop.sandbox.db import AuditEvent
from synq_desktop.sandbox.runtime import Caller


def record(
    session: Session,
    clock: MonotonicClock,
    caller: Caller,
    action: str,
    entity_type: str,
    entity_id: str | None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(AuditEvent(
        id=str(uuid.uuid4()), tenant_id=caller.tenant_id, org_id=caller.org_id, actor_email=caller.actor_email,
        action=action, entity_type=entity_type, entity_id=entity_id or "",
        details=json.dumps(details or {}, default=str), ip_address=caller.ip_address, created_at=clock.now(),
    ))


def changes_of(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The fields whose value differs, as {field: {"old", "new"}}."""
    return {
        name: {"old": before.get(name), "new": value}
        for name, value in after.items()
        if before.get(name) != value
    }
