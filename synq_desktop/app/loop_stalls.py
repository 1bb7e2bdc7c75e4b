"""Measures how long the GUI thread's event loop goes without running a timer: the longest stall.

DESIGN.md promises no call on the GUI thread blocks it for more than 50 ms. A precise 10 ms Qt timer
that records the gap between its ticks makes that visible in the app (`--quit-after-ready` prints it)
and in benchmarks.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer

TICK_MS = 10


class LoopStallMonitor(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.max_stall_ms = 0.0

    def start(self) -> None:
        self._last = time.perf_counter()
        self.max_stall_ms = 0.0
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    def _tick(self) -> None:
        now = time.perf_counter()
        stall = (now - self._last) * 1000.0 - TICK_MS
        self.max_stall_ms = max(self.max_stall_ms, stall)
        self._last = now
