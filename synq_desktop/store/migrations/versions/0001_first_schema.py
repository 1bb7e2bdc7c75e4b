"""first schema: records, outbox, conflicts, history, sync metadata

Revision ID: 0001
Revises: (none)
Create Date: 2026-11-27 03:31:22.772618
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# FTS5 search and the stored sort columns, kept current by triggers (frozen here: later schema changes
# go in later revisions). External-content tables: SQLite 3.40 cannot update a contentless one.
DERIVED_SQL = [
    # Title and description of products, trigram tokens so any 3-character fragment matches.
    """CREATE VIRTUAL TABLE products_fts USING fts5(
        title, description, content='products', content_rowid='rowid', tokenize='trigram')""",
    """CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN
        INSERT INTO products_fts(rowid, title, description) VALUES (new.rowid, new.title, new.description);
    END""",
    """CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN
        INSERT INTO products_fts(products_fts, rowid, title, description)
        VALUES ('delete', old.rowid, old.title, old.description);
    END""",
    """CREATE TRIGGER products_fts_au AFTER UPDATE OF title, description ON products
    WHEN old.title IS NOT new.title OR old.description IS NOT new.description BEGIN
        INSERT INTO products_fts(products_fts, rowid, title, description)
        VALUES ('delete', old.rowid, old.title, old.description);
        INSERT INTO products_fts(rowid, title, description) VALUES (new.rowid, new.title, new.description);
    END""",
    # SKUs of variants: a search finds the products whose variants match (barcodes are matched whole,
    # through their index: indexing their trigrams would double the cost of writing a variant).
    """CREATE VIRTUAL TABLE variants_fts USING fts5(
        sku, content='variants', content_rowid='rowid', tokenize='trigram')""",
    """CREATE TRIGGER variants_fts_ai AFTER INSERT ON variants BEGIN
        INSERT INTO variants_fts(rowid, sku) VALUES (new.rowid, new.sku);
    END""",
    """CREATE TRIGGER variants_fts_ad AFTER DELETE ON variants BEGIN
        INSERT INTO variants_fts(variants_fts, rowid, sku) VALUES ('delete', old.rowid, old.sku);
    END""",
    """CREATE TRIGGER variants_fts_au AFTER UPDATE OF sku ON variants WHEN old.sku IS NOT new.sku BEGIN
        INSERT INTO variants_fts(variants_fts, rowid, sku) VALUES ('delete', old.rowid, old.sku);
        INSERT INTO variants_fts(rowid, sku) VALUES (new.rowid, new.sku);
    END""",
    # products.variant_count counts live variants.
    """CREATE TRIGGER variants_count_ai AFTER INSERT ON variants WHEN new.deleted = 0 BEGIN
        UPDATE products SET variant_count = variant_count + 1 WHERE local_id = new.product_id;
    END""",
    """CREATE TRIGGER variants_count_ad AFTER DELETE ON variants WHEN old.deleted = 0 BEGIN
        UPDATE products SET variant_count = variant_count - 1 WHERE local_id = old.product_id;
    END""",
    """CREATE TRIGGER variants_count_au AFTER UPDATE OF deleted, product_id ON variants
    WHEN old.deleted IS NOT new.deleted OR old.product_id IS NOT new.product_id BEGIN
        UPDATE products SET variant_count = variant_count - (old.deleted = 0) WHERE local_id = old.product_id;
        UPDATE products SET variant_count = variant_count + (new.deleted = 0) WHERE local_id = new.product_id;
    END""",
    # products.category_sort / brand_sort / template_sort hold the names the grid shows and sorts by.
    """CREATE TRIGGER products_names_ai AFTER INSERT ON products BEGIN
        UPDATE products SET
            category_sort = coalesce((SELECT name FROM categories WHERE local_id = new.category_id),
                                     new.category, ''),
            brand_sort = coalesce((SELECT name FROM brands WHERE local_id = new.brand_id), ''),
            template_sort = coalesce((SELECT name FROM templates WHERE local_id = new.template_id), '')
        WHERE rowid = new.rowid;
    END""",
    """CREATE TRIGGER products_names_au AFTER UPDATE OF category_id, category, brand_id, template_id ON products
    WHEN old.category_id IS NOT new.category_id OR old.category IS NOT new.category
      OR old.brand_id IS NOT new.brand_id OR old.template_id IS NOT new.template_id BEGIN
        UPDATE products SET
            category_sort = coalesce((SELECT name FROM categories WHERE local_id = new.category_id),
                                     new.category, ''),
            brand_sort = coalesce((SELECT name FROM brands WHERE local_id = new.brand_id), ''),
            template_sort = coalesce((SELECT name FROM templates WHERE local_id = new.template_id), '')
        WHERE rowid = new.rowid;
    END""",
]
for _table, _column in (("categories", "category"), ("brands", "brand"), ("templates", "template")):
    _fallback = "category" if _table == "categories" else "''"
    DERIVED_SQL += [
        f"""CREATE TRIGGER {_table}_names_ai AFTER INSERT ON {_table} BEGIN
            UPDATE products SET {_column}_sort = new.name WHERE {_column}_id = new.local_id;
        END""",
        f"""CREATE TRIGGER {_table}_names_au AFTER UPDATE OF name ON {_table}
        WHEN old.name IS NOT new.name BEGIN
            UPDATE products SET {_column}_sort = new.name WHERE {_column}_id = new.local_id;
        END""",
        f"""CREATE TRIGGER {_table}_names_ad AFTER DELETE ON {_table} BEGIN
            UPDATE products SET {_column}_sort = coalesce({_fallback}, '') WHERE {_column}_id = old.local_id;
        END""",
    ]

DERIVED_DROPS = ["DROP TABLE IF EXISTS products_fts", "DROP TABLE IF EXISTS variants_fts"]


def upgrade() -> None:
    op.create_table('attribute_groups',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=500, collation='NOCASE'), server_default='', nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('attribute_ids', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_attribute_groups')),
    sa.UniqueConstraint('server_id', name=op.f('uq_attribute_groups_server_id'))
    )
    op.create_table('attribute_values',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('attribute_id', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Text(), server_default='', nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_attribute_values')),
    sa.UniqueConstraint('server_id', name=op.f('uq_attribute_values_server_id'))
    )
    with op.batch_alter_table('attribute_values', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attribute_values_attribute_id'), ['attribute_id'], unique=False)

    op.create_table('attributes',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=500, collation='NOCASE'), server_default='', nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=True),
    sa.Column('type', sa.String(length=20), server_default='TEXT', nullable=False),
    sa.Column('issue_level', sa.Integer(), server_default='0', nullable=False),
    sa.Column('issues', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_attributes')),
    sa.UniqueConstraint('server_id', name=op.f('uq_attributes_server_id'))
    )
    with op.batch_alter_table('attributes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attributes_slug'), ['slug'], unique=False)

    op.create_table('audit_events',
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('actor_email', sa.String(length=320), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=True),
    sa.Column('entity_type', sa.String(length=32), nullable=True),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('details', sa.JSON(), nullable=True),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('server_id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_entity_id'), ['entity_id'], unique=False)

    op.create_table('brands',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=500, collation='NOCASE'), server_default='', nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('logo_url', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_brands')),
    sa.UniqueConstraint('server_id', name=op.f('uq_brands_server_id'))
    )
    with op.batch_alter_table('brands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_brands_name'), ['name'], unique=False)

    op.create_table('bulk_jobs',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('job_type', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=32), server_default='QUEUED', nullable=False),
    sa.Column('payload', sa.Text(), nullable=True),
    sa.Column('total_items', sa.Integer(), nullable=True),
    sa.Column('processed_items', sa.Integer(), nullable=True),
    sa.Column('failed_items', sa.Integer(), nullable=True),
    sa.Column('errors', sa.JSON(), nullable=True),
    sa.Column('result_url', sa.Text(), nullable=True),
    sa.Column('format', sa.String(length=16), nullable=True),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_bulk_jobs')),
    sa.UniqueConstraint('server_id', name=op.f('uq_bulk_jobs_server_id'))
    )
    op.create_table('categories',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('parent_id', sa.String(length=64), nullable=True),
    sa.Column('name', sa.String(length=500, collation='NOCASE'), server_default='', nullable=False),
    sa.Column('slug', sa.String(length=200), nullable=True),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('issue_level', sa.Integer(), server_default='0', nullable=False),
    sa.Column('issues', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_categories')),
    sa.UniqueConstraint('server_id', name=op.f('uq_categories_server_id'))
    )
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_categories_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_categories_slug'), ['slug'], unique=False)
        batch_op.create_index('ix_categories_sort_name', ['deleted', 'name', 'local_id'], unique=False)

    op.create_table('conflicts',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=False),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('mine', sa.JSON(), nullable=True),
    sa.Column('theirs', sa.JSON(), nullable=True),
    sa.Column('theirs_by', sa.String(length=320), nullable=True),
    sa.Column('theirs_at', sa.String(length=40), nullable=True),
    sa.Column('resolved', sa.Integer(), server_default='0', nullable=False),
    sa.Column('resolution', sa.String(length=16), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('resolved_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflicts'))
    )
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.create_index('ix_conflicts_entity', ['entity_type', 'entity_id', 'resolved'], unique=False)

    op.create_table('history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('batch_id', sa.String(length=36), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=False),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('old', sa.JSON(), nullable=True),
    sa.Column('new', sa.JSON(), nullable=True),
    sa.Column('at', sa.String(length=40), nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_history'))
    )
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_history_batch_id'), ['batch_id'], unique=False)
        batch_op.create_index('ix_history_entity', ['entity_type', 'entity_id', 'id'], unique=False)

    op.create_table('media',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('product_id', sa.String(length=64), nullable=True),
    sa.Column('variant_id', sa.String(length=64), nullable=True),
    sa.Column('url', sa.Text(), server_default='', nullable=False),
    sa.Column('alt_text', sa.Text(), nullable=True),
    sa.Column('sort_order', sa.Integer(), server_default='0', nullable=False),
    sa.Column('issue_level', sa.Integer(), server_default='0', nullable=False),
    sa.Column('issues', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_media')),
    sa.UniqueConstraint('server_id', name=op.f('uq_media_server_id'))
    )
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.create_index('ix_media_owner_order', ['product_id', 'sort_order'], unique=False)
        batch_op.create_index(batch_op.f('ix_media_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_media_variant_id'), ['variant_id'], unique=False)

    op.create_table('outbox',
    sa.Column('seq', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('op_id', sa.String(length=36), nullable=False),
    sa.Column('entity_type', sa.String(length=32), nullable=False),
    sa.Column('entity_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('idempotency_key', sa.String(length=64), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('depends_on', sa.String(length=36), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.Column('next_attempt_at', sa.String(length=40), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('sent_at', sa.String(length=40), nullable=True),
    sa.Column('batch_id', sa.String(length=36), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox')),
    sa.UniqueConstraint('idempotency_key', name=op.f('uq_outbox_idempotency_key')),
    sa.UniqueConstraint('op_id', name=op.f('uq_outbox_op_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_depends_on', ['depends_on'], unique=False)
        batch_op.create_index('ix_outbox_entity', ['entity_type', 'entity_id', 'seq'], unique=False)
        batch_op.create_index('ix_outbox_ready', ['next_attempt_at'], unique=False, sqlite_where=sa.text("state = 'PENDING'"))
        batch_op.create_index('ix_outbox_state', ['state', 'seq'], unique=False)

    op.create_table('products',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('title', sa.Text(collation='NOCASE'), server_default='', nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('category', sa.Text(), nullable=True),
    sa.Column('category_id', sa.String(length=64), nullable=True),
    sa.Column('brand_id', sa.String(length=64), nullable=True),
    sa.Column('template_id', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=40), server_default='ACTIVE', nullable=False),
    sa.Column('data_quality_score', sa.Integer(), nullable=True),
    sa.Column('variant_count', sa.Integer(), server_default='0', nullable=False),
    sa.Column('category_sort', sa.Text(collation='NOCASE'), server_default='', nullable=False),
    sa.Column('brand_sort', sa.Text(collation='NOCASE'), server_default='', nullable=False),
    sa.Column('template_sort', sa.Text(collation='NOCASE'), server_default='', nullable=False),
    sa.Column('issue_level', sa.Integer(), server_default='0', nullable=False),
    sa.Column('issues', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_products')),
    sa.UniqueConstraint('server_id', name=op.f('uq_products_server_id'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_brand_id'), ['brand_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_category_id'), ['category_id'], unique=False)
        batch_op.create_index('ix_products_live_category', ['deleted', 'category_id'], unique=False)
        batch_op.create_index('ix_products_sort_brand_sort', ['deleted', 'brand_sort', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_category_sort', ['deleted', 'category_sort', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_created_at', ['deleted', 'created_at', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_data_quality_score', ['deleted', 'data_quality_score', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_issue_level', ['deleted', 'issue_level', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_status', ['deleted', 'status', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_sync_state', ['deleted', 'sync_state', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_template_sort', ['deleted', 'template_sort', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_title', ['deleted', 'title', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_updated_at', ['deleted', 'updated_at', 'local_id'], unique=False)
        batch_op.create_index('ix_products_sort_variant_count', ['deleted', 'variant_count', 'local_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_template_id'), ['template_id'], unique=False)

    op.create_table('saved_views',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('object_type', sa.String(length=32), server_default='product', nullable=False),
    sa.Column('filters', sa.JSON(), nullable=True),
    sa.Column('columns', sa.JSON(), nullable=True),
    sa.Column('sort', sa.JSON(), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=False),
    sa.Column('updated_at', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_saved_views')),
    sa.UniqueConstraint('object_type', 'name', name='uq_saved_views_object_type_name')
    )
    op.create_table('scan_seen',
    sa.Column('list_name', sa.String(length=64), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('list_name', 'server_id', name=op.f('pk_scan_seen'))
    )
    op.create_table('sync_lists',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('updated_since', sa.String(length=40), nullable=True),
    sa.Column('last_full_scan', sa.String(length=40), nullable=True),
    sa.Column('scan_started_at', sa.String(length=40), nullable=True),
    sa.Column('scan_offset', sa.Integer(), nullable=True),
    sa.Column('truncated', sa.Integer(), server_default='0', nullable=False),
    sa.Column('last_pull', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sync_lists'))
    )
    op.create_table('sync_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sync_meta'))
    )
    op.create_table('templates',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('name', sa.String(length=500, collation='NOCASE'), server_default='', nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('attribute_group_ids', sa.JSON(), nullable=True),
    sa.Column('required_attribute_ids', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_templates')),
    sa.UniqueConstraint('server_id', name=op.f('uq_templates_server_id'))
    )
    op.create_table('validation_issues',
    sa.Column('server_id', sa.String(length=64), nullable=False),
    sa.Column('severity', sa.String(length=16), nullable=True),
    sa.Column('issue_type', sa.String(length=64), nullable=True),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('entity_type', sa.String(length=32), nullable=True),
    sa.Column('entity_id', sa.String(length=64), nullable=True),
    sa.Column('field', sa.String(length=100), nullable=True),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.PrimaryKeyConstraint('server_id', name=op.f('pk_validation_issues'))
    )
    with op.batch_alter_table('validation_issues', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_validation_issues_entity_id'), ['entity_id'], unique=False)

    op.create_table('value_links',
    sa.Column('owner_type', sa.String(length=16), nullable=False),
    sa.Column('owner_id', sa.String(length=64), nullable=False),
    sa.Column('value_id', sa.String(length=64), nullable=False),
    sa.Column('server_linked', sa.Integer(), server_default='0', nullable=False),
    sa.PrimaryKeyConstraint('owner_type', 'owner_id', 'value_id', name=op.f('pk_value_links'))
    )
    with op.batch_alter_table('value_links', schema=None) as batch_op:
        batch_op.create_index('ix_value_links_value_id', ['value_id'], unique=False)

    op.create_table('variants',
    sa.Column('local_id', sa.String(length=36), nullable=False),
    sa.Column('server_id', sa.String(length=64), nullable=True),
    sa.Column('base', sa.JSON(), nullable=True),
    sa.Column('etag', sa.String(length=200), nullable=True),
    sa.Column('sync_state', sa.String(length=16), server_default='SYNCED', nullable=False),
    sa.Column('deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('remote_deleted', sa.Integer(), server_default='0', nullable=False),
    sa.Column('created_at', sa.String(length=40), nullable=True),
    sa.Column('updated_at', sa.String(length=40), nullable=True),
    sa.Column('local_updated_at', sa.String(length=40), nullable=True),
    sa.Column('product_id', sa.String(length=64), nullable=False),
    sa.Column('sku', sa.String(length=200, collation='NOCASE'), nullable=True),
    sa.Column('barcode', sa.String(length=64), nullable=True),
    sa.Column('price', sa.String(length=40), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('cost_price', sa.String(length=40), nullable=True),
    sa.Column('option_values', sa.JSON(), nullable=True),
    sa.Column('data_quality_score', sa.Integer(), nullable=True),
    sa.Column('issue_level', sa.Integer(), server_default='0', nullable=False),
    sa.Column('issues', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.local_id'], name=op.f('fk_variants_product_id_products'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('local_id', name=op.f('pk_variants')),
    sa.UniqueConstraint('server_id', name=op.f('uq_variants_server_id'))
    )
    with op.batch_alter_table('variants', schema=None) as batch_op:
        batch_op.create_index('ix_variants_product', ['product_id', 'local_id'], unique=False)
        batch_op.create_index('ix_variants_barcode', ['barcode'], unique=False)
        batch_op.create_index('ix_variants_sku', ['sku'], unique=False)
    for statement in DERIVED_SQL:
        op.execute(statement)

def downgrade() -> None:
    for statement in DERIVED_DROPS:
        op.execute(statement)
    with op.batch_alter_table('variants', schema=None) as batch_op:
        batch_op.drop_index('ix_variants_sku')
        batch_op.drop_index('ix_variants_barcode')
        batch_op.drop_index('ix_variants_product')

    op.drop_table('variants')
    with op.batch_alter_table('value_links', schema=None) as batch_op:
        batch_op.drop_index('ix_value_links_value_id')

    op.drop_table('value_links')
    with op.batch_alter_table('validation_issues', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_validation_issues_entity_id'))

    op.drop_table('validation_issues')
    op.drop_table('templates')
    op.drop_table('sync_meta')
    op.drop_table('sync_lists')
    op.drop_table('scan_seen')
    op.drop_table('saved_views')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_products_template_id'))
        batch_op.drop_index('ix_products_sort_variant_count')
        batch_op.drop_index('ix_products_sort_updated_at')
        batch_op.drop_index('ix_products_sort_title')
        batch_op.drop_index('ix_products_sort_template_sort')
        batch_op.drop_index('ix_products_sort_sync_state')
        batch_op.drop_index('ix_products_sort_status')
        batch_op.drop_index('ix_products_sort_issue_level')
        batch_op.drop_index('ix_products_sort_data_quality_score')
        batch_op.drop_index('ix_products_sort_created_at')
        batch_op.drop_index('ix_products_sort_category_sort')
        batch_op.drop_index('ix_products_sort_brand_sort')
        batch_op.drop_index('ix_products_live_category')
        batch_op.drop_index(batch_op.f('ix_products_category_id'))
        batch_op.drop_index(batch_op.f('ix_products_brand_id'))

    op.drop_table('products')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_state')
        batch_op.drop_index('ix_outbox_ready', sqlite_where=sa.text("state = 'PENDING'"))
        batch_op.drop_index('ix_outbox_entity')
        batch_op.drop_index('ix_outbox_depends_on')

    op.drop_table('outbox')
    with op.batch_alter_table('media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_media_variant_id'))
        batch_op.drop_index(batch_op.f('ix_media_product_id'))
        batch_op.drop_index('ix_media_owner_order')

    op.drop_table('media')
    with op.batch_alter_table('history', schema=None) as batch_op:
        batch_op.drop_index('ix_history_entity')
        batch_op.drop_index(batch_op.f('ix_history_batch_id'))

    op.drop_table('history')
    with op.batch_alter_table('conflicts', schema=None) as batch_op:
        batch_op.drop_index('ix_conflicts_entity')

    op.drop_table('conflicts')
    with op.batch_alter_table('categories', schema=None) as batch_op:
        batch_op.drop_index('ix_categories_sort_name')
        batch_op.drop_index(batch_op.f('ix_categories_slug'))
        batch_op.drop_index(batch_op.f('ix_categories_parent_id'))

    op.drop_table('categories')
    op.drop_table('bulk_jobs')
    with op.batch_alter_table('brands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_brands_name'))

    op.drop_table('brands')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_events_entity_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_created_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_action'))

    op.drop_table('audit_events')
    with op.batch_alter_table('attributes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attributes_slug'))

    op.drop_table('attributes')
    with op.batch_alter_table('attribute_values', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attribute_values_attribute_id'))

    op.drop_table('attribute_values')
    op.drop_table('attribute_groups')
