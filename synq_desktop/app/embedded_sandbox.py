"""The sandbox server run inside the app (`synq-desktop --sandbox`), its database in the demo profile.

Starting it imports FastAPI and SQLAlchemy, opens SQLite and, the first time, seeds a demo catalog:
seconds of work that must not freeze the window (DESIGN.md: the GUI never blocks over 50 ms). So
everything, the imports included, runs on a worker thread and the caller awaits it on the event loop.

The sandbox keeps its demo tenant, org and credentials in its own database file, so a restart on the
same file opens the same catalog without reseeding; the app holds the token in memory only.
"""
from __future__ import annotations

import asyncio
import contextlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from synq_desktop.app.connection import Connection

DATABASE_FILE = "sandbox.sqlite"
DEFAULT_DEMO_PRODUCTS = 500


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
            await asyncio.get_running_loop().run_in_executor(self._executor, server.stop)
        self._executor.shutdown(wait=False)

    def _start_blocking(self) -> Connection:
        # Imported here, on the worker thread: the import alone costs far more than 50 ms.
        from synq_desktop.sandbox.server import SandboxServer
        from synq_desktop.sandbox.settings import SandboxSettings

        # demo_products only matters on the first start: the sandbox never reseeds an existing file.
        settings = SandboxSettings(database=self.database_path, demo_products=self.demo_products, seed=self.seed)
        server = SandboxServer(settings)
        base_url = server.start()
        self._server = server
        token, tenant_id, org_id = server.demo_credentials
        return Connection(base_url=base_url, tenant_id=str(tenant_id), org_id=str(org_id), token=token)
