"""Request and answer shapes of the API, as pydantic models (they also make the OpenAPI document).

Request models ignore unknown fields. Handlers read `model_fields_set` so that an absent field is left
alone and `null` clears it (API.md). Answers are built as plain dicts (see serialize.py) for speed; the
Out models here only document them.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from synq_desktop.domain.slug import MAX_SLUG_LENGTH, SLUG_PATTERN

NonBlank = Field(pattern=r"\S", max_length=10_000)
Status = Literal["ACTIVE", "DRAFT", "ARCHIVED"]
AttributeType = Literal["TEXT", "NUMBER", "BOOLEAN", "SELECT"]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore")

    def sent(self) -> dict[str, Any]:
        """Only the fields the client sent (null included)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class ProductCreate(_In):
    title: str = NonBlank
    description: str | None = None
    category: str | None = None
    status: Status | None = None
    category_id: str | None = None
    brand_id: str | None = None
    template_id: str | None = None


class ProductUpdate(_In):
    title: str | None = Field(None, pattern=r"\S", max_length=10_000)
    description: str | None = None
    category: str | None = None
    status: Status | None = None
    category_id: str | None = None
    brand_id: str | None = None
    template_id: str | None = None


class VariantCreate(_In):
    sku: str | None = None
    barcode: str | None = None
    price: Decimal | None = Field(None, ge=0, allow_inf_nan=False)
    currency: str | None = None
    cost_price: Decimal | None = Field(None, ge=0, allow_inf_nan=False)


class VariantUpdate(VariantCreate):
    pass


class CategoryCreate(_In):
    name: str = NonBlank
    slug: str = Field(pattern=SLUG_PATTERN, max_length=MAX_SLUG_LENGTH)
    description: str | None = None
    parentId: str | None = None
    parent_id: str | None = None


class CategoryUpdate(_In):
    name: str | None = Field(None, pattern=r"\S", max_length=10_000)
    slug: str | None = Field(None, pattern=SLUG_PATTERN, max_length=MAX_SLUG_LENGTH)
    description: str | None = None
    parentId: str | None = None
    parent_id: str | None = None


class BrandCreate(_In):
    name: str = NonBlank
    description: str | None = None
    logoUrl: str | None = None
    logo_url: str | None = None


class BrandUpdate(_In):
    name: str | None = Field(None, pattern=r"\S", max_length=10_000)
    description: str | None = None
    logoUrl: str | None = None
    logo_url: str | None = None


class AttributeCreate(_In):
    name: str = NonBlank
    slug: str = Field(pattern=SLUG_PATTERN, max_length=MAX_SLUG_LENGTH)
    type: AttributeType = "TEXT"


class AttributeUpdate(_In):
    name: str | None = Field(None, pattern=r"\S", max_length=10_000)
    slug: str | None = Field(None, pattern=SLUG_PATTERN, max_length=MAX_SLUG_LENGTH)
    type: AttributeType | None = None


class AttributeValueCreate(_In):
    value: str = NonBlank
    slug: str | None = Field(None, pattern=SLUG_PATTERN, max_length=MAX_SLUG_LENGTH)


class AttributeValueLink(_In):
    """Either an existing value's id, or an attribute and a value text (TEXT/NUMBER reuse by slug)."""

    attribute_value_id: str | None = None
    attribute_id: str | None = None
    value: str | None = None


class GroupCreate(_In):
    name: str = NonBlank
    description: str | None = None
    attribute_ids: list[str] | None = None


class GroupUpdate(_In):
    name: str | None = Field(None, pattern=r"\S", max_length=10_000)
    description: str | None = None
    attribute_ids: list[str] | None = None


class TemplateCreate(_In):
    name: str = NonBlank
    description: str | None = None
    attribute_group_ids: list[str] | None = None
    required_attribute_ids: list[str] | None = None


class TemplateUpdate(_In):
    name: str | None = Field(None, pattern=r"\S", max_length=10_000)
    description: str | None = None
    attribute_group_ids: list[str] | None = None
    required_attribute_ids: list[str] | None = None


