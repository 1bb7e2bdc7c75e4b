"""The category tree: the hierarchy from `parent_id`, product counts, create, rename, move, delete and
assign by drop.

One virtual root, "All products", holds the top-level categories: selecting it clears the filter,
dropping a category on it makes the category top-level, dropping products on it clears their
category. A category whose parent is unknown here (deleted elsewhere) shows at the top level.

Nodes are addressed by small integer keys in the index's internalId (never Python object pointers,
which PySide6 does not keep alive). Drag and drop runs through mimeData/dropMimeData, so it can be
tested without a real drag (offscreen Qt cannot run one). Moves, renames and deletes are undoable
commands; the write goes through the WriteQueue and the tree is reloaded from the working copy afterwards.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QUndoCommand, QUndoStack

from synq_desktop.ui.catalog_source import CatalogSource, CategoryNode
from synq_desktop.ui.category_form import category_problem
from synq_desktop.ui.item_roles import ALIGN, ALIGN_RIGHT, DISPLAY, EDIT, TOOLTIP
from synq_desktop.ui.product_table_model import PRODUCT_IDS_MIME
from synq_desktop.ui.write_queue import WriteQueue

log = logging.getLogger(__name__)

CATEGORY_IDS_MIME = "application/x-synq-category-ids"
ROOT_KEY = 0
ROOT_TITLE = "All products"

CATEGORY_ID_ROLE = Qt.ItemDataRole.UserRole.value + 1


class CategoryFieldsCommand(QUndoCommand):
    """Set fields of one category (rename: `name`; move: `parent_id`); undo sets the old values."""

    def __init__(self, model: CategoryTreeModel, category_id: str, old: Mapping[str, object],
                 new: Mapping[str, object], text: str) -> None:
        super().__init__(text)
        self.model, self.category_id, self.old, self.new = model, category_id, dict(old), dict(new)

    def redo(self) -> None:
        self.model.apply_fields(self.category_id, self.new)

    def undo(self) -> None:
        self.model.apply_fields(self.category_id, self.old)


class CategoryTreeModel(QAbstractItemModel):
    loaded = Signal()
    products_dropped = Signal(list, object)  # product ids, category id (None: no category)
    problem = Signal(str)

    def __init__(self, source: CatalogSource, writes: WriteQueue, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.writes = writes
        self.undo_stack: QUndoStack | None = None
        self.read_only = False
        # Why the server cannot rename or move a category (docs-only), or None. Products can still be
        # dropped onto a category (that is a product update, which every server takes).
        self.edit_blocked: str | None = None
        self._nodes: dict[str, CategoryNode] = {}
        self._key_of: dict[str, int] = {}
        self._id_of: dict[int, str] = {}
        self._children: dict[int, list[int]] = {ROOT_KEY: []}
        self._parent: dict[int, int] = {}
        self._totals: dict[int, int] = {}
        self._generation = 0

    # -- loading ---------------------------------------------------------------------------------
    def reload(self) -> asyncio.Future[None]:
        self._generation += 1
        return asyncio.ensure_future(self._reload(self._generation))

    async def _reload(self, generation: int) -> None:
        try:
            nodes = await self.source.categories()
        except Exception as exc:  # noqa: BLE001 - a failed query keeps the old tree and says why
            log.warning("reading categories failed: %s", exc)
            self.problem.emit(f"Could not read the categories: {exc}")
            return
        if generation == self._generation:
            self.set_nodes(nodes)

    def set_nodes(self, nodes: Sequence[CategoryNode]) -> None:
        self.beginResetModel()
        self._nodes = {n.id: n for n in nodes}
        # Keys stay stable across reloads for ids seen before (views keep their expansion state).
        for node_id in self._nodes:
            if node_id not in self._key_of:
                key = len(self._key_of) + 1
                self._key_of[node_id] = key
                self._id_of[key] = node_id
        self._children = {ROOT_KEY: []}
        self._parent = {}
        for node in self._nodes.values():
            key = self._key_of[node.id]
            parent_key = self._key_of.get(node.parent_id, ROOT_KEY) if node.parent_id in self._nodes else ROOT_KEY
            if self._creates_cycle(node.id):
                parent_key = ROOT_KEY
            self._parent[key] = parent_key
            self._children.setdefault(parent_key, []).append(key)
            self._children.setdefault(key, [])
        for keys in self._children.values():
            keys.sort(key=lambda k: (self._nodes[self._id_of[k]].name.casefold(), self._id_of[k]))
        self._totals = {}
        self._total(ROOT_KEY)
        self.endResetModel()
        self.loaded.emit()

    def _creates_cycle(self, node_id: str) -> bool:
        seen = {node_id}
        parent = self._nodes[node_id].parent_id
        while parent in self._nodes:
            if parent in seen:
                return True
            seen.add(parent)
            parent = self._nodes[parent].parent_id
        return False

    def _total(self, key: int) -> int:
        own = self._nodes[self._id_of[key]].product_count if key != ROOT_KEY else 0
        total = own + sum(self._total(child) for child in self._children.get(key, ()))
        self._totals[key] = total
        return total

    # -- queries for the editor ------------------------------------------------------------------
    def category_id(self, index: QModelIndex | QPersistentModelIndex) -> str | None:
        if not index.isValid():
            return None
        return self._id_of.get(int(index.internalId()))

    def index_of(self, category_id: str | None) -> QModelIndex:
        key = ROOT_KEY if category_id is None else self._key_of.get(category_id)
        if key is None or (key != ROOT_KEY and self._id_of[key] not in self._nodes):
            return QModelIndex()
        return self._index_for_key(key)

    def subtree_ids(self, category_id: str) -> frozenset[str]:
        """The category and its descendants: what selecting it filters the grid to."""
        key = self._key_of.get(category_id)
        if key is None:
            return frozenset({category_id})
        out: set[str] = set()
        stack = [key]
        while stack:
            k = stack.pop()
            out.add(self._id_of[k])
            stack.extend(self._children.get(k, ()))
        return frozenset(out)

    def names(self) -> dict[str, str]:
        return {node_id: node.name for node_id, node in self._nodes.items()}

    def node(self, category_id: str) -> CategoryNode | None:
        return self._nodes.get(category_id)

    def total_products(self, category_id: str | None) -> int:
        key = ROOT_KEY if category_id is None else self._key_of.get(category_id, -1)
        return self._totals.get(key, 0)

    def is_ancestor(self, ancestor_id: str, category_id: str | None) -> bool:
        """True when `ancestor_id` is `category_id` or above it."""
        current = category_id
        seen: set[str] = set()
        while current is not None and current in self._nodes and current not in seen:
            if current == ancestor_id:
                return True
            seen.add(current)
            current = self._nodes[current].parent_id
        return False

    # -- Qt model interface ----------------------------------------------------------------------
    def _index_for_key(self, key: int, column: int = 0) -> QModelIndex:
        if key == ROOT_KEY:
            return self.createIndex(0, column, ROOT_KEY)
        parent_key = self._parent[key]
        return self.createIndex(self._children[parent_key].index(key), column, key)

    def index(self, row: int, column: int, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column not in (0, 1) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return self.createIndex(0, column, ROOT_KEY) if row == 0 else QModelIndex()
        children = self._children.get(int(parent.internalId()), [])
        if row >= len(children) or parent.column() != 0:
            return QModelIndex()
        return self.createIndex(row, column, children[row])

    def parent(self, index: QModelIndex | QPersistentModelIndex = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid():
            return QModelIndex()
        key = int(index.internalId())
        if key == ROOT_KEY:
            return QModelIndex()
        return self._index_for_key(self._parent[key])

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return 1
        if parent.column() != 0:
            return 0
        return len(self._children.get(int(parent.internalId()), ()))

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 2

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> object:
        if role == DISPLAY and orientation == Qt.Orientation.Horizontal:
            return ("Category", "Products")[section] if section in (0, 1) else None
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> object:
        if not index.isValid():
            return None
        key = int(index.internalId())
        column = index.column()
        if role == CATEGORY_ID_ROLE:
            return self._id_of.get(key)
        if role == ALIGN:
            return ALIGN_RIGHT if column == 1 else None
        if key == ROOT_KEY:
            if role == DISPLAY:
                return ROOT_TITLE if column == 0 else None
            return None
        node = self._nodes[self._id_of[key]]
        if role in (DISPLAY, EDIT):
            if column == 0:
                return node.name
            return self._totals.get(key, 0) if role == DISPLAY else None
        if role == TOOLTIP:
            counts = f"{node.name} ({node.slug}): {node.product_count} directly, {self._totals.get(key, 0)} in all"
            return f"{counts}\n{self.edit_blocked}" if self.edit_blocked else counts
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.read_only:
            return flags
        flags |= Qt.ItemFlag.ItemIsDropEnabled
        if int(index.internalId()) != ROOT_KEY and not self.edit_blocked:
            flags |= Qt.ItemFlag.ItemIsDragEnabled
            if index.column() == 0:
                flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: object, role: int = EDIT) -> bool:
        category_id = self.category_id(index)
        if role != EDIT or index.column() != 0 or category_id is None or self.read_only:
            return False
        if self.edit_blocked:
            self.problem.emit(self.edit_blocked)
            return False
        name = str(value).strip()
        if not name:
            self.problem.emit("A category needs a name.")
            return False
        old = self._nodes[category_id].name
        if name == old:
            return False
        self._push(CategoryFieldsCommand(self, category_id, {"name": old}, {"name": name},
                                         f"Rename category {old!r} to {name!r}"))
        return True

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [CATEGORY_IDS_MIME, PRODUCT_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        ids = [cid for cid in dict.fromkeys(self.category_id(i) for i in indexes) if cid is not None]
        mime = QMimeData()
        mime.setData(CATEGORY_IDS_MIME, "\n".join(ids).encode())
        return mime

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: QModelIndex | QPersistentModelIndex) -> bool:
        if self.read_only or not parent.isValid():
            return False
        target = self.category_id(parent)
        if data.hasFormat(PRODUCT_IDS_MIME):
            return True
        if data.hasFormat(CATEGORY_IDS_MIME):
            if self.edit_blocked:
                return False
            moving = _ids(data, CATEGORY_IDS_MIME)
            return bool(moving) and not any(target is not None and self.is_ancestor(m, target) for m in moving)
        return False

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: QModelIndex | QPersistentModelIndex) -> bool:
        if action == Qt.DropAction.IgnoreAction:
            return True
        if not self.canDropMimeData(data, action, row, column, parent):
            if data.hasFormat(CATEGORY_IDS_MIME):
                self.problem.emit(self.edit_blocked if self.edit_blocked and not self.read_only else
                                  "A category cannot be moved into itself or one of its subcategories.")
            return False
        target = self.category_id(parent)
        if data.hasFormat(PRODUCT_IDS_MIME):
            self.products_dropped.emit(_ids(data, PRODUCT_IDS_MIME), target)
            return True
        moved = False
        for category_id in _ids(data, CATEGORY_IDS_MIME):
            node = self._nodes.get(category_id)
            if node is None or node.parent_id == target:
                continue
            where = self._nodes[target].name if target else "the top level"
            self._push(CategoryFieldsCommand(self, category_id, {"parent_id": node.parent_id},
                                             {"parent_id": target}, f"Move {node.name!r} to {where}"))
            moved = True
        return moved

    # -- edits -----------------------------------------------------------------------------------
    def _push(self, command: QUndoCommand) -> None:
        if self.undo_stack is not None:
            self.undo_stack.push(command)
        else:
            command.redo()

    def apply_fields(self, category_id: str, fields: Mapping[str, object]) -> None:
        node = self._nodes.get(category_id)
        if node is not None:
            from dataclasses import replace

            nodes = dict(self._nodes)
            nodes[category_id] = replace(node, **fields)  # type: ignore[arg-type]
            self.set_nodes(list(nodes.values()))
        payload = dict(fields)
        self.writes.submit(lambda: self.source.update_category(category_id, payload), after=self.reload)

    def slugs(self) -> dict[str, str]:
        """slug -> name of each category here (a new category must not reuse one)."""
        return {node.slug: node.name for node in self._nodes.values() if node.slug}

    def path(self, category_id: str | None) -> str:
        """"Home › Kitchen": the names from the top down to the category ("" for None)."""
        names: list[str] = []
        current, seen = category_id, set()
        while current is not None and current in self._nodes and current not in seen:
            seen.add(current)
            names.append(self._nodes[current].name)
            current = self._nodes[current].parent_id
        return " › ".join(reversed(names))

    def children_of(self, category_id: str) -> list[str]:
        """The direct subcategories' ids, in the tree's order."""
        key = self._key_of.get(category_id)
        return [self._id_of[k] for k in self._children.get(key, ())] if key is not None else []

    async def create_category(self, name: str, slug: str, parent_id: str | None) -> str | None:
        """Create a category; its id, or None and a problem when refused. Not an undo step, like every
        create here (products, brands, variants): delete it instead."""
        if self.read_only:
            return None
        problem = category_problem(name, slug, self.slugs())
        if problem:
            self.problem.emit(problem)
            return None
        await self.writes.drain()
        try:
            new_id = await self.source.create_category(name.strip(), slug, parent_id)
        except Exception as exc:  # noqa: BLE001 - a refused write is reported, nothing else changes
            self.problem.emit(f"The category was not created: {exc}")
            return None
        await self.reload()
        return new_id

    async def delete_category(self, category_id: str) -> bool:
        """Delete a category (one undo step); False and a problem when it is not allowed or refused.
        Its products and subcategories stay: the server does not cascade (API.md)."""
        if self.read_only:
            return False
        if self.edit_blocked:
            self.problem.emit(self.edit_blocked)
            return False
        node = self._nodes.get(category_id)
        if node is None:
            return False
        await self.writes.drain()
        try:
            await self.source.delete_category(category_id)
        except Exception as exc:  # noqa: BLE001 - e.g. an unsent category other unsent changes need
            self.problem.emit(f"“{node.name}” was not deleted: {exc}")
            return False
        # Pushed once done (redo is skipped the first time): a refused delete leaves no undo step behind.
        self._push(DeleteCategoryCommand(self, node))
        await self.reload()
        return True

    def restore_deleted(self, node: CategoryNode) -> None:
        """Undo of a delete: give up the unsent delete (the store brings the record back). A delete
        already sent, or a category that never reached the server (its delete discarded it), cannot
        come back this way: the user is told so."""
        async def restore() -> None:
            await self.source.revert_record("category", node.id)
            await self.reload()
            if node.id not in self._nodes:
                self.problem.emit(
                    f"“{node.name}” cannot be brought back by undo: its deletion was already sent to the "
                    "server, or it had never been sent there. Create it again with Catalog › New category.")

        self.writes.submit(restore)

    def delete_again(self, node: CategoryNode) -> None:
        """Redo of a delete whose undo brought the category back (else there is nothing to delete)."""
        async def delete() -> None:
            if node.id in self._nodes:
                await self.source.delete_category(node.id)

        self.writes.submit(delete, after=self.reload)


class DeleteCategoryCommand(QUndoCommand):
    """A category deleted; undo brings it back while its delete is unsent (redo deletes it again)."""

    def __init__(self, model: CategoryTreeModel, node: CategoryNode) -> None:
        super().__init__(f"Delete category {node.name!r}")
        self.model, self.node = model, node
        self._skip_redo = True  # the delete was written before the command was pushed

    def redo(self) -> None:
        if self._skip_redo:
            self._skip_redo = False
            return
        self.model.delete_again(self.node)

    def undo(self) -> None:
        self.model.restore_deleted(self.node)


def _ids(data: QMimeData, mime: str) -> list[str]:
    raw = bytes(data.data(mime).data()).decode(errors="replace")
    return [line for line in raw.split("\n") if line]
