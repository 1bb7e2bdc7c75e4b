"""Push: the outbox to the server, record by record in order, records concurrently (bounded).

A pipeline: the feeder claims a batch of ready records (outbox.ready, bodies translated to server ids and
IN_FLIGHT marked in one writer transaction: the commit is on disk before any of them is sent), `concurrency`
workers take records from the queue and send each one's operations in order, and the next batch is
claimed as soon as the queue runs low, so the connections never wait for a claim. Answers are committed
in groups (one transaction for whatever arrived while the previous commit ran) so the fsync of
`synchronous=FULL` is paid per group, not per edit; an answer lost to a kill before its commit leaves the
operation IN_FLIGHT, which the next start turns UNCERTAIN and reconciliation settles (an update re-sent
finds its values on the server and counts applied; a create is replayed with its Idempotency-Key or looked up). A stop
(401, cancel, a failed local commit) sends nothing more; records claimed but never begun go back to
PENDING.

What each answer does (DESIGN.md's table): 2xx applied; 412 on an update fetch + per-field merge (a record
that already holds every value the update sends, as after our own PUT whose answer was lost and whose retry
met 412, is the update applied, not a conflict), on a delete a conflict for a person when a field really
changed; 404 on an update is an edit against a remote
delete (conflict); 400/403/409/413 REJECTED with the server's reason; 429, 5xx and network errors back to
PENDING with backoff; a lost answer to a create UNCERTAIN; 401 pauses the whole queue (the operation goes
back to PENDING, nothing else changes). Where the server has no ETags a PUT or DELETE is preceded by a GET
compared with the merge base. Operations the server has no endpoint for stay PENDING with that reason. A
server without /capabilities teaches the read-only role by a 403; such a guessed role is tested again
one record at a time (`probe_role`).
"""
from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from synq_desktop.api import (
    AuthError,
    BadAnswerError,
    ConflictError,
    Ext,
    ForbiddenError,
    InvalidError,
    NetworkError,
    NotFoundError,
    NotSupportedError,
    OutcomeUnknownError,
    PreconditionFailed,
    ServerError,
    StatusError,
    SynqClient,
    SynqError,
    ThrottledError,
    TooLargeError,
)
from synq_desktop.store import outbox, schema, sync_meta
from synq_desktop.store.entities import SPECS, IdTranslator, local_fields, same_value
from synq_desktop.store.states import EntityType, OpKind, OpState
from synq_desktop.store.timestamps import now_iso
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync import crashpoints, record_calls
from synq_desktop.sync.progress import CancelToken, ProgressHub

log = logging.getLogger("synq_desktop.sync")

REJECTING = (InvalidError, ConflictError, TooLargeError)
WAITING_FOR_EARLIER = "waits for an earlier change of this record"
PAUSED = "paused: the server refused the token (401); sign in again"
CANCELLED = "the sync stopped before this was sent"
READ_ONLY_KEPT = "kept: the server refused changes from this account (read-only role)"


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Seconds before an operation is due again: the server's Retry-After, else 0.2 s doubling to 60 s."""
    if retry_after is not None:
        return max(0.0, min(retry_after, 3600.0))
    return min(60.0, 0.2 * (2 ** max(0, attempts - 1)))


@dataclass(slots=True)
class ClaimedOp:
    op: outbox.Operation
    body: dict[str, Any]
    unresolved: bool
    value_server_id: str | None = None  # link/unlink: the attribute value's server id
    parent_server_id: str | None = None  # variant / attribute value create: the parent in the path


@dataclass(slots=True)
class ClaimedRecord:
    entity_type: EntityType
    entity_id: str
    server_id: str | None
    etag: str | None
    ops: list[ClaimedOp]


@dataclass(slots=True)
class PushReport:
    pushed: int = 0
    rejected: int = 0
    conflicts: int = 0  # operations that ended in CONFLICT this run
    uncertain: int = 0  # lost answers (reconciled afterwards)
    retried: int = 0  # transient failures (429, 5xx, network)
    auth_paused: bool = False
    read_only_reason: str | None = None
    waiting: dict[str, int] = field(default_factory=dict)  # reason -> operations the server cannot take
    last_transient_error: str | None = None


