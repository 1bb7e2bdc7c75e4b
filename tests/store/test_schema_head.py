"""Opening a working copy whose schema is already at the head skips Alembic (start-up time), so the
head revision the store knows without Alembic must be Alembic's own."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from synq_desktop.store import migrate
from synq_desktop.store.working_copy import SCHEMA_HEAD, WorkingCopy, schema_at_head


def test_known_head_is_alembics_head() -> None:
    assert SCHEMA_HEAD == migrate.head_revision()


def test_opening_a_file_at_head_does_not_import_alembic(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with WorkingCopy.open(path) as wc:  # creates and migrates (Alembic runs here)
        assert wc.read_blocking(schema_at_head)
    code = (
        "import sys\n"
        "from synq_desktop.store.working_copy import WorkingCopy\n"
        f"with WorkingCopy.open({str(path)!r}) as wc:\n"
        "    pass\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "[]"


def test_a_file_without_the_version_table_is_not_at_head(tmp_path: Path) -> None:
    path = tmp_path / "catalog.sqlite"
    with WorkingCopy.open(path) as wc:
        wc.write_blocking(lambda c: c.exec_driver_sql("DROP TABLE alembic_version"))
        assert not wc.read_blocking(schema_at_head)
