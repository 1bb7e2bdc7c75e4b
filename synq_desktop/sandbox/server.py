"""`SandboxServer`: the sandbox on uvicorn in a daemon thread, with its job worker (tests, the app, the CLI).

Binds the socket itself (port 0 picks a free one), runs `uvicorn.Server.run(sockets=[...])` in a thread,
waits for `started`, and stops with `should_exit` plus a join (QT-NOTES.md, "A server in tests").
"""
from __future__ import annotations

import shutil
import socket
import threading
import time
from typing import Self

import uvicorn

from synq_desktop.sandbox.app import build_runtime, create_app
from synq_desktop.sandbox.credentials import DemoCredentials, ensure_demo_credentials
from synq_desktop.sandbox.runtime import Caller, SandboxRuntime
from synq_desktop.sandbox.settings import SandboxSettings
from synq_desktop.sandbox.worker import JobWorker

START_TIMEOUT_S = 30.0


class SandboxServer:
    def __init__(self, settings: SandboxSettings | None = None) -> None:
        self.settings = settings or SandboxSettings()
        self.runtime: SandboxRuntime | None = None
        self.url: str | None = None
        self._credentials: DemoCredentials | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._worker: JobWorker | None = None
        self._socket: socket.socket | None = None

    @property
    def demo_credentials(self) -> DemoCredentials:
        """(token, tenant_id, org_id) of the ready demo tenant; unpacks as a tuple."""
        if self._credentials is None:
            raise RuntimeError("the sandbox is not started")
        return self._credentials

    def start(self) -> str:
        """Open the database, seed the demo catalog on a first start, serve; returns the base URL."""
        settings = self.settings
        runtime = build_runtime(settings)
        self.runtime = runtime
        self._credentials = ensure_demo_credentials(runtime)
        self._seed_once(runtime)
        app = create_app(settings, runtime)

        sock = socket.socket(socket.AF_INET6 if ":" in settings.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((settings.host, settings.port))
        sock.listen(2048)
        self._socket = sock
        host, port = sock.getsockname()[:2]
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                timeout_keep_alive=30, backlog=2048)
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="synq-sandbox",
                                        daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the sandbox server failed to start")
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox server did not start in time")
            time.sleep(0.005)
        self._worker = JobWorker(runtime)
        self._worker.start()
        shown_host = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown_host}:{port}"
        return self.url

    def _seed_once(self, runtime: SandboxRuntime) -> None:
        products = self.settings.demo_products
        credentials = self.demo_credentials
        with runtime.store.session() as session:
            seeded = runtime.store.get_meta(session, "demo_seeded")
        if seeded is not None or not products:
            return
        from synq_desktop.sandbox.seeding import seed_demo

        caller = Caller(tenant_id=credentials.tenant_id, org_id=credentials.org_id, role="ADMIN",
                        actor_email="system")
        seed_demo(runtime, caller, products, self.settings.seed)
        with runtime.store.session() as session:
            runtime.store.set_meta(session, "demo_seeded", str(products))

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        if self._socket is not None:
            self._socket.close()
            self._socket = None
        self._server = None
        if self.runtime is not None:
            self.runtime.store.dispose()
            if self.settings.files_dir is None and self.settings.database is None:
                shutil.rmtree(self.runtime.files_dir, ignore_errors=True)
            self.runtime = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()
