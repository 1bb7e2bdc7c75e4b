"""The queries the views need, as plain functions of a Connection (run them with `WorkingCopy.read`).

Grids are id lists sorted and filtered in SQL, then rows fetched a page at a time (Anki's browser
model). Every sortable column is stored and indexed (covering indexes over live rows with the local
id as tie breaker), so sorting 100k products reads one index. Id lists are read through the driver's
cursor, not SQLAlchemy rows: 100k ids in a few milliseconds. A long list can be read head first
(`product_head`, `first_product_ids`: the first page from the sort index alone, or a broad search's
sorted walk stopped after a page), and its whole read gives way part way (`abandon`, `Abandoned`)
when a newer query waits behind it. Text search, and what it keeps in memory, is product_search.py.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import compress, islice
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from synq_desktop.store import schema
from synq_desktop.store.entities import spec_for
from synq_desktop.store.errors import EditError
from synq_desktop.store.product_search import (
    MARK,
    MIN_TRIGRAM,
    Abandoned,
    both,
    cache_builders,
    first_column,
    fts_phrase,
    fts_terms,
    kept_order,
    mark,
    marked,
    ordered_products,
    text_matches,
)
from synq_desktop.store.states import EntityType
from synq_desktop.store.timestamps import now_iso

# Grid column -> stored column. Sorting by anything else is refused, so no text reaches ORDER BY.
PRODUCT_SORTS: dict[str, str] = {
    "title": "title", "category": "category_sort", "brand": "brand_sort", "template": "template_sort",
    "status": "status", "variant_count": "variant_count", "quality": "data_quality_score",
    "data_quality_score": "data_quality_score", "updated_at": "updated_at", "created_at": "created_at",
    "sync_state": "sync_state", "issues": "issue_level", "issue_level": "issue_level",
}
VARIANT_SORTS: dict[str, str] = {
    "sku": "sku", "barcode": "barcode", "price": "CAST(price AS REAL)", "currency": "currency",
    "quality": "data_quality_score", "data_quality_score": "data_quality_score", "updated_at": "updated_at",
    "sync_state": "sync_state", "issues": "issue_level", "issue_level": "issue_level", "cost_price": "cost_price",
}
PRODUCT_COLUMNS = (
    "local_id", "server_id", "title", "description", "category", "category_id", "category_sort", "brand_id",
    "brand_sort", "template_id", "template_sort", "status", "variant_count", "data_quality_score", "created_at",
    "updated_at", "local_updated_at", "sync_state", "issue_level", "issues", "remote_deleted",
)
VARIANT_COLUMNS = (
    "local_id", "server_id", "product_id", "sku", "barcode", "price", "currency", "cost_price", "option_values",
    "data_quality_score", "updated_at", "sync_state", "issue_level", "issues", "remote_deleted",
)
JSON_COLUMNS = {"issues", "option_values"}
# A search with this many matches or fewer is sorted by SQL (cheaper than a first walk of the kept
# sorted list); more are kept from that list in its order (no temporary b-tree per keystroke).
SMALL_MATCH = 2000
WALK_SLICE = 20_000  # products per slice of a whole search walk, abandon() asked between (~1 ms a slice)


def _raw(connection: Connection) -> sqlite3.Connection:
    """The driver connection under `connection` (same transaction): id lists without per-row overhead."""
    return connection.connection.driver_connection  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class ProductFilter:
    """What the product grid shows. Empty fields filter nothing."""

    text: str = ""
    category_id: str | None = None
    include_subcategories: bool = True
    uncategorized: bool = False
    brand_id: str | None = None
    template_id: str | None = None
    statuses: tuple[str, ...] = ()
    sync_states: tuple[str, ...] = ()
    min_issue_level: int | None = None


def first_product_ids(connection: Connection, sort: str = "title", descending: bool = False,
                      count: int = 200) -> list[str]:
    """The first `count` live products in grid order, unfiltered: the head of `product_ids(sort=...)`,
    read from the sort index alone (well under a millisecond, where the whole list of 100k costs
    30-50 ms), so a grid paints its first page before the whole list is known."""
    if sort not in PRODUCT_SORTS:
        raise EditError(f"The product grid cannot sort by {sort!r}.")
    column = PRODUCT_SORTS[sort]
    direction = "DESC" if descending else "ASC"
    kept = kept_order(connection, column, direction)
    if kept is not None:
        return kept[:count]
    raw = _raw(connection)
    sql = (f"SELECT local_id FROM products WHERE deleted = 0 "
           f"ORDER BY {column} {direction}, local_id {direction} LIMIT ?")
    return [i for (i,) in raw.execute(sql, (count,))]


def search_cache_builders(sort: str = "title", descending: bool = False,
                          abandon: Callable[[], bool] | None = None) -> list[Callable[[Connection], object]]:
    """The steps that build what a search keeps in memory, for the grid's sort (`product_search.cache_builders`)."""
    return cache_builders(PRODUCT_SORTS.get(sort, "title"), "DESC" if descending else "ASC", abandon)