@dataclass(slots=True)
class Claim:
    """What one claiming transaction took: the records to send, and the operations held back because
    this server has no endpoint for them (reason -> count)."""

    records: list[ClaimedRecord]
    held: dict[str, int] = field(default_factory=dict)
    held_records: list[tuple[str, str]] = field(default_factory=list)  # (entity type, local id)


def _claim(connection: Connection, max_records: int, skip: frozenset[tuple[str, str]],
           ext: frozenset[str]) -> Claim:
    """Take up to `max_records` ready records, translate their bodies to server ids and mark them
    IN_FLIGHT: one transaction (committed before any of them is sent), a few statements per batch.

    Reading the ready operations inside the writer's transaction (BEGIN IMMEDIATE) means nothing can
    change between reading and claiming them (an edit coalescing into one waits for this commit), so no
    operation is re-read one by one."""
    groups = outbox.ready(connection, max_records=max_records + len(skip))
    groups = [g for g in groups if (g.entity_type.value, g.entity_id) not in skip][:max_records]
    sendable, held = _hold_unsendable(connection, groups, ext)
    claimed = _translate(connection, sendable)
    outbox.mark_in_flight(connection, [c.op.op_id for record in claimed for c in record.ops])
    crashpoints.reach(crashpoints.BEFORE_INFLIGHT_COMMIT, _kinds(claimed))
    kept = {(g.entity_type.value, g.entity_id) for g in sendable}
    return Claim(claimed, held, [(g.entity_type.value, g.entity_id) for g in groups
                                 if (g.entity_type.value, g.entity_id) not in kept])


def _hold_unsendable(connection: Connection, groups: list[outbox.RecordOps],
                     ext: frozenset[str]) -> tuple[list[outbox.RecordOps], dict[str, int]]:
    """Split off the records whose first operation this server cannot take: they stay PENDING with the
    reason (written once, not at every sync)."""
    sendable: list[outbox.RecordOps] = []
    held: dict[str, int] = {}
    for group in groups:
        first = group.ops[0]
        reason = record_calls.unsendable_reason(first.entity_type, first.kind, ext)
        if reason is None:
            sendable.append(group)
            continue
        held[reason] = held.get(reason, 0) + len(group.ops)
        _set_waiting(connection, group.ops, reason)
    return sendable, held


def _translate(connection: Connection, groups: list[outbox.RecordOps]) -> list[ClaimedRecord]:
    """The claimed records with their bodies in server ids: per record type one lookup of the rows'
    server ids and ETags and one per referenced table (IdTranslator over the whole batch)."""
    by_type: dict[EntityType, list[outbox.RecordOps]] = {}
    for group in groups:
        by_type.setdefault(group.entity_type, []).append(group)
    rows: dict[tuple[EntityType, str], tuple[str | None, str | None]] = {}
    translators: dict[EntityType, IdTranslator] = {}
    for entity_type, members in by_type.items():
        table = SPECS[entity_type].table
        local_ids = [g.entity_id for g in members]
        for start in range(0, len(local_ids), 500):
            for local_id, server_id, etag in connection.execute(
                    select(table.c.local_id, table.c.server_id, table.c.etag).where(
                        table.c.local_id.in_(local_ids[start:start + 500]))):
                rows[(entity_type, local_id)] = (server_id, etag)
        payloads = [op.payload for g in members for op in g.ops if op.kind in (OpKind.CREATE, OpKind.UPDATE)]
        if payloads:
            translators[entity_type] = IdTranslator(connection, SPECS[entity_type], payloads, to_local=False)
    value_ids = [op.payload.get(outbox.LINK_VALUE) for g in groups for op in g.ops
                 if op.kind in (OpKind.LINK, OpKind.UNLINK)]
    value_server_ids: dict[str, str | None] = {}
    values = schema.attribute_values
    for start in range(0, len(value_ids), 500):
        for local_id, server_id in connection.execute(select(values.c.local_id, values.c.server_id).where(
                values.c.local_id.in_(value_ids[start:start + 500]))):
            value_server_ids[local_id] = server_id
    claimed: list[ClaimedRecord] = []
    for group in groups:
        ops: list[ClaimedOp] = []
        for op in group.ops:
            claim = ClaimedOp(op, {}, False)
            if op.kind in (OpKind.CREATE, OpKind.UPDATE):
                translator = translators[op.entity_type]
                claim.body = translator.record(op.payload)
                claim.unresolved = bool(translator.unresolved(op.payload))
                parent_field = record_calls.PATH_FIELDS.get(op.entity_type)
                if op.kind == OpKind.CREATE and parent_field:
                    parent = claim.body.get(parent_field)
                    claim.parent_server_id = str(parent) if parent else None
            elif op.kind in (OpKind.LINK, OpKind.UNLINK):
                claim.value_server_id = value_server_ids.get(op.payload.get(outbox.LINK_VALUE))
                claim.unresolved = claim.value_server_id is None
            ops.append(claim)
        server_id, etag = rows.get((group.entity_type, group.entity_id), (None, None))
        claimed.append(ClaimedRecord(group.entity_type, group.entity_id, server_id, etag, ops))
    return claimed


