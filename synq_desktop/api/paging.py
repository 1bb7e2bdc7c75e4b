"""Reading whole lists: `limit`/`offset` paging where the server has it, honest truncation where it does not.

A docs-only Synq answers every list with at most 100 rows (the audit log with 50) and ignores `offset`. The
`Paginator` never loops forever and never invents rows on such a server: it stops when page two repeats page
one or a page is longer than asked (no paging), and it sets `truncated` then, or when an unpaged list comes
back with exactly the cap's number of rows, so the caller can tell the user the list may be incomplete.
"""
from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from synq_desktop.api.errors import BadAnswerError, SynqError
from synq_desktop.api.models import PageReader
from synq_desktop.api.transport import API_PREFIX, Transport, parse_json_body

PAGE_SIZE = 100
DOCUMENTED_CAP = 100

PageFetcher = Callable[[int | None, int | None], Awaitable[tuple[list[Any], int | None]]]
"""`fetch(offset, limit) -> (records, X-Total-Count or None)`; (None, None) asks for the unpaged list."""


@dataclass(slots=True)
class ListResult[T]:
    """A whole list as read: the records, whether it may be incomplete, and the server's total if it said."""

    items: list[T] = field(default_factory=list)
    truncated: bool = False
    total: int | None = None

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)


def _id(record: Any) -> object:
    return record.get("id") if isinstance(record, Mapping) else getattr(record, "id", None)


def _ids(records: list[Any]) -> tuple[object, ...]:
    """What tells two pages apart: their length and first and last ids (a page that repeats page one has the
    same), without touching every record of a 100-row page. Records are models or plain dicts."""
    if not records:
        return ()
    return (len(records), _id(records[0]), _id(records[-1]))