SUBTREE_SQL = (
    "WITH RECURSIVE sub(id) AS (SELECT ? UNION SELECT c.local_id FROM categories c JOIN sub ON c.parent_id = sub.id) "
    "SELECT id FROM sub"
)


def product_ids(connection: Connection, flt: ProductFilter | None = None, sort: str = "title",
                descending: bool = False, abandon: Callable[[], bool] | None = None) -> list[str]:
    """Local ids of the live products matching `flt`, in grid order. A long unfiltered read asks
    `abandon()` between batches and raises `Abandoned` when it answers true."""
    return _product_ids(connection, flt, sort, descending, abandon, None)[0]


def product_head(connection: Connection, flt: ProductFilter | None = None, sort: str = "title",
                 descending: bool = False, count: int = 200) -> tuple[list[str], bool]:
    """(the first ids of `product_ids`, is that the whole list?). At least `count` ids unless the list
    is shorter. Where a long list costs more than its head (every product: the sort index alone; a
    broad search: the sorted walk stopped after `count` matches) only the head is read; otherwise
    the whole list comes back, whole."""
    return _product_ids(connection, flt, sort, descending, None, count)


def _product_ids(connection: Connection, flt: ProductFilter | None, sort: str, descending: bool,
                 abandon: Callable[[], bool] | None, head: int | None) -> tuple[list[str], bool]:
    flt = flt or ProductFilter()
    if sort not in PRODUCT_SORTS:
        raise EditError(f"The product grid cannot sort by {sort!r}.")
    column = PRODUCT_SORTS[sort]
    params: list[Any] = []
    filters: list[str] = []
    if flt.category_id is not None:
        filters.append(f"category_id IN ({SUBTREE_SQL})" if flt.include_subcategories else "category_id = ?")
        params.append(flt.category_id)
    if flt.uncategorized:
        filters.append("category_id IS NULL")
    if flt.brand_id is not None:
        filters.append("brand_id = ?")
        params.append(flt.brand_id)
    if flt.template_id is not None:
        filters.append("template_id = ?")
        params.append(flt.template_id)
    if flt.statuses:
        filters.append(f"status IN ({','.join('?' * len(flt.statuses))})")
        params += list(flt.statuses)
    if flt.sync_states:
        filters.append(f"sync_state IN ({','.join('?' * len(flt.sync_states))})")
        params += list(flt.sync_states)
    if flt.min_issue_level is not None:
        filters.append("issue_level >= ?")
        params.append(flt.min_issue_level)
    raw = _raw(connection)
    direction = "DESC" if descending else "ASC"
    matches = text_matches(connection, flt.text)
    if matches is not None:
        if filters and MARK in matches:
            matches = both(matches, mark(map(first_column, raw.execute(
                f"SELECT rowid FROM products WHERE deleted = 0 AND {' AND '.join(filters)}", params)), len(matches)))
        if matches.count(MARK) <= SMALL_MATCH:
            sql = (f"SELECT p.local_id FROM products p WHERE p.rowid IN (SELECT value FROM json_each(?)) "
                   f"AND p.deleted = 0 ORDER BY p.{column} {direction}, p.local_id {direction}")
            return [i for (i,) in raw.execute(sql, (json.dumps(marked(matches)),))], True
        order_rowids, order_ids = ordered_products(connection, column, direction)
        # compress() over map(): the walk stays in C (a third cheaper than a comprehension at 100k);
        # for a head it stops after `head` matches (a few hundred products read, not 100k).
        if head is not None:
            found = list(islice(compress(order_ids, map(matches.__getitem__, order_rowids)), head))
            return found, len(found) < head
        if abandon is None:
            return list(compress(order_ids, map(matches.__getitem__, order_rowids))), True
        found = []
        for start in range(0, len(order_ids), WALK_SLICE):
            end = start + WALK_SLICE
            found += compress(order_ids[start:end], map(matches.__getitem__, order_rowids[start:end]))
            if abandon():
                raise Abandoned
        return found, True
    # A filter selects rowids through its own index first; the survivors are then sorted. (Walking the
    # sort index and testing each row costs a table lookup per product: 4-6 times slower at 100k.)
    if not filters:
        if head is not None:
            found = first_product_ids(connection, sort, descending, head)
            return found, len(found) < head
        return list(ordered_products(connection, column, direction, abandon)[1]), True
    sql = (f"SELECT p.local_id FROM products p "
           f"WHERE +p.deleted = 0 AND p.rowid IN (SELECT rowid FROM products WHERE deleted = 0 AND {' AND '.join(filters)}) "
           f"ORDER BY p.{column} {direction}, p.local_id {direction}")
    return [i for (i,) in raw.execute(sql, params)], True


