"""Qt and qasync fixtures for the UI tests (the harness itself lives in qasync_harness.py)."""
from __future__ import annotations

import pytest

from synq_desktop.ui.store_catalog_source import StoreCatalogSource
from tests.ui.qasync_harness import _qasync_executor_cleanup, qloop
from tests.ui.working_copy_data import make_working_copy

__all__ = ["_qasync_executor_cleanup", "catalog", "qloop"]


@pytest.fixture
def catalog(tmp_path):
    """(source, copy, ids): a real working copy of 50 synced products (2 variants each) in a
    6-category tree, and the CatalogSource the UI reads it through."""
    copy, ids = make_working_copy(tmp_path / "catalog.sqlite")
    yield StoreCatalogSource(copy), copy, ids
    copy.close()
