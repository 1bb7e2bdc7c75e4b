"""Three-way merge per field: the rule DESIGN.md gives for a record both sides may have changed.

`base` is the server's version the local edit started from, `mine` the local version, `theirs` the
server's current version. A whole side of None means that side deleted the record. The merge never
resolves a real clash by itself: it returns the fields a person has to decide.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


class _Missing:
    """A field a side does not carry (distinct from a field set to None, which means cleared)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(slots=True)
class MergeResult:
    """What the merge decided.

    merged: the fields after the merge (None when the record ends deleted). For a conflicting
    field it holds mine, so the local copy keeps showing what the user typed until they decide.
    conflicts: fields both sides changed to different values (or every locally changed field when
    the other side deleted the record).
    """

    merged: dict[str, Any] | None
    conflicts: list[str] = field(default_factory=list)
    taken_theirs: list[str] = field(default_factory=list)
    kept_mine: list[str] = field(default_factory=list)
    same_change: list[str] = field(default_factory=list)
    deleted_remotely: bool = False
    deleted_locally: bool = False

    @property
    def clean(self) -> bool:
        return not self.conflicts


def _get(side: Mapping[str, Any] | None, name: str) -> Any:
    if side is None:
        return MISSING
    return side.get(name, MISSING)


def _changed(base: Any, value: Any) -> bool:
    """A side changed a field when it carries it and its value differs from the base."""
    return value is not MISSING and value != base


def merge_fields(
    base: Mapping[str, Any] | None,
    mine: Mapping[str, Any] | None,
    theirs: Mapping[str, Any] | None,
    fields: Iterable[str] | None = None,
) -> MergeResult:
    """Merge `mine` and `theirs` against `base`, field by field.

    Rules: changed on one side only -> that side; the same new value on both sides -> that value, no
    conflict; different new values -> conflict; an edit against a delete on the other side -> conflict on
    every edited field. `fields` limits the merge (default: every field any side carries). Values are
    compared with ==, so callers normalise them first (money as canonical strings, ids in one id space).
    """
    names: list[str] = list(fields) if fields is not None else _all_names(base, mine, theirs)
    if theirs is None and mine is None:
        return MergeResult(merged=None, deleted_remotely=True, deleted_locally=True)
    if theirs is None:
        edited = _edited(names, base, mine)
        if edited:
            return MergeResult(merged=dict(mine or {}), conflicts=edited, deleted_remotely=True)
        return MergeResult(merged=None, deleted_remotely=True)
    if mine is None:
        edited = _edited(names, base, theirs)
        if edited:
            return MergeResult(merged=dict(theirs), conflicts=edited, deleted_locally=True)
        return MergeResult(merged=None, deleted_locally=True)

    result = MergeResult(merged={})
    merged = result.merged
    assert merged is not None
    for name in names:
        b, m, t = _get(base, name), _get(mine, name), _get(theirs, name)
        mine_changed, theirs_changed = _changed(b, m), _changed(b, t)
        if mine_changed and theirs_changed:
            if m == t:
                merged[name] = m
                result.same_change.append(name)
            else:
                merged[name] = m
                result.conflicts.append(name)
        elif mine_changed:
            merged[name] = m
            result.kept_mine.append(name)
        elif theirs_changed:
            merged[name] = t
            result.taken_theirs.append(name)
        else:
            value = m if m is not MISSING else (t if t is not MISSING else b)
            if value is not MISSING:
                merged[name] = value
    return result


def _edited(names: list[str], base: Mapping[str, Any] | None, side: Mapping[str, Any]) -> list[str]:
    """Fields `side` changed against `base`; with no base known every field it carries counts."""
    if base is None:
        return [n for n in names if _get(side, n) is not MISSING]
    return [n for n in names if _changed(_get(base, n), _get(side, n))]


def _all_names(*sides: Mapping[str, Any] | None) -> list[str]:
    seen: dict[str, None] = {}
    for side in sides:
        if side is not None:
            for name in side:
                seen.setdefault(name, None)
    return list(seen)
