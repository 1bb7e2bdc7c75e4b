"""The sandbox server run inside the app (`synq-desktop --sandbox`), its database in the demo profile.

Starting it imports FastAPI and SQLAlchemy, opens SQLite and, the first time, seeds a demo catalog:
seconds of work that must not freeze the window (DESIGN.md: the GUI never blocks over 50 ms). On a
thread of this process that work still stalled the GUI loop for 80-330 ms (the imports, pydantic's
schema building and the seeding hold the GIL; so do the server's own threads while it answers the
first sync). So the server runs as a child process (`synq-sandbox` on the profile's file), which
dies with the app: it stops on SIGTERM, and when its stdin (a pipe from this process) reaches end of
file, i.e. when this process is gone however it ended. A frozen build has no `python -c`: it starts
itself with the hidden `_sandbox-child` command (app/main.py) instead; in-process it stalled the GUI
66-375 ms too. Only the start (spawn, read the facts it prints) runs on a worker thread.

The sandbox keeps its demo tenant, org and credentials in its own database file, so a restart on the
same file opens the same catalog without reseeding; the app holds the token in memory only.
"""
from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from synq_desktop.app.connection import Connection

DATABASE_FILE = "sandbox.sqlite"
DEFAULT_DEMO_PRODUCTS = 500
STOP_TIMEOUT_S = 15.0
SANDBOX_CHILD_COMMAND = "_sandbox-child"  # `synq-desktop _sandbox-child ...`: how a frozen build starts it
CHILD_CODE = "import sys\nfrom synq_desktop.app.embedded_sandbox import run_child\nsys.exit(run_child(sys.argv[1:]))\n"


def run_child(argv: list[str]) -> int:
    """The child: synq-sandbox's own main, plus a thread that turns end of file on stdin (the app is
    gone) into the SIGTERM the command line stops on."""
    import signal

    from synq_desktop.sandbox.cli import main

    def orphaned() -> None:
        sys.stdin.read()
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=orphaned, name="synq-sandbox-orphan-watch", daemon=True).start()
    return main(argv)


def child_command(arguments: list[str]) -> list[str]:
    """The command line that starts the sandbox child from this interpreter or this frozen build."""
    if getattr(sys, "frozen", False):
        return [sys.executable, SANDBOX_CHILD_COMMAND, *arguments]
    return [sys.executable, "-c", CHILD_CODE, *arguments]


class EmbeddedSandbox:
    """Starts and stops the sandbox child process of a profile directory."""

    def __init__(self, directory: Path, demo_products: int = DEFAULT_DEMO_PRODUCTS, seed: int = 1) -> None:
        self.directory = directory
        self.demo_products = demo_products
        self.seed = seed
        self._server: Any = None
        self._starting: asyncio.Future[Connection] | None = None
        # Its own thread, shut down with the server: nothing of the sandbox outlives stop().
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="synq-sandbox-start")

    @property
    def database_path(self) -> Path:
        return self.directory / DATABASE_FILE

    async def start(self) -> Connection:
        """Start the server off the GUI thread; the connection to its demo tenant."""
        loop = asyncio.get_running_loop()
        self._starting = loop.run_in_executor(self._executor, self._start_blocking)
        return await asyncio.shield(self._starting)

    async def stop(self) -> None:
        """Stop the server; safe to call while it is still starting (waits for the start first)."""
        if self._starting is not None and not self._starting.done():
            with contextlib.suppress(Exception):
                await self._starting
        server, self._server = self._server, None
        if server is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._stop_server, server)
        self._executor.shutdown(wait=False)

    def _start_blocking(self) -> Connection:
        # demo_products only matters on the first start: the sandbox never reseeds an existing file.
        command = child_command(["--db", str(self.database_path), "--demo", str(self.demo_products),
                                 "--seed", str(self.seed)])
        process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8",
            env={**os.environ, "PYTHONUNBUFFERED": "1"})
        self._server = process
        assert process.stdout is not None
        facts: dict[str, str] = {}
        for line in process.stdout:
            name, sep, value = line.strip().partition("=")
            if sep:
                facts[name] = value
            if "TOKEN" in facts:  # the last fact it prints
                break
        if not {"URL", "TOKEN", "TENANT_ID", "ORG_ID"} <= facts.keys():
            code = process.wait(STOP_TIMEOUT_S)
            self._server = None
            self._close_pipes(process)
            raise RuntimeError(f"The sandbox server did not start (exit status {code}).")
        # Keep reading what it may print later, so a full pipe never blocks it.
        threading.Thread(target=_drain, args=(process.stdout,), name="synq-sandbox-output", daemon=True).start()
        return Connection(base_url=facts["URL"], tenant_id=facts["TENANT_ID"], org_id=facts["ORG_ID"],
                          token=facts["TOKEN"])

    @staticmethod
    def _stop_server(server: subprocess.Popen[str]) -> None:
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(STOP_TIMEOUT_S)
        EmbeddedSandbox._close_pipes(server, stdout=False)  # the drain thread closes stdout at its end

    @staticmethod
    def _close_pipes(process: subprocess.Popen[str], stdout: bool = True) -> None:
        for stream in (process.stdin, process.stdout if stdout else None):
            if stream is not None and not stream.closed:
                with contextlib.suppress(OSError):
                    stream.close()


def _drain(stream: Any) -> None:
    """Read the child's stdout to its end (the child exited), then close it."""
    with contextlib.suppress(OSError, ValueError):
        for _line in stream:
            pass
        stream.close()
