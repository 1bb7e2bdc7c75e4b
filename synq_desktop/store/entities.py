"""What the working copy knows about each kind of record: its table, the fields the API lets a client
set (these are sent, kept in the merge base and merged), the references to other records, money
fields, natural keys and which edits the API allows.

It also translates between the server's ids and local ids. A pulled record keeps the server's id as its
local id, so a reference the server sends to a record this copy does not have (a deleted category a
product still names) stays as it is, and translates back to itself.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, select

from synq_desktop.domain.money import MoneyError, money_text, parse_money
from synq_desktop.store import schema
from synq_desktop.store.states import EntityType


@dataclass(frozen=True, slots=True)
class EntitySpec:
    type: EntityType
    table: Table
    fields: tuple[str, ...]  # settable fields: sent, kept in the merge base, merged
    create_only: tuple[str, ...] = ()  # settable at create, fixed afterwards (a variant's product)
    refs: Mapping[str, EntityType] = field(default_factory=dict)
    list_refs: Mapping[str, EntityType] = field(default_factory=dict)
    money: tuple[str, ...] = ()
    server_fields: tuple[str, ...] = ()  # read-only values the server computes (scores, option values)
    natural_key: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    can_update: bool = True
    can_delete: bool = True  # False: only an unsent local record may be discarded

    @property
    def create_fields(self) -> tuple[str, ...]:
        return self.create_only + self.fields

    @property
    def all_refs(self) -> dict[str, EntityType]:
        return {**self.refs, **self.list_refs}


E = EntityType
SPECS: dict[EntityType, EntitySpec] = {
    E.PRODUCT: EntitySpec(
        E.PRODUCT, schema.products,
        fields=("title", "description", "category", "category_id", "brand_id", "template_id", "status"),
        refs={"category_id": E.CATEGORY, "brand_id": E.BRAND, "template_id": E.TEMPLATE},
        server_fields=("data_quality_score",),
        required=("title",),
    ),
    E.VARIANT: EntitySpec(
        E.VARIANT, schema.variants,
        fields=("sku", "barcode", "price", "currency", "cost_price"),
        create_only=("product_id",),
        refs={"product_id": E.PRODUCT},
        money=("price", "cost_price"),
        server_fields=("option_values", "data_quality_score"),
        required=("product_id",),
        can_delete=False,
    ),
    E.CATEGORY: EntitySpec(
        E.CATEGORY, schema.categories,
        fields=("name", "slug", "description", "parent_id"),
        refs={"parent_id": E.CATEGORY},
        natural_key=("slug",),
        required=("name", "slug"),
    ),
    E.BRAND: EntitySpec(
        E.BRAND, schema.brands, fields=("name", "description", "logo_url"), natural_key=("name",),
        required=("name",),
    ),
    E.ATTRIBUTE: EntitySpec(
        E.ATTRIBUTE, schema.attributes, fields=("name", "slug", "type"), natural_key=("slug",),
        required=("name", "slug"),
    ),
    E.ATTRIBUTE_VALUE: EntitySpec(
        E.ATTRIBUTE_VALUE, schema.attribute_values,
        fields=("value", "slug"),
        create_only=("attribute_id",),
        refs={"attribute_id": E.ATTRIBUTE},
        natural_key=("attribute_id", "slug"),
        required=("attribute_id", "value"),
        can_update=False,
        can_delete=False,
    ),
    E.ATTRIBUTE_GROUP: EntitySpec(
        E.ATTRIBUTE_GROUP, schema.attribute_groups,
        fields=("name", "description", "attribute_ids"),
        list_refs={"attribute_ids": E.ATTRIBUTE},
        required=("name",),
    ),
    E.TEMPLATE: EntitySpec(
        E.TEMPLATE, schema.templates,
        fields=("name", "description", "attribute_group_ids", "required_attribute_ids"),
        list_refs={"attribute_group_ids": E.ATTRIBUTE_GROUP, "required_attribute_ids": E.ATTRIBUTE},
        required=("name",),
    ),
    E.MEDIA: EntitySpec(
        E.MEDIA, schema.media,
        fields=("alt_text", "sort_order", "variant_id"),
        create_only=("url", "product_id"),
        refs={"product_id": E.PRODUCT, "variant_id": E.VARIANT},
        natural_key=("url", "product_id", "variant_id"),
        required=("url",),
    ),
    E.BULK_JOB: EntitySpec(
        E.BULK_JOB, schema.bulk_jobs,
        fields=(),
        create_only=("job_type", "payload", "format"),
        server_fields=("status", "total_items", "processed_items", "failed_items", "errors", "result_url"),
        required=("job_type",),
        can_update=False,
        can_delete=False,
    ),
}


def spec_for(entity_type: EntityType | str) -> EntitySpec:
    try:
        return SPECS[EntityType(entity_type)]
    except ValueError:
        from synq_desktop.store.errors import EditError

        raise EditError(f"{entity_type!r} is not a kind of record the working copy keeps") from None


def normalize(spec: EntitySpec, name: str, value: Any) -> Any:
    """The stored form of a value: money as canonical decimal text (never a float). Text that is not
    money is kept as typed so the user sees it flagged rather than lost; validation reports it."""
    if value is None and name in spec.table.c and not spec.table.c[name].nullable:
        default = spec.table.c[name].server_default
        return str(default.arg) if default is not None else ""  # type: ignore[attr-defined]
    if name in spec.money and value is not None:
        if isinstance(value, str) and not value.strip():
            return None
        try:
            return money_text(parse_money(value))
        except MoneyError:
            return str(value)
    if name == "sort_order" and value is not None:
        try:
            return int(value)
        except (TypeError, ValueError):
            return 0
    if name in spec.list_refs and value is not None:
        return [str(v) for v in value]
    return value


def comparable(spec: EntitySpec, fields: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """`fields` with money as amounts, for comparing: "90", "90.0" and "90.00" are one price, so the
    same change made on two sides (the server writes "90.00") is not taken for a clash."""
    if fields is None:
        return None
    out = dict(fields)
    for name in spec.money:
        value = out.get(name)
        if isinstance(value, str) and value.strip():
            try:
                out[name] = parse_money(value).normalize()
            except MoneyError:
                pass
    return out


def same_value(spec: EntitySpec, name: str, a: Any, b: Any) -> bool:
    pair = comparable(spec, {name: a}), comparable(spec, {name: b})
    return pair[0] == pair[1]


def _id_map(connection: Connection, table: Table, ids: Iterable[str], column: str, other: str) -> dict[str, str]:
    wanted = list({i for i in ids if i})
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start:start + 500]
        rows = connection.execute(
            select(table.c[column], table.c[other]).where(table.c[column].in_(chunk))
        ).all()
        found.update({row[0]: row[1] for row in rows})
    return found


def _ref_ids(spec: EntitySpec, records: Iterable[Mapping[str, Any]]) -> dict[EntityType, set[str]]:
    wanted: dict[EntityType, set[str]] = {}
    for record in records:
        for name, target in spec.refs.items():
            value = record.get(name)
            if value:
                wanted.setdefault(target, set()).add(str(value))
        for name, target in spec.list_refs.items():
            for value in record.get(name) or ():
                wanted.setdefault(target, set()).add(str(value))
    return wanted


class IdTranslator:
    """Maps reference fields between id spaces for a batch of records (one query per target table)."""

    def __init__(self, connection: Connection, spec: EntitySpec, records: list[Mapping[str, Any]],
                 to_local: bool) -> None:
        self.spec = spec
        self.to_local = to_local
        self.maps: dict[EntityType, dict[str, str]] = {}
        self.local_ids_without_server: set[str] = set()
        for target, ids in _ref_ids(spec, records).items():
            table = SPECS[target].table
            if to_local:
                self.maps[target] = _id_map(connection, table, ids, "server_id", "local_id")
            else:
                rows = _id_map(connection, table, ids, "local_id", "server_id")
                self.maps[target] = {k: v for k, v in rows.items() if v is not None}
                self.local_ids_without_server |= {k for k, v in rows.items() if v is None}

    def one(self, target: EntityType, value: Any) -> Any:
        if value is None or value == "":
            return value
        return self.maps.get(target, {}).get(str(value), str(value))

    def record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(record)
        for name, target in self.spec.refs.items():
            if name in out:
                out[name] = self.one(target, out[name])
        for name, target in self.spec.list_refs.items():
            if name in out and out[name] is not None:
                out[name] = [self.one(target, v) for v in out[name]]
        return out

    def unresolved(self, record: Mapping[str, Any]) -> list[tuple[EntityType, str]]:
        """References in `record` (local ids) to records the server does not know yet."""
        missing: list[tuple[EntityType, str]] = []
        for name, target in self.spec.refs.items():
            value = record.get(name)
            if value and str(value) in self.local_ids_without_server:
                missing.append((target, str(value)))
        for name, target in self.spec.list_refs.items():
            for value in record.get(name) or ():
                if str(value) in self.local_ids_without_server:
                    missing.append((target, str(value)))
        return missing


def server_payload(connection: Connection, entity_type: EntityType | str,
                   fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[EntityType, str]]]:
    """The fields of an operation in the server's ids, plus the references still unknown to the server
    (non-empty: the operation must wait). Field names stay the working copy's (snake_case as in
    API.md); the api layer owns the wire spelling."""
    spec = spec_for(entity_type)
    translator = IdTranslator(connection, spec, [fields], to_local=False)
    return translator.record(fields), translator.unresolved(fields)


def local_fields(connection: Connection, entity_type: EntityType | str,
                 record: Mapping[str, Any]) -> dict[str, Any]:
    """A server record's settable fields in local ids and stored forms: comparable with a row's fields
    and with the merge base (the sync engine passes the server's current record here before a merge)."""
    spec = spec_for(entity_type)
    translator = IdTranslator(connection, spec, [record], to_local=True)
    return base_of(spec, translator.record(record))


def base_of(spec: EntitySpec, record: Mapping[str, Any]) -> dict[str, Any]:
    """The settable fields of an already translated record, normalised: what the merge base stores."""
    return {name: normalize(spec, name, record.get(name)) for name in spec.create_fields if name in record}


def row_base(spec: EntitySpec, row: Mapping[str, Any]) -> dict[str, Any] | None:
    """The merge base of a record row (a mapping with `base`, `server_id` and the settable columns).

    A pulled record stores no base until something here changes it (store.fresh_rows writes NULL: the
    pull of a whole catalog then writes each value once, not twice): while `base` is NULL and the server
    knows the record, its own columns are the server's last known version. Before the first local change
    to a settable column, trigger <table>_base_keep (revision 0003) stores the base from the old values.
    A record created here and never pushed has no base (None)."""
    base = row["base"]
    if base is not None or row["server_id"] is None:
        return base
    return {name: row[name] for name in spec.create_fields}


def stored_base(connection: Connection, spec: EntitySpec, local_id: str) -> dict[str, Any] | None:
    """`row_base` of the record `local_id` (None when there is no such row)."""
    table = spec.table
    row = connection.execute(select(table.c.base, table.c.server_id, *(table.c[n] for n in spec.create_fields))
                             .where(table.c.local_id == local_id)).mappings().first()
    return None if row is None else row_base(spec, row)
