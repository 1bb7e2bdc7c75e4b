"""Timestamps as the working copy stores them: ISO 8601 UTC, fixed width, so text order is time order."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

# The common server form ("2024-11-15T11:00:00Z", "...:00.123Z"): padded without parsing (pulls
# normalise tens of thousands of these).
_ZULU = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?Z$")


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def now_iso(offset_seconds: float = 0.0) -> str:
    return format_time(datetime.now(UTC) + timedelta(seconds=offset_seconds))


def normalize_time(value: object) -> str | None:
    """A server timestamp ("2024-11-15T11:00:00Z", "+00:00", fractions or not) in the stored form;
    text that is not a timestamp is kept as it came rather than dropped."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return format_time(value if value.tzinfo else value.replace(tzinfo=UTC))
    text = str(value).strip()
    match = _ZULU.match(text)
    if match:
        return f"{match.group(1)}.{(match.group(2) or '').ljust(6, '0')}Z"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return text
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return format_time(parsed)


_STORED = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")


def stored_time(value: object) -> str | None:
    """`normalize_time`, with text already in the stored form passed through as it is (what servers send
    most: a pull reads two per record)."""
    if type(value) is str and _STORED.fullmatch(value):
        return value
    return normalize_time(value)
