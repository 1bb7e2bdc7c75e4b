"""Rows for server records this copy has never seen, written with one prepared statement per table.

A first pull writes a hundred thousand such records. Going through SQLAlchemy's insert (statement
compilation, a JSON bind processor per value, rows grouped by their keys) and the general per-field
normalisation cost most of its CPU; a record never seen has no base to merge and no local edit to keep,
so its row is built straight from the server's dict in one pass and written by `executemany` on the
driver connection, inside the caller's transaction. The stored forms are exactly those of
`entities.base_of` and `pull._server_values` (tests/store/test_fresh_rows.py compares them).
"""
from __future__ import annotations

import functools
import json
import operator
import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Connection

from synq_desktop.store import findings, schema
from synq_desktop.store.entities import SPECS, EntitySpec, normalize
from synq_desktop.store.states import EntityType
from synq_desktop.store.timestamps import stored_time

# As store.engine writes JSON; one encoder for every value (json.dumps with options builds one per call).
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_ABSENT = object()
_PUSHED_INDEXED = frozenset(table.name for table in schema.PUSHED_INDEXED)
_CANONICAL_AMOUNT = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?")  # money_text(parse_money(x)) == x for these
JOB_STATUS_ALIASES = {"RUNNING": "PROCESSING"}
IN_CHUNK = 500  # ids per IN (...) list: well under SQLite's bound-parameter limit


def driver_connection(connection: Connection) -> sqlite3.Connection:
    """The sqlite3 connection under `connection` (same transaction)."""
    return connection.connection.driver_connection  # type: ignore[return-value]


