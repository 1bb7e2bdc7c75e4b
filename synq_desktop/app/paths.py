"""Where synq-desktop keeps its files: one directory per profile under the user data directory.

`SYNQ_DESKTOP_HOME` moves the whole root (tests and portable installs use it); otherwise platformdirs
picks the platform's user data directory, so nothing is hard-coded per OS.
"""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "synq-desktop"
DEMO_PROFILE = "demo"
HOME_ENV = "SYNQ_DESKTOP_HOME"


def data_root() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def profile_dir(name: str, create: bool = True) -> Path:
    """The directory of one profile (its working copy, caches and lock file live here)."""
    if not name or "/" in name or "\\" in name or name in {".", ".."}:
        raise ValueError(f"{name!r} is not a usable profile name")
    path = data_root() / "profiles" / name
    if create:
        path.mkdir(parents=True, exist_ok=True)
    return path
