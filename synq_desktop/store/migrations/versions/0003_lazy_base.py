"""lazy merge base: a pulled record's base may be NULL (its own columns are the server's version); a
trigger per record table stores the base from the old columns before the first local change to them

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 10:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The settable fields of each record table at this revision (entities.SPECS[...].create_fields), with the
# JSON-typed ones marked: frozen here, tests/store/test_lazy_base.py keeps them equal to the specs.
BASE_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "products": (("title", False), ("description", False), ("category", False), ("category_id", False),
                 ("brand_id", False), ("template_id", False), ("status", False)),
    "variants": (("product_id", False), ("sku", False), ("barcode", False), ("price", False),
                 ("currency", False), ("cost_price", False)),
    "categories": (("name", False), ("slug", False), ("description", False), ("parent_id", False)),
    "brands": (("name", False), ("description", False), ("logo_url", False)),
    "attributes": (("name", False), ("slug", False), ("type", False)),
    "attribute_values": (("attribute_id", False), ("value", False), ("slug", False)),
    "attribute_groups": (("name", False), ("description", False), ("attribute_ids", True)),
    "templates": (("name", False), ("description", False), ("attribute_group_ids", True),
                  ("required_attribute_ids", True)),
    "media": (("url", False), ("product_id", False), ("alt_text", False), ("sort_order", False),
              ("variant_id", False)),
    "bulk_jobs": (("job_type", False), ("payload", False), ("format", False)),
}


def trigger_sql(table: str, fields: tuple[tuple[str, bool], ...]) -> str:
    """AFTER UPDATE of a settable column of a row whose base is NULL (a pulled record never changed here)
    and that the statement did not give a base: store the base from the row's old values, so the
    merge base stays the server's version once the row holds a local change."""
    columns = ", ".join(name for name, _ in fields)
    pairs = ", ".join(f"'{name}', {f'json(old.{name})' if is_json else f'old.{name}'}" for name, is_json in fields)
    return (f"CREATE TRIGGER {table}_base_keep AFTER UPDATE OF {columns} ON {table} "
            f"WHEN old.base IS NULL AND new.base IS NULL AND old.server_id IS NOT NULL BEGIN "
            f"UPDATE {table} SET base = json_object({pairs}) WHERE rowid = new.rowid; END")


def upgrade() -> None:
    for table, fields in BASE_FIELDS.items():
        op.execute(trigger_sql(table, fields))


def downgrade() -> None:
    for table in BASE_FIELDS:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_base_keep")
