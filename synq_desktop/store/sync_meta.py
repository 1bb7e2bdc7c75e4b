"""Small facts about the server and the syncs: capabilities, role, last sync, per-list watermarks,
the truncated flag, and the progress of a full scan (so a killed scan resumes and finds deletions)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, func, select, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from synq_desktop.store.schema import scan_seen, sync_lists, sync_meta
from synq_desktop.store.timestamps import now_iso

ROLE = "role"
CAPABILITIES = "capabilities"
LAST_SYNC = "last_sync"
READ_ONLY_ROLES = ("VIEWER",)


def get_meta(connection: Connection, key: str, default: Any = None) -> Any:
    value = connection.execute(select(sync_meta.c.value).where(sync_meta.c.key == key)).scalar_one_or_none()
    return default if value is None else value


def set_meta(connection: Connection, key: str, value: Any) -> None:
    statement = sqlite_insert(sync_meta).values(key=key, value=value, updated_at=now_iso())
    connection.execute(statement.on_conflict_do_update(
        index_elements=[sync_meta.c.key], set_={"value": statement.excluded.value,
                                                "updated_at": statement.excluded.updated_at}))


def role(connection: Connection) -> str | None:
    return get_meta(connection, ROLE)


def is_read_only(connection: Connection) -> bool:
    return str(role(connection) or "").upper() in READ_ONLY_ROLES


@dataclass(frozen=True, slots=True)
class ListState:
    name: str
    updated_since: str | None = None
    last_full_scan: str | None = None
    scan_started_at: str | None = None
    scan_offset: int | None = None
    truncated: bool = False
    last_pull: str | None = None


def list_state(connection: Connection, name: str) -> ListState:
    row = connection.execute(select(sync_lists).where(sync_lists.c.name == name)).mappings().first()
    if row is None:
        return ListState(name)
    return ListState(**{**dict(row), "truncated": bool(row["truncated"])})


def all_list_states(connection: Connection) -> list[ListState]:
    rows = connection.execute(select(sync_lists).order_by(sync_lists.c.name)).mappings().all()
    return [ListState(**{**dict(r), "truncated": bool(r["truncated"])}) for r in rows]


def _ensure(connection: Connection, name: str) -> None:
    connection.execute(sqlite_insert(sync_lists).values(name=name).on_conflict_do_nothing())


def set_watermark(connection: Connection, name: str, updated_since: str | None) -> None:
    """Store the largest `updated_at` the server sent (its clock, never ours), as the server wrote it."""
    _ensure(connection, name)
    connection.execute(update(sync_lists).where(sync_lists.c.name == name).values(
        updated_since=updated_since, last_pull=now_iso()))


def set_truncated(connection: Connection, name: str, truncated: bool) -> None:
    _ensure(connection, name)
    connection.execute(update(sync_lists).where(sync_lists.c.name == name).values(truncated=int(truncated)))


def truncated_lists(connection: Connection) -> list[str]:
    return list(connection.execute(
        select(sync_lists.c.name).where(sync_lists.c.truncated == 1).order_by(sync_lists.c.name)).scalars())


def start_scan(connection: Connection, name: str) -> ListState:
    """Begin a full scan, or keep the one a killed run left (its offset and the ids it saw survive)."""
    _ensure(connection, name)
    state = list_state(connection, name)
    if state.scan_started_at is None:
        connection.execute(delete(scan_seen).where(scan_seen.c.list_name == name))
        connection.execute(update(sync_lists).where(sync_lists.c.name == name).values(
            scan_started_at=now_iso(), scan_offset=0))
    return list_state(connection, name)


def record_scan_page(connection: Connection, name: str, server_ids: list[str], next_offset: int) -> None:
    """Remember the ids one page of a full scan returned and where the next page starts."""
    if server_ids:
        statement = sqlite_insert(scan_seen).on_conflict_do_nothing()
        connection.execute(statement, [{"list_name": name, "server_id": sid} for sid in server_ids])
    connection.execute(update(sync_lists).where(sync_lists.c.name == name).values(scan_offset=next_offset))


def scan_seen_count(connection: Connection, name: str) -> int:
    return connection.execute(
        select(func.count()).select_from(scan_seen).where(scan_seen.c.list_name == name)).scalar_one()


def finish_scan(connection: Connection, name: str, table_server_ids: list[str]) -> list[str]:
    """End a full scan: returns the given server ids the scan did not see (candidates for deletion, to
    confirm with a GET before removing) and clears the scan state."""
    seen = set(connection.execute(
        select(scan_seen.c.server_id).where(scan_seen.c.list_name == name)).scalars())
    missing = [sid for sid in table_server_ids if sid not in seen]
    connection.execute(delete(scan_seen).where(scan_seen.c.list_name == name))
    connection.execute(update(sync_lists).where(sync_lists.c.name == name).values(
        scan_started_at=None, scan_offset=None, last_full_scan=now_iso()))
    return missing

