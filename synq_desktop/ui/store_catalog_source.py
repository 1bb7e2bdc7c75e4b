"""`CatalogSource` over the working copy (synq_desktop.store.WorkingCopy).

Queries are the store's own (synq_desktop.store.queries: sorted id lists over stored, indexed
columns, trigram FTS search, category subtrees, pages by id), run on the store's reader thread
(`WorkingCopy.read`). Edits go through the store's edit API (`edits.apply`: row, outbox operation
and history in one transaction on the writer thread; a list of changes is one batch). This module
only translates between the store's rows and the UI's row types.

A product list is read in two steps when it is long: its head (the first page, from the sort index
alone) so the grid paints at once, then the whole list, which a newer query abandons part way (the
reader is one thread: a keystroke must not wait behind the list of the one before).

Searches read caches the store keeps per reader connection (sorted ids, titles, SKUs); a write drops
them. They are rebuilt on the reader thread once it has been idle for WARM_AFTER_IDLE_S after a
query or a write, one step per reader call, and a step gives way to any read asked for meanwhile
(it is abandoned and retried at the next idle moment): the GUI's reads never wait behind it.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future
from typing import Any

from sqlalchemy import Connection, func, select

from synq_desktop.store import edits, outbox, product_search, queries, schema
from synq_desktop.store.errors import StoreError
from synq_desktop.store.states import EntityType, OpState
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.ui.catalog_source import (
    BrandRow,
    CategoryNode,
    ConflictRow,
    FieldChange,
    IssueRow,
    NamedRecord,
    OperationRow,
    OutboxSummary,
    ProductHead,
    ProductQuery,
    ProductRow,
    SavedViewRow,
    SourceError,
    VariantRow,
)

log = logging.getLogger(__name__)

P = schema.products
V = schema.variants


# The search caches are rebuilt once no read or write has been asked for this long: typing and
# sorting keep the reader to themselves, and a paint never shares the GIL with a cache build.
WARM_AFTER_IDLE_S = 0.25


def _product_ids_unless(connection: Connection, query: ProductQuery, abandon: Callable[[], bool]) -> list[str]:
    flt = queries.ProductFilter(text=query.text, category_id=query.category_id, include_subcategories=True)
    sort = query.sort_key if query.sort_key in queries.PRODUCT_SORTS else "title"
    return queries.product_ids(connection, flt, sort=sort, descending=query.descending, abandon=abandon)


def _product_head(connection: Connection, query: ProductQuery, count: int) -> ProductHead:
    """The first `count` ids of the query's list with their rows (one snapshot), and whether they are
    the whole list (every product: read from the sort index alone; a broad search: its sorted walk
    stopped after `count` matches; anything else comes whole)."""
    flt = queries.ProductFilter(text=query.text, category_id=query.category_id, include_subcategories=True)
    sort = query.sort_key if query.sort_key in queries.PRODUCT_SORTS else "title"
    ids, complete = queries.product_head(connection, flt, sort, query.descending, count)
    return ProductHead(ids, _product_rows(connection, ids[:count]) if ids else {}, complete)


def _issue_texts(issues: Any) -> tuple[str, ...]:
    if not issues:
        return ()
    return tuple(str(i.get("message", "")) for i in issues if isinstance(i, Mapping))


def _product_rows(connection: Connection, ids: Sequence[str]) -> dict[str, ProductRow]:
    rows: dict[str, ProductRow] = {}
    for r in queries.product_rows(connection, ids):
        rows[r["local_id"]] = ProductRow(
            id=r["local_id"], title=r["title"] or "", description=r["description"], category_id=r["category_id"],
            category=r["category_sort"] or "", brand_id=r["brand_id"], brand=r["brand_sort"] or "",
            template_id=r["template_id"], template=r["template_sort"] or "", status=r["status"] or "",
            variant_count=int(r["variant_count"] or 0), quality=r["data_quality_score"],
            updated_at=r["local_updated_at"] or r["updated_at"], sync_state=r["sync_state"] or "SYNCED",
            issue_level=int(r["issue_level"] or 0), issues=_issue_texts(r["issues"]),
        )
    return rows


def _walk(nodes: Sequence[queries.CategoryNode]) -> Iterator[queries.CategoryNode]:
    for node in nodes:
        yield node
        yield from _walk(node.children)


def _categories(connection: Connection) -> list[CategoryNode]:
    return [
        CategoryNode(id=n.local_id, parent_id=n.parent_id, name=n.name or "", slug=n.slug or "",
                     product_count=n.product_count)
        for n in _walk(queries.category_tree(connection))
    ]


def _named(connection: Connection, table: Any) -> list[NamedRecord]:
    return [NamedRecord(r.local_id, r.name or "") for r in connection.execute(
        select(table.c.local_id, table.c.name).where(table.c.deleted == 0).order_by(table.c.name))]


def _brand_details(connection: Connection, brand_id: str) -> BrandRow | None:
    b = schema.brands
    r = connection.execute(select(b.c.local_id, b.c.name, b.c.description, b.c.logo_url).where(
        b.c.local_id == brand_id, b.c.deleted == 0)).first()
    return BrandRow(r.local_id, r.name or "", r.description, r.logo_url) if r is not None else None


def _variants_of(connection: Connection, product_ids: Sequence[str]) -> list[VariantRow]:
    ids = queries.variant_ids(connection, product_ids, sort="sku")
    return [
        VariantRow(
            id=r["local_id"], product_id=r["product_id"], sku=r["sku"], barcode=r["barcode"], price=r["price"],
            currency=r["currency"], cost_price=r["cost_price"], option_values=dict(r["option_values"] or {}),
            quality=r["data_quality_score"], sync_state=r["sync_state"] or "SYNCED",
            issue_level=int(r["issue_level"] or 0), issues=_issue_texts(r["issues"]),
            synced=r["server_id"] is not None,
        )
        for r in queries.variant_rows(connection, ids)
    ]


def _outbox_summary(connection: Connection) -> OutboxSummary:
    counts = outbox.counts(connection)
    open_conflicts = connection.execute(
        select(func.count()).select_from(schema.conflicts).where(schema.conflicts.c.resolved == 0)).scalar_one()
    return OutboxSummary(
        pending=counts[OpState.PENDING] + counts[OpState.BLOCKED] + counts[OpState.IN_FLIGHT],
        conflicts=int(open_conflicts),
        rejected=counts[OpState.REJECTED],
        uncertain=counts[OpState.UNCERTAIN],
    )


def _conflicts(connection: Connection) -> list[ConflictRow]:
    found = outbox.open_conflicts(connection)
    labels: dict[tuple[str, str], str] = {}
    for c in found:
        key = (str(c.entity_type), c.entity_id)
        if key in labels:
            continue
        if c.entity_type == EntityType.PRODUCT:
            labels[key] = connection.execute(select(P.c.title).where(P.c.local_id == c.entity_id)).scalar() or ""
        elif c.entity_type == EntityType.VARIANT:
            labels[key] = connection.execute(select(V.c.sku).where(V.c.local_id == c.entity_id)).scalar() or ""
        else:
            labels[key] = c.entity_id
    return [
        ConflictRow(id=c.id, entity_type=str(c.entity_type), entity_id=c.entity_id,
                    label=labels[(str(c.entity_type), c.entity_id)], field=c.field, base=c.base, mine=c.mine,
                    theirs=c.theirs, theirs_by=c.theirs_by, theirs_at=c.theirs_at)
        for c in found
    ]


def _label(connection: Connection, entity_type: str, entity_id: str) -> str:
    if entity_type == EntityType.PRODUCT:
        return connection.execute(select(P.c.title).where(P.c.local_id == entity_id)).scalar() or ""
    if entity_type == EntityType.VARIANT:
        return connection.execute(select(V.c.sku).where(V.c.local_id == entity_id)).scalar() or ""
    if entity_type == EntityType.CATEGORY:
        c = schema.categories
        return connection.execute(select(c.c.name).where(c.c.local_id == entity_id)).scalar() or ""
    return entity_id


def _operations(connection: Connection) -> list[OperationRow]:
    return [
        OperationRow(op_id=op.op_id, entity_type=str(op.entity_type), entity_id=op.entity_id,
                     label=_label(connection, op.entity_type, op.entity_id), kind=str(op.kind),
                     payload=dict(op.payload), state=str(op.state), reason=op.last_error or "",
                     http_status=op.http_status)
        for op in outbox.operations(connection, states=(OpState.REJECTED, OpState.UNCERTAIN))
    ]


def _issues_of(connection: Connection, product_ids: Sequence[str]) -> list[IssueRow]:
    found: list[IssueRow] = []
    products = {r["local_id"]: r for r in queries.product_rows(connection, product_ids)}
    variant_ids = queries.variant_ids(connection, product_ids, sort="sku")
    variants = {r["local_id"]: r for r in queries.variant_rows(connection, variant_ids)}
    records = [("product", pid, r["title"] or "(no title)", r) for pid, r in products.items()]
    records += [("variant", vid, r["sku"] or "(no SKU)", r) for vid, r in variants.items()]
    for entity_type, entity_id, label, row in records:
        for issue in row["issues"] or []:
            if isinstance(issue, Mapping):
                found.append(IssueRow(entity_type, entity_id, label, str(issue.get("severity", "")),
                                      str(issue.get("message", "")), "this copy"))
        for issue in queries.validation_issues(connection, entity_id):
            found.append(IssueRow(entity_type, entity_id, label, str(issue.get("severity") or ""),
                                  str(issue.get("message") or ""), "server"))
    return found


def _batch(changes: Sequence[FieldChange], entity_type: EntityType) -> list[edits.Edit]:
    by_id: dict[str, dict[str, object]] = {}
    for change in changes:
        by_id.setdefault(change.id, {})[change.field] = change.value
    return [edits.Edit("update", entity_type, rid, fields) for rid, fields in by_id.items()]


class StoreCatalogSource:
    def __init__(self, copy: WorkingCopy) -> None:
        self.copy = copy
        self._sort = ("title", False)  # the grid's current sort: the order the search caches are built for
        self._queries_asked = 0  # product lists asked for: a newer one abandons the long read of an older
        self._reads_asked = 0  # reads and writes asked for: any of them makes a cache build give way
        self._warm_timer: asyncio.TimerHandle | None = None
        self._warming = False

    @property
    def warming(self) -> bool:
        """Are the search caches waiting to be rebuilt, or being rebuilt on the reader right now?"""
        return self._warming or self._warm_timer is not None

    def _busy(self) -> None:
        """A read or write was asked for: rebuild the search caches once the reader is idle again."""
        self._reads_asked += 1
        if self._warm_timer is not None:
            self._warm_timer.cancel()
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (a blocking caller): nothing to schedule on
            self._warm_timer = None
            return
        self._warm_timer = loop.call_later(WARM_AFTER_IDLE_S, self._warm_search_caches)

    async def _read(self, fn: Callable[..., Any], *args: Any, doing: str) -> Any:
        self._busy()
        return await self.copy.read(fn, *args, doing=doing)

    def _warm_search_caches(self) -> None:
        """Chain the cache-building steps on the reader: each step is submitted when the one before
        it is done; a read asked for meanwhile makes the running step give way (Abandoned), and the
        chain starts again at the next idle moment (steps already done cost two PRAGMA reads)."""
        self._warm_timer = None
        if self._warming:
            return
        asked = self._reads_asked
        steps = queries.search_cache_builders(*self._sort, abandon=lambda: self._reads_asked != asked)
        self._warming = True

        def next_step(done: Future[object] | None) -> None:
            if done is not None and (done.cancelled() or done.exception() is not None):
                log.debug("search caches not rebuilt: %r", None if done.cancelled() else done.exception())
                steps.clear()
            if steps and self._reads_asked != asked:
                steps.clear()  # a read is waiting or done meanwhile: _busy scheduled the next attempt
            if not steps:
                self._warming = False
                return
            step: Callable[[Connection], object] = steps.pop(0)
            try:
                future = self.copy.submit_read(step, doing="preparing search")
            except (StoreError, RuntimeError):  # the copy (or its reader) closed meanwhile
                self._warming = False
                return
            future.add_done_callback(next_step)

        next_step(None)

    async def _write(self, fn: Any, *args: Any, doing: str = "saving") -> Any:
        self._busy()
        try:
            return await self.copy.write(fn, *args, doing=doing)
        except Exception as exc:
            raise SourceError(str(exc)) from exc
        finally:
            self._busy()

    # products
    async def product_head(self, query: ProductQuery, count: int) -> ProductHead:
        self._queries_asked += 1
        self._sort = (query.sort_key if query.sort_key in queries.PRODUCT_SORTS else "title", query.descending)
        return await self._read(_product_head, query, count, doing="searching products")

    async def product_ids(self, query: ProductQuery) -> list[str] | None:
        asked = self._queries_asked
        try:
            return await self._read(_product_ids_unless, query, lambda: self._queries_asked != asked,
                                    doing="searching products")
        except product_search.Abandoned:
            return None

    async def product_rows(self, ids: Sequence[str]) -> dict[str, ProductRow]:
        return await self._read(_product_rows, list(ids), doing="reading products")

    async def update_products(self, changes: Sequence[FieldChange]) -> None:
        await self._write(edits.apply, _batch(changes, EntityType.PRODUCT))

    async def create_product(self, fields: Mapping[str, object]) -> str:
        return await self._write(edits.create, EntityType.PRODUCT, dict(fields))

    async def delete_products(self, ids: Sequence[str]) -> str:
        batch_id, _touched = await self._write(
            edits.apply, [edits.Edit("delete", EntityType.PRODUCT, rid) for rid in ids])
        return batch_id

    async def revert_batch(self, batch_id: str) -> None:
        await self._write(edits.revert_batch, batch_id)

    # variants
    async def variants_of(self, product_ids: Sequence[str]) -> list[VariantRow]:
        return await self._read(_variants_of, list(product_ids), doing="reading variants")

    async def update_variants(self, changes: Sequence[FieldChange]) -> None:
        await self._write(edits.apply, _batch(changes, EntityType.VARIANT))

    async def create_variant(self, product_id: str, fields: Mapping[str, object]) -> str:
        return await self._write(edits.create, EntityType.VARIANT, {"product_id": product_id, **fields})

    async def discard_variant(self, variant_id: str) -> None:
        await self._write(edits.delete, EntityType.VARIANT, variant_id)

    # taxonomy
    async def categories(self) -> list[CategoryNode]:
        return await self._read(_categories, doing="reading categories")

    async def create_category(self, name: str, slug: str, parent_id: str | None) -> str:
        return await self._write(edits.create, EntityType.CATEGORY,
                                 {"name": name, "slug": slug, "parent_id": parent_id})

    async def update_category(self, category_id: str, fields: Mapping[str, object]) -> None:
        await self._write(edits.update, EntityType.CATEGORY, category_id, dict(fields))

    async def delete_category(self, category_id: str) -> None:
        await self._write(edits.delete, EntityType.CATEGORY, category_id)

    async def brands(self) -> list[NamedRecord]:
        return await self._read(_named, schema.brands, doing="reading brands")

    async def create_brand(self, name: str) -> str:
        return await self._write(edits.create, EntityType.BRAND, {"name": name})

    async def brand_details(self, brand_id: str) -> BrandRow | None:
        return await self._read(_brand_details, brand_id, doing="reading a brand")

    async def update_brand(self, brand_id: str, fields: Mapping[str, object]) -> None:
        await self._write(edits.update, EntityType.BRAND, brand_id, dict(fields))

    async def templates(self) -> list[NamedRecord]:
        return await self._read(_named, schema.templates, doing="reading templates")

    # outbox and conflicts
    async def outbox_summary(self) -> OutboxSummary:
        return await self._read(_outbox_summary, doing="counting operations")

    async def conflicts(self) -> list[ConflictRow]:
        return await self._read(_conflicts, doing="reading conflicts")

    async def issues_of(self, product_ids: Sequence[str]) -> list[IssueRow]:
        return await self._read(_issues_of, list(product_ids), doing="reading validation issues")

    async def saved_views(self) -> list[SavedViewRow]:
        views = await self._read(queries.saved_views, "product", doing="reading saved views")
        return [SavedViewRow(v.id, v.name, dict(v.filters), list(v.columns), dict(v.sort)) for v in views]

    async def save_view(self, name: str, filters: Mapping[str, object], columns: Sequence[str],
                        sort: Mapping[str, object]) -> int:
        return await self._write(queries.save_view, name, dict(filters), list(columns), dict(sort))

    async def delete_view(self, view_id: int) -> None:
        await self._write(queries.delete_view, view_id)

    async def operations_needing_person(self) -> list[OperationRow]:
        return await self._read(_operations, doing="reading refused changes")

    async def retry_operation(self, op_id: str) -> None:
        await self._write(outbox.retry, op_id)

    async def discard_operation(self, op_id: str) -> None:
        await self._write(outbox.discard, op_id)

    async def adopt_operation(self, op_id: str, server_id: str) -> None:
        await self._write(outbox.adopt, op_id, server_id)

    async def fix_operation(self, op_id: str, changes: Mapping[str, object]) -> None:
        await self._write(outbox.fix, op_id, dict(changes))

    async def revert_record(self, entity_type: str, entity_id: str) -> None:
        await self._write(outbox.revert_record, entity_type, entity_id)

    async def resolve_conflict(self, conflict_id: int, choice: str, value: object = None) -> None:
        if choice == "value":
            await self._write(outbox.resolve_conflict, conflict_id, "value", value)
        else:
            await self._write(outbox.resolve_conflict, conflict_id, choice)

