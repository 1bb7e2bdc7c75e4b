"""The FastAPI app factory: routes of API.md under /api/v1/pim, admin routes, middlewares, errors."""
from __future__ import annotations

import tempfile
from pathlib import Path

from fastapi import FastAPI

from synq_desktop.sandbox import (
    routes_admin,
    routes_files,
    routes_jobs,
    routes_media,
    routes_products,
    routes_reports,
    routes_taxonomy,
)
from synq_desktop.sandbox.bodylimit import BodyLimitMiddleware
from synq_desktop.sandbox.clock import MonotonicClock
from synq_desktop.sandbox.db import Store
from synq_desktop.sandbox.errors import install_error_handlers
from synq_desktop.sandbox.idempotency import IdempotencyMiddleware
from synq_desktop.sandbox.json_bodies import JsonBodiesMiddleware
from synq_desktop.sandbox.ratelimit import RateLimiter
from synq_desktop.sandbox.runtime import SandboxRuntime
from synq_desktop.sandbox.settings import SandboxSettings

API_PREFIX = "/api/v1/pim"


def files_dir_for(settings: SandboxSettings) -> Path:
    """Uploads and exports: as asked, beside a database file, or in a fresh temporary folder."""
    if settings.files_dir is not None:
        path = Path(settings.files_dir)
    elif settings.database is not None:
        database = Path(settings.database)
        path = database.with_name(database.name + ".files")
    else:
        path = Path(tempfile.mkdtemp(prefix="synq-sandbox-"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def build_runtime(settings: SandboxSettings) -> SandboxRuntime:
    store = Store(settings.database)
    clock = MonotonicClock()
    clock.advance_past(store.newest_timestamp())
    return SandboxRuntime(
        settings=settings, store=store, clock=clock, files_dir=files_dir_for(settings),
        limiter=RateLimiter(settings.rate_limit_per_minute),
    )


def create_app(settings: SandboxSettings, runtime: SandboxRuntime | None = None) -> FastAPI:
    """A sandbox app.

    SandboxServer passes its runtime and runs the job worker itself. Without a runtime (an app served by
    some other ASGI server, e.g. `uvicorn --factory`), the app builds one and runs the worker from its
    lifespan.
    """
    lifespan = None
    if runtime is None:
        runtime = build_runtime(settings)
        lifespan = _worker_lifespan(runtime)
    ext = not settings.docs_only
    app = FastAPI(
        lifespan=lifespan,
        title="Synq PIM sandbox" + (" (docs-only)" if not ext else ""),
        version="1.0",
        description="A local server implementing the Synq PIM API of API.md"
        + ("" if ext else "; every EXT part is off."),
    )
    app.state.runtime = runtime
    install_error_handlers(app)
    for module in (routes_products, routes_taxonomy, routes_media, routes_jobs, routes_reports):
        app.include_router(module.build_router(ext), prefix=API_PREFIX)
    app.include_router(routes_reports.build_audit_alias(ext), prefix="/api/v1")
    app.include_router(routes_files.build_router(ext))
    app.include_router(routes_admin.build_router(), include_in_schema=False)

    # Starlette wraps in reverse order of adding: the last added is the outermost.
    app.add_middleware(JsonBodiesMiddleware)
    app.add_middleware(IdempotencyMiddleware, runtime=runtime)
    app.add_middleware(BodyLimitMiddleware)
    # INTEGRATION POINT (requestlog.py, faults.py, owned by the fault-injection engineer): added in
    # routes_admin.install_observers so the request log sees every answer and faults act outermost.
    routes_admin.install_observers(app, runtime)
    return app


def _worker_lifespan(runtime: SandboxRuntime):
    from contextlib import asynccontextmanager

    from synq_desktop.sandbox.worker import JobWorker

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        worker = JobWorker(runtime)
        worker.start()
        try:
            yield
        finally:
            worker.stop()

    return lifespan
