"""Saved server profiles as the app sees them, plus where their token lives.

`profile.json` (base URL, tenant, org; never the token) and `last_profile` are read and written by
`synq_desktop.store.profiles`; this module adds what only the app needs: a `Profile` that knows its
directory, and the token from `SYNQ_TOKEN` or the OS keyring. When no keyring backend is usable
(headless machines), the token lives only for the session and the user is asked again next time; that is
the price of never writing it to disk.
"""
from __future__ import annotations

import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from synq_desktop.app.paths import profile_dir
from synq_desktop.store import profiles as store_profiles
from synq_desktop.store.profiles import ProfileInfo, remember_last, save_profile
from synq_desktop.store.profiles import last_profile as last_profile_name

__all__ = ["Profile", "last_profile_name", "load_profile", "remember_last", "save_profile", "store_token",
           "token_for"]

log = logging.getLogger(__name__)

KEYRING_SERVICE = "synq-desktop"
TOKEN_ENV = "SYNQ_TOKEN"


@dataclass(frozen=True, slots=True)
class Profile(ProfileInfo):
    """A saved profile (`sandbox`: the embedded demo sandbox, which the app starts itself)."""

    @property
    def directory(self) -> Path:
        return profile_dir(self.name)


def load_profile(name: str) -> Profile | None:
    """The saved profile, or None when it is missing or unreadable (a broken file is not fatal)."""
    info = store_profiles.load_profile(name)
    return None if info is None else Profile(**asdict(info))


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
    """Keep the token in the OS keyring; False when there is no usable keyring (nothing is written)."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, _keyring_user(profile), token)
        return True
    except Exception:  # noqa: BLE001 - see token_for
        log.info("no usable keyring backend; the token is kept for this session only")
        return False


def _keyring_user(profile: Profile) -> str:
    return f"{profile.name}:{profile.base_url}:{profile.tenant_id}:{profile.org_id}"
