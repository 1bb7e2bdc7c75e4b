"""Pull: the server's lists into the working copy, page by page, resumable.

Where the server offers `updated_since` (EXT), every list is read oldest change first from the stored
watermark (the largest `updated_at` the server sent: its clock, never ours). The watermark is committed
with each batch of pages, and every page received is in the list's spool (sync.spool) until then, so a
killed pull stores the spooled pages and reads on after them (one record, the watermark's own, is read
twice; the answers in flight at the kill, at most `concurrency` pages, are asked for again). A first pull
reads from the epoch, which gives the same order.

Deletions: a record is gone only when a complete scan missed it and a GET answers 404 (or, for the small
taxonomy lists without a single-record GET, when a complete, untruncated list lacks it). A list scanned
completely less than `scan_interval` seconds ago is not scanned again (a resumed sync re-reads nothing). On an
incremental server the scan is a separate `fields=summary` read, resumable through its own cursor; on a
server without `updated_since` the pull itself reads the whole list and is the scan.

Degrading (API.md): a light-projection product is fetched in full only when its `updated_at` differs from
ours; a list that stops at the documented cap is marked truncated (`sync_meta.truncated_lists`) and a
truncated list never deletes anything it cannot confirm with a GET.
"""
from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Connection, select

from synq_desktop.api import Ext, Media, Paginator, Product, SynqClient, Variant
from synq_desktop.api.models import PageReader
from synq_desktop.api.paging import RawPage, record_pages
from synq_desktop.api.transport import parse_json_body
from synq_desktop.store import derived, sync_meta
from synq_desktop.store import pull as store_pull
from synq_desktop.store.entities import SPECS
from synq_desktop.store.states import EntityType
from synq_desktop.store.timestamps import normalize_time, now_iso, stored_time
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync import crashpoints, record_calls
from synq_desktop.sync.progress import CancelToken, ProgressHub
from synq_desktop.sync.spool import PullSpool

log = logging.getLogger("synq_desktop.sync")

EPOCH = "1970-01-01T00:00:00Z"
SCAN_CURSOR = "scan_cursor:"
PULL_SCAN = "pull"  # the scan cursor of a scan done by a whole-list pull
E = EntityType


@dataclass(frozen=True, slots=True)
class ListSpec:
    name: str
    entity_type: EntityType
    requires: str | None = None  # the EXT part without which the list does not exist
    scan: bool = True  # deletions are looked for (variants cannot be deleted: they go with their product)
    single_get: bool = False  # a GET by id confirms a deletion (else only an untruncated list does)


LISTS: tuple[ListSpec, ...] = (
    ListSpec("categories", E.CATEGORY),
    ListSpec("brands", E.BRAND),
    ListSpec("attributes", E.ATTRIBUTE),
    ListSpec("attribute_groups", E.ATTRIBUTE_GROUP),
    ListSpec("templates", E.TEMPLATE),
    ListSpec("products", E.PRODUCT, single_get=True),
    ListSpec("variants", E.VARIANT, requires=Ext.VARIANTS, scan=False),
    ListSpec("media", E.MEDIA),
)


# The big lists are read as plain dicts (api.paging.record_pages): no model built and dumped per record.
_BULK_LISTS: dict[EntityType, tuple[str, PageReader]] = {
    E.PRODUCT: ("/products", PageReader(Product)), E.VARIANT: ("/variants", PageReader(Variant)),
    E.MEDIA: ("/media", PageReader(Media)),
}


def _bulk_list(client: SynqClient, spec: ListSpec, since: str | None, concurrency: int,
               summary: bool) -> Paginator[Any] | None:
    """The list as dict pages, with the query `SynqClient`'s own list would send; None before the
    capability probe (the client's list then probes)."""
    caps = client.capabilities
    if caps is None or spec.entity_type not in _BULK_LISTS:
        return None
    path, reader = _BULK_LISTS[spec.entity_type]
    query: dict[str, Any] = {}
    if summary and Ext.SUMMARY_LISTS in caps.ext:
        query["fields"] = "summary"
    incremental = since is not None and Ext.UPDATED_SINCE in caps.ext and spec.entity_type != E.MEDIA
    if incremental:
        query["updated_since"] = since
    paginator = record_pages(client.transport, path, reader, query=query, paged=Ext.PAGING in caps.ext,
                             concurrency=concurrency)
    paginator.incremental = incremental
    return paginator


