"""Which edits the connected server cannot take, and why, decided once from its capabilities.

A docs-only server (API.md, "Degrading") has no route to change or delete a brand or a category after
it is created, nor to update a variant, and it drops a product's `status` and `template_id` (EXT fields)
from what it is sent without a word: the edit would be overwritten by the server's answer. The sync engine would keep such an edit pending forever; the editor
instead disables it up front and says why (a tooltip on the control, the reason in the status line when
the user tries anyway). Creating stays possible: those POST routes are documented. Unknown capabilities
(no probe yet, no cache) block nothing: an edit made then waits in the outbox with the engine's reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the API client (httpx, pydantic) is imported after the first painted page, not before
    from synq_desktop.api.models import Capabilities


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """For each kind of edit: None when the server takes it, else the reason shown to the user."""

    brand_edit: str | None = None  # rename, or the brand form on an existing brand
    category_edit: str | None = None  # rename, move (drag a category onto another), delete
    variant_update: str | None = None  # any cell of a variant the server already has
    product_status: str | None = None  # a product's status (DRAFT, ARCHIVED), in the grid or the form
    product_template: str | None = None  # a product's template, in the grid or the form

    @property
    def reasons(self) -> list[str]:
        return [r for r in (self.brand_edit, self.category_edit, self.variant_update, self.product_status,
                            self.product_template) if r]

    @property
    def any(self) -> bool:
        return bool(self.reasons)


NO_LIMITS = ServerLimits()


def _server(capabilities: Capabilities) -> str:
    return "This server (documented API only)" if capabilities.docs_only else "This server"


def limits_of(capabilities: Capabilities | None) -> ServerLimits:
    if capabilities is None:
        return NO_LIMITS
    # Capabilities come from the API client, so its package is loaded by now: this import costs nothing.
    from synq_desktop.api.capabilities import Ext

    server = _server(capabilities)
    taxonomy = Ext.TAXONOMY_EDITS in capabilities.ext
    return ServerLimits(
        brand_edit=None if taxonomy else (
            f"{server} cannot change a brand once it exists: brands can be added here, not renamed or edited."),
        category_edit=None if taxonomy else (
            f"{server} cannot rename, move or delete a category: new categories can be added here, and "
            "products assigned to categories."),
        variant_update=None if Ext.VARIANTS in capabilities.ext else (
            f"{server} cannot update a variant it already has: new variants can be added and edited until "
            "they are sent."),
        product_status=None if Ext.PRODUCT_STATUS in capabilities.ext else (
            f"{server} has no product status: every product stays ACTIVE there."),
        # No capability name covers template_id: only a server without /capabilities is known to drop it.
        product_template=(f"{server} has no product template field." if capabilities.docs_only else None),
    )
