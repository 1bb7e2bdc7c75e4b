"""The server clock: ISO 8601 UTC timestamps with `Z` that rise strictly with every change.

Incremental pulls ask for `updated_since >= the largest updated_at seen`; two changes sharing one
microsecond would be fine for `>=` but a clock that steps back (NTP) or repeats could hide a record,
so every call returns a value strictly after the previous one.
"""
from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def format_time(moment: datetime) -> str:
    """Fixed-width text, so string order is time order (the database compares these strings)."""
    return moment.astimezone(UTC).strftime(_FORMAT)


def parse_time(text: str) -> datetime:
    """A timestamp a client sent (`Z` or an offset; naive means UTC). Raises ValueError."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class MonotonicClock:
    """Wall-clock time, nudged forward by a microsecond whenever it would not rise."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last = datetime(1970, 1, 1, tzinfo=UTC)

    def advance_past(self, text: str | None) -> None:
        """Never hand out a time at or before `text` (the newest stamp found in a reopened database)."""
        if text:
            with self._lock:
                self._last = max(self._last, parse_time(text))

    def now(self) -> str:
        with self._lock:
            moment = datetime.now(UTC)
            if moment <= self._last:
                moment = self._last + timedelta(microseconds=1)
            self._last = moment
            return format_time(moment)
