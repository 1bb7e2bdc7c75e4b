"""Wire models for every object of the Synq PIM API (../shared/API.md), read tolerantly and written conservatively.

Reading (`WireModel` subclasses): snake_case or camelCase keys (`parent_id` / `parentId`), money as `Decimal` from a
JSON number or a numeric string, open enums (status, type, severity, action) kept as plain strings so a value the
client has never seen is shown rather than refused, job payloads decoded from JSON, a JSON string or base64 JSON,
and unknown extra fields kept (`model_extra`). Numbers where a string is expected are read as text.

Writing (`WriteModel` subclasses): only the documented field names go on the wire, money as JSON numbers (see
`json_body`), and only the fields that were set: an absent field is left alone by the server, an explicit `None`
is sent as `null` and clears the field.
"""
from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar, NamedTuple

from pydantic import AliasChoices, AliasGenerator, BaseModel, BeforeValidator, ConfigDict, Field

from synq_desktop.domain.money import parse_money


def camel(name: str) -> str:
    """`parent_id` -> `parentId`."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _read_aliases(name: str) -> AliasChoices | str:
    other = camel(name)
    return AliasChoices(name, other) if other != name else name


def _money(value: object) -> object:
    if value is None or value == "":
        return None
    return parse_money(value)


def _decode_payload(value: object) -> object:
    """A job payload as sent: JSON text or base64 JSON become the decoded value; anything else is kept."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return json.loads(base64.b64decode(text, validate=True))
    except (ValueError, binascii.Error):
        return value


