"""Local validation findings per record, stored on the row for the grid's badge and tooltip.

The rules are the domain's (synq_desktop.domain.validation); this module feeds them from the working
copy in batches (one query per chunk, not per record) so a pulled page or a pasted range is checked
without slowing either down. Findings warn; they never block saving.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, String, bindparam, func, literal_column, select, update

from synq_desktop.domain import validation as rules
from synq_desktop.store import schema
from synq_desktop.store.states import EntityType

CHUNK = 500
CHECKED = (EntityType.PRODUCT, EntityType.VARIANT, EntityType.MEDIA, EntityType.CATEGORY, EntityType.ATTRIBUTE)
_LEVEL = {rules.Severity.WARNING: 1, rules.Severity.ERROR: 2}


def _encode(found: list[rules.Finding]) -> tuple[int, list[dict[str, Any]] | None]:
    if not found:
        return 0, None
    level = max(_LEVEL[f.severity] for f in found)
    return level, [{"issue_type": f.issue_type.value, "severity": f.severity.value, "field": f.field,
                    "message": f.message} for f in found]


def refresh(connection: Connection, entity_type: EntityType | str, local_ids: Iterable[str]) -> None:
    """Recheck the given records and store what is wrong with them."""
    et = EntityType(entity_type)
    if et not in CHECKED:
        return
    ids = list(dict.fromkeys(i for i in local_ids if i))
    table = _TABLES[et]
    columns = [table.c[name] for name in _COLUMNS[et]]
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = [dict(r._mapping) for r in connection.execute(select(*columns).where(table.c.local_id.in_(chunk)))]
        results = _CHECKERS[et](connection, rows, True)
        if results:
            connection.execute(
                update(table).where(table.c.local_id == bindparam("b_id")).values(
                    issue_level=bindparam("b_level"), issues=bindparam("b_issues")),
                [{"b_id": i, "b_level": level, "b_issues": issues} for i, (level, issues) in results.items()],
            )


def recheck_no_variants(connection: Connection, product_ids: Iterable[str]) -> None:
    """Recheck those of these products flagged NO_VARIANTS (variants of theirs just arrived): the only
    finding of a product a new variant can change, so the others are not read again."""
    ids = [i for i in product_ids if i]
    p = schema.products
    for start in range(0, len(ids), CHUNK):
        flagged = list(connection.execute(select(p.c.local_id).where(
            p.c.local_id.in_(ids[start:start + CHUNK]),
            p.c.issues.cast(String).like(f"%{rules.IssueType.NO_VARIANTS.value}%"))).scalars())
        refresh(connection, EntityType.PRODUCT, flagged)


def recheck_sku_twins(connection: Connection, rows: list[dict[str, Any]],
                      evaluated: dict[str, tuple[int, Any]]) -> None:
    """New variants found to share a SKU: the variants already stored with it are rechecked too, so both
    sides of a duplicate say so (evaluate() flags only the new one)."""
    duplicate = rules.IssueType.DUPLICATE_SKU.value
    skus = {row["sku"] for row in rows if any(
        issue["issue_type"] == duplicate for issue in (evaluated.get(row["local_id"], (0, None))[1] or ()))}
    if not skus:
        return
    new = {row["local_id"] for row in rows}
    v = schema.variants
    twins = [i for i in connection.execute(select(v.c.local_id).where(v.c.sku.in_(skus))).scalars() if i not in new]
    refresh(connection, EntityType.VARIANT, twins)


def refresh_batch(connection: Connection, entity_type: EntityType | str, after_rowid: int = 0,
                  limit: int = 2000) -> int | None:
    """Recheck the next `limit` rows after `after_rowid` (table order): call it in idle time, one short
    write at a time, after a pull that skipped the checks. Returns the rowid to continue after, or None
    when the table is done."""
    et = EntityType(entity_type)
    if et not in CHECKED:
        return None
    table = _TABLES[et]
    rows = connection.execute(select(table.c.local_id, literal_column("rowid")).where(
        literal_column("rowid") > after_rowid).order_by(literal_column("rowid")).limit(limit)).all()
    if not rows:
        return None
    refresh(connection, et, [r[0] for r in rows])
    return int(rows[-1][1]) if len(rows) == limit else None


def evaluate(connection: Connection, entity_type: EntityType | str,
             rows: list[dict[str, Any]]) -> dict[str, tuple[int, list[dict[str, Any]] | None]]:
    """Findings for rows about to be inserted (dicts with the record's columns): no read-back, no
    second write. Returns local id -> (issue_level, issues)."""
    et = EntityType(entity_type)
    if et not in CHECKED or not rows:
        return {}
    return _CHECKERS[et](connection, rows, False)


def _products(connection: Connection, rows: list[dict[str, Any]], stored: bool) -> dict[str, tuple[int, Any]]:
    with_template = [(r["local_id"], r["template_id"]) for r in rows if r.get("template_id")]
    required = _missing_required(connection, with_template)
    return {r["local_id"]: _encode(rules.check_product(r.get("title"), r.get("description"),
                                                       r.get("variant_count", 0),  # None: not known yet
                                                       required.get(r["local_id"], ())))
            for r in rows}


def _missing_required(connection: Connection, products: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Names of the template's required attributes a product has no linked value for."""
    if not products:
        return {}
    t, a, v, links = schema.templates, schema.attributes, schema.attribute_values, schema.value_links
    template_ids = {tid for _, tid in products}
    required: dict[str, list[str]] = {
        row.local_id: list(row.required_attribute_ids or [])
        for row in connection.execute(select(t.c.local_id, t.c.required_attribute_ids).where(
            t.c.local_id.in_(template_ids)))
    }
    if not any(required.values()):
        return {}
    names = dict(connection.execute(select(a.c.local_id, a.c.name).where(
        a.c.local_id.in_({x for ids in required.values() for x in ids}))).all())
    have: dict[str, set[str]] = {}
    for owner, attribute in connection.execute(
        select(links.c.owner_id, v.c.attribute_id).join(v, v.c.local_id == links.c.value_id).where(
            links.c.owner_type == EntityType.PRODUCT.value, links.c.owner_id.in_([p for p, _ in products]))
    ):
        have.setdefault(owner, set()).add(attribute)
    return {
        pid: [names.get(x, x) for x in required.get(tid, []) if x not in have.get(pid, set())]
        for pid, tid in products
    }


_IN_CHUNK = 500  # values per IN (...): well under SQLite's bound-parameter limit


def _variants(connection: Connection, rows: list[dict[str, Any]], stored: bool) -> dict[str, tuple[int, Any]]:
    v = schema.variants
    skus = [r["sku"] for r in rows if r.get("sku")]
    taken: set[str] = set()
    if skus:
        # Stored rows count themselves once: a SKU is taken when it appears more than once in all. The
        # column compares without case, so each SKU is asked for once whatever its case (chunks of the
        # IN list never count one stored row twice); plain SQL, this runs for every pulled page.
        wanted = list({sku.upper(): sku for sku in skus}.values())
        raw = connection.connection.driver_connection
        in_db: list[tuple[str, int]] = []
        for start in range(0, len(wanted), _IN_CHUNK):
            chunk = wanted[start:start + _IN_CHUNK]
            in_db += raw.execute(  # type: ignore[union-attr]
                f"SELECT sku, count(*) FROM {v.name} WHERE deleted = 0 AND sku IN ({','.join('?' * len(chunk))}) "
                "GROUP BY sku", chunk).fetchall()
        seen: dict[str, int] = {}
        for sku, n in in_db:
            seen[sku.upper()] = seen.get(sku.upper(), 0) + n
        if not stored:
            for sku in skus:
                seen[sku.upper()] = seen.get(sku.upper(), 0) + 1
        taken = {sku for sku, n in seen.items() if n > 1}
    return {r["local_id"]: _encode(rules.check_variant(r.get("sku"), r.get("barcode"), r.get("price"),
                                                       r.get("currency"), r.get("cost_price"),
                                                       sku_taken=bool(r.get("sku")) and r["sku"].upper() in taken))
            for r in rows}


def _media(connection: Connection, rows: list[dict[str, Any]], stored: bool) -> dict[str, tuple[int, Any]]:
    return {r["local_id"]: _encode(rules.check_media(r.get("alt_text"))) for r in rows}


def _slugged(table: Any) -> Any:
    def check(connection: Connection, rows: list[dict[str, Any]], stored: bool) -> dict[str, tuple[int, Any]]:
        slugs = [r["slug"] for r in rows if r.get("slug")]
        seen: dict[str, int] = {}
        if slugs:
            for slug, n in connection.execute(select(table.c.slug, func.count()).where(
                    table.c.deleted == 0, table.c.slug.in_(set(slugs))).group_by(table.c.slug)):
                seen[slug] = n
            if not stored:
                for slug in slugs:
                    seen[slug] = seen.get(slug, 0) + 1
        out: dict[str, tuple[int, Any]] = {}
        for r in rows:
            finding = rules.check_slug(r.get("slug"), taken=seen.get(r.get("slug") or "", 0) > 1)
            out[r["local_id"]] = _encode([finding] if finding else [])
        return out
    return check


_TABLES = {EntityType.PRODUCT: schema.products, EntityType.VARIANT: schema.variants, EntityType.MEDIA: schema.media,
           EntityType.CATEGORY: schema.categories, EntityType.ATTRIBUTE: schema.attributes}
_COLUMNS = {
    EntityType.PRODUCT: ("local_id", "title", "description", "variant_count", "template_id"),
    EntityType.VARIANT: ("local_id", "sku", "barcode", "price", "currency", "cost_price"),
    EntityType.MEDIA: ("local_id", "alt_text"),
    EntityType.CATEGORY: ("local_id", "slug"),
    EntityType.ATTRIBUTE: ("local_id", "slug"),
}
_CHECKERS = {EntityType.PRODUCT: _products, EntityType.VARIANT: _variants, EntityType.MEDIA: _media,
             EntityType.CATEGORY: _slugged(schema.categories), EntityType.ATTRIBUTE: _slugged(schema.attributes)}