def present(raw: sqlite3.Connection, table: str, column: str, values: Sequence[str]) -> set[str]:
    """Which of `values` the column holds (one indexed lookup per value, no statement compilation)."""
    found: set[str] = set()
    for start in range(0, len(values), IN_CHUNK):
        chunk = values[start:start + IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(value for (value,) in raw.execute(
            f"SELECT {column} FROM {table} WHERE {column} IN ({marks})", chunk))
    return found


def local_ids_of(raw: sqlite3.Connection, table: str, server_ids: set[str]) -> dict[str, str]:
    """Server id -> local id for the records among `server_ids` whose local id differs (created here and
    pushed); every other reference keeps its value (a pulled record's local id is its server id)."""
    wanted = list(server_ids)
    # Through the small index of pushed records (SQLite's planner, without statistics, picks the whole
    # server-id index instead).
    indexed = f" INDEXED BY ix_{table}_pushed" if table in _PUSHED_INDEXED else ""
    found: dict[str, str] = {}
    for start in range(0, len(wanted), IN_CHUNK):
        chunk = wanted[start:start + IN_CHUNK]
        marks = ",".join("?" * len(chunk))
        found.update(raw.execute(
            f"SELECT server_id, local_id FROM {table}{indexed} WHERE server_id IN ({marks}) AND local_id <> server_id",
            chunk))
    return found


def _money(value: Any) -> Any:
    if type(value) is str and _CANONICAL_AMOUNT.fullmatch(value):
        return value
    return _NORMALIZE_MONEY(value)


_NORMALIZE_MONEY: Callable[[Any], Any] = functools.partial(normalize, SPECS[EntityType.VARIANT], "price")


@dataclass(frozen=True, slots=True)
class _Plan:
    """How one table's fresh rows are built and written."""

    fields: tuple[tuple[str, Callable[[Any], Any] | None, Any], ...]  # (name, normaliser, value when absent)
    refs: tuple[tuple[str, str], ...]  # (field, table of the referenced records)
    list_refs: tuple[tuple[str, str], ...]
    server_fields: tuple[str, ...]
    json_columns: frozenset[str]
    columns: tuple[str, ...]
    sql: str


def _normaliser(spec: EntitySpec, name: str) -> tuple[Callable[[Any], Any] | None, Any]:
    """The per-field form of entities.normalize, decided once per table instead of once per value."""
    column = spec.table.c.get(name)
    absent = normalize(spec, name, None)  # a NOT NULL column's default, else None
    if name in spec.money:
        return _money, absent
    if name == "sort_order" or name in spec.list_refs:
        return functools.partial(normalize, spec, name), absent
    if column is not None and not column.nullable:
        return (lambda value, default=absent: default if value is None else value), absent
    return None, absent


@functools.cache
def _plan(entity_type: EntityType) -> _Plan:
    spec = SPECS[entity_type]
    fields = tuple((name, *_normaliser(spec, name)) for name in spec.create_fields)
    server_fields = tuple(name for name in spec.server_fields if name in spec.table.c)
    columns = ("local_id", "server_id", "base", "etag", "created_at", "updated_at",
               *(name for name, _, _ in fields), *server_fields)
    if "issue_level" in spec.table.c:
        columns += ("issue_level", "issues")
    json_columns = frozenset(c.name for c in spec.table.c if isinstance(c.type, JSON)) - {"base"}
    sql = f"INSERT INTO {spec.table.name} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
    return _Plan(fields, tuple((n, SPECS[t].table.name) for n, t in spec.refs.items()),
                 tuple((n, SPECS[t].table.name) for n, t in spec.list_refs.items()), server_fields,
                 json_columns, columns, sql)


def _translations(raw: sqlite3.Connection, plan: _Plan,
                  records: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    """Per referenced table, the server ids among the records' references that map to another local id."""
    wanted: dict[str, set[str]] = {}
    for name, table in plan.refs:
        ids = {str(r[name]) for r in records if r.get(name)}
        if ids:
            wanted.setdefault(table, set()).update(ids)
    for name, table in plan.list_refs:
        ids = {str(v) for r in records for v in (r.get(name) or ())}
        if ids:
            wanted.setdefault(table, set()).update(ids)
    return {table: local_ids_of(raw, table, ids) for table, ids in wanted.items()}


def build_rows(raw: sqlite3.Connection, entity_type: EntityType, records: Sequence[Mapping[str, Any]],
               etags: Mapping[str, str]) -> list[dict[str, Any]]:
    """The rows (every column of the insert) for records never seen here; `base` None (entities.row_base)."""
    plan = _plan(entity_type)
    maps = _translations(raw, plan, records)
    refs = {name: maps.get(table, {}) for name, table in plan.refs}
    list_refs = {name: maps.get(table, {}) for name, table in plan.list_refs}
    job_status = entity_type == EntityType.BULK_JOB
    # Only references some record here maps elsewhere need a lookup (none in a first pull of a copy that
    # never created anything); list references always go through it (their ids become text).
    mapped = {name: mapping for name, mapping in refs.items() if mapping}
    mapped.update(list_refs)
    absent_marker = _ABSENT
    rows: list[dict[str, Any]] = []
    for record in records:
        server_id = str(record["id"])
        # No base stored: the row's own columns are the server's version (entities.row_base).
        row: dict[str, Any] = {"local_id": server_id, "server_id": server_id, "base": None,
                               "etag": etags.get(server_id)}
        get = record.get
        for name, normalise, absent in plan.fields:
            value = get(name, absent_marker)
            if value is absent_marker:
                row[name] = absent
                continue
            if (name in mapped or (name in refs and type(value) is not str)) and value is not None and value != "":
                if name in list_refs:
                    value = [list_refs[name].get(str(v), str(v)) for v in value]
                else:
                    value = refs[name].get(str(value), str(value))
            if normalise is not None:
                value = normalise(value)
            row[name] = value
        for name in plan.server_fields:
            value = get(name)
            if job_status and name == "status" and isinstance(value, str):
                value = JOB_STATUS_ALIASES.get(value.upper(), value.upper())
            row[name] = value
        row["created_at"] = stored_time(get("created_at"))
        row["updated_at"] = stored_time(get("updated_at"))
        rows.append(row)
    return rows


def write_rows(raw: sqlite3.Connection, entity_type: EntityType, rows: list[dict[str, Any]],
               evaluated: Mapping[str, tuple[int, Any]]) -> None:
    """Insert built rows, with their findings (local id -> (level, issues)) where given."""
    plan = _plan(entity_type)
    has_findings = "issue_level" in plan.columns
    json_columns = plan.json_columns
    for row in rows:
        for name in json_columns:
            value = row.get(name)
            if value is not None:
                row[name] = _dumps(value)
        if has_findings:
            level, issues = evaluated.get(row["local_id"], (0, None))
            row["issue_level"] = level
            row["issues"] = None if issues is None else _dumps(issues)
    raw.executemany(plan.sql, map(operator.itemgetter(*plan.columns), rows))


def insert_fresh(connection: Connection, spec: EntitySpec, records: Sequence[Mapping[str, Any]],
                 etags: Mapping[str, str], report: Any, check_findings: bool,
                 counts_known: bool = True) -> list[dict[str, Any]]:
    """Build, check and insert records never seen here; variants whose product is not here are reported
    as orphans (`report.orphans`) and not written. Returns the rows written (values as stored).
    `counts_known=False` (variant counts are rebuilt later, store.derived): products are checked without
    NO_VARIANTS, which the rebuild adds where it holds."""
    raw = driver_connection(connection)
    rows = build_rows(raw, spec.type, records, etags)
    if spec.type == EntityType.VARIANT:
        parents = present(raw, "products", "local_id", list({row["product_id"] for row in rows}))
        kept = []
        for row in rows:
            if row["product_id"] in parents:
                kept.append(row)
            else:
                report.orphans.append(row["server_id"])  # its product is not here (yet): keep the link whole
        rows = kept
    if not rows:
        return rows
    if not counts_known and spec.type == EntityType.PRODUCT:
        for row in rows:
            row["variant_count"] = None
    evaluated = findings.evaluate(connection, spec.type, rows) if check_findings else {}
    write_rows(raw, spec.type, rows, evaluated)
    if spec.type == EntityType.VARIANT and evaluated:
        findings.recheck_sku_twins(connection, rows, evaluated)
    report.inserted += len(rows)
    return rows
