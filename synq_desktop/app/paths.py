"""The app's names for profile directories; the layout itself is `synq_desktop.store.profiles`.

`data_root` (platformdirs, or `SYNQ_DESKTOP_HOME`) is the store's; it is imported here because the CLI reads
it from this module. `profile_dir` keeps the app's contract: a bad name is a `ValueError` (the CLI turns it
into a usage message), and creating a directory creates only the directory.
"""
from __future__ import annotations

from pathlib import Path

from synq_desktop.store.errors import ProfileError
from synq_desktop.store.profiles import data_root, profile_paths

__all__ = ["DEMO_PROFILE", "data_root", "profile_dir"]

DEMO_PROFILE = "demo"  # the embedded sandbox's profile


def profile_dir(name: str, create: bool = True) -> Path:
    """The directory of one profile (its working copy, caches and lock file live here)."""
    try:
        directory = profile_paths(name, create=False).directory
    except ProfileError as exc:
        raise ValueError(str(exc)) from None
    if create:
        directory.mkdir(parents=True, exist_ok=True)
    return directory
