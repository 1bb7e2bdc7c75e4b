"""Alembic environment: runs on the connection `synq_desktop.store.migrate` hands over (no alembic.ini).

FTS5 tables and their shadow tables are made by raw SQL in the migrations; autogenerate must not
see them as tables to drop.
"""
from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import create_engine

from synq_desktop.store.schema import metadata

IGNORED_PREFIXES = ("products_fts", "variants_fts", "sqlite_")


def include_name(name: str | None, type_: str, _parents: Any) -> bool:
    if type_ == "table" and name is not None:
        return not name.startswith(IGNORED_PREFIXES)
    return True


def run() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is None:
        engine = create_engine(config.get_main_option("sqlalchemy.url") or "sqlite://")
        try:
            with engine.begin() as own:
                _configure_and_run(own)
        finally:
            engine.dispose()
        return
    _configure_and_run(connection)


def _configure_and_run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        include_name=include_name,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run()
