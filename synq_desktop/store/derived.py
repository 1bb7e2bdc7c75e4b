"""Derived data set aside while a first pull fills empty product and variant tables (and then the empty
media table), rebuilt once after each.

Every row a pull inserts also feeds two trigram FTS indexes, a variant count, three stored sort names and
about fifteen sort indexes, one row at a time through triggers. Into empty tables it is several times
cheaper to write the rows bare and build all of that once at the end (CREATE INDEX over a filled table,
the FTS5 indexes filled in rowid order, one UPDATE for the stored columns), so a first pull does that.

The definitions are never restated here: the SQL of the triggers and indexes set aside is read from
sqlite_master and kept in sync_meta in the same transaction that drops them, and `restore` runs exactly
that SQL again. A kill between the two leaves the key behind; `WorkingCopy.open` restores before
anything else runs, so a working copy is never used without its derived data, and the pull resumes
normally. While set aside (the first pull of a new working copy) searches see only what the pull found
before it began (nothing), sorts on the set-aside columns are table scans, and variant counts are zero.
"""
from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from sqlalchemy import Connection

from synq_desktop.store import findings, sync_meta
from synq_desktop.store.fresh_rows import driver_connection
from synq_desktop.store.states import EntityType

DEFERRED_KEY = "derived_set_aside"  # the catalog part's key (products and variants)
CATALOG = "catalog"
MEDIA = "media"

# Triggers that maintain FTS rows, variant counts and sort names per row of products and variants.
_TRIGGERS = (
    "products_fts_ai", "products_fts_ad", "products_fts_au", "variants_fts_ai", "variants_fts_ad",
    "variants_fts_au", "variants_count_ai", "variants_count_ad", "variants_count_au", "products_names_ai",
    "products_names_au",
)
# Indexes only grids and searches read. Kept: unique ones, ix_variants_sku (the duplicate-SKU check of each
# pulled page looks SKUs up) and products' category/brand/template ids (the taxonomy name triggers use them).
_INDEX_PATTERNS = ("ix_products_sort_%", "ix_products_live_category", "ix_variants_product", "ix_variants_barcode")
_REBUILD_READS = frozenset({"ix_variants_product"})  # the variant count's lookups


@dataclass(frozen=True, slots=True)
class _Part:
    key: str  # the sync_meta key holding the SQL set aside
    tables: tuple[str, ...]  # all empty, or nothing is set aside
    index_patterns: tuple[str, ...]
    triggers: tuple[str, ...]


# Media is pulled last and alone: its owner indexes (the gallery reads them) are built once it is in.
_PARTS = {
    CATALOG: _Part(DEFERRED_KEY, ("products", "variants"), _INDEX_PATTERNS, _TRIGGERS),
    MEDIA: _Part(DEFERRED_KEY + ":media", ("media",), ("ix_media_%",), ()),
}


def is_set_aside(connection: Connection, part: str = CATALOG) -> bool:
    return bool(sync_meta.get_meta(connection, _PARTS[part].key))


def set_aside(connection: Connection, part: str = CATALOG) -> bool:
    """Drop the part's derived triggers and indexes when its tables are empty (a first pull), keeping their
    SQL for `restore`. Returns whether they are set aside now (also when an earlier call did it)."""
    spec = _PARTS[part]
    if is_set_aside(connection, part):
        return True
    raw = driver_connection(connection)
    if any(raw.execute(f"SELECT 1 FROM {table} LIMIT 1").fetchone() for table in spec.tables):
        return False
    likes = " OR ".join("name LIKE ?" for _ in spec.index_patterns)
    indexes = raw.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                          f"AND ({likes}) ORDER BY name", spec.index_patterns).fetchall()
    triggers = []
    if spec.triggers:
        marks = ",".join("?" * len(spec.triggers))
        triggers = raw.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name IN ({marks}) "
                               "ORDER BY name", spec.triggers).fetchall()
    if not indexes and not triggers:
        return False
    sync_meta.set_meta(connection, spec.key, {"indexes": [list(r) for r in indexes],
                                              "triggers": [list(r) for r in triggers]})
    for name, _ in indexes:
        raw.execute(f'DROP INDEX "{name}"')
    for name, _ in triggers:
        raw.execute(f'DROP TRIGGER "{name}"')
    return True


def restore(connection: Connection, part: str | None = None) -> bool:
    """Recreate what `set_aside` dropped (of `part`, or of every part) and rebuild what it maintained (the
    FTS indexes, variant counts, sort names) and the NO_VARIANTS findings that depend on it. Returns False
    when nothing was set aside."""
    restored = False
    for name in (part,) if part is not None else tuple(_PARTS):
        restored = _restore_part(connection, name) or restored
    return restored


def _restore_part(connection: Connection, part: str) -> bool:
    spec = _PARTS[part]
    kept = sync_meta.get_meta(connection, spec.key)
    if not kept:
        return False
    raw = driver_connection(connection)
    existing = {name for (name,) in raw.execute("SELECT name FROM sqlite_master")}
    # The indexes the rebuild reads first; the others after it, so its UPDATE does not maintain them
    # row by row (four of them are on the columns it writes).
    indexes = kept["indexes"]
    for name, sql in indexes:
        if name in _REBUILD_READS and name not in existing:
            raw.execute(sql)
    if part == CATALOG:
        _rebuild(raw)
    for name, sql in indexes:
        if name not in _REBUILD_READS and name not in existing:
            raw.execute(sql)
    for name, sql in kept["triggers"]:
        if name not in existing:
            raw.execute(sql)
    if part == CATALOG:
        # Products written while set aside were checked without their variant count: those without
        # variants now say so (a variant arriving later rechecks its product, store.pull).
        findings.refresh(connection, EntityType.PRODUCT, [local_id for (local_id,) in raw.execute(
            "SELECT local_id FROM products WHERE variant_count = 0 AND deleted = 0")])
    sync_meta.set_meta(connection, spec.key, None)
    return True


def _rebuild(raw: sqlite3.Connection) -> None:
    """What the set-aside triggers would have written, set-based (the same expressions as theirs)."""
    # The rows go in rowid order: FTS5's own 'rebuild' lets SQLite read variants through the SKU index
    # (it covers the one column), and rowids out of order make FTS5 write a segment every few rows
    # (0.4 s instead of 0.06 s for 50k SKUs).
    raw.execute("INSERT INTO products_fts(products_fts) VALUES ('delete-all')")
    raw.execute("INSERT INTO products_fts(rowid, title, description) "
                "SELECT rowid, title, description FROM products ORDER BY rowid")
    raw.execute("INSERT INTO variants_fts(variants_fts) VALUES ('delete-all')")
    raw.execute("INSERT INTO variants_fts(rowid, sku) SELECT rowid, sku FROM variants ORDER BY rowid")
    # One pass over the products for the count and the three names.
    raw.execute("""UPDATE products SET
        variant_count = (SELECT count(*) FROM variants
                         WHERE variants.product_id = products.local_id AND variants.deleted = 0),
        category_sort = coalesce((SELECT name FROM categories WHERE local_id = products.category_id),
                                 products.category, ''),
        brand_sort = coalesce((SELECT name FROM brands WHERE local_id = products.brand_id), ''),
        template_sort = coalesce((SELECT name FROM templates WHERE local_id = products.template_id), '')""")
