"""The profile directory: one per server profile (base URL, tenant, org), holding the working copy,
the thumbnail cache, `profile.json` and the lock file that keeps two sync engines off one outbox.

`<root>/profiles/<name>/catalog.sqlite`, `<root>/profiles/<name>/thumbnails/`, `.../profile.json`,
`.../sync.lock`; `<root>/last_profile` names the profile used last. The root comes from platformdirs
(the user data directory) unless `SYNQ_DESKTOP_HOME` moves it. The GUI and the command line both read
and write profiles through this module. A profile file never holds a token: tokens live in the OS
keyring or `SYNQ_TOKEN` (`synq_desktop.store.credentials`).
"""
from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

import platformdirs

from synq_desktop.store.errors import ProfileError, ProfileLockedError
from synq_desktop.store.timestamps import now_iso

APP_NAME = "synq-desktop"
HOME_ENV = "SYNQ_DESKTOP_HOME"
PROFILE_FILE = "profile.json"
LAST_PROFILE_FILE = "last_profile"
DATABASE_FILE = "catalog.sqlite"
THUMBNAILS_DIR = "thumbnails"
LOCK_FILE = "sync.lock"
_SECRET_KEYS = ("token", "password", "secret", "authorization")
_COMMAND_CHARS = 200  # the holder's command line, as much as a "who holds it" message needs


def data_root() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def validate_name(name: str) -> str:
    if not name or not name.strip() or name != name.strip() or any(c in name for c in "/\\\0") \
            or name in (".", "..") or len(name) > 100:
        raise ProfileError(f"{name!r} is not a usable profile name (no slashes, not empty, at most 100 characters).")
    return name


@dataclass(frozen=True, slots=True)
class ProfilePaths:
    directory: Path
    database: Path
    thumbnails: Path
    lock_file: Path
    profile_file: Path


def profile_paths(name: str, create: bool = True) -> ProfilePaths:
    directory = data_root() / "profiles" / validate_name(name)
    paths = ProfilePaths(directory, directory / DATABASE_FILE, directory / THUMBNAILS_DIR, directory / LOCK_FILE,
                         directory / PROFILE_FILE)
    if create:
        paths.thumbnails.mkdir(parents=True, exist_ok=True)
    return paths


@dataclass(frozen=True, slots=True)
class Profile:
    """What identifies a profile's server (`sandbox`: the embedded demo sandbox, which the app starts itself).

    Deliberately has no token field."""

    name: str
    base_url: str
    tenant_id: str
    org_id: str
    sandbox: bool = False

    @property
    def directory(self) -> Path:
        """Where the profile's working copy, caches and lock file live (not created here)."""
        return profile_paths(self.name, create=False).directory


def save_profile(profile: Profile) -> Path:
    """Write profile.json atomically (a crash leaves the old file or the new one, never half)."""
    paths = profile_paths(profile.name)
    data = asdict(profile)
    for key in data:
        if any(secret in key.lower() for secret in _SECRET_KEYS):
            raise ProfileError("A profile file never holds a token.")
    tmp = paths.profile_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=2), encoding="utf-8")
    os.replace(tmp, paths.profile_file)
    return paths.profile_file


def load_profile(name: str) -> Profile | None:
    """The saved profile, or None when the name is unusable or its file missing or unreadable (a broken
    file is not fatal: the caller asks for the details again)."""
    try:
        raw = json.loads(profile_paths(name, create=False).profile_file.read_text(encoding="utf-8"))
        return Profile(name=str(raw.get("name") or name), base_url=str(raw["base_url"]),
                       tenant_id=str(raw["tenant_id"]), org_id=str(raw["org_id"]),
                       sandbox=bool(raw.get("sandbox", False)))
    except (OSError, ValueError, KeyError, TypeError, AttributeError, ProfileError):
        return None


def list_profiles() -> list[str]:
    """Names of the profiles that have a directory, sorted."""
    root = data_root() / "profiles"
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir())


def remember_last(name: str) -> None:
    root = data_root()
    root.mkdir(parents=True, exist_ok=True)
    (root / LAST_PROFILE_FILE).write_text(validate_name(name), encoding="utf-8")


def last_profile_name() -> str | None:
    try:
        name = (data_root() / LAST_PROFILE_FILE).read_text(encoding="utf-8").strip()
    except OSError:
        return None
    return name or None


class ProfileLock:
    """The one lock on a profile's sync engine: `fcntl.flock` on `<profile dir>/sync.lock`, held for a sync.

    The holder writes its pid, host, command and start time into the file, so a second engine is refused
    and told who holds it. The kernel drops the lock when the holder dies (even by SIGKILL), so a crashed
    engine never leaves a stale lock: the next one takes it over and overwrites the dead holder's text.

        with ProfileLock.of("work"):                        # fail fast
            ...
        ProfileLock(directory).acquire(wait=30)             # wait up to 30 s; wait=None waits for ever
    """

    def __init__(self, directory: Path, profile: str = "") -> None:
        self.path = Path(directory) / LOCK_FILE
        self.profile = profile or Path(directory).name
        self._fd: int | None = None

    @classmethod
    def of(cls, name: str) -> ProfileLock:
        """The lock of the named profile (its directory is created if missing)."""
        return cls(profile_paths(name).directory, name)

    @property
    def held(self) -> bool:
        return self._fd is not None

    def holder(self) -> dict[str, Any] | None:
        """What the lock file says about its holder (None when unreadable or empty)."""
        return _read_holder(self.path)

    def acquire(self, wait: float | None = 0.0, poll: float = 0.05) -> Self:
        """Take the lock, waiting up to `wait` seconds (None: for ever); ProfileLockedError says who
        holds it when the wait runs out."""
        if self._fd is not None:
            return self
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = None if wait is None else time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    os.close(fd)
                    raise ProfileLockedError(self.profile, self.holder()) from None
                time.sleep(poll)  # waiting on another process's lock: there is no event to wait on
        # argv[:2] (program and subcommand) names the holder well enough and never carries an argument
        # that might be a secret. No fsync: the text only matters while this process lives.
        command = " ".join(sys.argv[:2])[:_COMMAND_CHARS] or "python"
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "since": now_iso()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Self:
        return self.acquire()

    def __exit__(self, *_exc: object) -> None:
        self.release()


def _read_holder(lock_file: Path) -> dict[str, Any] | None:
    try:
        text = lock_file.read_text(encoding="utf-8")
        data = json.loads(text) if text.strip() else None
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def live_holder(lock_file: Path) -> dict[str, Any] | None:
    """Who holds a sync lock right now, judged from the file alone (no flock attempt, so a check never
    makes a real acquirer fail): its holder info when that process is alive on this host and is not
    this process, else None. A holder that died leaves its info behind; its pid is then gone."""
    data = _read_holder(lock_file)
    if data is None:
        return None
    pid = data.get("pid")
    if not isinstance(pid, int) or pid == os.getpid() or data.get("host") != socket.gethostname():
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return data  # alive, owned by someone else
    return data
