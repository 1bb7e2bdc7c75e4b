"""Column definitions shared by the product and variant grids: what a column shows, sorts by and edits."""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Editor(Enum):
    NONE = "none"  # read-only
    TEXT = "text"
    CHOICE = "choice"  # one of a fixed list (status)
    LOOKUP = "lookup"  # a name matched to a record id (category, brand, template)
    MONEY = "money"


@dataclass(frozen=True, slots=True)
class GridColumn:
    key: str  # attribute of the row type shown in the cell
    header: str
    sort_key: str | None  # stored column the working copy sorts by; None: not sortable
    field: str | None = None  # the record field an edit sets; None: read-only
    editor: Editor = Editor.NONE
    width: int = 120
    # Cell texts the column shows uncut (a status, a sync state): the grid widens the column to the
    # widest of them in its own font, so a larger font or another platform's does not clip "ARCHIVED".
    fits: tuple[str, ...] = ()

    @property
    def editable(self) -> bool:
        return self.field is not None and self.editor is not Editor.NONE
