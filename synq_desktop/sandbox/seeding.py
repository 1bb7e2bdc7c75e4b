"""(being written) Demo catalog seeding from demo.py."""
from __future__ import annotations

from synq_desktop.sandbox.runtime import Caller, SandboxRuntime


def seed_demo(runtime: SandboxRuntime, caller: Caller, products: int, seed: int) -> dict[str, int]:
    return {"products": 0}
