"""A first pull sets the derived data aside (store.derived) and rebuilds it once: the result must equal
what the triggers build row by row, and a copy closed (or killed) while it is set aside gets it back when
opened again."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from synq_desktop.store import derived, edits, pull
from synq_desktop.store.states import EntityType as E
from synq_desktop.store.working_copy import WorkingCopy

CATEGORIES = [{"id": "c1", "name": "Mugs", "slug": "mugs"}, {"id": "c2", "name": "Bowls", "slug": "bowls"}]
BRANDS = [{"id": "b1", "name": "Acme"}]
PRODUCTS = [{"id": f"p{n}", "title": f"Stoneware mug {n}", "description": "Glazed by hand" if n % 2 else "",
             "category": "bowls" if n % 3 else "free label", "category_id": "c2" if n % 3 else None,
             "brand_id": "b1" if n % 2 else None, "status": "ACTIVE"} for n in range(12)]
VARIANTS = [{"id": f"v{n}-{k}", "product_id": f"p{n}", "sku": f"MUG-{n}-{k}" if n != 5 else "TWIN",
             "barcode": "4006381333931", "price": "9.99", "currency": "EUR"}
            for n in range(10) for k in range(2)]  # p10 and p11 have none

DERIVED_SQL = {
    "products": "SELECT local_id, variant_count, category_sort, brand_sort, template_sort, issue_level, "
                "nullif(issues, 'null') "  # JSON null and SQL NULL both read as no issues
                "FROM products ORDER BY local_id",
    "variants": "SELECT local_id, issue_level, nullif(issues, 'null') FROM variants ORDER BY local_id",
    "title search": "SELECT rowid FROM products_fts WHERE products_fts MATCH 'title:\"mug 1\"' ORDER BY rowid",
    "text search": "SELECT rowid FROM products_fts WHERE products_fts MATCH 'description:\"hand\"' ORDER BY rowid",
    "sku search": "SELECT rowid FROM variants_fts WHERE variants_fts MATCH 'sku:\"UG-3\"' ORDER BY rowid",
    "schema": "SELECT type, name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') ORDER BY name",
}


def pull_catalog(wc: WorkingCopy, set_aside: bool, stop_before_restore: bool = False) -> None:
    wc.write_blocking(pull.upsert_server_records, E.CATEGORY, CATEGORIES)
    wc.write_blocking(pull.upsert_server_records, E.BRAND, BRANDS)
    if set_aside:
        assert wc.write_blocking(derived.set_aside)
    for entity_type, records in ((E.PRODUCT, PRODUCTS), (E.VARIANT, VARIANTS)):
        for start in range(0, len(records), 5):  # pages of five
            wc.write_blocking(pull.upsert_server_records, entity_type, records[start:start + 5],
                              derived_deferred=set_aside)
    if set_aside and not stop_before_restore:
        assert wc.write_blocking(derived.restore)


def derived_state(wc: WorkingCopy) -> dict[str, list]:
    with wc.reading() as connection:
        return {name: [tuple(row) for row in connection.exec_driver_sql(sql)] for name, sql in DERIVED_SQL.items()}


def test_set_aside_and_rebuilt_equals_the_triggers_row_by_row(tmp_path: Path) -> None:
    with WorkingCopy.open(tmp_path / "live.sqlite") as live, WorkingCopy.open(tmp_path / "bulk.sqlite") as bulk:
        pull_catalog(live, set_aside=False)
        pull_catalog(bulk, set_aside=True)
        expected = derived_state(live)
        assert derived_state(bulk) == expected
        with bulk.reading() as connection:  # the FTS indexes filled by hand agree with their content tables
            for table in ("products_fts", "variants_fts"):
                connection.exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('integrity-check')")
    products = {row[0]: row for row in expected["products"]}
    assert products["p1"][1:4] == (2, "Bowls", "Acme") and products["p0"][2] == "free label"
    assert "NO_VARIANTS" in products["p10"][6] and "NO_VARIANTS" not in (products["p1"][6] or "")
    assert sum("DUPLICATE_SKU" in (issues or "") for _, _, issues in expected["variants"]) == 2
    assert expected["title search"] and expected["sku search"]


def test_set_aside_only_into_empty_tables_and_an_edit_meanwhile_is_indexed(wc: WorkingCopy) -> None:
    pid = wc.write_blocking(edits.create, "product", {"title": "made offline"})
    assert not wc.write_blocking(derived.set_aside)  # not a first pull: the triggers stay
    wc.write_blocking(edits.delete, "product", pid)
    wc.write_blocking(lambda c: c.exec_driver_sql("DELETE FROM products"))
    assert wc.write_blocking(derived.set_aside)
    edited = wc.write_blocking(edits.create, "product", {"title": "typed while pulling"})
    assert wc.write_blocking(derived.restore) and not wc.write_blocking(derived.restore)
    with wc.reading() as connection:
        found = connection.exec_driver_sql(
            "SELECT p.local_id FROM products_fts JOIN products p ON p.rowid = products_fts.rowid "
            "WHERE products_fts MATCH 'title:\"while pull\"'").scalars().all()
    assert found == [edited]


def test_a_copy_closed_while_set_aside_is_rebuilt_when_opened(tmp_path: Path) -> None:
    with WorkingCopy.open(tmp_path / "live.sqlite") as live:
        pull_catalog(live, set_aside=False)
        expected = derived_state(live)
    killed = tmp_path / "killed.sqlite"
    with WorkingCopy.open(killed) as wc:
        pull_catalog(wc, set_aside=True, stop_before_restore=True)
        assert wc.read_blocking(derived.is_set_aside)
    with WorkingCopy.open(killed) as wc:
        assert not wc.read_blocking(derived.is_set_aside)
        assert derived_state(wc) == expected


# -- the media part: the media table's owner indexes, set aside while a first pull fills an empty media table --

MEDIA = [{"id": f"m{n}-{k}", "product_id": f"p{n}", "url": f"http://img.test/{n}/{k}.png", "alt_text": f"Mug {n}",
          "sort_order": k} for n in range(6) for k in range(3)]
MEDIA_INDEXES = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND name LIKE 'ix_media_%' ORDER BY name"


def pull_media(wc: WorkingCopy, set_aside: bool, stop_before_restore: bool = False) -> None:
    """As sync.pull does: set the media part aside, write the media pages, restore right after."""
    if set_aside:
        assert wc.write_blocking(derived.set_aside, derived.MEDIA)
    for start in range(0, len(MEDIA), 5):
        wc.write_blocking(pull.upsert_server_records, E.MEDIA, MEDIA[start:start + 5])
    if set_aside and not stop_before_restore:
        assert wc.write_blocking(derived.restore, derived.MEDIA)


def schema_of(wc: WorkingCopy) -> list[tuple]:
    with wc.reading() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(DERIVED_SQL["schema"])]


def media_indexes(wc: WorkingCopy) -> list[tuple]:
    with wc.reading() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(MEDIA_INDEXES)]


def media_rows(wc: WorkingCopy) -> list[tuple]:
    with wc.reading() as connection:
        return [tuple(row) for row in connection.exec_driver_sql(
            "SELECT local_id, product_id, url, alt_text, sort_order, issue_level FROM media ORDER BY local_id")]


def test_the_media_part_is_set_aside_only_into_an_empty_media_table_and_alone(wc: WorkingCopy) -> None:
    wc.write_blocking(pull.upsert_server_records, E.MEDIA, MEDIA[:1])
    before = schema_of(wc)
    assert media_indexes(wc)  # ix_media_owner_order at least
    assert not wc.write_blocking(derived.set_aside, derived.MEDIA)  # a row is there: not a first pull of media
    assert not wc.read_blocking(derived.is_set_aside, derived.MEDIA) and schema_of(wc) == before
    wc.write_blocking(lambda c: c.exec_driver_sql("DELETE FROM media"))
    assert wc.write_blocking(derived.set_aside, derived.MEDIA)
    assert wc.write_blocking(derived.set_aside, derived.MEDIA)  # again: still set aside, nothing more dropped
    assert wc.read_blocking(derived.is_set_aside, derived.MEDIA)
    assert not wc.read_blocking(derived.is_set_aside)  # the catalog part is another one: untouched
    assert media_indexes(wc) == []
    # Only the media indexes went: every other index and trigger is where it was.
    assert schema_of(wc) == [entry for entry in before if not entry[1].startswith("ix_media_")]
    assert wc.write_blocking(derived.restore, derived.MEDIA) and not wc.write_blocking(derived.restore, derived.MEDIA)
    assert schema_of(wc) == before


def test_the_catalog_part_leaves_the_media_indexes(wc: WorkingCopy) -> None:
    indexes = media_indexes(wc)
    assert wc.write_blocking(derived.set_aside)
    assert media_indexes(wc) == indexes and not wc.read_blocking(derived.is_set_aside, derived.MEDIA)
    assert wc.write_blocking(derived.restore, derived.CATALOG)
    assert not wc.read_blocking(derived.is_set_aside)


def test_media_pulled_while_set_aside_ends_with_the_schema_and_rows_of_a_copy_that_never_set_aside(
        tmp_path: Path) -> None:
    with WorkingCopy.open(tmp_path / "live.sqlite") as live, WorkingCopy.open(tmp_path / "bulk.sqlite") as bulk:
        pull_catalog(live, set_aside=False)
        pull_media(live, set_aside=False)
        pull_catalog(bulk, set_aside=True)
        pull_media(bulk, set_aside=True)
        assert media_indexes(bulk) and schema_of(bulk) == schema_of(live)
        assert media_rows(bulk) == media_rows(live) and len(media_rows(live)) == len(MEDIA)
        assert derived_state(bulk) == derived_state(live)


def test_restore_without_a_part_restores_both(tmp_path: Path) -> None:
    with WorkingCopy.open(tmp_path / "live.sqlite") as live:
        pull_catalog(live, set_aside=False)
        pull_media(live, set_aside=False)
        expected_schema, expected = schema_of(live), derived_state(live)
    with WorkingCopy.open(tmp_path / "bulk.sqlite") as wc:
        pull_catalog(wc, set_aside=True, stop_before_restore=True)
        pull_media(wc, set_aside=True, stop_before_restore=True)
        assert wc.read_blocking(derived.is_set_aside) and wc.read_blocking(derived.is_set_aside, derived.MEDIA)
        assert wc.write_blocking(derived.restore)
        assert not wc.read_blocking(derived.is_set_aside) and not wc.read_blocking(derived.is_set_aside, derived.MEDIA)
        assert not wc.write_blocking(derived.restore)  # nothing left to restore
        assert schema_of(wc) == expected_schema and derived_state(wc) == expected


# A pull killed (SIGKILL) between setting the media indexes aside and restoring them, as sync.pull orders it.
_KILLED_CHILD = """
import os, signal, sys
from pathlib import Path
from synq_desktop.store import derived
from synq_desktop.store.working_copy import WorkingCopy
from tests.store.test_derived import pull_catalog, pull_media
wc = WorkingCopy.open(Path(sys.argv[1]))
both = sys.argv[2] == "both"
pull_catalog(wc, set_aside=both, stop_before_restore=both)
pull_media(wc, set_aside=True, stop_before_restore=True)
assert wc.read_blocking(derived.is_set_aside, derived.MEDIA) and wc.read_blocking(derived.is_set_aside) == both
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("parts", ["media", "both"])
def test_a_copy_killed_while_the_media_part_is_set_aside_gets_its_indexes_back_when_opened(
        tmp_path: Path, parts: str) -> None:
    with WorkingCopy.open(tmp_path / "live.sqlite") as live:
        pull_catalog(live, set_aside=False)
        pull_media(live, set_aside=False)
        expected_schema, expected, expected_media = schema_of(live), derived_state(live), media_rows(live)
    killed = tmp_path / "killed.sqlite"
    child = subprocess.run([sys.executable, "-c", _KILLED_CHILD, str(killed), parts], cwd=Path(__file__).parents[2],
                           capture_output=True, text=True, check=False)
    assert child.returncode == -signal.SIGKILL, child.stderr
    with WorkingCopy.open(killed) as wc:
        assert not wc.read_blocking(derived.is_set_aside, derived.MEDIA)
        assert not wc.read_blocking(derived.is_set_aside)
        assert media_indexes(wc) and schema_of(wc) == expected_schema
        assert media_rows(wc) == expected_media and derived_state(wc) == expected

