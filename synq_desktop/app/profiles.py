"""Saved server profiles: base URL, tenant and org in `<profile dir>/profile.json`; the token elsewhere.

A profile file never holds the token: it comes from `SYNQ_TOKEN` or the OS keyring. When no keyring
backend is usable (headless machines), the token lives only for the session and the user is asked
again next time; that is the price of never writing it to disk.
"""
from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from synq_desktop.app.paths import DEMO_PROFILE, data_root, profile_dir

log = logging.getLogger(__name__)

PROFILE_FILE = "profile.json"
LAST_PROFILE_FILE = "last_profile"
KEYRING_SERVICE = "synq-desktop"
TOKEN_ENV = "SYNQ_TOKEN"


@dataclass(frozen=True, slots=True)
class Profile:
    name: str
    base_url: str
    tenant_id: str
    org_id: str
    sandbox: bool = False  # the embedded demo sandbox: the app starts the server itself

    @property
    def directory(self) -> Path:
        return profile_dir(self.name)


def save_profile(profile: Profile) -> None:
    path = profile.directory / PROFILE_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(profile), indent=2), encoding="utf-8")
    os.replace(tmp, path)


def load_profile(name: str) -> Profile | None:
    """The saved profile, or None when it is missing or unreadable (a broken file is not fatal)."""
    try:
        path = profile_dir(name, create=False) / PROFILE_FILE
        raw = json.loads(path.read_text(encoding="utf-8"))
        return Profile(
            name=str(raw["name"]),
            base_url=str(raw["base_url"]),
            tenant_id=str(raw["tenant_id"]),
            org_id=str(raw["org_id"]),
            sandbox=bool(raw.get("sandbox", False)),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remember_last(name: str) -> None:
    root = data_root()
    root.mkdir(parents=True, exist_ok=True)
    (root / LAST_PROFILE_FILE).write_text(name, encoding="utf-8")


def last_profile_name() -> str | None:
    try:
        name = (data_root() / LAST_PROFILE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None


def demo_profile_name() -> str:
    return DEMO_PROFILE


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