class MediaCreate(_In):
    url: str = NonBlank
    product_id: str | None = None
    variant_id: str | None = None
    alt_text: str | None = None
    sort_order: int | None = Field(None, ge=-(2**31), le=2**31 - 1)


class MediaUpdate(_In):
    url: str | None = Field(None, pattern=r"\S", max_length=10_000)
    product_id: str | None = None
    variant_id: str | None = None
    alt_text: str | None = None
    sort_order: int | None = Field(None, ge=-(2**31), le=2**31 - 1)


class BulkJobCreate(_In):
    job_type: Literal["BULK_IMPORT", "BULK_UPDATE", "BULK_DELETE"]
    payload: Any = None


class ExportCreate(_In):
    format: Literal["csv", "jsonl"] = "csv"


class MintRequest(_In):
    role: Literal["ADMIN", "EDITOR", "VIEWER"] = "ADMIN"
    tenant_id: str | None = None
    org_id: str | None = None
    ttl_seconds: int | None = Field(None, ge=1)


class DemoRequest(_In):
    tenant_id: str
    org_id: str
    products: int = Field(20, ge=0, le=100_000)
    seed: int = 1


# ---- answers (documentation only) ----

class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class ProductOut(_Out):
    id: str
    org_id: str
    tenant_id: str
    title: str
    description: str | None
    category: str | None
    category_id: str | None
    brand_id: str | None
    template_id: str | None
    status: str
    data_quality_score: int | None
    created_at: str
    updated_at: str


class ProductSummaryOut(_Out):
    id: str
    title: str
    category: str | None
    status: str
    updated_at: str


class VariantOut(_Out):
    id: str
    org_id: str
    tenant_id: str
    product_id: str
    sku: str | None
    barcode: str | None
    price: str | None
    currency: str | None
    option_values: dict[str, str] | None
    cost_price: str | None
    data_quality_score: int | None
    created_at: str
    updated_at: str


class CategoryOut(_Out):
    id: str
    org_id: str
    tenant_id: str
    parent_id: str | None
    name: str
    slug: str
    description: str | None
    created_at: str
    updated_at: str


class BrandOut(_Out):
    id: str
    org_id: str
    tenant_id: str
    name: str
    description: str | None
    logo_url: str | None
    created_at: str
    updated_at: str


class AttributeOut(_Out):
    id: str
    org_id: str
    tenant_id: str
    name: str
    slug: str
    type: str
    created_at: str
    updated_at: str


class AttributeValueOut(_Out):
    id: str
    attribute_id: str
    value: str
    slug: str
    created_at: str


class GroupOut(_Out):
    id: str
    name: str
    description: str | None
    attribute_ids: list[str]


class TemplateOut(_Out):
    id: str
    name: str
    description: str | None
    attribute_group_ids: list[str]
    required_attribute_ids: list[str]


class MediaOut(_Out):
    id: str
    org_id: str
    tenant_id: str
    product_id: str | None
    variant_id: str | None
    url: str
    alt_text: str | None
    sort_order: int
    created_at: str
    updated_at: str


class IssueOut(_Out):
    id: str
    severity: str
    issue_type: str
    message: str
    created_at: str
    entity_type: str | None = None
    entity_id: str | None = None
    field: str | None = None


class AuditOut(_Out):
    id: str
    actor_email: str
    action: str
    entity_type: str
    entity_id: str
    details: dict[str, Any]
    ip_address: str | None
    created_at: str


class JobError(_Out):
    index: int
    error: str


class JobOut(_Out):
    id: str
    job_type: str
    status: str
    payload: str | None
    total_items: int | None
    processed_items: int
    created_at: str
    updated_at: str | None = None
    failed_items: int | None = None
    errors: list[JobError] | None = None
    result_url: str | None = None


class ExportQueuedOut(_Out):
    message: str


class CapabilitiesOut(_Out):
    ext: list[str]
    role: str
    limits: dict[str, Any]


class UploadOut(_Out):
    url: str
