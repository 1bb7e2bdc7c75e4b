"""pushed-record indexes: the server ids of records created here (local id differs), for pull translation

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 10:10:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here (later schema changes go in later revisions).
TABLES = ("categories", "brands", "attributes", "attribute_groups", "templates", "products", "variants")


def upgrade() -> None:
    for table in TABLES:
        op.create_index(f"ix_{table}_pushed", table, ["server_id"], unique=False,
                        sqlite_where=sa.text("local_id <> server_id"))


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_pushed", table_name=table)
