"""`CatalogSource` over the working copy (synq_desktop.store.WorkingCopy).

Edits go through the store's edit API (`edits.apply`: row, outbox operation and history in one
transaction on the writer thread; a list of changes is one batch). Queries run on the store's reader
thread (`WorkingCopy.read`). The grid queries here are plain Core SELECTs over the store's schema and
its stored, indexed sort columns and trigram FTS tables; they are a thin stop-gap that moves to the
store's own query module when it has one (the UI only sees `CatalogSource`).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, func, or_, select, text

from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.states import EntityType, OpState
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.ui.catalog_source import (
    PRODUCT_SORT_KEYS,
    CategoryNode,
    ConflictRow,
    FieldChange,
    NamedRecord,
    OutboxSummary,
    ProductQuery,
    ProductRow,
    SourceError,
    VariantRow,
)

P = schema.products
V = schema.variants
C = schema.categories
MIN_FTS_CHARS = 3  # the trigram tokenizer needs three characters; shorter text uses LIKE


def _fts_phrase(text_: str) -> str:
    return '"' + text_.replace('"', '""') + '"'


def _product_ids(connection: Connection, query: ProductQuery) -> list[str]:
    sort_key = query.sort_key if query.sort_key in PRODUCT_SORT_KEYS else "title"
    sort_col = P.c[sort_key]
    statement = select(P.c.local_id).where(P.c.deleted == 0)
    if query.category_ids is not None:
        statement = statement.where(P.c.category_id.in_(sorted(query.category_ids)))
    needle = query.text.strip()
    if needle:
        if len(needle) >= MIN_FTS_CHARS:
            # Trigram FTS over title and description, and over variant SKUs and barcodes.
            in_variants = select(V.c.product_id).where(V.c.deleted == 0, text(
                "variants.rowid IN (SELECT rowid FROM variants_fts WHERE variants_fts MATCH :p)"))
            statement = statement.where(or_(
                text("products.rowid IN (SELECT rowid FROM products_fts WHERE products_fts MATCH :p)"),
                P.c.local_id.in_(in_variants),
            )).params(p=_fts_phrase(needle))
        else:
            like = f"%{needle}%"
            statement = statement.where(or_(P.c.title.like(like), P.c.description.like(like)))
    order = sort_col.desc() if query.descending else sort_col.asc()
    tie = P.c.local_id.desc() if query.descending else P.c.local_id.asc()
    statement = statement.order_by(order, tie)
    return list(connection.execute(statement).scalars())


def _issue_texts(issues: Any) -> tuple[str, ...]:
    if not issues:
        return ()
    return tuple(str(i.get("message", "")) for i in issues if isinstance(i, Mapping))


def _product_rows(connection: Connection, ids: Sequence[str]) -> dict[str, ProductRow]:
    if not ids:
        return {}
    statement = select(
        P.c.local_id, P.c.title, P.c.description, P.c.category_id, P.c.category_sort, P.c.brand_id,
        P.c.brand_sort, P.c.template_id, P.c.template_sort, P.c.status, P.c.variant_count,
        P.c.data_quality_score, P.c.updated_at, P.c.local_updated_at, P.c.sync_state, P.c.issue_level, P.c.issues,
    ).where(P.c.local_id.in_(list(ids)))
    rows: dict[str, ProductRow] = {}
    for r in connection.execute(statement):
        rows[r.local_id] = ProductRow(
            id=r.local_id, title=r.title or "", description=r.description, category_id=r.category_id,
            category=r.category_sort or "", brand_id=r.brand_id, brand=r.brand_sort or "",
            template_id=r.template_id, template=r.template_sort or "", status=r.status or "",
            variant_count=int(r.variant_count or 0), quality=r.data_quality_score,
            updated_at=r.local_updated_at or r.updated_at, sync_state=r.sync_state or "SYNCED",
            issue_level=int(r.issue_level or 0), issues=_issue_texts(r.issues),
        )
    return rows


def _categories(connection: Connection) -> list[CategoryNode]:
    counts = {cid: n for cid, n in connection.execute(
        select(P.c.category_id, func.count()).where(P.c.deleted == 0, P.c.category_id.is_not(None))
        .group_by(P.c.category_id))}
    return [
        CategoryNode(id=r.local_id, parent_id=r.parent_id, name=r.name or "", slug=r.slug or "",
                     product_count=int(counts.get(r.local_id, 0)))
        for r in connection.execute(select(C.c.local_id, C.c.parent_id, C.c.name, C.c.slug).where(C.c.deleted == 0))
    ]


def _named(connection: Connection, table: Any) -> list[NamedRecord]:
    return [NamedRecord(r.local_id, r.name or "") for r in connection.execute(
        select(table.c.local_id, table.c.name).where(table.c.deleted == 0).order_by(table.c.name))]


def _variants_of(connection: Connection, product_ids: Sequence[str]) -> list[VariantRow]:
    if not product_ids:
        return []
    statement = select(V).where(V.c.product_id.in_(list(product_ids)), V.c.deleted == 0).order_by(
        V.c.product_id, V.c.created_at, V.c.local_id)
    return [
        VariantRow(
            id=r.local_id, product_id=r.product_id, sku=r.sku, barcode=r.barcode, price=r.price,
            currency=r.currency, cost_price=r.cost_price, option_values=dict(r.option_values or {}),
            quality=r.data_quality_score, sync_state=r.sync_state or "SYNCED", issue_level=int(r.issue_level or 0),
            issues=_issue_texts(r.issues), synced=r.server_id is not None,
        )
        for r in connection.execute(statement)
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


def _batch(changes: Sequence[FieldChange], entity_type: EntityType) -> list[edits.Edit]:
    by_id: dict[str, dict[str, object]] = {}
    for change in changes:
        by_id.setdefault(change.id, {})[change.field] = change.value
    return [edits.Edit("update", entity_type, rid, fields) for rid, fields in by_id.items()]


class StoreCatalogSource:
    def __init__(self, copy: WorkingCopy) -> None:
        self.copy = copy

    async def _write(self, fn: Any, *args: Any, doing: str = "saving") -> Any:
        try:
            return await self.copy.write(fn, *args, doing=doing)
        except Exception as exc:
            raise SourceError(str(exc)) from exc

    # products
    async def product_ids(self, query: ProductQuery) -> list[str]:
        return await self.copy.read(_product_ids, query, doing="searching products")

    async def product_rows(self, ids: Sequence[str]) -> dict[str, ProductRow]:
        return await self.copy.read(_product_rows, list(ids), doing="reading products")

    async def update_products(self, changes: Sequence[FieldChange]) -> None:
        await self._write(edits.apply, _batch(changes, EntityType.PRODUCT))

    async def create_product(self, fields: Mapping[str, object]) -> str:
        return await self._write(edits.create, EntityType.PRODUCT, dict(fields))

    async def delete_products(self, ids: Sequence[str]) -> None:
        await self._write(edits.apply, [edits.Edit("delete", EntityType.PRODUCT, rid) for rid in ids])

    # variants
    async def variants_of(self, product_ids: Sequence[str]) -> list[VariantRow]:
        return await self.copy.read(_variants_of, list(product_ids), doing="reading variants")

    async def update_variants(self, changes: Sequence[FieldChange]) -> None:
        await self._write(edits.apply, _batch(changes, EntityType.VARIANT))

    async def create_variant(self, product_id: str, fields: Mapping[str, object]) -> str:
        return await self._write(edits.create, EntityType.VARIANT, {"product_id": product_id, **fields})

    async def discard_variant(self, variant_id: str) -> None:
        await self._write(edits.delete, EntityType.VARIANT, variant_id)

    # taxonomy
    async def categories(self) -> list[CategoryNode]:
        return await self.copy.read(_categories, doing="reading categories")

    async def create_category(self, name: str, slug: str, parent_id: str | None) -> str:
        return await self._write(edits.create, EntityType.CATEGORY,
                                 {"name": name, "slug": slug, "parent_id": parent_id})

    async def update_category(self, category_id: str, fields: Mapping[str, object]) -> None:
        await self._write(edits.update, EntityType.CATEGORY, category_id, dict(fields))

    async def delete_category(self, category_id: str) -> None:
        await self._write(edits.delete, EntityType.CATEGORY, category_id)

    async def brands(self) -> list[NamedRecord]:
        return await self.copy.read(_named, schema.brands, doing="reading brands")

    async def templates(self) -> list[NamedRecord]:
        return await self.copy.read(_named, schema.templates, doing="reading templates")

    # outbox and conflicts
    async def outbox_summary(self) -> OutboxSummary:
        return await self.copy.read(_outbox_summary, doing="counting operations")

    async def conflicts(self) -> list[ConflictRow]:
        return await self.copy.read(_conflicts, doing="reading conflicts")

    async def resolve_conflict(self, conflict_id: int, choice: str, value: object = None) -> None:
        if choice == "value":
            await self._write(outbox.resolve_conflict, conflict_id, "value", value)
        else:
            await self._write(outbox.resolve_conflict, conflict_id, choice)

