"""Where a profile's token lives: `SYNQ_TOKEN` or the OS keyring, never a file, a log or a message.

The GUI and the command line share these rules. A keyring backend that is missing, failing or would
write the token in plain text (keyrings.alt, null and fail backends) is refused: nothing is stored, and
the user sets `SYNQ_TOKEN` for each run instead. That is the price of never writing a token to disk.
"""
from __future__ import annotations

import logging
import os

from synq_desktop.store.profiles import Profile

log = logging.getLogger(__name__)

KEYRING_SERVICE = "synq-desktop"
TOKEN_ENV = "SYNQ_TOKEN"
_UNSAFE_BACKEND_WORDS = ("fail", "plaintext", "keyrings.alt", "null")


def unsafe_keyring_backend() -> str | None:
    """The keyring backend's name when it is missing or would keep a token unsafely; None when usable."""
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception:  # noqa: BLE001 - any failure to load a backend means there is none
        return "none"
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    return name if any(word in name.lower() for word in _UNSAFE_BACKEND_WORDS) else None


def token_for(profile: Profile) -> str | None:
    """The profile's token from `SYNQ_TOKEN` or the keyring; None when neither has one."""
    env = os.environ.get(TOKEN_ENV)
    if env:
        return env
    try:
        import keyring

        return keyring.get_password(KEYRING_SERVICE, _keyring_user(profile))
    except Exception:  # noqa: BLE001 - any keyring backend failure means "no stored token"
        log.info("no usable keyring backend; the token is kept for this session only")
        return None


def store_token(profile: Profile, token: str) -> bool:
    """Keep the token in the OS keyring; False when there is no safe keyring (nothing is written)."""
    if unsafe_keyring_backend() is not None:
        log.info("no usable keyring backend; the token is kept for this session only")
        return False
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, _keyring_user(profile), token)
        return True
    except Exception:  # noqa: BLE001 - a backend that refuses: same as having none
        log.info("the keyring refused the token; it is kept for this session only")
        return False


def _keyring_user(profile: Profile) -> str:
    # Unchanged since the first release: tokens stored by older versions are still found.
    return f"{profile.name}:{profile.base_url}:{profile.tenant_id}:{profile.org_id}"
