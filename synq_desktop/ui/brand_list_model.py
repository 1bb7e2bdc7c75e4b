"""Brands: a list to browse, rename in place and edit with the brand form (both undoable), and add
to; a product's brand is assigned from the product grid's Brand column (type or paste the name)."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping

from PySide6.QtCore import QAbstractListModel, QModelIndex, QObject, QPersistentModelIndex, Qt, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from synq_desktop.ui.catalog_source import CatalogSource, NamedRecord
from synq_desktop.ui.item_roles import DISPLAY, EDIT, TOOLTIP
from synq_desktop.ui.write_queue import WriteQueue

log = logging.getLogger(__name__)
BRAND_ID_ROLE = Qt.ItemDataRole.UserRole.value + 1


class RenameBrandCommand(QUndoCommand):
    def __init__(self, model: BrandListModel, brand_id: str, old: str, new: str) -> None:
        super().__init__(f"Rename brand {old!r} to {new!r}")
        self.model, self.brand_id, self.old, self.new = model, brand_id, old, new

    def redo(self) -> None:
        self.model.apply_fields(self.brand_id, {"name": self.new})

    def undo(self) -> None:
        self.model.apply_fields(self.brand_id, {"name": self.old})


class EditBrandCommand(QUndoCommand):
    """The brand form's changes (name, description, logo URL) as one undo step."""

    def __init__(self, model: BrandListModel, brand_id: str, old: Mapping[str, object],
                 new: Mapping[str, object]) -> None:
        super().__init__(f"Edit brand {old.get('name') or new.get('name')!r}")
        self.model, self.brand_id, self.old, self.new = model, brand_id, dict(old), dict(new)

    def redo(self) -> None:
        self.model.apply_fields(self.brand_id, self.new)

    def undo(self) -> None:
        self.model.apply_fields(self.brand_id, self.old)


class BrandListModel(QAbstractListModel):
    loaded = Signal()
    problem = Signal(str)
    changed = Signal()  # a brand was added or renamed: product rows show brand names

    def __init__(self, source: CatalogSource, writes: WriteQueue, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.writes = writes
        self.undo_stack: QUndoStack | None = None
        self.read_only = False
        # Why the server cannot change an existing brand (docs-only), or None. Adding brands still works.
        self.edit_blocked: str | None = None
        self._brands: list[NamedRecord] = []

    def reload(self) -> asyncio.Future[None]:
        return asyncio.ensure_future(self._reload())

    async def _reload(self) -> None:
        try:
            brands = await self.source.brands()
        except Exception as exc:  # noqa: BLE001 - keep the old list and say why
            self.problem.emit(f"Could not read the brands: {exc}")
            return
        self.beginResetModel()
        self._brands = sorted(brands, key=lambda b: (b.name.casefold(), b.id))
        self.endResetModel()
        self.loaded.emit()

    def brand(self, row: int) -> NamedRecord | None:
        return self._brands[row] if 0 <= row < len(self._brands) else None

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._brands)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> object:
        brand = self.brand(index.row()) if index.isValid() else None
        if brand is None:
            return None
        if role in (DISPLAY, EDIT):
            return brand.name
        if role == BRAND_ID_ROLE:
            return brand.id
        if role == TOOLTIP and self.edit_blocked:
            return self.edit_blocked
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags if self.read_only or self.edit_blocked else flags | Qt.ItemFlag.ItemIsEditable

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: object, role: int = EDIT) -> bool:
        brand = self.brand(index.row()) if index.isValid() else None
        if brand is None or role != EDIT or self.read_only:
            return False
        if self.edit_blocked:
            self.problem.emit(self.edit_blocked)
            return False
        name = str(value).strip()
        if not name:
            self.problem.emit("A brand needs a name.")
            return False
        if name == brand.name:
            return False
        if any(b.name.casefold() == name.casefold() and b.id != brand.id for b in self._brands):
            self.problem.emit(f"There is already a brand named {name!r}.")
            return False
        command = RenameBrandCommand(self, brand.id, brand.name, name)
        if self.undo_stack is not None:
            self.undo_stack.push(command)
        else:
            command.redo()
        return True

    def edit_brand(self, brand_id: str, old: Mapping[str, object], new: Mapping[str, object]) -> bool:
        """Apply the brand form's changes as one undoable step; False when nothing changed or the
        copy is read-only."""
        if self.read_only or not new:
            return False
        if self.edit_blocked:
            self.problem.emit(self.edit_blocked)
            return False
        command = EditBrandCommand(self, brand_id, {k: old.get(k) for k in new}, new)
        if self.undo_stack is not None:
            self.undo_stack.push(command)
        else:
            command.redo()
        return True

    def apply_fields(self, brand_id: str, fields: Mapping[str, object]) -> None:
        for row, brand in enumerate(self._brands):
            if brand.id == brand_id and "name" in fields:
                self._brands[row] = NamedRecord(brand.id, str(fields["name"]))
                self.dataChanged.emit(self.index(row), self.index(row))
        payload = dict(fields)
        self.writes.submit(lambda: self.source.update_brand(brand_id, payload), after=self.changed.emit)

    async def create_brand(self, name: str, details: Mapping[str, object] | None = None) -> str | None:
        """A new brand; `details` (description, logo URL) ride in the same create (it is unsent, so the
        store folds them into it)."""
        name = name.strip()
        if not name:
            self.problem.emit("A brand needs a name.")
            return None
        if any(b.name.casefold() == name.casefold() for b in self._brands):
            self.problem.emit(f"There is already a brand named {name!r}.")
            return None
        await self.writes.drain()
        try:
            new_id = await self.source.create_brand(name)
            extra = {k: v for k, v in (details or {}).items() if k != "name" and v is not None}
            if extra:
                await self.source.update_brand(new_id, extra)
        except Exception as exc:  # noqa: BLE001 - reported
            self.problem.emit(f"The brand was not created: {exc}")
            return None
        await self._reload()
        self.changed.emit()
        return new_id
