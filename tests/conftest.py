"""Shared fixtures. Qt runs offscreen; tests that need a server start the sandbox themselves."""
from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")


# ---- the sandbox server (tests/support/sandbox.py); imported lazily so Qt-only runs stay light ----
import sys

import pytest


@pytest.fixture(scope="session")
def sandbox():
    """A full-EXT sandbox with an in-memory database and a fast job worker, shared by the session."""
    from tests.support.sandbox import start_sandbox

    running = start_sandbox()
    yield running
    running.close()


@pytest.fixture(scope="session")
def docs_only_sandbox():
    """A sandbox with every EXT part off (`--docs-only`)."""
    from tests.support.sandbox import start_sandbox

    running = start_sandbox(docs_only=True)
    yield running
    running.close()


@pytest.fixture
def creds(sandbox):
    """A fresh ADMIN tenant on `sandbox`: each test starts with an empty catalog."""
    return sandbox.mint("ADMIN")


@pytest.fixture
def demo_creds(sandbox):
    """A fresh ADMIN tenant holding a 20-product demo catalog."""
    fresh = sandbox.mint("ADMIN")
    sandbox.seed_demo(fresh, products=20, seed=1)
    return fresh


@pytest.fixture(autouse=True)
def _reset_sandbox_faults():
    """Faults set by a test are turned off after it."""
    yield
    support = sys.modules.get("tests.support.sandbox")
    if support is not None:
        support.reset_dirty_faults()


@pytest.fixture(autouse=True)
def _no_event_loop_left_running():
    """A test that leaves an event loop marked running on the main thread fails itself, rather than
    every later test that calls asyncio.run() ("cannot be called from a running event loop") or that is
    there when the coroutine it never started is collected ("was never awaited")."""
    yield
    import asyncio

    if asyncio._get_running_loop() is not None:
        asyncio.events._set_running_loop(None)  # the next test starts clean either way
        pytest.fail("this test left an event loop marked running on the main thread", pytrace=False)
