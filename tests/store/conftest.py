"""Fixtures for the working copy: a real SQLite file per test."""
from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from synq_desktop.store.working_copy import WorkingCopy


@pytest.fixture
def wc(tmp_path: Path) -> Iterator[WorkingCopy]:
    copy = WorkingCopy.open(tmp_path / "catalog.sqlite")
    yield copy
    copy.close()


@pytest.fixture
def w(wc: WorkingCopy) -> Callable[..., Any]:
    """Run a function in one write transaction: w(fn, *args)."""
    return wc.write_blocking


@pytest.fixture
def r(wc: WorkingCopy) -> Callable[..., Any]:
    """Run a function on the reader: r(fn, *args)."""
    return wc.read_blocking
