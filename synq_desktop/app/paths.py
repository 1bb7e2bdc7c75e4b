"""The GUI's profile directories; the layout itself (and data_root) is `synq_desktop.store.profiles`."""
from __future__ import annotations

from pathlib import Path

from synq_desktop.store.profiles import profile_paths

DEMO_PROFILE = "demo"  # the embedded sandbox's profile


def profile_dir(name: str) -> Path:
    """The directory of one profile, created if missing (the GUI opens its working copy there next)."""
    directory = profile_paths(name, create=False).directory
    directory.mkdir(parents=True, exist_ok=True)
    return directory
