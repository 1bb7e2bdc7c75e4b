"""The local history of edits: who changed which field from what to what, grouped in batches.

A batch is one user action (a paste of 1,000 cells, a fill down, one typed cell); undo reverts a batch
(edits.revert_batch) and the audit view lists entries. Values are stored as JSON, as the row holds them.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from synq_desktop.store.schema import history
from synq_desktop.store.states import EntityType


def new_batch_id() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    batch_id: str
    entity_type: EntityType
    entity_id: str
    action: str
    field: str | None
    old: Any
    new: Any
    at: str
    op_id: str | None


def write(connection: Connection, entries: list[dict[str, Any]]) -> None:
    """Insert entries (dicts with the columns of `history`) in one executemany."""
    if entries:
        connection.execute(insert(history), entries)


def _entry(row: Any) -> HistoryEntry:
    m = row._mapping
    return HistoryEntry(id=m["id"], batch_id=m["batch_id"], entity_type=EntityType(m["entity_type"]),
                        entity_id=m["entity_id"], action=m["action"], field=m["field"], old=m["old"],
                        new=m["new"], at=m["at"], op_id=m["op_id"])


def batch(connection: Connection, batch_id: str) -> list[HistoryEntry]:
    rows = connection.execute(select(history).where(history.c.batch_id == batch_id).order_by(history.c.id))
    return [_entry(r) for r in rows]


def of_record(connection: Connection, entity_type: EntityType | str, entity_id: str,
              limit: int = 200) -> list[HistoryEntry]:
    """Newest first."""
    rows = connection.execute(select(history).where(
        history.c.entity_type == str(entity_type), history.c.entity_id == entity_id
    ).order_by(history.c.id.desc()).limit(limit))
    return [_entry(r) for r in rows]


def recent(connection: Connection, limit: int = 200) -> list[HistoryEntry]:
    rows = connection.execute(select(history).order_by(history.c.id.desc()).limit(limit))
    return [_entry(r) for r in rows]
