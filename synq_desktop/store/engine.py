"""SQLite engines for the working copy: WAL, synchronous=FULL, foreign keys, a busy timeout, and
SQLite's own errors turned into the store's (a full disk or a lock held elsewhere says so plainly).

The writer engine starts every transaction with BEGIN IMMEDIATE: the write lock is taken up front, so
a transaction never fails half way through for want of an upgrade from a read lock. Readers use a
deferred BEGIN, which in WAL mode gives each read a consistent snapshot without blocking the writer.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy import exc as sa_exc

from synq_desktop.store.errors import DatabaseError, DatabaseLockedError, DiskFullError, StoreError

DEFAULT_BUSY_TIMEOUT = 5.0
WRITER_CACHE_KIB = -16384  # negative: KiB, as SQLite reads cache_size
WAL_CHECKPOINT_PAGES = 10_000
WAL_SIZE_LIMIT = 64 * 1024 * 1024

_json_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode  # one encoder, not one per value


def make_engine(path: Path, *, writer: bool, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Engine:
    """An engine on `path`. `writer` picks BEGIN IMMEDIATE (the one writer) or a deferred BEGIN."""
    engine = create_engine(
        f"sqlite:///{path}",
        json_serializer=_json_dumps,
        connect_args={"timeout": busy_timeout},
    )
    begin_sql = "BEGIN IMMEDIATE" if writer else "BEGIN"
    timeout_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: sqlite3.Connection, _record: Any) -> None:
        # We issue BEGIN ourselves (below); the driver's implicit transactions would defeat that.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {timeout_ms}")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute("PRAGMA synchronous = FULL")
            if writer:
                cursor.execute("PRAGMA journal_mode = WAL")
                # A first pull inserts ~100,000 rows keyed by random UUIDs: with SQLite's 2 MB default
                # cache their index pages were read back and rewritten again and again, and checkpoints
                # every 1,000 WAL pages copied the same hot pages out repeatedly. 16 MB of cache (used only
                # as it fills) and checkpoints every ~40 MB of WAL cut the writer's CPU for a first pull
                # by about a fifth (bench/sync_pull.py); the WAL file is cut back to 64 MB after one.
                cursor.execute(f"PRAGMA cache_size = {WRITER_CACHE_KIB}")
                cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
                cursor.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin_sql)

    return engine


def _sqlite_error(error: BaseException) -> sqlite3.Error | None:
    if isinstance(error, sa_exc.DBAPIError) and isinstance(error.orig, sqlite3.Error):
        return error.orig
    if isinstance(error, sqlite3.Error):
        return error
    return None


def translate(error: BaseException, doing: str, path: Path | None = None) -> StoreError | None:
    """The store error for a SQLite failure, or None when `error` is not one."""
    if isinstance(error, StoreError):
        return error
    orig = _sqlite_error(error)
    if orig is None:
        return None
    code = getattr(orig, "sqlite_errorcode", None)
    text = str(orig)
    where = f" ({path.name})" if path is not None else ""
    if code == sqlite3.SQLITE_FULL or "database or disk is full" in text:
        return DiskFullError(
            f"The disk is full{where}: {doing} was not saved. Nothing was lost; free some space and try again."
        )
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED) or "database is locked" in text:
        return DatabaseLockedError(
            f"The working copy{where} is locked by another program: {doing} could not run. Close the "
            "other synq-desktop window or command, or wait for it to finish, then try again."
        )
    return DatabaseError(f"{doing} failed{where}: {text}")


@contextmanager
def translated_errors(doing: str, path: Path | None = None) -> Iterator[None]:
    """Run a block, turning SQLite's errors into the store's."""
    try:
        yield
    except (sa_exc.DBAPIError, sqlite3.Error) as error:
        mapped = translate(error, doing, path)
        if mapped is None:
            raise
        raise mapped from error
