"""The working copy's tables, as SQLAlchemy Core (bulk paths insert plain rows, never ORM objects).

Every synced record has the same bookkeeping columns (`_record_columns`): a local id made here (a
pulled record keeps the server's id as its local id, so a reference to a record this copy has never
seen, e.g. a deleted category a product still names, stays meaningful), the server id once known,
the merge base (the server's last known version of the editable fields, in local ids), the ETag,
and the row's sync state for the grids. References between records hold local ids.

Columns a grid sorts by are stored and indexed as (deleted, column, local_id), so a sorted id list
is read from the index alone. The FTS5 tables and the triggers that keep them and the stored sort
columns current are raw SQL in the first migration (migrations/versions/0001_first_schema.py).
"""
from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    text,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)

NOCASE = "NOCASE"


def _record_columns() -> list[Column]:
    return [
        Column("local_id", String(36), primary_key=True),
        Column("server_id", String(64), unique=True),
        Column("base", JSON),
        Column("etag", String(200)),
        Column("sync_state", String(16), nullable=False, server_default="SYNCED"),
        # 1 while a local delete waits to be sent: the row stays (hidden) so nothing is lost if refused.
        Column("deleted", Integer, nullable=False, server_default="0"),
        # 1 when the server no longer has the record but local edits still wait (an edit/delete conflict).
        Column("remote_deleted", Integer, nullable=False, server_default="0"),
        Column("created_at", String(40)),
        Column("updated_at", String(40)),
        Column("local_updated_at", String(40)),
    ]


def _findings_columns() -> list[Column]:
    """Local validation findings for the grid's badge: 0 none, 1 warning, 2 error."""
    return [
        Column("issue_level", Integer, nullable=False, server_default="0"),
        Column("issues", JSON),
    ]


def _sort_index(table: Table, column: str) -> Index:
    # `deleted` first and the local id last: "WHERE deleted = 0 ORDER BY column, local_id" reads this
    # index alone (SQLite 3.40 does not treat a partial index as covering for it).
    return Index(f"ix_{table.name}_sort_{column}", table.c.deleted, table.c[column], table.c.local_id)


categories = Table(
    "categories",
    metadata,
    *_record_columns(),
    Column("parent_id", String(64), index=True),
    Column("name", String(500, collation=NOCASE), nullable=False, server_default=""),
    Column("slug", String(200), index=True),
    Column("description", Text),
    *_findings_columns(),
)

brands = Table(
    "brands",
    metadata,
    *_record_columns(),
    Column("name", String(500, collation=NOCASE), nullable=False, server_default="", index=True),
    Column("description", Text),
    Column("logo_url", Text),
)

attributes = Table(
    "attributes",
    metadata,
    *_record_columns(),
    Column("name", String(500, collation=NOCASE), nullable=False, server_default=""),
    Column("slug", String(200), index=True),
    Column("type", String(20), nullable=False, server_default="TEXT"),
    *_findings_columns(),
)

attribute_values = Table(
    "attribute_values",
    metadata,
    *_record_columns(),
    Column("attribute_id", String(64), nullable=False, index=True),
    Column("value", Text, nullable=False, server_default=""),
    Column("slug", String(200)),
)

attribute_groups = Table(
    "attribute_groups",
    metadata,
    *_record_columns(),
    Column("name", String(500, collation=NOCASE), nullable=False, server_default=""),
    Column("description", Text),
    Column("attribute_ids", JSON),
)

templates = Table(
    "templates",
    metadata,
    *_record_columns(),
    Column("name", String(500, collation=NOCASE), nullable=False, server_default=""),
    Column("description", Text),
    Column("attribute_group_ids", JSON),
    Column("required_attribute_ids", JSON),
)

products = Table(
    "products",
    metadata,
    *_record_columns(),
    Column("title", Text(collation=NOCASE), nullable=False, server_default=""),
    Column("description", Text),
    Column("category", Text),  # the free label or slug as sent; category_id is authoritative
    Column("category_id", String(64), index=True),
    Column("brand_id", String(64), index=True),
    Column("template_id", String(64), index=True),
    Column("status", String(40), nullable=False, server_default="ACTIVE"),
    Column("data_quality_score", Integer),
    # Stored sort columns, kept current by triggers (fts.py) so no sort runs a subquery.
    Column("variant_count", Integer, nullable=False, server_default="0"),
    Column("category_sort", Text(collation=NOCASE), nullable=False, server_default=""),
    Column("brand_sort", Text(collation=NOCASE), nullable=False, server_default=""),
    Column("template_sort", Text(collation=NOCASE), nullable=False, server_default=""),
    *_findings_columns(),
)

variants = Table(
    "variants",
    metadata,
    *_record_columns(),
    Column("product_id", String(64), ForeignKey("products.local_id", ondelete="CASCADE"), nullable=False),
    Column("sku", String(200, collation=NOCASE)),
    Column("barcode", String(64)),
    Column("price", String(40)),  # canonical decimal text: never a float
    Column("currency", String(3)),
    Column("cost_price", String(40)),
    Column("option_values", JSON),
    Column("data_quality_score", Integer),
    *_findings_columns(),
)

media = Table(
    "media",
    metadata,
    *_record_columns(),
    Column("product_id", String(64), index=True),
    Column("variant_id", String(64), index=True),
    Column("url", Text, nullable=False, server_default=""),
    Column("alt_text", Text),
    Column("sort_order", Integer, nullable=False, server_default="0"),
    *_findings_columns(),
)

# Attribute values linked to a variant or a product. `server_linked` says the server knows the link.
value_links = Table(
    "value_links",
    metadata,
    Column("owner_type", String(16), primary_key=True),
    Column("owner_id", String(64), primary_key=True),
    Column("value_id", String(64), primary_key=True),
    Column("server_linked", Integer, nullable=False, server_default="0"),
    Index("ix_value_links_value_id", "value_id"),
)

