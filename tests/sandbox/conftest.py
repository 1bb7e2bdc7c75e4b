"""Fixtures of the sandbox contract tests (the servers and tenants themselves come from tests/conftest.py)."""
from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest


@pytest.fixture
def api(creds) -> Iterator[httpx.Client]:
    """An httpx client on a fresh ADMIN tenant's `/api/v1/pim`, sending the three headers."""
    with creds.client() as client:
        yield client
