"""The working copy: one SQLite file per profile, one writer thread, one reader thread.

Every write goes through the single writer thread (Anki's taskman idea): `write_blocking(fn)` for the
command line and tests, `await write(fn)` for coroutines on the app's loop. `fn(connection, ...)` runs in
one transaction (BEGIN IMMEDIATE); it commits when `fn` returns and rolls back when it raises, so an
edit's row, outbox operation and history entry land together or not at all. Long queries (sorts and
searches over 100k rows, counts) go to the reader thread with `await read(fn)`; a quick page fetch may
use `reading()` on the calling thread. Functions get a Connection and return plain values (Core rows,
tuples, dataclasses), never ORM objects.

Opening runs the migrations and turns every operation left IN_FLIGHT by a previous run into UNCERTAIN:
its request may or may not have reached the server. Not while a live sync engine of another process
holds the profile's lock (`sync.lock` beside the file): its requests really are in flight (a
`synq-desktop status` next to a syncing window must not disturb them). An engine calls
`recover_in_flight()` once it holds the lock.
"""
from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self, TypeVar

from sqlalchemy import Connection

from synq_desktop.store import derived, outbox
from synq_desktop.store.engine import DEFAULT_BUSY_TIMEOUT, make_engine, translated_errors
from synq_desktop.store.errors import StoreError
from synq_desktop.store.profiles import LOCK_FILE, live_holder

T = TypeVar("T")

# The newest revision in migrations/versions (tests/store/test_schema_head.py keeps it equal to
# Alembic's head). A file already at it opens without importing Alembic (100-150 ms of start-up).
SCHEMA_HEAD = "0003"


def schema_at_head(connection: Connection) -> bool:
    """Is the file's schema at SCHEMA_HEAD? Plain SQL on the alembic_version table."""
    raw: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
    try:
        versions = raw.execute("SELECT version_num FROM alembic_version").fetchall()
    except sqlite3.OperationalError:  # no such table: a new (or foreign) file
        return False
    return versions == [(SCHEMA_HEAD,)]


def upgrade_if_needed(connection: Connection) -> None:
    """Migrate to the head, importing Alembic only when the file is not there yet (an older file, a
    new one, or one written by a newer version: migrate says so)."""
    if schema_at_head(connection):
        return
    from synq_desktop.store import migrate

    migrate.upgrade(connection)