validation_issues = Table(
    "validation_issues",
    metadata,
    Column("server_id", String(64), primary_key=True),
    Column("severity", String(16)),
    Column("issue_type", String(64)),
    Column("message", Text),
    Column("entity_type", String(32)),
    Column("entity_id", String(64), index=True),
    Column("field", String(100)),
    Column("created_at", String(40)),
)

audit_events = Table(
    "audit_events",
    metadata,
    Column("server_id", String(64), primary_key=True),
    Column("actor_email", String(320)),
    Column("action", String(64), index=True),
    Column("entity_type", String(32)),
    Column("entity_id", String(64), index=True),
    Column("details", JSON),
    Column("ip_address", String(64)),
    Column("created_at", String(40), index=True),
)

# Bulk jobs and exports. A job queued offline is a local row with a create op; the server id comes later.
bulk_jobs = Table(
    "bulk_jobs",
    metadata,
    *_record_columns(),
    Column("job_type", String(32), nullable=False),
    Column("status", String(32), nullable=False, server_default="QUEUED"),
    Column("payload", Text),
    Column("total_items", Integer),
    Column("processed_items", Integer),
    Column("failed_items", Integer),
    Column("errors", JSON),
    Column("result_url", Text),
    Column("format", String(16)),
)

outbox = Table(
    "outbox",
    metadata,
    # seq orders operations: per record, in the order they were made.
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("op_id", String(36), nullable=False, unique=True),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("payload", JSON, nullable=False),
    Column("base", JSON),
    Column("idempotency_key", String(64), nullable=False, unique=True),
    Column("state", String(16), nullable=False),
    Column("depends_on", String(36)),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", String(40)),
    Column("last_error", Text),
    Column("http_status", Integer),
    Column("sent_at", String(40)),
    Column("batch_id", String(36)),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    Index("ix_outbox_entity", "entity_type", "entity_id", "seq"),
    Index("ix_outbox_state", "state", "seq"),
    Index("ix_outbox_depends_on", "depends_on"),
)

conflicts = Table(
    "conflicts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("op_id", String(36)),
    Column("field", String(100), nullable=False),  # "*" for an edit against a remote delete
    Column("base", JSON),
    Column("mine", JSON),
    Column("theirs", JSON),
    Column("theirs_by", String(320)),
    Column("theirs_at", String(40)),
    Column("resolved", Integer, nullable=False, server_default="0"),
    Column("resolution", String(16)),
    Column("created_at", String(40), nullable=False),
    Column("resolved_at", String(40)),
    Index("ix_conflicts_entity", "entity_type", "entity_id", "resolved"),
)

history = Table(
    "history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("batch_id", String(36), nullable=False, index=True),
    Column("entity_type", String(32), nullable=False),
    Column("entity_id", String(64), nullable=False),
    Column("action", String(16), nullable=False),  # create, update, delete, link, unlink
    Column("field", String(100)),
    Column("old", JSON),
    Column("new", JSON),
    Column("at", String(40), nullable=False),
    Column("op_id", String(36)),
    Index("ix_history_entity", "entity_type", "entity_id", "id"),
)

# Per list pulled from the server: where an incremental pull resumes, and what the last full scan found.
sync_lists = Table(
    "sync_lists",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("updated_since", String(40)),
    Column("last_full_scan", String(40)),
    Column("scan_started_at", String(40)),
    Column("scan_offset", Integer),
    Column("truncated", Integer, nullable=False, server_default="0"),
    Column("last_pull", String(40)),
)

# Server ids a full scan in progress has seen, so a killed scan resumes and deletions are found.
scan_seen = Table(
    "scan_seen",
    metadata,
    Column("list_name", String(64), primary_key=True),
    Column("server_id", String(64), primary_key=True),
)

# Small facts about the server and the last sync: capabilities, role, last_sync, ... (JSON values).
sync_meta = Table(
    "sync_meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON),
    Column("updated_at", String(40)),
)

saved_views = Table(
    "saved_views",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False),
    Column("object_type", String(32), nullable=False, server_default="product"),
    Column("filters", JSON),
    Column("columns", JSON),
    Column("sort", JSON),
    Column("created_at", String(40), nullable=False),
    Column("updated_at", String(40), nullable=False),
    UniqueConstraint("object_type", "name", name="uq_saved_views_object_type_name"),
)

# Sort indexes over live rows: each grid column gets one.
for _table, _columns in (
    (products, ("title", "updated_at", "status", "variant_count", "data_quality_score", "category_sort",
                "brand_sort", "template_sort", "sync_state", "issue_level", "created_at")),
    (categories, ("name",)),
):
    for _column in _columns:
        _sort_index(_table, _column)

# Variant grids show the variants of the selected products: few rows, sorted after the product filter.
Index("ix_variants_product", variants.c.product_id, variants.c.local_id)
Index("ix_variants_sku", variants.c.sku)
Index("ix_variants_barcode", variants.c.barcode)
Index("ix_products_live_category", products.c.deleted, products.c.category_id)
Index("ix_media_owner_order", media.c.product_id, media.c.sort_order)
Index("ix_outbox_ready", outbox.c.next_attempt_at, sqlite_where=text("state = 'PENDING'"))

# The few records created here and since pushed (their local id is not their server id): a pulled page's
# references are translated through this small index instead of one lookup per reference in the whole
# server-id index (a first pull looks up 100,000 references and finds none). Revision 0002.
PUSHED_INDEXED = (categories, brands, attributes, attribute_groups, templates, products, variants)
for _table in PUSHED_INDEXED:
    Index(f"ix_{_table.name}_pushed", _table.c.server_id, sqlite_where=text("local_id <> server_id"))
