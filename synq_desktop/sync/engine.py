"""The sync engine: one run = reconcile uncertain creates, push the outbox, pull every list, refresh jobs.

What the UI and the command line call:

    engine = SyncEngine(working_copy, client, lock_dir=profile_directory)
    unsubscribe = engine.subscribe(lambda event: ...)   # ProgressEvent(phase, done, total, message)
    task = engine.start()        # or: summary = await engine.run()
    engine.cancel()              # stops between pages/batches; what was committed stays committed
    summary = await task         # SyncSummary: pulled, pushed, pending, conflicts, rejected, truncated, ...

Errors that stop a run: `AuthError` (401 at the start), `NetworkError`/`ServerError`/`BadAnswerError`
(the server unreachable or failing while pulling), `ProfileLockedError` (another engine holds the profile),
`StoreError` (disk full, database locked), `Cancelled`. A 401 during the push pauses the queue and is
reported in the summary (`auth_paused`), not raised. A VIEWER's copy is not pushed (`read_only_reason`),
except that a role only guessed from a 403 (the server declares none) is tested again with one change.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select, update

from synq_desktop.api import SynqClient
from synq_desktop.store import outbox, schema, sync_meta
from synq_desktop.store.profiles import ProfileLock
from synq_desktop.store.states import OpState
from synq_desktop.store.timestamps import now_iso
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync import jobs
from synq_desktop.sync.progress import CancelToken, Listener, ProgressHub
from synq_desktop.sync.pull import Puller
from synq_desktop.sync.push import Pusher
from synq_desktop.sync.reconcile import AMBIGUOUS, reconcile

log = logging.getLogger("synq_desktop.sync")

LAST_SUMMARY = "last_sync_summary"
VIEWER_REASON = "the server gave this profile the VIEWER role: it may read the catalog but not change it"


@dataclass(slots=True)
class SyncSummary:
    pulled: int = 0
    pushed: int = 0
    pending: int = 0  # operations still to send (PENDING, BLOCKED, IN_FLIGHT, UNCERTAIN being settled)
    conflicts: int = 0  # open conflicting fields
    rejected: int = 0
    uncertain: int = 0  # creates whose outcome a person must decide
    truncated: list[str] = field(default_factory=list)
    pulled_by_list: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    waiting: dict[str, int] = field(default_factory=dict)  # reason -> operations this server cannot take
    auth_paused: bool = False
    read_only_reason: str | None = None
    transient_error: str | None = None  # the last 429/5xx/network failure that left operations pending
    finished_at: str | None = None

    @property
    def needs_person(self) -> bool:
        return bool(self.conflicts or self.rejected or self.uncertain)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def outbox_totals(connection: Connection) -> dict[str, int]:
    counts = outbox.counts(connection)
    c = schema.conflicts
    open_fields = connection.execute(select(func.count()).select_from(c).where(c.c.resolved == 0)).scalar_one()
    ambiguous = connection.execute(select(func.count()).select_from(outbox.ob).where(
        outbox.ob.c.state == OpState.UNCERTAIN.value, outbox.ob.c.last_error.like(AMBIGUOUS + "%"))).scalar_one()
    return {
        "pending": counts["PENDING"] + counts["BLOCKED"] + counts["IN_FLIGHT"] + counts["UNCERTAIN"] - ambiguous,
        "conflicts": int(open_fields),
        "rejected": counts["REJECTED"],
        "uncertain": int(ambiguous),
    }


def due_now(connection: Connection) -> int:
    """Every PENDING operation waiting out a backoff becomes due (thin layer over the outbox table until
    the store offers it)."""
    ob = outbox.ob
    return connection.execute(update(ob).where(ob.c.state == OpState.PENDING.value,
                                               ob.c.next_attempt_at.is_not(None)).values(next_attempt_at=None)).rowcount


def _forget_guessed_role(connection: Connection, pushed: int) -> bool:
    """After a push that tested a guessed read-only role without a refusal: a change went through (the
    account may write now), or nothing is left to test it with (the next refused change teaches it
    again; nothing is lost meanwhile). Returns True when the copy is writable again."""
    pending = outbox.counts(connection)[OpState.PENDING.value]
    if pushed or not pending:
        sync_meta.set_meta(connection, sync_meta.ROLE, None)
        return True
    return False


def _record_run(connection: Connection, caps: dict[str, Any], role: str | None) -> None:
    sync_meta.set_meta(connection, sync_meta.CAPABILITIES, caps)
    if role:
        sync_meta.set_meta(connection, sync_meta.ROLE, role)


class SyncEngine:
    def __init__(self, working_copy: WorkingCopy, client: SynqClient, *, lock_dir: Path | None = None,
                 push_concurrency: int = 8, pull_concurrency: int = 8, max_wait: float = 20.0,
                 detect_deletions: bool = True, lock_wait: float = 0.0, scan_interval: float = 60.0) -> None:
        self.wc = working_copy
        self.client = client
        self.hub = ProgressHub()
        self.lock = ProfileLock(lock_dir) if lock_dir is not None else None
        self.push_concurrency = push_concurrency
        self.pull_concurrency = pull_concurrency
        self.max_wait = max_wait
        self.detect_deletions = detect_deletions
        self.scan_interval = scan_interval  # seconds between complete deletion scans of one list
        self.lock_wait = lock_wait
        self.push_batch_records = 400  # records claimed per push round (one IN_FLIGHT commit each)
        self._cancel = CancelToken()
        self._task: asyncio.Task[SyncSummary] | None = None

    def subscribe(self, listener: Listener) -> Any:
        return self.hub.subscribe(listener)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self, *, push: bool = True, pull: bool = True, retry_now: bool = True) -> asyncio.Task[SyncSummary]:
        """Run in the background on the current loop (one run at a time)."""
        if self.running:
            assert self._task is not None
            return self._task
        self._task = asyncio.ensure_future(self.run(push=push, pull=pull, retry_now=retry_now))
        return self._task

    def cancel(self) -> None:
        self._cancel.cancel()

    async def run(self, *, push: bool = True, pull: bool = True, retry_now: bool = True) -> SyncSummary:
        """One sync. `retry_now` (a sync the user asked for) sends operations waiting out a backoff at once;
        a timer sync passes False and leaves them until they are due."""
        self._cancel = CancelToken()
        if self.lock is not None:
            await asyncio.to_thread(self.lock.acquire, self.lock_wait)
        try:
            if retry_now:
                await self.wc.write(due_now, doing="retrying waiting changes")
            return await self._run(push, pull)
        finally:
            if self.lock is not None:
                self.lock.release()

    async def _run(self, push: bool, pull: bool) -> SyncSummary:
        summary = SyncSummary()
        self.hub.emit("connect", 0, 1)
        # A client the caller already connected keeps its probe (one request fewer per timer sync).
        caps = self.client.capabilities or await self.client.connect()
        await self.wc.write(_record_run, {"ext": sorted(caps.ext), "docs_only": caps.docs_only}, caps.role)
        read_only = await self.wc.read(sync_meta.is_read_only)
        # A server that declares no role (docs-only) taught the read-only role by refusing a change: a guess
        # the push tests again each sync, one change at a time, until one goes through or is refused.
        role_is_a_guess = read_only and not caps.role
        if read_only:
            summary.read_only_reason = VIEWER_REASON
        if push and (not read_only or role_is_a_guess):
            await reconcile(self.wc, self.client, self.hub)
            pusher = Pusher(self.wc, self.client, concurrency=self.push_concurrency, hub=self.hub,
                            cancel=self._cancel, max_wait=self.max_wait, batch_records=self.push_batch_records,
                            after_uncertain=lambda: reconcile(self.wc, self.client, self.hub),
                            probe_role=role_is_a_guess)
            report = await pusher.run()
            summary.pushed = report.pushed
            summary.auth_paused = report.auth_paused
            summary.waiting = report.waiting
            if report.read_only_reason:
                summary.read_only_reason = report.read_only_reason
            elif role_is_a_guess and await self.wc.write(_forget_guessed_role, report.pushed):
                summary.read_only_reason = None
            summary.transient_error = report.last_transient_error
        if pull and not summary.auth_paused:
            puller = Puller(self.wc, self.client, concurrency=self.pull_concurrency, hub=self.hub,
                            cancel=self._cancel, detect_deletions=self.detect_deletions,
                            scan_interval=self.scan_interval)
            result = await puller.run()
            summary.pulled_by_list = result.pulled
            summary.pulled = sum(result.pulled.values())
            summary.deleted = result.deleted
            summary.truncated = result.truncated
            await jobs.refresh_jobs(self.wc, self.client, self.hub)
        totals = await self.wc.read(outbox_totals)
        summary.pending = totals["pending"]
        summary.conflicts = totals["conflicts"]
        summary.rejected = totals["rejected"]
        summary.uncertain = totals["uncertain"]
        if not summary.pending:
            summary.transient_error = None
        summary.finished_at = now_iso()
        await self.wc.write(_finish, summary.to_json())
        self.hub.emit("done", 1, 1)
        return summary


def _finish(connection: Connection, summary: dict[str, Any]) -> None:
    sync_meta.set_meta(connection, LAST_SUMMARY, summary)
    sync_meta.set_meta(connection, sync_meta.LAST_SYNC, summary["finished_at"])
