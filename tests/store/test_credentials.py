"""Where a profile's token lives: SYNQ_TOKEN first, then a safe keyring; a plain-text keyring gets nothing."""
from __future__ import annotations

from collections.abc import Callable, Iterator

import keyring
import pytest

from synq_desktop.store import credentials
from synq_desktop.store.profiles import Profile
from tests.support.keyrings import MemoryKeyring

PROFILE = Profile("work", "https://api.synq.app", "t-1", "o-1")


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's file backend, which writes secrets to disk in clear."""


@pytest.fixture
def use_backend(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[type[MemoryKeyring]], MemoryKeyring]]:
    monkeypatch.delenv(credentials.TOKEN_ENV, raising=False)
    previous = keyring.get_keyring()

    def install(backend_class: type[MemoryKeyring]) -> MemoryKeyring:
        backend = backend_class()
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(previous)


def test_a_safe_keyring_keeps_the_token_and_the_environment_wins(use_backend, monkeypatch) -> None:
    backend = use_backend(MemoryKeyring)
    assert credentials.unsafe_keyring_backend() is None
    assert credentials.store_token(PROFILE, "secret-1")
    assert list(backend.secrets.values()) == ["secret-1"]
    assert credentials.token_for(PROFILE) == "secret-1"
    monkeypatch.setenv(credentials.TOKEN_ENV, "from-env")
    assert credentials.token_for(PROFILE) == "from-env"


def test_a_plain_text_keyring_is_refused_and_gets_nothing(use_backend) -> None:
    backend = use_backend(PlaintextKeyring)
    assert "PlaintextKeyring" in (credentials.unsafe_keyring_backend() or "")
    assert not credentials.store_token(PROFILE, "secret-2")
    assert backend.secrets == {}
    assert credentials.token_for(PROFILE) is None
