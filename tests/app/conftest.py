"""The app tests use the same qasync harness as the UI tests."""
from tests.ui.qasync_harness import qloop

__all__ = ["qloop"]