def _kinds(claimed: list[ClaimedRecord]) -> tuple[str, ...]:
    return tuple(crashpoints.kind_of(c.op.entity_type.value, c.op.kind.value) for r in claimed for c in r.ops)


def _next_due(connection: Connection, skip: set[tuple[str, str]]) -> str | None:
    ob = outbox.ob
    rows = connection.execute(select(ob.c.entity_type, ob.c.entity_id, ob.c.next_attempt_at).where(
        ob.c.state == OpState.PENDING.value).order_by(ob.c.next_attempt_at)).all()
    for entity_type, entity_id, due in rows:
        if (entity_type, entity_id) not in skip:
            return due or now_iso()
    return None


def _set_waiting(connection: Connection, ops: list[outbox.Operation], reason: str) -> None:
    for op in ops:
        if op.state == OpState.PENDING and op.last_error != reason:
            outbox.mark_retry(connection, op.op_id, reason, 0.0)


GROUP_WINDOW = 0.1  # seconds a small group of applied answers waits for more before its commit
GROUP_TARGET = 256  # answers that make a group worth committing without that wait
Applied = tuple[str, dict[str, Any] | None, str | None]  # (op_id, the server's record, etag): a 2xx to write


class GroupCommit:
    """Writes answers back in groups: whatever arrives while one commit runs goes in the next. Consecutive
    applied answers (2xx) are written together by outbox.mark_applied_many (a few statements for the run
    instead of a score per answer); everything else runs one function at a time, in arrival order.

    Nobody waits for an applied answer's commit (the sends go on; until it commits the operation stays
    IN_FLIGHT, which a kill turns UNCERTAIN and reconciliation settles), so those carry no future of
    their own: a failed commit is kept in `failure` for the pusher to raise, and `flush()` waits for
    every queued answer."""

    def __init__(self, working_copy: WorkingCopy, on_commit: Callable[[], None] | None = None) -> None:
        self._wc = working_copy
        self._queue: list[tuple[Callable[[Connection], Any] | Applied, asyncio.Future[Any] | None]] = []
        self._task: asyncio.Task[None] | None = None
        self._on_commit = on_commit
        self.failure: BaseException | None = None
        self.commits = 0  # groups written so far

    async def run(self, fn: Callable[[Connection], Any]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._enqueue(fn, future)
        return await future

    def applied(self, op_id: str, record: dict[str, Any] | None, etag: str | None) -> None:
        """mark_applied(op_id, record, etag), batched with the applied answers queued next to it."""
        self._enqueue((op_id, record, etag), None)

    def _enqueue(self, work: Callable[[Connection], Any] | Applied, future: asyncio.Future[Any] | None) -> None:
        self._queue.append((work, future))
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._drain())

    @property
    def idle(self) -> bool:
        return not self._queue and (self._task is None or self._task.done())

    async def flush(self) -> None:
        """Wait until everything queued so far is committed (or failed)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

    async def _drain(self) -> None:
        while self._queue:
            if len(self._queue) < GROUP_TARGET and not any(callable(work) for work, _ in self._queue):
                # A commit window for applied answers: the answers of the other requests in flight arrive
                # meanwhile and share this commit (its fsync and the per-statement work of
                # mark_applied_many) instead of a commit each.
                await asyncio.sleep(GROUP_WINDOW)
            batch, self._queue = self._queue, []
            try:
                # Not durable: a power cut can only undo answers whose operations then stay IN_FLIGHT, which
                # the next start turns UNCERTAIN and reconciliation settles (as after a kill before this
                # commit); the next claim's commit, durable, syncs them anyway. The fsync of a busy disk
                # would otherwise hold the one writer thread, and the claims queued behind it.
                results = await self._wc.write(_run_each, [work for work, _ in batch], doing="saving sync results",
                                               durable=False)
            except BaseException as exc:  # noqa: BLE001 - handed to every waiter
                for _, future in batch:
                    if future is None:
                        self.failure = self.failure or exc
                    elif not future.done():
                        future.set_exception(exc)
                continue
            finally:
                self.commits += 1
                if self._on_commit is not None:
                    self._on_commit()
            for (_, future), (ok, value) in zip(batch, results, strict=True):
                if future is None:
                    if not ok:
                        self.failure = self.failure or value
                elif future.done():
                    continue
                elif ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)


def _run_each(connection: Connection, works: list[Callable[[Connection], Any] | Applied]) -> list[tuple[bool, Any]]:
    """Each function in its own savepoint: one bad answer never rolls back the others. A run of applied
    answers goes in one savepoint through mark_applied_many; should that fail, each answer of the run is
    written on its own (the failure reaches only its waiter)."""
    results: list[tuple[bool, Any]] = []
    index = 0
    while index < len(works):
        work = works[index]
        if callable(work):
            results.append(_in_savepoint(connection, work))
            index += 1
            continue
        run: list[Applied] = []
        while index < len(works) and not callable(works[index]):
            run.append(works[index])  # type: ignore[arg-type]
            index += 1
        savepoint = connection.begin_nested()
        try:
            outbox.mark_applied_many(connection, run)
        except Exception:  # noqa: BLE001 - retried one by one below, each failure to its own waiter
            savepoint.rollback()
            results += [_in_savepoint(connection, lambda c, a=answer: outbox.mark_applied(c, *a)) for answer in run]
        else:
            savepoint.commit()
            results += [(True, None)] * len(run)
    return results


def _in_savepoint(connection: Connection, fn: Callable[[Connection], Any]) -> tuple[bool, Any]:
    savepoint = connection.begin_nested()
    try:
        value = fn(connection)
    except Exception as exc:  # noqa: BLE001 - reported to that function's waiter
        savepoint.rollback()
        return False, exc
    savepoint.commit()
    return True, value


class Pusher:
    """One push run. `run()` returns a PushReport; a 401 (or a cancel) stops new requests.

    A pipeline: `concurrency` workers send the claimed records one after another while the feeder claims
    the next batch as soon as the queue runs low, so the connections never wait for a claim (its commit
    and fsync) between batches."""

    def __init__(self, working_copy: WorkingCopy, client: SynqClient, *, concurrency: int = 8,
                 hub: ProgressHub | None = None, cancel: CancelToken | None = None, batch_records: int = 400,
                 max_wait: float = 20.0, after_uncertain: Callable[[], Any] | None = None,
                 probe_role: bool = False) -> None:
        self.wc = working_copy
        self.client = client
        self.concurrency = max(1, concurrency)
        self.hub = hub or ProgressHub()
        self.cancel = cancel or CancelToken()
        self.batch_records = max(1, batch_records)
        self.max_wait = max_wait
        self.after_uncertain = after_uncertain
        self.report = PushReport()
        self._skip: set[tuple[str, str]] = set()
        self._progress = asyncio.Event()  # set by the workers (a record taken or finished) and by commits
        self._commit = GroupCommit(working_copy, on_commit=self._progress.set)
        self._stop = False
        self._stop_reason = WAITING_FOR_EARLIER
        self._error: BaseException | None = None
        self._queue: deque[ClaimedRecord] = deque()
        self._feeding = True
        self._busy = 0  # workers sending a record right now
        self._has_work = asyncio.Event()  # set by the feeder: records queued (or the feed ended)
        # Testing a read-only role guessed from a 403: one record at a time until a change goes through
        # (then the rest at full speed) or is refused again (then nothing more is sent).
        self._probing = probe_role

    @property
    def _ext(self) -> frozenset[str]:
        caps = self.client.capabilities
        return caps.ext if caps is not None else frozenset()

    @property
    def _docs_only(self) -> bool:
        caps = self.client.capabilities
        return caps is None or caps.docs_only

    async def run(self) -> PushReport:
        counts = await self.wc.read(outbox.counts)
        total = counts[OpState.PENDING.value] + counts[OpState.BLOCKED.value]
        self.hub.emit("push", 0, total)
        workers = [asyncio.ensure_future(self._work()) for _ in range(self.concurrency)]
        try:
            await self._feed(total)
        except BaseException:
            self._halt(CANCELLED)
            raise
        finally:
            self._feeding = False
            self._has_work.set()
            await asyncio.gather(*workers, return_exceptions=True)
            await self._release_queued()
            await self._commit.flush()
        self._raise_failures()
        self.hub.emit("push", self.report.pushed, total)
        return self.report

    def _halt(self, reason: str) -> None:
        """Send nothing more: records not begun go back to PENDING with `reason`."""
        if not self._stop:
            self._stop, self._stop_reason = True, reason

    def _raise_failures(self) -> None:
        """A worker's unexpected error or a failed local commit (a full disk, ...) ends the push."""
        failure = self._error or self._commit.failure
        if failure is not None:
            raise failure

    async def _feed(self, total: int) -> None:
        low_water = max(self.concurrency, self.batch_records // 2)
        uncertain_seen = 0
        while not self._stop:
            self.cancel.check()
            self._raise_failures()
            if self.after_uncertain is not None and self.report.uncertain > uncertain_seen:
                uncertain_seen = self.report.uncertain
                await self.after_uncertain()
            claim = await self.wc.write(_claim, 1 if self._probing else self.batch_records,
                                        frozenset(self._skip), self._ext, doing="claiming operations to send")
            crashpoints.reach(crashpoints.AFTER_INFLIGHT_COMMIT, _kinds(claim.records))
            self._skip.update(claim.held_records)
            for reason, count in claim.held.items():
                self.report.waiting[reason] = self.report.waiting.get(reason, 0) + count
            if claim.records:
                self._queue.extend(claim.records)
                self._has_work.set()
                self.hub.emit("push", self.report.pushed, total)
                while (len(self._queue) > low_water or (self._probing and (self._queue or self._busy))
                       ) and not self._stop:
                    await self._wait_for_progress()
                continue
            if claim.held_records:
                continue
            if self._queue or self._busy:
                # Everything ready is claimed. Only a commit can make more ready (an applied create frees its
                # variants, a released operation is due again): claim again after the next one, or once the
                # last records are done.
                commits = self._commit.commits
                while (self._queue or self._busy) and self._commit.commits == commits and not self._stop:
                    await self._wait_for_progress()
                continue
            if not self._commit.idle:
                await self._commit.flush()
                continue
            due = await self.wc.read(_next_due, set(self._skip))
            if due is None:
                return
            wait = _seconds_until(due)
            if wait > self.max_wait:
                return
            if wait > 0:
                await asyncio.sleep(wait)  # the backoff an operation asked for, not synchronisation

    async def _wait_for_progress(self) -> None:
        self._progress.clear()
        await self._progress.wait()

    async def _work(self) -> None:
        """One connection's worth of sending: records from the queue, each one's operations in order."""
        while not self._stop:
            if not self._queue:
                if not self._feeding:
                    return
                self._has_work.clear()
                await self._has_work.wait()
                continue
            record = self._queue.popleft()
            self._busy += 1
            self._progress.set()
            try:
                await self._send_record(record)
            except BaseException as exc:  # noqa: BLE001 - raised by the feeder; the others stop sending
                self._error = self._error or exc
                self._halt(WAITING_FOR_EARLIER)
            finally:
                self._busy -= 1
                self._progress.set()

    async def _release_queued(self) -> None:
        """Records claimed (IN_FLIGHT) but never begun, after a stop: back to PENDING in one write."""
        if not self._queue:
            return
        unsent = [c.op.op_id for record in self._queue for c in record.ops]
        self._queue.clear()
        reason = self._stop_reason
        await self._commit.run(lambda c: _release(c, unsent, reason))

    async def _send_record(self, record: ClaimedRecord) -> None:
        server_id, etag = record.server_id, record.etag
        for index, claim in enumerate(record.ops):
            if self._stop:
                unsent = [c.op.op_id for c in record.ops[index:]]
                reason = self._stop_reason
                await self._commit.run(lambda c, ids=unsent, why=reason: _release(c, ids, why))
                return
            ok, server_id, etag = await self._send_op(record, claim, server_id, etag)
            if not ok:
                rest = [c.op.op_id for c in record.ops[index + 1:]]
                if rest:
                    await self._commit.run(lambda c, ids=rest: _release(c, ids, WAITING_FOR_EARLIER))
                return

    async def _send_op(self, record: ClaimedRecord, claim: ClaimedOp, server_id: str | None,
                       etag: str | None) -> tuple[bool, str | None, str | None]:
        op = claim.op
        if claim.unresolved or (op.kind != OpKind.CREATE and server_id is None) or (
                op.kind == OpKind.CREATE and record_calls.PATH_FIELDS.get(op.entity_type)
                and not claim.parent_server_id):
            await self._commit.run(lambda c: outbox.mark_retry(
                c, op.op_id, "waits for a record the server does not have yet", 30.0))
            return False, server_id, etag
        try:
            if op.kind == OpKind.CREATE:
                return await self._create(claim, server_id, etag)
            if op.kind == OpKind.UPDATE:
                return await self._update(record, claim, server_id, etag)
            if op.kind == OpKind.DELETE:
                return await self._delete(record, claim, server_id, etag)
            return await self._link(record, claim, server_id, etag)
        except AuthError:
            self.report.auth_paused = True
            self._halt(PAUSED)
            await self._commit.run(lambda c: _release(c, [op.op_id], PAUSED))
        except NotSupportedError as exc:
            self._skip.add((record.entity_type.value, record.entity_id))
            reason = f"{exc.message}; the change stays pending"
            self.report.waiting[reason] = self.report.waiting.get(reason, 0) + 1
            await self._commit.run(lambda c: _release(c, [op.op_id], reason))
        except ForbiddenError as exc:
            if self._docs_only:
                # No /capabilities: the role is learned from the first 403; the copy turns read-only.
                self._halt(READ_ONLY_KEPT)
                self.report.read_only_reason = f"the server refused a change ({exc.message}); read-only role"
                await self._commit.run(lambda c: _learn_viewer(c, op.op_id))
            else:
                await self._reject(op, exc)
        except REJECTING as exc:
            await self._reject(op, exc)
        except OutcomeUnknownError as exc:
            crashpoints.reach(crashpoints.AFTER_LOST_ANSWER, (crashpoints.kind_of(op.entity_type.value,
                                                                                 op.kind.value),))
            await self._uncertain(op, exc)
        except ServerError as exc:
            if op.kind == OpKind.CREATE:
                # A 5xx to a POST may have come after the server acted: settle it like a lost answer.
                await self._uncertain(op, exc)
            else:
                await self._transient(op, exc)
        except ThrottledError as exc:
            await self._transient(op, exc, exc.retry_after)
        except SynqError as exc:  # network, bad answers, unexpected statuses: try again later
            if isinstance(exc, (NetworkError, BadAnswerError)):
                crashpoints.reach(crashpoints.AFTER_LOST_ANSWER, (crashpoints.kind_of(op.entity_type.value,
                                                                                     op.kind.value),))
            await self._transient(op, exc)
        return False, server_id, etag

    async def _reject(self, op: outbox.Operation, exc: StatusError) -> None:
        self.report.rejected += 1
        reason, status = _reason(exc), exc.status
        await self._commit.run(lambda c: outbox.mark_rejected(c, op.op_id, reason, status))

    async def _uncertain(self, op: outbox.Operation, exc: SynqError) -> None:
        self.report.uncertain += 1
        reason = _reason(exc)
        await self._commit.run(lambda c: outbox.mark_uncertain(c, op.op_id, reason))

    async def _transient(self, op: outbox.Operation, exc: SynqError, retry_after: float | None = None) -> None:
        self.report.retried += 1
        self.report.last_transient_error = _reason(exc)
        delay = backoff_seconds(op.attempts + 1, retry_after)
        status = exc.status if isinstance(exc, StatusError) else None
        reason = _reason(exc)
        await self._commit.run(lambda c: outbox.mark_retry(c, op.op_id, reason, delay, status))

    async def _applied(self, op: outbox.Operation, record: dict[str, Any] | None, etag: str | None) -> None:
        """Queue the local commit of a 2xx and carry on: the record's next operation needs only the server id
        (in hand), and the group commit keeps the order. Until it commits the operation stays IN_FLIGHT, which
        a kill turns UNCERTAIN and reconciliation settles without doubling anything."""
        crashpoints.reach(crashpoints.AFTER_ANSWER_BEFORE_LOCAL_COMMIT,
                          (crashpoints.kind_of(op.entity_type.value, op.kind.value),))
        self._commit.applied(op.op_id, record, etag)
        self.report.pushed += 1
        self._probing = False

    async def _create(self, claim: ClaimedOp, server_id: str | None,
                      etag: str | None) -> tuple[bool, str | None, str | None]:
        op = claim.op
        if op.entity_type in record_calls.PATH_FIELDS:
            record, new_etag = await record_calls.create_child(
                self.client, op.entity_type, str(claim.parent_server_id), claim.body, op.idempotency_key)
        else:
            record, new_etag = await record_calls.create(self.client, op.entity_type, claim.body,
                                                         op.idempotency_key)
        if record is None:  # a docs-only export: "export queued; Synq will notify you"
            record = {"id": f"notify:{op.entity_id}", "status": "QUEUED"}
        await self._applied(op, record, new_etag)
        return True, str(record["id"]), new_etag

    async def _update(self, record: ClaimedRecord, claim: ClaimedOp, server_id: str | None,
                      etag: str | None) -> tuple[bool, str | None, str | None]:
        op = claim.op
        assert server_id is not None
        use_etags = Ext.ETAGS in self._ext
        if not use_etags or etag is None:
            # No ETag to send: compare the server's record with the base before overwriting anything.
            theirs, their_etag = await record_calls.fetch(self.client, op.entity_type, server_id)
            if theirs is None:
                await self._conflict(op, None, None)
                return False, server_id, etag
            holds, changed = await self.wc.read(_compare_with_server, op, theirs)
            if holds:
                # Already there (this update, re-sent after a kill lost its answer, or the same change made
                # elsewhere): nothing to send, applied with the record and ETag just fetched.
                await self._applied(op, theirs, their_etag)
                return True, server_id, their_etag
            if changed:
                await self._conflict(op, theirs, their_etag)
                return False, server_id, etag
            etag = their_etag
        try:
            answer, new_etag = await record_calls.update(self.client, op.entity_type, server_id, claim.body,
                                                         etag if use_etags else None)
        except PreconditionFailed:
            theirs, their_etag = await record_calls.fetch(self.client, op.entity_type, server_id)
            if theirs is not None and (await self.wc.read(_compare_with_server, op, theirs))[0]:
                # The server holds exactly what this update sends: typically our own PUT, committed and its
                # answer lost, then retried by the transport with the old If-Match (412: our change moved
                # the ETag). Applied, with the record and ETag just fetched; not a conflict for anyone.
                await self._applied(op, theirs, their_etag)
                return True, server_id, their_etag
            await self._conflict(op, theirs, their_etag)
            return False, server_id, etag
        except NotFoundError:
            await self._conflict(op, None, None)
            return False, server_id, etag
        await self._applied(op, answer, new_etag)
        return True, server_id, new_etag

    async def _conflict(self, op: outbox.Operation, theirs: dict[str, Any] | None, etag: str | None) -> None:
        outcome = await self._commit.run(lambda c: outbox.mark_conflict(c, op.op_id, theirs, etag=etag))
        if outcome.state == OpState.CONFLICT:
            self.report.conflicts += 1

    async def _delete(self, record: ClaimedRecord, claim: ClaimedOp, server_id: str | None,
                      etag: str | None) -> tuple[bool, str | None, str | None]:
        """A delete does not remove a change it did not see: where the server has ETags it refuses one whose
        record changed since our base (412); where it has none the record is fetched and compared first.
        Either way a real change becomes a conflict for a person (delete anyway, or keep the server's
        version). A record whose ETag this copy never got (pulled from a list, which carries none) is fetched
        and compared first too, then deleted with the ETag just fetched as If-Match: a change made between
        that GET and the DELETE is still a 412. Without it a DELETE with no If-Match would remove whatever
        the server holds now."""
        op = claim.op
        assert server_id is not None
        use_etags = Ext.ETAGS in self._ext
        if not use_etags or etag is None:
            theirs, their_etag = await record_calls.fetch(self.client, op.entity_type, server_id)
            if theirs is None:
                await self._applied(op, None, None)  # already gone: the delete's goal is met
                return True, server_id, None
            if await self.wc.read(_changed_since_deleted, op, theirs):
                await self._delete_conflict(op, theirs, their_etag)
                return False, server_id, etag
            etag = their_etag
        try:
            await record_calls.delete(self.client, op.entity_type, server_id, etag if use_etags else None)
        except NotFoundError:
            pass  # already gone: the delete's goal is met
        except PreconditionFailed:
            theirs, their_etag = await record_calls.fetch(self.client, op.entity_type, server_id)
            if theirs is not None:
                await self._delete_conflict(op, theirs, their_etag)
                return False, server_id, etag
        await self._applied(op, None, None)
        return True, server_id, None

    async def _delete_conflict(self, op: outbox.Operation, theirs: dict[str, Any], etag: str | None) -> None:
        outcome = await self._commit.run(lambda c: outbox.mark_delete_conflict(c, op.op_id, theirs, etag))
        if outcome.state == OpState.CONFLICT:
            self.report.conflicts += 1

    async def _link(self, record: ClaimedRecord, claim: ClaimedOp, server_id: str | None,
                    etag: str | None) -> tuple[bool, str | None, str | None]:
        op = claim.op
        assert server_id is not None and claim.value_server_id is not None
        if op.kind == OpKind.LINK:
            try:
                await record_calls.link(self.client, op.entity_type, server_id, claim.value_server_id,
                                        op.idempotency_key)
            except ConflictError:
                pass  # linked already (an earlier attempt whose answer was lost)
        else:
            try:
                await record_calls.unlink(self.client, op.entity_type, server_id, claim.value_server_id)
            except NotFoundError:
                pass
        await self._applied(op, None, None)
        return True, server_id, etag


def _changed_since_base(current: dict[str, Any], op: outbox.Operation) -> bool:
    """True when the server's fields (`current`, in local ids and stored forms) changed a field this
    operation sends since its base was read."""
    base = op.base or {}
    return any(name in current and name in base and current[name] != base[name] for name in op.payload)


def _compare_with_server(connection: Connection, op: outbox.Operation, theirs: dict[str, Any]) -> tuple[bool, bool]:
    """(the server's record already holds every value this update sends, money compared as amounts: sending
    it would change nothing; the server changed a field this update sends since its base was read)."""
    spec = SPECS[op.entity_type]
    current = local_fields(connection, op.entity_type, theirs)
    holds = bool(op.payload) and all(
        name in current and same_value(spec, name, current[name], value) for name, value in op.payload.items())
    return holds, _changed_since_base(current, op)


def _changed_since_deleted(connection: Connection, op: outbox.Operation, theirs: dict[str, Any]) -> bool:
    """True when the server changed any settable field of the record since the base this copy deleted."""
    if op.base is None:
        return True
    spec = SPECS[op.entity_type]
    current = local_fields(connection, op.entity_type, theirs)
    return any(not same_value(spec, name, value, op.base.get(name)) for name, value in current.items())


def _release(connection: Connection, op_ids: list[str], reason: str) -> None:
    """IN_FLIGHT operations that were never sent go back to PENDING, due at once."""
    for op_id in op_ids:
        op = outbox.get(connection, op_id)
        if op is not None and op.state in (OpState.IN_FLIGHT, OpState.PENDING):
            outbox.mark_retry(connection, op_id, reason, 0.0)


def _learn_viewer(connection: Connection, op_id: str) -> None:
    _release(connection, [op_id], READ_ONLY_KEPT)
    sync_meta.set_meta(connection, sync_meta.ROLE, "VIEWER")


def _reason(exc: SynqError) -> str:
    return str(exc)


def _seconds_until(stamp: str) -> float:
    from datetime import UTC, datetime

    try:
        due = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    except ValueError:
        return 0.0
    return max(0.0, (due - datetime.now(UTC)).total_seconds())