def _json_object(value: object) -> object:
    """An object that may arrive as JSON text (audit details)."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return {"text": value}
        return decoded if isinstance(decoded, dict) else {"value": decoded}
    return value


def _id_list(value: object) -> object:
    if value is None:
        return []
    if isinstance(value, str):
        return [part for part in (piece.strip() for piece in value.split(",")) if part]
    return value


def _option_values(value: object) -> object:
    """`{"size": "M"}`; also accepts a list of `{attribute|slug|name, value}` pairs; scalars become text."""
    if value is None:
        return None
    if isinstance(value, str):
        value = _json_object(value)
    if isinstance(value, list):
        pairs: dict[str, object] = {}
        for item in value:
            if isinstance(item, Mapping):
                key = item.get("attribute") or item.get("slug") or item.get("name") or item.get("attribute_slug")
                if key is not None:
                    pairs[str(key)] = item.get("value", item.get("label"))
        value = pairs
    if isinstance(value, Mapping):
        return {str(key): ("" if item is None else str(item)) for key, item in value.items()}
    return value


def _job_status(value: object) -> object:
    if isinstance(value, str) and value.upper() == "RUNNING":
        return "PROCESSING"
    return value


Money = Annotated[Decimal | None, BeforeValidator(_money)]
"""A money amount or None: read from a number or a numeric string, held as Decimal, written as a JSON number."""

IdList = Annotated[list[str], BeforeValidator(_id_list)]


class WireModel(BaseModel):
    """Base of the objects the server sends. Tolerant: see the module docstring."""

    model_config = ConfigDict(
        extra="allow",
        populate_by_name=True,
        coerce_numbers_to_str=True,
        alias_generator=AliasGenerator(validation_alias=_read_aliases),
    )


class TenantRecord(WireModel):
    """The envelope every tenant-scoped record shares: its id, its owners and its timestamps."""

    id: str
    org_id: str | None = None
    tenant_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Product(TenantRecord):
    """A product. A list may carry only the light projection `id, title, category, status, updated_at`."""

    title: str | None = None
    description: str | None = None
    category: str | None = None
    category_id: str | None = None
    brand_id: str | None = None
    template_id: str | None = None
    status: str | None = None
    data_quality_score: float | None = None

    _FULL_ONLY: ClassVar[frozenset[str]] = frozenset(
        {"org_id", "tenant_id", "description", "category_id", "brand_id", "template_id", "created_at"}
    )

    @property
    def is_summary(self) -> bool:
        """True when this is the light projection: fetch the full record before relying on other fields."""
        return not (self.model_fields_set & self._FULL_ONLY)


class Variant(TenantRecord):
    product_id: str | None = None
    sku: str | None = None
    barcode: str | None = None
    price: Money = None
    currency: str | None = None
    option_values: Annotated[dict[str, str] | None, BeforeValidator(_option_values)] = None
    cost_price: Money = None
    data_quality_score: float | None = None


class Category(TenantRecord):
    parent_id: str | None = None
    name: str | None = None
    slug: str | None = None
    description: str | None = None


class Brand(TenantRecord):
    name: str | None = None
    description: str | None = None
    logo_url: str | None = None


class Attribute(TenantRecord):
    name: str | None = None
    slug: str | None = None
    type: str | None = None


class AttributeValue(WireModel):
    """One value of an attribute (EXT shape)."""

    id: str
    attribute_id: str | None = None
    value: str | None = None
    slug: str | None = None
    created_at: datetime | None = None


class AttributeValueLink(WireModel):
    """An attribute value linked to a variant or a product (EXT). Shapes differ, so every field is optional."""

    id: str | None = None
    attribute_value_id: str | None = None
    attribute_id: str | None = None
    variant_id: str | None = None
    product_id: str | None = None
    value: str | None = None
    slug: str | None = None
    attribute_slug: str | None = None
    created_at: datetime | None = None


class AttributeGroup(TenantRecord):
    name: str | None = None
    description: str | None = None
    attribute_ids: IdList = Field(default_factory=list)


class Template(TenantRecord):
    name: str | None = None
    description: str | None = None
    attribute_group_ids: IdList = Field(default_factory=list)
    required_attribute_ids: IdList = Field(default_factory=list)


class Media(TenantRecord):
    product_id: str | None = None
    variant_id: str | None = None
    url: str | None = None
    alt_text: str | None = None
    sort_order: int | None = None


class ValidationIssue(WireModel):
    id: str
    severity: str | None = None
    issue_type: str | None = None
    message: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    field: str | None = None
    created_at: datetime | None = None


class AuditEvent(WireModel):
    id: str
    actor_email: str | None = None
    action: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    details: Annotated[dict[str, Any] | None, BeforeValidator(_json_object)] = None
    ip_address: str | None = None
    created_at: datetime | None = None

    @property
    def changes(self) -> dict[str, Any]:
        """`{field: {"old", "new"}}` of an update event (EXT), else empty."""
        changes = (self.details or {}).get("changes")
        return changes if isinstance(changes, dict) else {}


class JobItemError(WireModel):
    """One failed item of a bulk job: `index` is its position in the payload."""

    index: int | None = None
    error: str | None = Field(default=None, validation_alias=AliasChoices("error", "message", "detail"))
    id: str | None = None


class BulkJob(WireModel):
    """A bulk job or an export (`job_type` `EXPORT`). `status` reads `RUNNING` as `PROCESSING`."""

    id: str
    job_type: str | None = Field(default=None, validation_alias=AliasChoices("job_type", "jobType", "type"))
    status: Annotated[str | None, BeforeValidator(_job_status)] = None
    payload: Annotated[Any, BeforeValidator(_decode_payload)] = None
    total_items: int | None = None
    processed_items: int | None = None
    failed_items: int | None = None
    errors: Annotated[list[JobItemError], BeforeValidator(lambda v: [] if v is None else v)] = Field(
        default_factory=list
    )
    result_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def finished(self) -> bool:
        """True once the job will not change any more."""
        return (self.status or "").upper() in {"COMPLETED", "FAILED", "CANCELLED", "CANCELED"}


class Stats(WireModel):
    """Catalog counts. Known counts are fields; every numeric entry (camelCase too) is in `counts`."""

    total_products: int | None = None
    total_variants: int | None = None
    total_brands: int | None = None
    total_categories: int | None = None
    total_attributes: int | None = None
    total_media: int | None = None

    @property
    def counts(self) -> dict[str, int]:
        """Every integer count the server sent, keyed snake_case."""
        result: dict[str, int] = {}
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, int):
                result[name] = value
        for key, value in (self.model_extra or {}).items():
            if isinstance(value, int) and not isinstance(value, bool):
                result[_snake(key)] = value
        return result


def _snake(name: str) -> str:
    return "".join("_" + char.lower() if char.isupper() else char for char in name).lstrip("_")


class Capabilities(WireModel):
    """What the server offers. `docs_only` is True when `/capabilities` itself is missing (404)."""

    ext: frozenset[str] = Field(default_factory=frozenset)
    role: str | None = None
    limits: dict[str, Any] = Field(default_factory=dict)
    docs_only: bool = False

    def has(self, name: str) -> bool:
        return name in self.ext


class UploadResult(WireModel):
    url: str


class Tagged[T](NamedTuple):
    """A single record and the ETag it came with (None on a server without ETags): `value, etag = ...`."""

    value: T
    etag: str | None


# --- writing --------------------------------------------------------------------------------------------------


class WriteModel(BaseModel):
    """Base of request bodies: documented names only, only the fields set (None is sent as null)."""

    model_config = ConfigDict(
        extra="forbid",
        populate_by_name=True,
        alias_generator=AliasGenerator(validation_alias=_read_aliases),
    )
    REQUIRED_ON_CREATE: ClassVar[tuple[str, ...]] = ()

    def to_wire(self) -> dict[str, Any]:
        """The body as a dict of wire names; Decimals stay Decimal for `json_body.encode_json`."""
        return self.model_dump(by_alias=True, exclude_unset=True)

    def missing_for_create(self) -> list[str]:
        return [name for name in self.REQUIRED_ON_CREATE if getattr(self, name) in (None, "")]


class ProductWrite(WriteModel):
    """Fields of POST/PUT /products. `status`, `category_id` on create and `template_id` are EXT."""

    REQUIRED_ON_CREATE: ClassVar[tuple[str, ...]] = ("title",)
    title: str | None = None
    description: str | None = None
    category: str | None = None
    category_id: str | None = None
    brand_id: str | None = None
    template_id: str | None = None
    status: str | None = None


class VariantWrite(WriteModel):
    """Fields of POST /products/{id}/variants and (EXT) PUT /variants/{id}. `price` goes out as a JSON number."""

    sku: str | None = None
    barcode: str | None = None
    price: Money = None
    currency: str | None = None
    cost_price: Money = None


class CategoryWrite(WriteModel):
    REQUIRED_ON_CREATE: ClassVar[tuple[str, ...]] = ("name", "slug")
    name: str | None = None
    slug: str | None = None
    description: str | None = None
    parent_id: str | None = Field(default=None, serialization_alias="parentId")


class BrandWrite(WriteModel):
    REQUIRED_ON_CREATE: ClassVar[tuple[str, ...]] = ("name",)
    name: str | None = None
    description: str | None = None
    logo_url: str | None = Field(default=None, serialization_alias="logoUrl")


class AttributeWrite(WriteModel):
    REQUIRED_ON_CREATE: ClassVar[tuple[str, ...]] = ("name", "slug")
    name: str | None = None
    slug: str | None = None
    type: str | None = None


class AttributeGroupWrite(WriteModel):
    REQUIRED_ON_CREATE: ClassVar[tuple[str, ...]] = ("name",)
    name: str | None = None
    description: str | None = None
    attribute_ids: list[str] | None = None


class TemplateWrite(WriteModel):
    REQUIRED_ON_CREATE: ClassVar[tuple[str, ...]] = ("name",)
    name: str | None = None
    description: str | None = None
    attribute_group_ids: list[str] | None = None
    required_attribute_ids: list[str] | None = None


class MediaWrite(WriteModel):
    """POST /media takes all of these; PUT /media/{id} (EXT) takes `alt_text`, `sort_order`, `variant_id`."""

    REQUIRED_ON_CREATE: ClassVar[tuple[str, ...]] = ("url",)
    url: str | None = None
    product_id: str | None = None
    variant_id: str | None = None
    alt_text: str | None = None
    sort_order: int | None = None


class AttributeValueWrite(WriteModel):
    REQUIRED_ON_CREATE: ClassVar[tuple[str, ...]] = ("value",)
    value: str | None = None
    slug: str | None = None


JOB_TYPES = ("BULK_IMPORT", "BULK_UPDATE", "BULK_DELETE")


# --- reading whole pages of a pull -------------------------------------------------------------------------

ENVELOPE_KEYS = ("data", "items", "results", "records")
"""Keys under which some servers wrap a list (`{"data": [...]}`); a bare array is read as it is."""

_ISO_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,6})?Z")
_PLAIN_AMOUNT = re.compile(r"-?\d+(?:\.\d+)?")


def _text(value: object) -> bool:
    return value is None or type(value) is str


def _time(value: object) -> bool:
    return value is None or (type(value) is str and _ISO_TIME.fullmatch(value) is not None)


def _number(value: object) -> bool:
    return value is None or type(value) is int or type(value) is float


def _whole(value: object) -> bool:
    return value is None or type(value) is int


def _amount(value: object) -> bool:
    return value is None or (type(value) is str and _PLAIN_AMOUNT.fullmatch(value) is not None)


def _pairs(value: object) -> bool:
    return value is None or (type(value) is dict and all(type(v) is str for v in value.values()))


_CHECKS_BY_TYPE: dict[object, Any] = {
    str: _text, datetime: _time, float: _number, int: _whole, Decimal: _amount, dict: _pairs,
}


class PageReader:
    """Reads the records of a list page as plain dicts in JSON forms, what `model.model_validate(r)
    .model_dump(mode="json", exclude_unset=True)` gives, at a fraction of its cost.

    A pull reads a hundred thousand records: building a model and dumping it again for each cost most of the
    client's CPU. A record in the plain form the API documents (snake_case keys the model knows, text as text,
    timestamps as ISO text with Z, amounts as plain decimal text, scores as numbers) is already in that form and
    is returned as it is; any other record (camelCase keys, numbers for text, odd money or timestamps, unknown
    fields) goes through the tolerant model, so what is read is the same either way and bad records raise
    pydantic's ValidationError as before.
    """

    def __init__(self, model: type[WireModel]) -> None:
        self.model = model
        self._checks: list[tuple[str, Any]] = []
        for name, info in model.model_fields.items():
            check = _plain_form_check(info.annotation)
            if check is None:
                raise ValueError(f"{model.__name__}.{name}: no quick check for {info.annotation!r}")
            self._checks.append((name, check))
        self._known = frozenset(name for name, _ in self._checks)
        self._texts = tuple(name for name, check in self._checks if check is _text)
        self._others = tuple((name, check) for name, check in self._checks if check is not _text)

    def _plain(self, record: object) -> bool:
        if type(record) is not dict or type(record.get("id")) is not str or not record.keys() <= self._known:
            return False
        get = record.get
        for name in self._texts:  # most fields: one loop without a call per field
            value = get(name)
            if value is not None and type(value) is not str:
                return False
        for name, check in self._others:
            if name in record and not check(record[name]):
                return False
        return True

    def read(self, data: object) -> list[dict[str, Any]]:
        """The records of one page (a bare array, or one wrapped under an envelope key). Raises TypeError when
        `data` holds no list, pydantic's ValidationError for a record the model refuses."""
        if isinstance(data, Mapping):
            for key in ENVELOPE_KEYS:
                if isinstance(data.get(key), list):
                    data = data[key]
                    break
        if not isinstance(data, list):
            raise TypeError(f"expected a list of {self.model.__name__}, got {type(data).__name__}")
        plain = self._plain
        return [record if plain(record) else self.model.model_validate(record).model_dump(
            mode="json", exclude_unset=True) for record in data]


def _plain_form_check(annotation: object) -> Any:
    """`str | None` -> text, `datetime | None` -> ISO text with Z, `float | None` -> a number, `int | None` ->
    a whole number, `Money` -> plain decimal text, `dict[str, str] | None` -> an object of texts."""
    metadata = getattr(annotation, "__metadata__", None)
    if metadata is not None:  # Annotated[...]: Money, option values
        annotation = annotation.__origin__  # type: ignore[attr-defined]
    members = set(getattr(annotation, "__args__", ())) or {annotation}
    members.discard(type(None))
    if len(members) != 1:
        return None
    (member,) = members
    return _CHECKS_BY_TYPE.get(getattr(member, "__origin__", member))