class WorkingCopy:
    """The store of one profile. Create with `WorkingCopy.open(path)`; close with `close()` (or `with`)."""

    def __init__(self, path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.engine = make_engine(self.path, writer=True, busy_timeout=busy_timeout)
        self.reader_engine = make_engine(self.path, writer=False, busy_timeout=busy_timeout)
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synq-store-writer")
        self._reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synq-store-reader")
        self._local = threading.local()
        self._connections: list[Connection] = []
        self._connections_lock = threading.Lock()
        self._closed = False
        self.reopened_uncertain = 0  # operations found IN_FLIGHT at open and made UNCERTAIN

    @classmethod
    def open(cls, path: Path | str, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> WorkingCopy:
        """Open (creating if needed) and migrate the working copy at `path`."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        copy = cls(path, busy_timeout=busy_timeout)
        try:
            copy.write_blocking(upgrade_if_needed, doing="opening the working copy")
            if live_holder(path.parent / LOCK_FILE) is None:
                copy.recover_in_flight()
                # A first pull killed half way left its search and sort data set aside: rebuilt before use.
                copy.write_blocking(derived.restore, doing="rebuilding the search and sort data of a stopped pull")
        except BaseException:
            copy.close()
            raise
        return copy

    def recover_in_flight(self) -> int:
        """IN_FLIGHT -> UNCERTAIN for operations no live engine is sending. Returns how many."""
        count = self.write_blocking(outbox.in_flight_to_uncertain, doing="checking operations left in flight")
        self.reopened_uncertain += count
        return count

    # -- writing -----------------------------------------------------------------------------------

    def _thread_connection(self, engine_name: str) -> Connection:
        connection: Connection | None = getattr(self._local, engine_name, None)
        if connection is None or connection.closed:
            engine = self.engine if engine_name == "writer" else self.reader_engine
            with translated_errors("opening the database", self.path):
                connection = engine.connect()
            setattr(self._local, engine_name, connection)
            with self._connections_lock:
                self._connections.append(connection)
        return connection

    def _run_write(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], doing: str,
                   durable: bool = True) -> T:
        connection = self._thread_connection("writer")
        raw: sqlite3.Connection = connection.connection.driver_connection  # type: ignore[assignment]
        with translated_errors(doing, self.path):
            if not durable:
                raw.execute("PRAGMA synchronous = NORMAL")
            try:
                with connection.begin():
                    return fn(connection, *args, **kwargs)
            except BaseException:
                # A failed COMMIT or BEGIN can leave the DBAPI connection in an odd state: start afresh.
                if connection.in_transaction():
                    connection.rollback()
                raise
            finally:
                if not durable:
                    raw.execute("PRAGMA synchronous = FULL")

    def submit_write(self, fn: Callable[..., T], *args: Any, doing: str = "saving", durable: bool = True,
                     **kwargs: Any) -> Future[T]:
        """Queue `fn(connection, *args, **kwargs)` on the writer thread; one transaction.

        `durable=False` commits without waiting for the disk (WAL with synchronous=NORMAL: atomic and
        consistent, survives the process being killed, but a power cut may undo it). Only for what can be
        fetched again, pulled pages with their watermark: a first pull commits hundreds of them, and each
        fsync can take tens of milliseconds on a busy disk. The next durable commit syncs them too."""
        self._check_open()
        return self._writer.submit(self._run_write, fn, args, kwargs, doing, durable)

    def write_blocking(self, fn: Callable[..., T], *args: Any, doing: str = "saving", **kwargs: Any) -> T:
        """Run a write and wait for it (command line, tests, start-up). Never call it on the GUI thread."""
        return self.submit_write(fn, *args, doing=doing, **kwargs).result()

    async def write(self, fn: Callable[..., T], *args: Any, doing: str = "saving", durable: bool = True,
                    **kwargs: Any) -> T:
        """Run a write on the writer thread; the result comes back on the caller's event loop."""
        return await asyncio.wrap_future(self.submit_write(fn, *args, doing=doing, durable=durable, **kwargs))

    # -- reading -----------------------------------------------------------------------------------

    def _run_read(self, fn: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any], doing: str) -> T:
        connection = self._thread_connection("reader")
        with translated_errors(doing, self.path), connection.begin():
            return fn(connection, *args, **kwargs)

    def submit_read(self, fn: Callable[..., T], *args: Any, doing: str = "reading", **kwargs: Any) -> Future[T]:
        self._check_open()
        return self._reader.submit(self._run_read, fn, args, kwargs, doing)

    def read_blocking(self, fn: Callable[..., T], *args: Any, doing: str = "reading", **kwargs: Any) -> T:
        return self.submit_read(fn, *args, doing=doing, **kwargs).result()

    async def read(self, fn: Callable[..., T], *args: Any, doing: str = "reading", **kwargs: Any) -> T:
        """Run a query on the reader thread (one snapshot); the result comes back on the caller's loop."""
        return await asyncio.wrap_future(self.submit_read(fn, *args, doing=doing, **kwargs))

    @contextmanager
    def reading(self, doing: str = "reading") -> Iterator[Connection]:
        """A short read on the calling thread (a page of 200 rows), in one snapshot, on that thread's own
        connection (kept for the next call: opening one costs more than reading a page)."""
        self._check_open()
        connection = self._thread_connection("reader")
        with translated_errors(doing, self.path), connection.begin():
            yield connection

    # -- life cycle --------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise StoreError("The working copy is closed.")

    def close(self) -> None:
        """Finish queued writes, close every connection and both threads."""
        if self._closed:
            return
        self._closed = True
        for executor in (self._writer, self._reader):
            executor.submit(self._close_thread_connections).result()
            executor.shutdown(wait=True)
        with self._connections_lock:
            leftovers = list(self._connections)
            self._connections.clear()
        for connection in leftovers:
            if not connection.closed:
                connection.close()
        self.engine.dispose()
        self.reader_engine.dispose()

    def _close_thread_connections(self) -> None:
        for name in ("writer", "reader"):
            connection: Connection | None = getattr(self._local, name, None)
            if connection is not None and not connection.closed:
                connection.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
