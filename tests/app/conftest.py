"""The app tests use the same qasync harness as the UI tests."""
from tests.ui.qasync_harness import _qasync_executor_cleanup, qloop

__all__ = ["_qasync_executor_cleanup", "qloop"]
