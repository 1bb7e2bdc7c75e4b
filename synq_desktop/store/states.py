"""The names the working copy stores: outbox states, operation kinds, entity types, row sync states."""
from __future__ import annotations

from enum import StrEnum


class OpState(StrEnum):
    """Outbox states, exactly those of DESIGN.md's table."""

    PENDING = "PENDING"
    IN_FLIGHT = "IN_FLIGHT"
    UNCERTAIN = "UNCERTAIN"
    CONFLICT = "CONFLICT"
    REJECTED = "REJECTED"
    BLOCKED = "BLOCKED"


# Operations not yet sent: they may still be coalesced, rewritten or discarded freely.
UNSENT = (OpState.PENDING, OpState.BLOCKED)
# Operations that wait for a person before anything else of their record may go.
NEEDS_PERSON = (OpState.CONFLICT, OpState.REJECTED, OpState.UNCERTAIN)


class OpKind(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    LINK = "link"
    UNLINK = "unlink"


class EntityType(StrEnum):
    PRODUCT = "product"
    VARIANT = "variant"
    CATEGORY = "category"
    BRAND = "brand"
    ATTRIBUTE = "attribute"
    ATTRIBUTE_VALUE = "attribute_value"
    ATTRIBUTE_GROUP = "attribute_group"
    TEMPLATE = "template"
    MEDIA = "media"
    BULK_JOB = "bulk_job"


class SyncState(StrEnum):
    """What a grid shows per row: the most urgent state among the record's operations."""

    SYNCED = "SYNCED"
    PENDING = "PENDING"
    IN_FLIGHT = "IN_FLIGHT"
    BLOCKED = "BLOCKED"
    UNCERTAIN = "UNCERTAIN"
    REJECTED = "REJECTED"
    CONFLICT = "CONFLICT"


# Most urgent first: a row with a conflict and a pending op shows the conflict.
SYNC_STATE_PRIORITY: tuple[SyncState, ...] = (
    SyncState.CONFLICT,
    SyncState.REJECTED,
    SyncState.UNCERTAIN,
    SyncState.BLOCKED,
    SyncState.IN_FLIGHT,
    SyncState.PENDING,
)
