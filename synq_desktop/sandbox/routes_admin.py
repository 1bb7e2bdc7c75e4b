"""Loopback-only admin routes (not under /api, not in the OpenAPI document): mint tokens, seed a demo
catalog into a tenant, set faults, read the request log."""
from __future__ import annotations

import importlib
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from synq_desktop.sandbox.auth import mint_token, runtime_of
from synq_desktop.sandbox.errors import ApiError
from synq_desktop.sandbox.runtime import Caller
from synq_desktop.sandbox.schemas import DemoRequest, MintRequest

_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


def _loopback_only(request: Request) -> None:
    host = request.client.host if request.client else ""
    if host not in _LOOPBACK and not host.startswith("127."):
        raise ApiError(403, "Admin routes answer only on loopback.")


def _optional_module(name: str) -> Any:
    try:
        return importlib.import_module(f"synq_desktop.sandbox.{name}")
    except ModuleNotFoundError:
        return None


def build_router() -> APIRouter:
    router = APIRouter(prefix="/_admin")

    @router.post("/tokens")
    def mint(request: Request, body: MintRequest) -> JSONResponse:
        _loopback_only(request)
        runtime = runtime_of(request)
        return JSONResponse(mint_token(runtime, body.role, body.tenant_id, body.org_id, body.ttl_seconds), 201)

    @router.post("/demo")
    def demo(request: Request, body: DemoRequest) -> JSONResponse:
        _loopback_only(request)
        from synq_desktop.sandbox.seeding import seed_demo

        runtime = runtime_of(request)
        caller = Caller(tenant_id=body.tenant_id, org_id=body.org_id, role="ADMIN", actor_email="system")
        return JSONResponse(seed_demo(runtime, caller, body.products, body.seed), 201)

    @router.get("/faults")
    def get_faults(request: Request) -> JSONResponse:
        _loopback_only(request)
        return JSONResponse(_faults_api(request).current())

    @router.put("/faults")
    async def put_faults(request: Request) -> JSONResponse:
        _loopback_only(request)
        try:
            fields = await request.json()
        except ValueError:
            raise ApiError(400, "The body is not valid JSON.") from None
        if not isinstance(fields, dict):
            raise ApiError(400, "Send an object of FaultConfig fields.")
        return JSONResponse(_faults_api(request).update(fields))

    @router.delete("/faults")
    def reset_faults(request: Request) -> JSONResponse:
        _loopback_only(request)
        return JSONResponse(_faults_api(request).reset())

    @router.get("/requests")
    def requests_since(request: Request, since: int = Query(0, ge=0)) -> JSONResponse:
        _loopback_only(request)
        log = runtime_of(request).request_log
        if log is None:
            raise ApiError(404, "This sandbox has no request log.")
        return JSONResponse(_request_entries(log, since))

    @router.delete("/requests")
    def clear_requests(request: Request) -> Response:
        _loopback_only(request)
        log = runtime_of(request).request_log
        if log is not None:
            log.clear()
        return Response(status_code=204)

    return router


class _FaultsApi:
    """Reads and changes the live FaultConfig held by the fault middleware's state."""

    def __init__(self, state: Any, faults_module: Any) -> None:
        self.state = state
        self.module = faults_module

    def _dump(self, config: Any) -> dict[str, Any]:
        if hasattr(config, "model_dump"):
            return config.model_dump(mode="json")
        from dataclasses import asdict

        return asdict(config)

    def current(self) -> dict[str, Any]:
        return self._dump(self.state.config)

    def update(self, fields: dict[str, Any]) -> dict[str, Any]:
        merged = {**self.current(), **fields}
        try:
            config = self.module.FaultConfig(**merged)
        except (TypeError, ValueError) as exc:
            raise ApiError(400, f"Invalid fault config: {exc}") from None
        self.state.set(config)
        return self.current()

    def reset(self) -> dict[str, Any]:
        self.state.set(self.module.FaultConfig())
        return self.current()


def _faults_api(request: Request) -> _FaultsApi:
    runtime = runtime_of(request)
    module = _optional_module("faults")
    if module is None or runtime.fault_state is None:
        raise ApiError(404, "Fault injection is not available in this build.")
    return _FaultsApi(runtime.fault_state, module)


def _request_entries(log: Any, since: int) -> list[dict[str, Any]]:
    return list(log.since(since))


def install_observers(app: Any, runtime: Any) -> None:
    """INTEGRATION POINT: the request log and fault injection middlewares (requestlog.py, faults.py).

    Added last so they are outermost: faults decide before the request reaches the app, and the request
    log records what the client actually saw.
    """
    requestlog = _optional_module("requestlog")
    faults = _optional_module("faults")
    # Starlette: the middleware added last is the outermost. Faults first, the request log around them.
    if faults is not None and hasattr(faults, "FaultState"):
        config = runtime.settings.faults or faults.FaultConfig()
        runtime.fault_state = faults.FaultState(config)
        app.add_middleware(faults.FaultMiddleware, state=runtime.fault_state)
    if requestlog is not None and hasattr(requestlog, "RequestLog"):
        runtime.request_log = requestlog.RequestLog()
        app.add_middleware(requestlog.RequestLogMiddleware, log=runtime.request_log)
