"""Schema migrations run at open, through Alembic's API (no alembic.ini at runtime).

The migration scripts ship inside the package (`migrations/`); every version of the app upgrades any
older working copy to its head, in one transaction, and refuses a file made by a newer version.
"""
from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Connection

from synq_desktop.store.errors import NewerSchemaError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Connection | None = None, url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the package ships no migration"
    return head


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade(connection: Connection, revision: str = "head") -> None:
    """Bring the database on `connection` to `revision`; the caller owns the transaction."""
    current = current_revision(connection)
    scripts = ScriptDirectory.from_config(alembic_config())
    if current is not None and not _known(scripts, current):
        raise NewerSchemaError(
            f"This working copy was written by a newer synq-desktop (schema {current}); "
            "update the app to open it."
        )
    if revision == "head" and current == scripts.get_current_head():
        return
    command.upgrade(alembic_config(connection), revision)


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False
    except Exception as error:  # alembic raises ResolutionError subclasses for unknown ids
        if type(error).__name__.endswith("ResolutionError"):
            return False
        raise
