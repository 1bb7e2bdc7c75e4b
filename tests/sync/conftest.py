"""Fixtures shared by the sync tests."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from synq_desktop.store.working_copy import WorkingCopy


@pytest.fixture
def wc(tmp_path) -> Iterator[WorkingCopy]:
    """A fresh working copy in the test's own directory, closed afterwards."""
    copy = WorkingCopy.open(tmp_path / "catalog.sqlite")
    yield copy
    copy.close()