def _rows_by_ids(connection: Connection, table: str, columns: Sequence[str], ids: Sequence[str]) -> list[dict[str, Any]]:
    if not ids:
        return []
    found: dict[str, dict[str, Any]] = {}
    cursor = _raw(connection).execute(
        f"SELECT {', '.join(columns)} FROM {table} WHERE local_id IN (SELECT value FROM json_each(?))",
        (json.dumps(list(ids)),))
    for values in cursor:
        record = dict(zip(columns, values, strict=True))
        for name in JSON_COLUMNS.intersection(record):
            if record[name] is not None:
                record[name] = json.loads(record[name])
        found[record["local_id"]] = record
    return [found[i] for i in ids if i in found]


def product_rows(connection: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    """One page of the product grid, in the order of `ids` (ids no longer present are skipped)."""
    return _rows_by_ids(connection, "products", PRODUCT_COLUMNS, ids)


def variant_ids(connection: Connection, product_ids: Sequence[str], sort: str = "sku",
                descending: bool = False) -> list[str]:
    """Live variants of the given products, in grid order."""
    if sort not in VARIANT_SORTS:
        raise EditError(f"The variant grid cannot sort by {sort!r}.")
    if not product_ids:
        return []
    direction = "DESC" if descending else "ASC"
    sql = (f"SELECT local_id FROM variants WHERE deleted = 0 AND product_id IN (SELECT value FROM json_each(?)) "
           f"ORDER BY {VARIANT_SORTS[sort]} {direction}, local_id {direction}")
    return [r[0] for r in _raw(connection).execute(sql, (json.dumps(list(product_ids)),))]


def variant_rows(connection: Connection, ids: Sequence[str]) -> list[dict[str, Any]]:
    return _rows_by_ids(connection, "variants", VARIANT_COLUMNS, ids)


def search_variants(connection: Connection, text: str, limit: int = 1000) -> list[str]:
    """Variants whose SKU contains every fragment of `text`."""
    terms = [t for t in fts_terms(text) if len(t) >= MIN_TRIGRAM]
    if not terms:
        return []
    query = " AND ".join(fts_phrase(t) for t in terms)
    sql = ("SELECT v.local_id FROM variants_fts JOIN variants v ON v.rowid = variants_fts.rowid "
           "WHERE variants_fts MATCH ? AND v.deleted = 0 ORDER BY v.sku LIMIT ?")
    return [r[0] for r in _raw(connection).execute(sql, (query, limit))]


def counts(connection: Connection) -> dict[str, int]:
    """Live records per object type, plus the server-side lists kept here."""
    result: dict[str, int] = {}
    for entity_type in EntityType:
        table = spec_for(entity_type).table
        result[entity_type.value] = connection.execute(
            select(func.count()).select_from(table).where(table.c.deleted == 0)).scalar_one()
    for name, table in (("validation_issue", schema.validation_issues), ("audit_event", schema.audit_events)):
        result[name] = connection.execute(select(func.count()).select_from(table)).scalar_one()
    return result


@dataclass(slots=True)
class CategoryNode:
    local_id: str
    parent_id: str | None
    name: str
    slug: str | None
    sync_state: str
    product_count: int  # products in this category itself
    total_count: int = 0  # products in it and every descendant
    children: list[CategoryNode] = field(default_factory=list)


def category_tree(connection: Connection) -> list[CategoryNode]:
    """The category hierarchy from parent_id with product counts, roots sorted by name. A parent
    that is missing here (or a cycle) puts a category among the roots rather than losing it."""
    raw = _raw(connection)
    direct = dict(raw.execute(
        "SELECT category_id, count(*) FROM products WHERE deleted = 0 AND category_id IS NOT NULL "
        "GROUP BY category_id").fetchall())
    nodes = {
        local_id: CategoryNode(local_id, parent_id, name, slug, state, int(direct.get(local_id, 0)))
        for local_id, parent_id, name, slug, state in raw.execute(
            "SELECT local_id, parent_id, name, slug, sync_state FROM categories WHERE deleted = 0 "
            "ORDER BY name, local_id")
    }
    roots: list[CategoryNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if parent is None or _is_ancestor(nodes, node.local_id, parent.local_id):
            roots.append(node)
        else:
            parent.children.append(node)

    def total(node: CategoryNode, depth: int = 0) -> int:
        node.total_count = node.product_count + sum(total(child, depth + 1) for child in node.children)
        return node.total_count

    for root in roots:
        total(root)
    return roots


def _is_ancestor(nodes: Mapping[str, CategoryNode], node_id: str, start: str) -> bool:
    seen: set[str] = set()
    current: str | None = start
    while current is not None and current not in seen:
        if current == node_id:
            return True
        seen.add(current)
        parent = nodes.get(current)
        current = parent.parent_id if parent else None
    return False


def category_subtree_ids(connection: Connection, category_id: str) -> list[str]:
    return [r[0] for r in _raw(connection).execute(SUBTREE_SQL, (category_id,))]


def taxonomy_rows(connection: Connection, entity_type: EntityType | str) -> list[dict[str, Any]]:
    """Every live record of a small list (brands, attributes, groups, templates, categories, attribute
    values), by name where it has one."""
    spec = spec_for(entity_type)
    table = spec.table
    order = table.c.name if "name" in table.c else table.c.local_id
    rows = connection.execute(select(table).where(table.c.deleted == 0).order_by(order, table.c.local_id))
    return [dict(r._mapping) for r in rows]


def attribute_values_of(connection: Connection, attribute_id: str) -> list[dict[str, Any]]:
    v = schema.attribute_values
    rows = connection.execute(select(v).where(v.c.attribute_id == attribute_id, v.c.deleted == 0).order_by(v.c.value))
    return [dict(r._mapping) for r in rows]


def linked_values(connection: Connection, owner_type: EntityType | str, owner_id: str) -> list[dict[str, Any]]:
    """Attribute values linked to a variant or product, with their attribute, by attribute name."""
    links, v, a = schema.value_links, schema.attribute_values, schema.attributes
    rows = connection.execute(
        select(v.c.local_id, v.c.value, v.c.slug, a.c.local_id.label("attribute_id"), a.c.name.label("attribute"),
               links.c.server_linked)
        .join(v, v.c.local_id == links.c.value_id).join(a, a.c.local_id == v.c.attribute_id, isouter=True)
        .where(links.c.owner_type == str(EntityType(owner_type)), links.c.owner_id == owner_id)
        .order_by(a.c.name, v.c.value))
    return [dict(r._mapping) for r in rows]


def media_of(connection: Connection, product_id: str, variant_id: str | None = None) -> list[dict[str, Any]]:
    """The gallery of a product (or of one variant), in sort order."""
    m = schema.media
    statement = select(m).where(m.c.product_id == product_id, m.c.deleted == 0)
    if variant_id is not None:
        statement = statement.where(m.c.variant_id == variant_id)
    rows = connection.execute(statement.order_by(m.c.sort_order, m.c.local_id))
    return [dict(r._mapping) for r in rows]


def validation_issues(connection: Connection, entity_id: str | None = None) -> list[dict[str, Any]]:
    t = schema.validation_issues
    statement = select(t).order_by(t.c.created_at.desc(), t.c.server_id)
    if entity_id is not None:
        statement = statement.where(t.c.entity_id == entity_id)
    return [dict(r._mapping) for r in connection.execute(statement)]


def audit_events(connection: Connection, entity_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    t = schema.audit_events
    statement = select(t).order_by(t.c.created_at.desc(), t.c.server_id).limit(limit)
    if entity_id is not None:
        statement = statement.where(t.c.entity_id == entity_id)
    return [dict(r._mapping) for r in connection.execute(statement)]


def bulk_jobs(connection: Connection) -> list[dict[str, Any]]:
    t = schema.bulk_jobs
    return [dict(r._mapping) for r in connection.execute(select(t).order_by(t.c.created_at.desc()))]


# -- saved views -------------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class SavedView:
    id: int
    name: str
    object_type: str
    filters: dict[str, Any]
    columns: list[str]
    sort: dict[str, Any]


def save_view(connection: Connection, name: str, filters: Mapping[str, Any], columns: Sequence[str] = (),
              sort: Mapping[str, Any] | None = None, object_type: str = "product") -> int:
    """Create or replace the view called `name` (a write: run it on the writer)."""
    if not name.strip():
        raise EditError("A saved view needs a name.")
    v = schema.saved_views
    now = now_iso()
    existing = connection.execute(select(v.c.id).where(v.c.name == name, v.c.object_type == object_type)).scalar()
    values = {"filters": dict(filters), "columns": list(columns), "sort": dict(sort or {}), "updated_at": now}
    if existing is not None:
        connection.execute(update(v).where(v.c.id == existing).values(values))
        return int(existing)
    result = connection.execute(insert(v).values(name=name, object_type=object_type, created_at=now, **values))
    return int(result.inserted_primary_key[0])  # type: ignore[index]


def saved_views(connection: Connection, object_type: str = "product") -> list[SavedView]:
    v = schema.saved_views
    rows = connection.execute(select(v).where(v.c.object_type == object_type).order_by(v.c.name))
    return [SavedView(r.id, r.name, r.object_type, r.filters or {}, r.columns or [], r.sort or {}) for r in rows]


def delete_view(connection: Connection, view_id: int) -> None:
    connection.execute(delete(schema.saved_views).where(schema.saved_views.c.id == view_id))
