"""Schemathesis against the sandbox's own /openapi.json, authenticated with minted credentials.

Every operation gets a bounded number of generated requests, valid ones and invalid ones, against a tenant
holding a small demo catalog (so lists answer real records). The run asserts zero 5xx and zero status
codes, content types, headers or bodies the schema does not declare. Failures are collected over all
operations and reported together; shrinking is off so a failing run stays fast.
"""
from __future__ import annotations

import socket
import threading
import time
import traceback

import pytest
import schemathesis
import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
POSITIVE_EXAMPLES = 12
NEGATIVE_EXAMPLES = 6
DOCS_ONLY_EXAMPLES = (5, 3)


def _run_operation(operation, mode: GenerationMode, examples: int, base_url: str, headers: dict) -> str | None:
    """Run one operation; the failure text or None."""
    strategy = operation.as_strategy(generation_mode=mode)

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=CHECKS, timeout=30)

    try:
        run()
    # Schemathesis reports failures as a FailureGroup, a BaseExceptionGroup: collected and reported below.
    except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001
        text = "".join(traceback.format_exception_only(exc)).strip()
        return text[:3000]
    return None


def _run_all(running, positive: int, negative: int, minimum_operations: int) -> None:
    creds = running.mint("ADMIN")
    running.seed_demo(creds, products=12, seed=3)
    schema = schemathesis.openapi.from_url(running.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= minimum_operations, "every route of API.md is in the schema"
    failures: dict[str, str] = {}
    for operation in operations:
        for mode, examples in ((GenerationMode.POSITIVE, positive), (GenerationMode.NEGATIVE, negative)):
            failure = _run_operation(operation, mode, examples, running.url, creds.headers)
            if failure is not None:
                failures[f"{operation.label} [{mode.value}]"] = failure
    report = "\n\n".join(f"{label}:\n{text}" for label, text in sorted(failures.items()))
    assert not failures, f"{len(failures)} operation(s) failed:\n{report}"


@pytest.mark.timeout(300)
def test_schema_conformance_no_5xx(sandbox):
    _run_all(sandbox, POSITIVE_EXAMPLES, NEGATIVE_EXAMPLES, minimum_operations=55)


@pytest.mark.timeout(300)
def test_docs_only_schema_conformance(docs_only_sandbox):
    _run_all(docs_only_sandbox, *DOCS_ONLY_EXAMPLES, minimum_operations=20)


def test_the_harness_catches_an_undeclared_answer():
    """The run above is only worth something if it fails on a lie: a route that declares 200 and answers 418."""
    app = FastAPI()

    @app.get("/teapot/{n}")
    def teapot(n: int) -> JSONResponse:
        return JSONResponse({"n": n}, status_code=418 if n % 2 else 200)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        operation = next(r.ok() for r in schemathesis.openapi.from_url(url + "/openapi.json").get_all_operations())
        failure = _run_operation(operation, GenerationMode.POSITIVE, 20, url, {})
        assert failure is not None and "418" in failure
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
