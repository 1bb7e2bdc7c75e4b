"""The product grid paints its first page without the sync engine or the API client.

Importing them (httpx, pydantic, and in this environment click, rich and pygments through httpx's
command line) cost 100-200 ms of a ~600 ms editor start (bench/ui_grid.py), and nothing in the grid needs
them: no module of synq_desktop.ui may import them at its top. (The app's own flow, which asks the server
for counts and builds the editor over the sync engine, imports them on purpose: app/catalog_modules.py.)
A fresh process checks `sys.modules` at the grid's first paint of loaded rows: this module's own process
has long imported everything and could not tell.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.ui.working_copy_data import make_working_copy

REPO = Path(__file__).resolve().parents[2]


def test_first_page_is_painted_before_the_sync_engine_and_api_client_are_imported(tmp_path):
    copy, ids = make_working_copy(tmp_path / "catalog.sqlite", products=60, variants_per_product=1)
    copy.close()
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", QT_API="pyside6")
    done = subprocess.run([sys.executable, "-m", "tests.ui.first_paint_child", str(tmp_path / "catalog.sqlite")],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["rows"] == len(ids.products)  # the page painted was the catalog's, not an empty grid
    assert result["modules"] == []
