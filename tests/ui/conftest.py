"""Qt and qasync fixtures for the UI tests (the harness itself lives in qasync_harness.py)."""
from tests.ui.qasync_harness import qloop

__all__ = ["qloop"]