class Paginator[T]:
    """An async iterator over every record of one list (`async for record in paginator`).

    `paged` says whether the server honours `limit`/`offset`; `prepare`, when given, is awaited first and
    decides it (from the capability probe; it may raise NotSupportedError). `incremental` is True when the
    server honoured `updated_since`. `max_records` stops the read early. With `concurrency`
    above 1 and an `X-Total-Count` on the first page, the remaining pages are fetched concurrently and still
    yielded in order. After iteration, `truncated` and `total` describe what was read. Single use.
    """

    def __init__(
        self,
        fetch: PageFetcher,
        *,
        paged: bool = True,
        prepare: Callable[[], Awaitable[bool]] | None = None,
        page_size: int = PAGE_SIZE,
        concurrency: int = 1,
        cap: int = DOCUMENTED_CAP,
    ) -> None:
        self._fetch = fetch
        self._prepare = prepare
        self.paged = paged
        self.incremental = False
        self.max_records: int | None = None
        self.page_size = max(1, min(page_size, PAGE_SIZE))
        self.concurrency = max(1, concurrency)
        self.cap = cap
        self.truncated = False
        self.total: int | None = None
        self._started = False

    def __aiter__(self) -> AsyncIterator[T]:
        return self._items()

    async def _items(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for record in page:
                yield record

    async def collect(self) -> ListResult[T]:
        """Read everything into a ListResult."""
        items: list[T] = []
        async for page in self.pages():
            items.extend(page)
        return ListResult(items, self.truncated, self.total)

    async def pages(self) -> AsyncIterator[list[T]]:
        """Yield the list page by page."""
        if self._started:
            raise RuntimeError("a Paginator can be iterated once")
        self._started = True
        if self._prepare is not None:
            self.paged = await self._prepare()
        if self.max_records is None:
            async for page in self._pages():
                yield page
            return
        remaining = self.max_records
        pages = self._pages()
        try:
            async for page in pages:
                yield page[:remaining]
                remaining -= len(page)
                if remaining <= 0:
                    return
        finally:
            await pages.aclose()

    async def _pages(self) -> AsyncIterator[list[T]]:
        if not self.paged:
            records, total = await self._fetch(None, None)
            self.total = total
            self.truncated = len(records) == self.cap
            yield records
            return
        first, total = await self._fetch(0, self.page_size)
        self.total = total
        if len(first) > self.page_size:
            # The server ignored `limit`: this is all it will give.
            self.truncated = len(first) == self.cap
            yield first
            return
        yield first
        if len(first) < self.page_size:
            return
        first_ids = _ids(first)
        offset = len(first)
        if self.concurrency > 1 and total is not None and total > offset:
            # The server's count bounds the read; rows added meanwhile come with the next incremental pull.
            async for page in self._concurrent(offset, total, first_ids):
                yield page
            return
        async for page in self._sequential(offset, first_ids):
            yield page

    async def _sequential(self, offset: int, first_ids: tuple[object, ...]) -> AsyncIterator[list[T]]:
        while True:
            records, total = await self._fetch(offset, self.page_size)
            if total is not None:
                self.total = total
            if not self._accept(records, first_ids):
                return
            yield records
            offset += len(records)
            if len(records) < self.page_size:
                return

    async def _concurrent(self, start: int, total: int, first_ids: tuple[object, ...]) -> AsyncIterator[list[T]]:
        """Pages from `start` to the server's count, `concurrency` requests at a time and yielded in order.
        Requests run at most `concurrency` pages ahead of the page the caller has taken: reading never gets
        far ahead of a slow consumer (a page asked for but not yet used is what a kill makes read twice), and
        the loop never sets up hundreds of requests in one go."""
        offsets = iter(range(start, total, self.page_size))
        window: deque[asyncio.Future[tuple[list[Any], int | None]]] = deque()

        def ask_next() -> None:
            offset = next(offsets, None)
            if offset is not None:
                window.append(asyncio.ensure_future(self._fetch(offset, self.page_size)))

        for _ in range(self.concurrency):
            ask_next()
        try:
            while window:
                records, _ = await window.popleft()
                if not self._accept(records, first_ids):
                    return
                ask_next()
                yield records
                if len(records) < self.page_size:
                    return
        finally:
            for task in window:
                task.cancel()
            # Collect cancelled/failed siblings so none logs "exception was never retrieved".
            await asyncio.gather(*window, return_exceptions=True)

    def _accept(self, records: list[Any], first_ids: tuple[object, ...]) -> bool:
        """False (and `truncated`) when the server is not really paging: a page that repeats page one."""
        if not records:
            return False
        if len(records) > self.page_size or _ids(records) == first_ids:
            self.truncated = True
            return False
        return True


class RawPage(list):  # type: ignore[type-arg]
    """A page of plain-dict records that also keeps the body it was read from (`raw`, the bytes as the
    server sent them): the pull writes it to its spool the moment the page is taken, before the records
    wait for the store (sync.spool), and reads it back with the same `PageReader` after a kill."""

    __slots__ = ("raw",)

    def __init__(self, records: list[dict[str, Any]], raw: bytes) -> None:
        super().__init__(records)
        self.raw = raw


def _keep_body(content: bytes) -> tuple[bytes, Any]:
    return content, parse_json_body(content)


def record_pages(transport: Transport, path: str, reader: PageReader, *, query: Mapping[str, Any], paged: bool,
                 concurrency: int = 1, cap: int = DOCUMENTED_CAP) -> Paginator[dict[str, Any]]:
    """A Paginator over `path` (`/products`) whose pages are `RawPage`s of plain dicts in JSON forms
    (`PageReader`), for bulk reads: what a `SynqClient` list gives after `model_dump(mode="json", exclude_unset=True)`, without
    building a model per record. The caller decides `query` and `paged` from the capabilities it probed."""

    async def fetch(offset: int | None, limit: int | None) -> tuple[list[dict[str, Any]], int | None]:
        params = dict(query)
        if limit is not None:
            params["limit"] = limit
            params["offset"] = offset or 0
        try:
            answer = await transport.request("GET", API_PREFIX + path, params=params, decode=_keep_body)
        except SynqError:
            raise
        except Exception as exc:  # noqa: BLE001 - as SynqClient: only SynqError leaves the api layer
            raise BadAnswerError(f"unexpected failure: {type(exc).__name__}", method="GET", path=path) from None
        raw, data = answer.data
        try:
            records = RawPage(reader.read(data), raw)
        except (ValidationError, TypeError) as exc:
            detail = str(exc).splitlines()[0] if isinstance(exc, TypeError) else _first_error(exc)
            raise BadAnswerError(f"the answer is not a list of {reader.model.__name__} ({detail})",
                                 status=answer.status, method="GET", path=answer.path,
                                 attempts=answer.attempts) from None
        return records, answer.total_count

    return Paginator(fetch, paged=paged, concurrency=concurrency, cap=cap)


def _first_error(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"])
    return f"{where}: {first['msg']}" if where else first["msg"]
