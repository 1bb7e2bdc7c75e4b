"""Schema and migrations: pragmas, the first-revision fixture upgraded to head, no drift, newer files refused."""
from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from synq_desktop.store import migrate, outbox, queries
from synq_desktop.store.errors import NewerSchemaError
from synq_desktop.store.queries import ProductFilter
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.states import OpState
from synq_desktop.store.working_copy import WorkingCopy

FIXTURE = Path(__file__).parents[1] / "fixtures" / "catalog_v1.sqlite"


def test_sqlite_is_new_enough_for_fts5_trigram() -> None:
    assert sqlite3.sqlite_version_info >= (3, 40, 0)


def test_pragmas_on_writer_and_reader(wc: WorkingCopy) -> None:
    def pragmas(connection):
        return tuple(connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                     for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout"))
    assert wc.write_blocking(pragmas) == ("wal", 2, 1, 5000)
    assert wc.read_blocking(pragmas)[1:3] == (2, 1)


def test_fts_tables_and_triggers_exist(wc: WorkingCopy) -> None:
    names = set(wc.read_blocking(lambda c: c.execute(text(
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'trigger')")).scalars().all()))
    assert {"products_fts", "variants_fts", "products_fts_au", "variants_count_ai", "products_names_ai",
            "outbox", "conflicts", "history", "sync_lists", "saved_views"} <= names


def test_fixture_is_the_first_revision() -> None:
    connection = sqlite3.connect(f"file:{FIXTURE}?mode=ro", uri=True)
    try:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [("0001",)]
    finally:
        connection.close()


def test_first_revision_fixture_upgrades_to_head_with_its_data(tmp_path: Path) -> None:
    copy = tmp_path / "catalog.sqlite"
    shutil.copyfile(FIXTURE, copy)
    with WorkingCopy.open(copy) as wc:
        assert wc.read_blocking(migrate.current_revision) == migrate.head_revision()
        assert wc.read_blocking(queries.product_ids, ProductFilter(text="RED-M")) == ["p-sweater"]
        rows = wc.read_blocking(queries.product_rows, ["p-sweater", "local-beanie"])
        assert [(r["title"], r["variant_count"], r["category_sort"]) for r in rows] == [
            ("Merino Wool Sweater", 2, "Knitwear"), ("Local Only Beanie", 1, "")]
        states = {(op.entity_id, op.state) for op in wc.read_blocking(outbox.operations)}
        assert states == {("p-scarf", OpState.PENDING), ("local-beanie", OpState.PENDING),
                          ("local-beanie-v1", OpState.BLOCKED), ("p-sweater", OpState.CONFLICT)}
        [conflict] = wc.read_blocking(outbox.open_conflicts)
        assert (conflict.mine, conflict.theirs, conflict.theirs_by) == ("Warm and soft", "Itchy", "ann@example.com")
        tree = wc.read_blocking(queries.category_tree)
        assert [(n.name, n.total_count) for n in tree] == [("Apparel", 2)]
        assert wc.read_blocking(lambda c: outbox.record_ops(c, E.PRODUCT, "local-beanie")[0].idempotency_key)


def test_models_and_migrations_do_not_drift(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    WorkingCopy.open(path).close()
    command.check(migrate.alembic_config(url=f"sqlite:///{path}"))  # raises when autogenerate finds a diff


def test_downgrade_to_nothing_and_up_again(tmp_path: Path) -> None:
    copy = tmp_path / "catalog.sqlite"
    shutil.copyfile(FIXTURE, copy)
    command.downgrade(migrate.alembic_config(url=f"sqlite:///{copy}"), "base")
    with WorkingCopy.open(copy) as wc:
        assert wc.read_blocking(queries.counts)["product"] == 0


def test_a_file_from_a_newer_version_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "catalog.sqlite"
    shutil.copyfile(FIXTURE, copy)
    connection = sqlite3.connect(copy)
    connection.execute("UPDATE alembic_version SET version_num = 'ffff_from_the_future'")
    connection.commit()
    connection.close()
    with pytest.raises(NewerSchemaError, match="newer synq-desktop"):
        WorkingCopy.open(copy)
    connection = sqlite3.connect(copy)
    try:
        assert connection.execute("SELECT count(*) FROM products").fetchone() == (3,)
    finally:
        connection.close()
