"""Profile directories and the sync lock, with a second process holding it."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from synq_desktop.store import profiles
from synq_desktop.store.errors import ProfileError, ProfileLockedError

HOLDER = """
import sys
from synq_desktop.store.profiles import ProfileLock
lock = ProfileLock.of("work").acquire()
print("locked", flush=True)
sys.stdin.readline()  # hold the lock until the test says so
lock.release()
print("released", flush=True)
"""


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv(profiles.HOME_ENV, str(tmp_path / "home"))
    return tmp_path / "home"


def test_layout_profile_file_and_last_profile(home: Path) -> None:
    info = profiles.Profile("work", "https://api.synq.app", "t-1", "o-1")
    path = profiles.save_profile(info)
    paths = profiles.profile_paths("work")
    assert path == home / "profiles" / "work" / "profile.json"
    assert paths.database == home / "profiles" / "work" / "catalog.sqlite"
    assert paths.thumbnails.is_dir()
    assert "token" not in path.read_text()
    assert json.loads(path.read_text())["tenant_id"] == "t-1"
    assert profiles.load_profile("work") == info
    profiles.save_profile(profiles.Profile("demo", "http://127.0.0.1:1", "t", "o", sandbox=True))
    assert profiles.list_profiles() == ["demo", "work"]
    assert profiles.last_profile_name() is None
    profiles.remember_last("demo")
    assert profiles.last_profile_name() == "demo"
    assert profiles.load_profile("missing") is None


@pytest.mark.parametrize("name", ["", "../x", "a/b", ".", " padded"])
def test_bad_profile_names_are_refused(name: str) -> None:
    with pytest.raises(ProfileError):
        profiles.profile_paths(name)


def test_second_process_cannot_take_the_lock_and_is_told_who_holds_it(tmp_path: Path) -> None:
    env = {"SYNQ_DESKTOP_HOME": str(profiles.data_root()), "PATH": "/usr/bin:/bin"}
    with subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True, env=env, cwd=Path(__file__).parents[2]) as child:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline().strip() == "locked"
        with pytest.raises(ProfileLockedError) as caught:
            profiles.ProfileLock.of("work").acquire()
        assert caught.value.holder["pid"] == child.pid
        assert f"process {child.pid}" in str(caught.value)
        assert caught.value.holder["host"] == socket.gethostname()
        # Waiting: the holder lets go, the waiter gets the lock.
        child.stdin.write("go\n")
        child.stdin.flush()
        with profiles.ProfileLock.of("work").acquire(wait=30) as lock:
            assert lock.held
            assert lock.holder()["pid"] != child.pid
        assert child.stdout.readline().strip() == "released"
        child.stdin.close()
        assert child.wait(timeout=30) == 0


def test_lock_is_freed_when_its_holder_dies() -> None:
    env = {"SYNQ_DESKTOP_HOME": str(profiles.data_root()), "PATH": "/usr/bin:/bin"}
    with subprocess.Popen([sys.executable, "-c", HOLDER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                          text=True, env=env, cwd=Path(__file__).parents[2]) as child:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "locked"
        child.kill()
        child.wait()
    # The dead holder's text is still in the file; the kernel dropped its flock, so the lock is taken over.
    assert profiles.ProfileLock.of("work").holder()["pid"] == child.pid
    with profiles.ProfileLock.of("work") as lock:
        assert lock.held
        assert lock.holder()["pid"] == os.getpid()
    assert lock.holder() is None  # released: the file no longer names a holder
