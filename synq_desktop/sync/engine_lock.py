"""The profile's sync lock: one engine per outbox (the GUI and `synq-desktop sync` never push it twice).

An advisory `flock` on `<profile dir>/sync.lock`, held for the whole sync. The kernel drops it when the
holder dies (even by SIGKILL), so a crashed sync never leaves a stale lock. The file's text says who holds
it (pid, host, command, since) so the second engine can tell the user.

Thin layer kept in sync/ until the store's profile module offers one (see the report).
"""
from __future__ import annotations

import json
import os
import socket
import sys
import time
from pathlib import Path
from typing import Any, Self

from synq_desktop.store.errors import ProfileLockedError
from synq_desktop.store.timestamps import now_iso

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: msvcrt locking would go here
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = "sync.lock"


class EngineLock:
    def __init__(self, directory: Path, profile: str = "") -> None:
        self.path = Path(directory) / LOCK_FILE
        self.profile = profile or Path(directory).name
        self._fd: int | None = None

    def holder(self) -> dict[str, Any] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "null")
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def acquire(self, wait: float = 0.0) -> None:
        """Take the lock, waiting up to `wait` seconds; ProfileLockedError says who holds it otherwise."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + max(0.0, wait)
        while True:
            try:
                if fcntl is not None:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise ProfileLockedError(self.profile, self.holder()) from None
                time.sleep(0.1)  # polling a lock held by another process until the caller's deadline
        info = {"pid": os.getpid(), "host": socket.gethostname(), "command": " ".join(sys.argv[:2]) or "python",
                "since": now_iso()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        self._fd = fd

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            os.ftruncate(self._fd, 0)
            if fcntl is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            os.close(self._fd)
            self._fd = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def __enter__(self) -> Self:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()
