"""What the catalog editor's models need from the working copy, as one narrow async interface.

The Qt models never touch SQL: they ask a `CatalogSource` for id lists (sorted and filtered in SQL,
off the GUI thread), pages of rows, the category tree, and hand it batches of edits. The working copy
(synq_desktop.store) answers through an adapter (store_catalog_source.py); keeping the seam here lets
the views stay thin and lets the store change its internals freely.

Every method is a coroutine: the implementation runs the query or the write on the store's reader
or writer thread and the GUI thread only awaits the result.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

# Product grid sort keys: each names a stored, indexed column of the working copy (never a subquery).
PRODUCT_SORT_KEYS = (
    "title", "category", "brand", "template", "status", "variant_count", "quality", "updated_at",
    "sync_state", "issue_level",
)


@dataclass(frozen=True, slots=True)
class ProductQuery:
    """Which products, in which order. `category_id` None means all; otherwise the products of that
    category and its descendants. `text` searches titles, descriptions and SKU fragments."""

    category_id: str | None = None
    text: str = ""
    sort_key: str = "title"
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: str
    title: str
    description: str | None
    category_id: str | None
    category: str  # display name ("" when none, the stale label when the category is unknown)
    brand_id: str | None
    brand: str
    template_id: str | None
    template: str
    status: str
    variant_count: int
    quality: int | None
    updated_at: str | None
    sync_state: str
    issue_level: int  # 0 none, 1 warning, 2 error
    issues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ProductHead:
    """The first ids of a product list in grid order, with their rows. `complete`: these are the
    whole list; otherwise the grid shows them at once and asks `product_ids` for the rest."""

    ids: list[str]
    rows: dict[str, ProductRow]
    complete: bool


@dataclass(frozen=True, slots=True)
class VariantRow:
    id: str
    product_id: str
    sku: str | None
    barcode: str | None
    price: str | None
    currency: str | None
    cost_price: str | None
    option_values: Mapping[str, str] = field(default_factory=dict)
    quality: int | None = None
    sync_state: str = "SYNCED"
    issue_level: int = 0
    issues: tuple[str, ...] = ()
    synced: bool = False  # the server knows it: it can never be deleted (the API has no way)


@dataclass(frozen=True, slots=True)
class CategoryNode:
    id: str
    parent_id: str | None
    name: str
    slug: str
    product_count: int  # products directly in this category


@dataclass(frozen=True, slots=True)
class NamedRecord:
    """A brand or template: what a grid cell shows and what a pasted name is matched against."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class BrandRow:
    """A brand with everything the server keeps about it (the brand form edits these)."""

    id: str
    name: str
    description: str | None
    logo_url: str | None


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One cell: set `field` of record `id` to `value` (None clears it)."""

    id: str
    field: str
    value: object


@dataclass(frozen=True, slots=True)
class OutboxSummary:
    pending: int = 0
    conflicts: int = 0
    rejected: int = 0
    uncertain: int = 0


@dataclass(frozen=True, slots=True)
class ConflictRow:
    id: int
    entity_type: str
    entity_id: str
    label: str  # what the user recognises: the product title or variant SKU
    field: str
    base: object
    mine: object
    theirs: object
    theirs_by: str | None
    theirs_at: str | None


@dataclass(frozen=True, slots=True)
class OperationRow:
    """A queued change the server refused (REJECTED) or whose outcome is unknown (UNCERTAIN)."""

    op_id: str
    entity_type: str
    entity_id: str
    label: str
    kind: str  # create, update, delete, link, unlink
    payload: Mapping[str, object]
    state: str
    reason: str
    http_status: int | None


@dataclass(frozen=True, slots=True)
class IssueRow:
    """One validation problem of a product or one of its variants: found here as you edit, or
    reported by the server's /validation."""

    entity_type: str
    entity_id: str
    label: str
    severity: str  # ERROR or WARNING
    message: str
    found_by: str  # "this copy" or "server"


@dataclass(frozen=True, slots=True)
class SavedViewRow:
    """A named grid setup: filters (category_id, text), visible columns in order, and the sort."""

    id: int
    name: str
    filters: Mapping[str, object]
    columns: Sequence[str]
    sort: Mapping[str, object]


class SourceError(Exception):
    """An edit the working copy refused; the message is for a person."""


class CatalogSource(Protocol):
    # products
    async def product_head(self, query: ProductQuery, count: int) -> ProductHead:
        """The first `count` ids of the query's list (and their rows); a new query starts here."""
        ...

    async def product_ids(self, query: ProductQuery) -> list[str] | None:
        """The query's whole list, or None when a newer query (`product_head`) made it moot first."""
        ...

    async def product_rows(self, ids: Sequence[str]) -> dict[str, ProductRow]: ...
    async def update_products(self, changes: Sequence[FieldChange]) -> None: ...
    async def create_product(self, fields: Mapping[str, object]) -> str: ...
    async def delete_products(self, ids: Sequence[str]) -> str:
        """Delete as one batch; returns the batch id that `revert_batch` undoes."""
        ...

    async def revert_batch(self, batch_id: str) -> None: ...
    # variants
    async def variants_of(self, product_ids: Sequence[str]) -> list[VariantRow]: ...
    async def update_variants(self, changes: Sequence[FieldChange]) -> None: ...
    async def create_variant(self, product_id: str, fields: Mapping[str, object]) -> str: ...
    async def discard_variant(self, variant_id: str) -> None: ...
    # taxonomy
    async def categories(self) -> list[CategoryNode]: ...
    async def create_category(self, name: str, slug: str, parent_id: str | None) -> str: ...
    async def update_category(self, category_id: str, fields: Mapping[str, object]) -> None: ...
    async def delete_category(self, category_id: str) -> None: ...
    async def brands(self) -> list[NamedRecord]: ...
    async def create_brand(self, name: str) -> str: ...
    async def brand_details(self, brand_id: str) -> BrandRow | None: ...
    async def update_brand(self, brand_id: str, fields: Mapping[str, object]) -> None: ...
    async def templates(self) -> list[NamedRecord]: ...
    # outbox and conflicts
    async def outbox_summary(self) -> OutboxSummary: ...
    async def conflicts(self) -> list[ConflictRow]: ...
    async def issues_of(self, product_ids: Sequence[str]) -> list[IssueRow]: ...
    async def saved_views(self) -> list[SavedViewRow]: ...
    async def save_view(self, name: str, filters: Mapping[str, object], columns: Sequence[str],
                        sort: Mapping[str, object]) -> int: ...
    async def delete_view(self, view_id: int) -> None: ...
    async def operations_needing_person(self) -> list[OperationRow]: ...
    async def retry_operation(self, op_id: str) -> None: ...
    async def discard_operation(self, op_id: str) -> None: ...
    async def adopt_operation(self, op_id: str, server_id: str) -> None:
        """An UNCERTAIN create: the server record `server_id` is the one it made."""
        ...

    async def fix_operation(self, op_id: str, changes: Mapping[str, object]) -> None:
        """A REJECTED create or update: carry `changes` instead and send it again."""
        ...

    async def revert_record(self, entity_type: str, entity_id: str) -> None: ...
    async def resolve_conflict(self, conflict_id: int, choice: str, value: object = None) -> None:
        """`choice`: "mine" (send the local value), "theirs" (take the server's) or "value" (send `value`)."""
        ...