def open_list(client: SynqClient, spec: ListSpec, since: str | None, concurrency: int,
              summary: bool = False) -> Paginator[Any]:
    bulk = _bulk_list(client, spec, since, concurrency, summary)
    if bulk is not None:
        return bulk
    if spec.entity_type == E.PRODUCT:
        return client.list_products(updated_since=since, concurrency=concurrency, summary=summary)
    if spec.entity_type == E.VARIANT:
        return client.list_variants(updated_since=since, concurrency=concurrency)
    if spec.entity_type == E.MEDIA:
        return client.list_media()  # media is never read incrementally
    openers: dict[EntityType, Callable[..., Paginator[Any]]] = {
        E.CATEGORY: client.list_categories, E.BRAND: client.list_brands, E.ATTRIBUTE: client.list_attributes,
        E.ATTRIBUTE_GROUP: client.list_attribute_groups, E.TEMPLATE: client.list_templates,
    }
    return openers[spec.entity_type](updated_since=since)


@dataclass(slots=True)
class PullResult:
    pulled: dict[str, int] = field(default_factory=dict)  # list name -> records written (new or changed)
    deleted: dict[str, int] = field(default_factory=dict)
    conflicts: int = 0
    truncated: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)  # list name -> why it was not read


def _write_pages(connection: Connection, entity_type: EntityType,
                 pages: list[tuple[list[dict[str, Any]], list[str]]], list_name: str, watermark: bool,
                 scanning: bool, derived_deferred: bool = False) -> list[store_pull.PullReport]:
    """Pulled pages in one transaction: records, the ids a scan saw, the watermark (the largest server
    `updated_at` of the batch: lists from `updated_since` come oldest change first)."""
    reports = []
    newest: str | None = None
    for records, page_ids in pages:
        report = store_pull.upsert_server_records(connection, entity_type, records,
                                                  derived_deferred=derived_deferred)
        reports.append(report)
        if scanning and page_ids:
            sync_meta.record_scan_page(connection, list_name, page_ids, 0)
        if report.max_updated_at and (newest is None or (normalize_time(report.max_updated_at) or "")
                                      > (normalize_time(newest) or "")):
            newest = report.max_updated_at
    if watermark and newest:
        current = sync_meta.list_state(connection, list_name).updated_since
        if current is None or (normalize_time(newest) or "") > (normalize_time(current) or ""):
            sync_meta.set_watermark(connection, list_name, newest)
    return reports


