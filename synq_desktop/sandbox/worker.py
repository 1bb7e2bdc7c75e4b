"""(being written) The bulk-job worker thread."""
from __future__ import annotations

from synq_desktop.sandbox.runtime import SandboxRuntime


class JobWorker:
    def __init__(self, runtime: SandboxRuntime) -> None:
        self.runtime = runtime

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
