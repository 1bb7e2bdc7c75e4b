"""Which edits the connected server cannot take, and why, decided once from its capabilities.

A docs-only server (API.md, "Degrading") has no route to change a brand or a category after it is
created, nor to update a variant. The sync engine would keep such an edit pending forever; the editor
instead disables it up front and says why (a tooltip on the control, the reason in the status line when
the user tries anyway). Creating stays possible: those POST routes are documented. Unknown capabilities
(no probe yet, no cache) block nothing: an edit made then waits in the outbox with the engine's reason.
"""
from __future__ import annotations

from dataclasses import dataclass

from synq_desktop.api.capabilities import Ext
from synq_desktop.api.models import Capabilities


@dataclass(frozen=True, slots=True)
class ServerLimits:
    """For each kind of edit: None when the server takes it, else the reason shown to the user."""

    brand_edit: str | None = None  # rename, or the brand form on an existing brand
    category_edit: str | None = None  # rename, move (drag a category onto another)
    variant_update: str | None = None  # any cell of a variant the server already has

    @property
    def any(self) -> bool:
        return any((self.brand_edit, self.category_edit, self.variant_update))


NO_LIMITS = ServerLimits()


def _server(capabilities: Capabilities) -> str:
    return "This server (documented API only)" if capabilities.docs_only else "This server"


def limits_of(capabilities: Capabilities | None) -> ServerLimits:
    if capabilities is None:
        return NO_LIMITS
    server = _server(capabilities)
    taxonomy = Ext.TAXONOMY_EDITS in capabilities.ext
    return ServerLimits(
        brand_edit=None if taxonomy else (
            f"{server} cannot change a brand once it exists: brands can be added here, not renamed or edited."),
        category_edit=None if taxonomy else (
            f"{server} cannot rename or move a category; products can still be assigned to categories."),
        variant_update=None if Ext.VARIANTS in capabilities.ext else (
            f"{server} cannot update a variant it already has: new variants can be added and edited until "
            "they are sent."),
    )
