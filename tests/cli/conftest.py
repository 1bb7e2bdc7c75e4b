"""CLI tests: a private data root per test and an in-memory keyring (never a plain-text one)."""
from __future__ import annotations

import keyring
import pytest

from tests.support.keyrings import MemoryKeyring


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def home(tmp_path, monkeypatch):
    root = tmp_path / "home"
    monkeypatch.setenv("SYNQ_DESKTOP_HOME", str(root))
    monkeypatch.delenv("SYNQ_TOKEN", raising=False)
    return root
