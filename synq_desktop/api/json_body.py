"""JSON request bodies with money written as JSON numbers.

The standard library cannot write a `Decimal` as a number without going through float, and pydantic writes it
as a string; Synq expects `"price": 89.99`. `encode_json` walks the body and writes Decimals verbatim.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from uuid import UUID

_encode_str = json.encoder.encode_basestring  # type: ignore[attr-defined]


def _decimal_text(value: Decimal) -> str:
    if not value.is_finite():
        raise ValueError(f"not a finite amount: {value}")
    return format(value, "f")


def iso_utc(moment: datetime) -> str:
    """ISO 8601 in UTC with a `Z`, as the API writes timestamps (a naive datetime is taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _encode(value: object, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_encode_str(value))
    elif isinstance(value, Decimal):
        out.append(_decimal_text(value))
    elif isinstance(value, int):
        out.append(int.__repr__(value))
    elif isinstance(value, float):
        out.append(json.dumps(value, allow_nan=False))
    elif isinstance(value, Mapping):
        out.append("{")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",")
            first = False
            out.append(_encode_str(str(key)))
            out.append(":")
            _encode(item, out)
        out.append("}")
    elif isinstance(value, (list, tuple, set, frozenset)):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _encode(item, out)
        out.append("]")
    elif isinstance(value, datetime):
        out.append(_encode_str(iso_utc(value)))
    elif isinstance(value, UUID):
        out.append(_encode_str(str(value)))
    elif isinstance(value, Enum):
        _encode(value.value, out)
    else:
        raise TypeError(f"cannot write {type(value).__name__} as JSON")


def encode_json(value: object) -> bytes:
    """UTF-8 JSON for `value`; Decimals become JSON numbers ("89.99" -> 89.99), never floats or strings."""
    out: list[str] = []
    _encode(value, out)
    return "".join(out).encode("utf-8")