class PageWriter:
    """Writes pulled pages behind the reads, many pages to a transaction. The watermark goes with each
    transaction (pages come in order, so what is committed is always a prefix of the list).

    A transaction's cost hardly depends on how many pages it holds: its commit writes every page of the
    file it dirtied, and records keyed by random UUIDs dirty a new leaf of each id index per row, so the
    same index pages are written again by every commit. With 6-7 pages a commit (what a 20 ms gather
    gave), commits were a third of the first pull's writer CPU; 32 pages a commit cost a third less in all.
    So the writer waits up to `GATHER_SECONDS` for a batch of pages before it writes (the last pages of a
    list go at once): `BATCH_PAGES`, or an eighth of the list once its size is known (`fit`) when that is
    less, so a list shows its progress and grows its committed prefix in steps. At most two batches of
    pages wait in memory (the reader waits beyond that).
    Waiting costs no resumption: every page of an incremental list is in the pull's spool (sync.spool)
    before it is handed here, and a killed pull stores the spooled pages first; a list read without a
    watermark is read whole again after a kill anyway."""

    GATHER_SECONDS = 0.25
    BATCH_PAGES = 32

    def __init__(self, wc: WorkingCopy, spec: ListSpec, watermark: bool, scanning: bool,
                 on_commit: Callable[[], None], batch_pages: int = BATCH_PAGES,
                 derived_deferred: bool = False) -> None:
        self.wc = wc
        self.derived_deferred = derived_deferred
        self.spec = spec
        self.watermark = watermark
        self.scanning = scanning
        self.on_commit = on_commit
        self.reports: list[store_pull.PullReport] = []
        self.orphan_records: list[dict[str, Any]] = []
        self.committed_pages = 0
        self._pending: list[tuple[list[dict[str, Any]], list[str]]] = []
        self._min_batch = max(1, batch_pages)
        self._space = asyncio.Semaphore(2 * self._min_batch)  # one batch being written, one gathered
        self._arrived = asyncio.Event()
        self._closing = False
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None

    def fit(self, total_records: int | None, page_size: int) -> None:
        """Batches of an eighth of a list of `total_records` (at least a page, at most the batch size), and
        room for two of them. Called before the first `put`."""
        assert not self._pending and self._task is None, "fit() comes before the first page"
        if total_records:
            pages = -(-total_records // max(1, page_size))
            self._min_batch = max(1, min(self._min_batch, -(-pages // 8)))
            self._space = asyncio.Semaphore(2 * self._min_batch)

    async def put(self, records: list[dict[str, Any]], page_ids: list[str]) -> None:
        if self._error is not None:
            raise self._error
        await self._space.acquire()
        self._pending.append((records, page_ids))
        self._arrived.set()
        if self._task is None or self._task.done():
            self._task = asyncio.ensure_future(self._drain())

    async def _gather(self) -> None:
        """Wait (briefly) until enough pages are pending to be worth a transaction, or the list ended."""
        try:
            async with asyncio.timeout(self.GATHER_SECONDS):
                while len(self._pending) < self._min_batch and not self._closing:
                    self._arrived.clear()
                    await self._arrived.wait()
        except TimeoutError:
            pass

    async def _drain(self) -> None:
        while self._pending and self._error is None:
            if len(self._pending) < self._min_batch and not self._closing:
                await self._gather()
            batch, self._pending = self._pending, []
            try:
                reports = await self.wc.write(_write_pages, self.spec.entity_type, batch, self.spec.name,
                                              self.watermark, self.scanning, self.derived_deferred,
                                              doing=f"saving pulled {self.spec.name}", durable=False)
            except BaseException as exc:  # noqa: BLE001 - raised to the reader by put() or close()
                self._error = exc
                self._pending.clear()
            else:
                self.committed_pages += len(batch)
                self.reports.extend(reports)
                for (records, _), report in zip(batch, reports, strict=True):
                    if report.orphans:
                        wanted = set(report.orphans)
                        self.orphan_records += [r for r in records if str(r["id"]) in wanted]
                crashpoints.reach(crashpoints.AFTER_PAGE_COMMIT, (self.spec.name,))  # after_page_commit:variants@2
                self.on_commit()
            for _ in batch:
                self._space.release()

    async def close(self) -> list[store_pull.PullReport]:
        self._closing = True  # the last pages go at once
        self._arrived.set()
        while self._task is not None and not self._task.done():
            await self._task
        if self._error is not None:
            raise self._error
        return self.reports


def _local_stamps(connection: Connection, entity_type: EntityType, server_ids: list[str]) -> dict[str, str | None]:
    table = SPECS[entity_type].table
    return {row[0]: row[1] for row in connection.execute(select(table.c.server_id, table.c.updated_at).where(
        table.c.server_id.in_(server_ids)))}


def _scan_page(connection: Connection, list_name: str, server_ids: list[str], cursor: str | None) -> None:
    sync_meta.record_scan_page(connection, list_name, server_ids, 0)
    if cursor:
        sync_meta.set_meta(connection, SCAN_CURSOR + list_name, cursor)


def _start_pull_scan(connection: Connection, list_name: str, restart: bool) -> None:
    if restart and sync_meta.list_state(connection, list_name).scan_started_at is not None:
        sync_meta.finish_scan(connection, list_name, [])  # a separate scan a kill left: start afresh
    sync_meta.start_scan(connection, list_name)
    sync_meta.set_meta(connection, SCAN_CURSOR + list_name, PULL_SCAN)


def _finish_scan(connection: Connection, spec: ListSpec) -> list[str]:
    missing = sync_meta.finish_scan(connection, spec.name, store_pull.local_server_ids(connection, spec.entity_type))
    sync_meta.set_meta(connection, SCAN_CURSOR + spec.name, None)
    return missing


def _scanned_empty(connection: Connection, spec: ListSpec) -> None:
    sync_meta.start_scan(connection, spec.name)
    _finish_scan(connection, spec)


def _max_stamp(records: list[dict[str, Any]]) -> str | None:
    """The newest `updated_at` of `records`, as the server wrote it."""
    stamps = [r.get("updated_at") for r in records if r.get("updated_at")]
    return max(stamps, key=lambda s: stored_time(s) or "") if stamps else None


def _newest_stored(records: list[dict[str, Any]]) -> str:
    """`_max_stamp` in the stored form ("~", after every time, when no record has one: such a page is always
    written again from the spool rather than skipped)."""
    return stored_time(_max_stamp(records)) or "~"


class Puller:
    """One pull run over every list the server has."""

    def __init__(self, working_copy: WorkingCopy, client: SynqClient, *, concurrency: int = 8,
                 hub: ProgressHub | None = None, cancel: CancelToken | None = None,
                 detect_deletions: bool = True, scan_interval: float = 0.0, freeze_gc: bool = True) -> None:
        self.wc = working_copy
        self.client = client
        self.concurrency = max(1, concurrency)
        self.hub = hub or ProgressHub()
        self.cancel = cancel or CancelToken()
        self.detect_deletions = detect_deletions
        self.scan_interval = scan_interval
        self.freeze_gc = freeze_gc
        self.result = PullResult()
        self.derived_deferred = False  # store.derived: set aside for a first pull into empty tables
        self.media_deferred = False  # the same for the media table's indexes

    @property
    def _ext(self) -> frozenset[str]:
        caps = self.client.capabilities
        return caps.ext if caps is not None else frozenset()

    async def run(self) -> PullResult:
        restoring: asyncio.Future[bool] | None = None
        small_reads: asyncio.Task[tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]] | None = None
        try:
            for spec in LISTS:
                self.cancel.check()
                if spec.requires is not None and spec.requires not in self._ext:
                    self.result.skipped[spec.name] = f"this server has no {spec.name} list"
                    continue
                if spec.entity_type == E.PRODUCT:
                    self.derived_deferred = await self.wc.write(derived.set_aside, doing="preparing a first pull")
                media_aside: asyncio.Future[bool] | None = None
                if spec.entity_type == E.MEDIA:
                    restoring = restoring or self._start_restoring()
                    # Queued behind what the writer is doing (the catalog's rebuild, ~0.4 s): the list is
                    # read meanwhile, its pages are written after it. Awaiting it here kept media waiting.
                    media_aside = asyncio.wrap_future(self.wc.submit_write(
                        derived.set_aside, derived.MEDIA, doing="preparing a first pull of media"))
                    self.media_deferred = True  # perhaps: the finally below restores what was set aside
                    # The attribute values and validation issues are read alongside the last list (a few
                    # requests, nothing the media depend on): written after it, they no longer add their
                    # round trips to the end of the pull.
                    small_reads = asyncio.ensure_future(self._read_values_and_issues())
                await self.pull_list(spec)
                if media_aside is not None:
                    if await media_aside:
                        await self.wc.write(derived.restore, derived.MEDIA, doing="indexing the pulled media")
                    self.media_deferred = False
            restoring = restoring or self._start_restoring()
            if small_reads is None:
                small_reads = asyncio.ensure_future(self._read_values_and_issues())
            values, issues = await small_reads
            await self._write_values_and_issues(values, issues)
        finally:
            if small_reads is not None:  # a pull stopped early raises its own error; the reads' is dropped
                small_reads.cancel()
                await asyncio.gather(small_reads, return_exceptions=True)
            await self._restore_derived(restoring)
        return self.result

    def _start_restoring(self) -> asyncio.Future[bool] | None:
        """The catalog's search and sort data, set aside for a first pull, rebuilt on the writer once the
        products and variants are in, while the media list is read: at the end of the pull it added its
        whole time to the pull's (A/B, interleaved: pull/bare 1.25 -> 1.17)."""
        if not self.derived_deferred:
            return None
        self.derived_deferred = False
        return asyncio.wrap_future(self.wc.submit_write(
            derived.restore, derived.CATALOG, doing="building the search and sort data of the pulled catalog"))

    async def _restore_derived(self, restoring: asyncio.Future[bool] | None) -> None:
        """Derived data set aside is rebuilt before the pull returns, also when it failed or was cancelled
        (the app goes on using the copy); a failure to rebuild is left to the next open and never hides
        the pull's own error."""
        try:
            if restoring is not None:
                await asyncio.shield(restoring)
            if self.derived_deferred or self.media_deferred:  # the pull stopped early: every part left aside
                await self.wc.write(derived.restore, doing="rebuilding search data")
        except Exception as exc:  # noqa: BLE001 - logged; WorkingCopy.open rebuilds what is still set aside
            log.warning("rebuilding the search and sort data failed (%s); the next start does it", exc)
        finally:
            self.derived_deferred = self.media_deferred = False

    async def pull_list(self, spec: ListSpec) -> None:
        incremental_server = Ext.UPDATED_SINCE in self._ext and spec.entity_type != E.MEDIA
        spool = PullSpool(self.wc.path, spec.name) if incremental_server and spec.entity_type in _BULK_LISTS \
            else None  # its header (`since`) is set below, once the read's start is known
        from_spool: list[store_pull.PullReport] = []
        orphan_records: list[dict[str, Any]] = []
        if spool is not None:
            # What a killed pull had received but not yet stored goes in first: the read below starts after it.
            from_spool, orphan_records = await self._write_spooled(spec, spool)
        state = await self.wc.read(sync_meta.list_state, spec.name)
        had_records = await self.wc.read(store_pull.has_server_records, spec.entity_type)
        since = (state.updated_since or EPOCH) if incremental_server else None
        paginator = open_list(self.client, spec, since, self.concurrency)
        if spool is not None:
            spool.since = state.updated_since
        # A pull that reads the whole list (no updated_since on the server, or a first pull from the epoch,
        # or the resumption of one) is the deletion scan too: no second read of the list.
        pull_scan = await self.wc.read(sync_meta.get_meta, SCAN_CURSOR + spec.name) == PULL_SCAN
        scanning_in_pull = spec.scan and self.detect_deletions and (
            not incremental_server or state.updated_since is None or pull_scan)
        scanned_empty: asyncio.Future[None] | None = None
        if scanning_in_pull and not had_records and not pull_scan:
            # Nothing here can have been deleted: the empty list counts as scanned now, so a killed first
            # pull resumes without a deletion scan reading the whole list again. Queued, not awaited: the
            # writer may be busy (the catalog's rebuild before media) and the pages come after it anyway.
            scanned_empty = asyncio.wrap_future(self.wc.submit_write(_scanned_empty, spec,
                                                                     doing=f"starting the {spec.name} list"))
            scanning_in_pull = False
        if scanning_in_pull:
            await self.wc.write(_start_pull_scan, spec.name, restart=not pull_scan)
        read = read_pages = 0
        phase = f"pull:{spec.name}"
        self.hub.emit(phase, 0, None)
        def committed() -> None:
            self.hub.emit(phase, read, paginator.total)
            if spool is not None:
                spool.committed(writer.committed_pages)

        writer = PageWriter(self.wc, spec, False, scanning_in_pull, committed, derived_deferred=self.derived_deferred)
        finished = False
        try:
            async for page in paginator.pages():
                self.cancel.check()
                if self.freeze_gc:
                    # Pages waiting in memory would make every collection rescan them (pauses of 100+ ms on
                    # the GUI loop); frozen, the collector skips them and reference counting still frees them.
                    gc.freeze()
                records = page if page and type(page[0]) is dict else [record_calls.dump(r) for r in page]
                read += len(records)
                page_ids = [str(r["id"]) for r in records]
                if spool is not None and paginator.incremental and isinstance(page, RawPage):
                    spool.append(page.raw, _newest_stored(records))  # on disk before it waits for the store
                if spec.entity_type == E.PRODUCT:
                    records = await self._full_products(records)
                if not read_pages:  # known once the first page was asked for
                    writer.watermark = paginator.incremental
                    writer.fit(paginator.total, paginator.page_size)
                read_pages += 1
                await writer.put(records, page_ids)
            finished = True
        finally:
            reports = from_spool + await writer.close()
            if scanned_empty is not None:
                await scanned_empty
            if spool is not None:
                if finished:
                    spool.remove()
                else:
                    spool.close()
        written = sum(report.written for report in reports)
        self.result.conflicts += sum(len(report.conflicts) for report in reports)
        orphans = {orphan for report in reports for orphan in report.orphans}
        if orphans:
            orphan_records += writer.orphan_records
            written += await self._adopt_orphans(spec, [r for r in orphan_records if str(r["id"]) in orphans])
        self.result.pulled[spec.name] = written
        await self.wc.write(sync_meta.set_truncated, spec.name, paginator.truncated)
        if paginator.truncated:
            self.result.truncated.append(spec.name)
        if scanning_in_pull:
            await self._deletions(spec, truncated=paginator.truncated)
        elif spec.scan and self.detect_deletions and had_records and self._scan_due(state.last_full_scan):
            await self._scan(spec)

    async def _write_spooled(self, spec: ListSpec, spool: PullSpool) -> tuple[list[store_pull.PullReport],
                                                                          list[dict[str, Any]]]:
        """Store the pages a killed pull of this list had received but not stored (sync.spool), as its own
        page writer would have: with the watermark, and as scanned pages when that pull was also the
        deletion scan. Returns their reports and the records of orphaned variants among them."""
        state = await self.wc.read(sync_meta.list_state, spec.name)
        watermark = stored_time(state.updated_since) if state.updated_since else None
        headed, since = spool.started_from()
        if not headed or watermark is None or (since is not None and (stored_time(since) or "") > watermark):
            # Not a continuation of what this copy stored (nothing of that read committed, another copy's
            # spool, or a torn header): read from the server instead.
            spool.remove()
            return [], []
        _, reader = _BULK_LISTS[spec.entity_type]
        pages: list[list[dict[str, Any]]] = []
        for body in spool.pages_after(watermark):
            try:
                records = reader.read(parse_json_body(body))
            except (ValueError, TypeError, ValidationError) as exc:
                log.warning("a spooled %s page is unreadable (%s); it is read from the server", spec.name, exc)
                break
            if records:
                pages.append(records)
        if not pages:
            spool.remove()
            return [], []
        scanning = spec.scan and self.detect_deletions and (
            await self.wc.read(sync_meta.get_meta, SCAN_CURSOR + spec.name) == PULL_SCAN)
        writer = PageWriter(self.wc, spec, True, scanning, lambda: None, batch_pages=len(pages),
                            derived_deferred=self.derived_deferred)
        try:
            for records in pages:
                page_ids = [str(r["id"]) for r in records]
                if spec.entity_type == E.PRODUCT:
                    records = await self._full_products(records)
                await writer.put(records, page_ids)
        finally:
            reports = await writer.close()
        spool.remove()
        log.info("%s: %d pages a stopped pull had received were stored from its spool", spec.name, len(pages))
        return reports, writer.orphan_records

    def _scan_due(self, last_full_scan: str | None) -> bool:
        if last_full_scan is None or self.scan_interval <= 0:
            return True
        return (normalize_time(last_full_scan) or "") <= now_iso(-self.scan_interval)

    async def _full_products(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Light-projection products: fetch in full only those whose updated_at differs from ours."""
        summaries = [r for r in records if not (set(r) & {"description", "category_id", "created_at",
                                                          "brand_id", "template_id", "org_id", "tenant_id"})]
        if not summaries:
            return records
        stamps = await self.wc.read(_local_stamps, E.PRODUCT, [str(r["id"]) for r in summaries])
        stale = [r for r in summaries if str(r["id"]) not in stamps or stamps[str(r["id"])] is None
                 or stamps[str(r["id"])] != normalize_time(r.get("updated_at"))]
        gate = asyncio.Semaphore(self.concurrency)

        async def full(record: dict[str, Any]) -> dict[str, Any] | None:
            async with gate:
                found, _ = await record_calls.fetch(self.client, E.PRODUCT, str(record["id"]))
                return found

        fetched = await asyncio.gather(*(full(r) for r in stale))
        by_id = {str(r["id"]): r for r in fetched if r is not None}
        summary_ids = {str(r["id"]) for r in summaries}
        return [by_id.get(str(r["id"]), r) if str(r["id"]) in summary_ids else r for r in records
                if str(r["id"]) not in summary_ids or str(r["id"]) in by_id]

    async def _adopt_orphans(self, spec: ListSpec, records: list[dict[str, Any]]) -> int:
        """Variants whose product arrived after the products list was read: fetch those products first."""
        parents = {str(r.get("product_id")) for r in records if r.get("product_id")}
        for product_id in parents:
            product, etag = await record_calls.fetch(self.client, E.PRODUCT, product_id)
            if product is not None:
                await self.wc.write(store_pull.upsert_server_records, E.PRODUCT, [product],
                                    {product_id: etag} if etag else None)
        again = await self.wc.write(_write_pages, spec.entity_type, [(records, [])], spec.name, False, False)
        if again[0].orphans:
            log.warning("%d %s have no product on the server; not kept", len(again[0].orphans), spec.name)
        return again[0].written

    async def _scan(self, spec: ListSpec) -> None:
        """A complete `fields=summary` read (resumable by its cursor), then deletions confirmed."""
        await self.wc.write(sync_meta.start_scan, spec.name)
        cursor = await self.wc.read(sync_meta.get_meta, SCAN_CURSOR + spec.name)
        if cursor == PULL_SCAN:
            cursor = None
        paginator = open_list(self.client, spec, cursor or EPOCH, self.concurrency,
                              summary=spec.entity_type == E.PRODUCT)
        seen = 0
        async for page in paginator.pages():
            self.cancel.check()
            records = [record_calls.dump(r) for r in page]
            seen += len(records)
            await self.wc.write(_scan_page, spec.name, [str(r["id"]) for r in records], _max_stamp(records))
            self.hub.emit(f"scan:{spec.name}", seen, paginator.total)
        await self._deletions(spec, truncated=paginator.truncated)

    async def _deletions(self, spec: ListSpec, *, truncated: bool) -> None:
        missing = await self.wc.write(_finish_scan, spec)
        if not missing:
            return
        if truncated and not spec.single_get:
            return  # cannot confirm: the list was cut and there is no GET by id
        gone: list[str] = []
        gate = asyncio.Semaphore(self.concurrency)

        async def confirm(server_id: str) -> None:
            async with gate:
                record, _ = await record_calls.fetch(self.client, spec.entity_type, server_id)
                if record is None:
                    gone.append(server_id)

        await asyncio.gather(*(confirm(s) for s in missing))
        if gone:
            report = await self.wc.write(store_pull.mark_remote_deleted, spec.entity_type, gone)
            self.result.deleted[spec.name] = len(report.removed)
            self.result.conflicts += len(report.conflicted)

    async def _read_values_and_issues(self) -> tuple[list[dict[str, Any]] | None, list[dict[str, Any]]]:
        """Every attribute's values (None where the server has no such list) and the open validation issues."""
        values: list[dict[str, Any]] | None = None
        if Ext.ATTRIBUTE_VALUES in self._ext:
            values = []
            for attribute_id in await self.wc.read(store_pull.local_server_ids, E.ATTRIBUTE):
                self.cancel.check()
                for value in [record_calls.dump(v) async for v in self.client.list_attribute_values(attribute_id)]:
                    value.setdefault("attribute_id", attribute_id)
                    values.append(value)
        issues = [record_calls.dump(i) async for i in self.client.list_validation_issues()]
        return values, issues

    async def _write_values_and_issues(self, values: list[dict[str, Any]] | None,
                                       issues: list[dict[str, Any]]) -> None:
        """The attribute values in one transaction (queued behind the catalog's rebuild, if it still runs),
        then the validation issues."""
        if values is not None:
            written = 0
            if values:
                report = await self.wc.write(store_pull.upsert_server_records, E.ATTRIBUTE_VALUE, values,
                                             doing="saving pulled attribute values")
                written = report.written
            self.result.pulled["attribute_values"] = written
        await self.wc.write(store_pull.replace_validation_issues, issues)
