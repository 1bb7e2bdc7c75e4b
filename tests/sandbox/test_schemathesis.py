"""Schemathesis against the sandbox's own /openapi.json, authenticated with minted credentials.

Every operation gets a bounded number of generated requests, valid ones and invalid ones, against a tenant
holding a small demo catalog (so lists answer real records). The run asserts zero 5xx and zero status
codes, content types, headers or bodies the schema does not declare. Failures are collected over all
operations and reported together; shrinking is off so a failing run stays fast.
"""
from __future__ import annotations

import time
import traceback

import pytest
import schemathesis
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
POSITIVE_EXAMPLES = 15
NEGATIVE_EXAMPLES = 8
BUDGET_SECONDS = 150


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
    except Exception as exc:  # noqa: BLE001 - every failure is collected and reported below
        text = "".join(traceback.format_exception_only(exc)).strip()
        return text[:3000]
    return None


@pytest.mark.timeout(300)
def test_schema_conformance_no_5xx(sandbox):
    creds = sandbox.mint("ADMIN")
    sandbox.seed_demo(creds, products=12, seed=3)
    schema = schemathesis.openapi.from_url(sandbox.url + "/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 40, "every documented and EXT route is in the schema"
    started = time.monotonic()
    failures: dict[str, str] = {}
    for operation in operations:
        for mode, examples in ((GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
                               (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)):
            failure = _run_operation(operation, mode, examples, sandbox.url, creds.headers)
            if failure is not None:
                failures[f"{operation.label} [{mode.value}]"] = failure
        assert time.monotonic() - started < BUDGET_SECONDS, "schemathesis run over its time budget"
    report = "\n\n".join(f"{label}:\n{text}" for label, text in sorted(failures.items()))
    assert not failures, f"{len(failures)} operation(s) failed:\n{report}"
