"""The sandbox server run inside the app (`synq-desktop --sandbox`), its database in the demo profile.

Starting it imports FastAPI and SQLAlchemy, opens SQLite and, the first time, seeds a demo catalog:
seconds of work that must not freeze the window (DESIGN.md: the GUI never blocks over 50 ms). On a
thread of this process that work still stalled the GUI loop for 80-330 ms (the imports, pydantic's
schema building and the seeding hold the GIL; so do the server's own threads while it answers the
first sync). So the server runs as a child process (`synq-sandbox` on the profile's file), which
dies with the app: it stops on SIGTERM, and when its stdin (a pipe from this process) reaches end of
file, i.e. when this process is gone however it ended. A frozen build (no `python -c`) keeps the
server on a thread here. Only the start (spawn, read the facts it prints) runs on a worker thread.

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
# The child: synq-sandbox's own main, plus a thread that turns end of file on stdin (this process is
# gone) into the SIGTERM the command line stops on.
CHILD_CODE = (
    "import os, signal, sys, threading\n"
    "from synq_desktop.sandbox.cli import main\n"
    "def orphaned():\n"
    "    sys.stdin.read()\n"
    "    os.kill(os.getpid(), signal.SIGTERM)\n"
    "threading.Thread(target=orphaned, daemon=True).start()\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


class EmbeddedSandbox:
    """Starts and stops one in-process SandboxServer for a profile directory."""

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
        if getattr(sys, "frozen", False):
            return self._start_in_process()
        # demo_products only matters on the first start: the sandbox never reseeds an existing file.
        command = [sys.executable, "-c", CHILD_CODE, "--db", str(self.database_path),
                   "--demo", str(self.demo_products), "--seed", str(self.seed)]
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

    def _start_in_process(self) -> Connection:
        # Imported here, on the worker thread: the import alone costs far more than 50 ms.
        from synq_desktop.sandbox.server import SandboxServer
        from synq_desktop.sandbox.settings import SandboxSettings

        settings = SandboxSettings(database=self.database_path, demo_products=self.demo_products, seed=self.seed)
        server = SandboxServer(settings)
        base_url = server.start()
        self._server = server
        token, tenant_id, org_id = server.demo_credentials
        return Connection(base_url=base_url, tenant_id=str(tenant_id), org_id=str(org_id), token=token)

    @staticmethod
    def _stop_server(server: Any) -> None:
        if not isinstance(server, subprocess.Popen):
            server.stop()
            return
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
