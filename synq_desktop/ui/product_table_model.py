"""The product grid's model: an id list from the working copy, rows fetched by page and cached.

As in Anki's browser, only the matching ids live in memory; a row is fetched (PAGE_SIZE at a time,
on the store's reader thread) the first time the view asks for it. Sorting and searching ask the
working copy for a new id list; until it arrives the view keeps showing the old rows, then the model
swaps the list in one layout change (selection follows the ids when the size is unchanged).

A long list arrives in two steps: its head (the first page, with its rows) is shown at once, and the
whole list replaces it when read, without moving the view (rows appended after the head, or, for a
new order of the same products, one more layout change). While only the head of a new order is
known, the rows below it keep the products they showed (so a selection there stays on its product);
the whole list then puts every product in its place.

Edits go through the undo stack (cell_edit_commands.py): a command applies its values to the cache
at once and queues one batched write; the rows are refetched after the write so stored columns the
working copy derives (sync state, validation, sort keys) are current.

Roles are compared as plain ints bound at import (QT-NOTES.md: an enum lookup in data() costs ~3 µs).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Callable, Iterable, Sequence
from itertools import compress

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor, QFont, QPalette
from PySide6.QtWidgets import QApplication

from synq_desktop.domain.validation import check_product
from synq_desktop.ui.catalog_source import (
    CatalogSource,
    FieldChange,
    NamedRecord,
    ProductHead,
    ProductQuery,
    ProductRow,
)
from synq_desktop.ui.grid_columns import Editor, GridColumn
from synq_desktop.ui.item_roles import ALIGN, ALIGN_RIGHT, DISPLAY, EDIT, FONT, FOREGROUND, ID_ROLE, TOOLTIP
from synq_desktop.ui.write_queue import WriteQueue

log = logging.getLogger(__name__)

PAGE_SIZE = 200
REST_AFTER_S = 0.03  # a list's head shown, its rest is read after this long without a newer query
PRODUCT_IDS_MIME = "application/x-synq-product-ids"
STATUSES = ("ACTIVE", "DRAFT", "ARCHIVED")
_ISSUE_TEXT = {0: "", 1: "⚠ warning", 2: "✖ error"}
_SYNC_TEXT = {"SYNCED": "", "PENDING": "pending", "IN_FLIGHT": "sending", "BLOCKED": "waiting",
              "UNCERTAIN": "uncertain", "REJECTED": "rejected", "CONFLICT": "conflict"}

COLUMNS: tuple[GridColumn, ...] = (
    # 250, not wider: the default layout (a 1440 px window, the grid's pane 790 px) then shows the first
    # five columns whole; at 320 the pane ended inside Status and every row read "ACT", "ARC", "DRA".
    GridColumn("title", "Title", "title", "title", Editor.TEXT, 250),
    GridColumn("category", "Category", "category", "category_id", Editor.LOOKUP, 150),
    GridColumn("brand", "Brand", "brand", "brand_id", Editor.LOOKUP, 130),
    GridColumn("template", "Template", "template", "template_id", Editor.LOOKUP, 130),
    GridColumn("status", "Status", "status", "status", Editor.CHOICE, 90, fits=STATUSES),
    GridColumn("variant_count", "Variants", "variant_count", width=70),
    GridColumn("quality", "Quality", "quality", width=70),
    # Shown as "YYYY-MM-DD hh:mm:ss" (_display); digits are equally wide in the fonts Qt picks here.
    GridColumn("updated_at", "Updated", "updated_at", width=150, fits=("2026-12-31 23:59:59",)),
    GridColumn("sync_state", "Sync", "sync_state", width=90, fits=tuple(_SYNC_TEXT.values())),
    GridColumn("issue_level", "Validation", "issue_level", width=90, fits=tuple(_ISSUE_TEXT.values())),
)
COLUMN_BY_KEY = {c.key: i for i, c in enumerate(COLUMNS)}
_NUMERIC = {"variant_count", "quality"}
_ROW_FIELD_FOR = {"category_id": "category", "brand_id": "brand", "template_id": "template"}
_ROLES_ANSWERED = frozenset((DISPLAY, EDIT, ID_ROLE, TOOLTIP, ALIGN, FOREGROUND, FONT))
TITLE_COLUMN = COLUMN_BY_KEY["title"]
# Shown (greyed, italic) for a product whose title is empty; only a display role: the stored title
# stays empty and an editor starts from empty.
UNTITLED = "(untitled)"
_UNTITLED_TIP = "This product has no title yet."
# The flags of each column, made once: the view asks them for every painted cell, and building a
# Qt.ItemFlag from its parts goes through Python's enum machinery (~5 µs a cell).
_READ_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsDragEnabled
_FLAGS = tuple(_READ_FLAGS | Qt.ItemFlag.ItemIsEditable if c.editable else _READ_FLAGS for c in COLUMNS)
_READ_ONLY_FLAGS = (_READ_FLAGS,) * len(COLUMNS)
_NO_FLAGS = Qt.ItemFlag.NoItemFlags


@dataclasses.dataclass
class Lookups:
    """Names of the records a product refers to, both ways (pasted names are matched case-blind)."""

    categories: dict[str, str] = dataclasses.field(default_factory=dict)
    brands: dict[str, str] = dataclasses.field(default_factory=dict)
    templates: dict[str, str] = dataclasses.field(default_factory=dict)

    def table(self, field: str) -> dict[str, str]:
        return {"category_id": self.categories, "brand_id": self.brands, "template_id": self.templates}[field]

    def resolve(self, field: str, name: str) -> tuple[str | None, str | None]:
        """(id, problem): a blank name clears the reference; an unknown one is a problem."""
        text = name.strip()
        if not text:
            return None, None
        folded = text.casefold()
        for rid, rname in self.table(field).items():
            if rname.casefold() == folded:
                return rid, None
        what = field.removesuffix("_id")
        return None, f"There is no {what} named {text!r}."


def validate_cell(column: GridColumn, text: str, lookups: Lookups) -> tuple[object, str | None]:
    """The value to store for `text` typed or pasted in `column`, and the problem with it (None if
    fine). Problems that the server accepts (an empty title) are warnings the editor shows; the
    value is still returned so a draft is never blocked (API.md: the client never blocks saving)."""
    if column.editor is Editor.LOOKUP:
        assert column.field is not None
        return lookups.resolve(column.field, text)
    if column.field == "title":
        findings = [f for f in check_product(text, "-") if f.field == "title"]
        return text, findings[0].message if findings else None
    if column.editor is Editor.CHOICE:
        value = text.strip().upper()
        if value not in STATUSES:
            return None, f"The status must be one of {', '.join(STATUSES)}."
        return value, None
    return text, None


def is_blocking(column: GridColumn, value: object, problem: str | None) -> bool:
    """A problem that means nothing can be stored (an unknown name, a bad status), as opposed to a
    warning about a value that is stored anyway (an empty title)."""
    return problem is not None and (column.editor in (Editor.LOOKUP, Editor.CHOICE)) and value is None


class ProductTableModel(QAbstractTableModel):
    rows_loaded = Signal()  # a page arrived (tests and benchmarks wait on it)
    ids_changed = Signal()  # a new id list is in place
    problem = Signal(str)  # an edit could not be applied as typed or pasted

    def __init__(self, source: CatalogSource, writes: WriteQueue, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.source = source
        self.writes = writes
        self.undo_stack = None  # set by the editor: setData pushes commands onto it
        self.query = ProductQuery()
        self.lookups = Lookups()
        self._ids: list[str] = []
        self._row_index: dict[str, int] | None = {}  # built on demand: 100k entries cost ~10-40 ms
        self._cache: dict[str, ProductRow] = {}
        self._stale: dict[str, ProductRow] = {}
        self._loading: set[int] = set()
        self._generation = 0
        self.generation_installed = 0  # id lists swapped in so far (benchmarks and tests wait on it)
        self._reloading: asyncio.Future[None] | None = None
        self._wanted: tuple[int, bool] | None = None
        self._installed: tuple[ProductQuery, bool] | None = None  # the list's query, and is it whole?
        self._superseded: asyncio.Future[None] | None = None  # set when a newer query makes a rest moot
        self._parked: dict[int, str] = {}  # row -> the product a persistent index there stands for (head shown)

    # -- the id list -----------------------------------------------------------------------------
    def set_query(self, query: ProductQuery) -> asyncio.Future[None]:
        self.query = query
        return self.reload(with_lookups=False)

    def reload(self, with_lookups: bool = True) -> asyncio.Future[None]:
        """Ask for a new id list (and, unless only the query changed, the names of categories, brands
        and templates); the old rows stay on screen until the new list and its first page arrive.

        Queries never pile up on the reader thread: while one runs, newer requests coalesce into one
        (the latest query wins). The returned future is done once the latest request's whole list
        is in place (its head is on screen before that)."""
        self._generation += 1
        if self._superseded is not None and not self._superseded.done():
            self._superseded.set_result(None)  # stop waiting for an older list's rest
        lookups = with_lookups or (self._wanted is not None and self._wanted[1])
        self._wanted = (self._generation, lookups)
        if self._reloading is None or self._reloading.done():
            self._reloading = asyncio.ensure_future(self._run_reloads())
        return self._reloading

    async def _run_reloads(self) -> None:
        while self._wanted is not None:
            generation, with_lookups = self._wanted
            self._wanted = None
            await self._reload(generation, with_lookups)

    async def _reload(self, generation: int, with_lookups: bool) -> None:
        try:
            await self._reload_now(generation, with_lookups)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - a failed query keeps the old rows and says why
            log.warning("reading products failed: %s", exc)
            self.problem.emit(f"Could not read the products: {exc}")

    @property
    def settled(self) -> bool:
        """Is the latest query's whole list in place (no head waiting for its rest)?"""
        return self._reloading is None or self._reloading.done()

    async def _reload_now(self, generation: int, with_lookups: bool) -> None:
        query = self.query
        # The head is asked for first (the reader runs reads in order): the first page does not wait
        # for the names of categories, brands and templates, which only pasted names need.
        reading: asyncio.Future[ProductHead] = asyncio.ensure_future(self.source.product_head(query, PAGE_SIZE))
        if not with_lookups:
            await self._show(query, generation, reading)
            return
        await asyncio.sleep(0)
        named = asyncio.ensure_future(self._fetch_lookups())
        named.add_done_callback(self._take_lookups)
        try:
            await self._show(query, generation, reading)
        finally:
            await asyncio.wait((named,))  # a reload is done once the names are in too

    async def _show(self, query: ProductQuery, generation: int, reading: asyncio.Future[ProductHead]) -> None:
        head = await reading
        if generation != self._generation:
            return  # a newer query was made meanwhile; its answer wins
        if head.complete:
            self._install_ids(head.ids, head.rows)
            self._installed = (query, True)
            return
        self._show_head(query, head)
        self._installed = (query, False)
        # The rest is read once the head is painted and no newer query came for REST_AFTER_S (typing
        # goes on: the next keystroke's head does not wait behind it, and a paint never shares the GIL
        # with a long read); a newer query coming later makes the source abandon the read part way.
        self._superseded = asyncio.get_running_loop().create_future()
        await asyncio.wait((self._superseded,), timeout=REST_AFTER_S)
        if generation != self._generation:
            return
        rest = asyncio.ensure_future(self.source.product_ids(query))
        rest.add_done_callback(_forget_failure)
        await asyncio.wait((rest, self._superseded), return_when=asyncio.FIRST_COMPLETED)
        if not rest.done() or rest.exception() is not None or generation != self._generation:
            return
        ids = rest.result()
        if ids is None:
            return
        self._install_rest(head.ids, ids)
        self._installed = (query, True)

    def _show_head(self, query: ProductQuery, head: ProductHead) -> None:
        """Show a list's head. A new order of the products shown (only the sort changed): the head on
        top of the old list's rows below it, so the view keeps its size and place; no scan of the
        100k ids on the GUI thread (under load one costs 10-30 ms): a selected product found in the
        head moves there, one pushed out of the top rows is parked on its row (the whole list then
        finds it by id), the others keep their rows. Otherwise the head alone."""
        old = self._ids
        installed = self._installed
        k = len(head.ids)
        if (installed is None or not installed[1] or len(old) <= k
                or dataclasses.replace(installed[0], sort_key=query.sort_key, descending=query.descending) != query):
            self._install_ids(head.ids, head.rows)
            return
        in_head = {rid: row for row, rid in enumerate(head.ids)}
        parked: dict[int, str] = {}

        def place(row: int, rid: str) -> int:
            if rid in in_head:
                return in_head[rid]
            if row < k:
                parked[row] = rid
            return row

        self._install_ids(head.ids + old[k:], head.rows, place)
        self._parked = parked

    def _install_rest(self, head: list[str], ids: list[str]) -> None:
        """The whole list after its head: appended when the head was shown alone and still leads it
        (no reset, the view stays where it is), else swapped in like any new list (rows fetched so
        far are kept: they are the same products)."""
        k = len(head)
        if self._ids == head and ids[:k] == head and len(ids) > k:
            self.beginInsertRows(QModelIndex(), k, len(ids) - 1)
            self._ids = ids
            self._row_index = None
            self.endInsertRows()
            self.generation_installed += 1
            self.ids_changed.emit()
            return
        self._install_ids(ids, None)

    def _take_lookups(self, named: asyncio.Future[Lookups]) -> None:
        if named.cancelled():
            return
        if named.exception() is not None:
            log.warning("reading the names of categories, brands and templates failed: %s", named.exception())
            return
        self.lookups = named.result()

    async def _fetch_lookups(self) -> Lookups:
        categories, brands, templates = await asyncio.gather(
            self.source.categories(), self.source.brands(), self.source.templates()
        )
        return Lookups(
            categories={c.id: c.name for c in categories},
            brands=_names(brands),
            templates=_names(templates),
        )

    def _install_ids(self, ids: list[str], first_page: dict[str, ProductRow] | None,
                     place: Callable[[int, str], int] | None = None) -> None:
        """Swap in a new id list; `first_page`: its first rows (None: keep the rows fetched so far,
        the products are the same). A list of the same length keeps the selection on its products:
        `place(old row, id)` says where each goes (default: found in `ids`)."""
        if first_page is not None:
            # Rows already fetched stay visible (stale) until their page is fetched again.
            self._stale.update(self._cache)
            if len(self._stale) > 20 * PAGE_SIZE:
                self._stale = {}
            self._cache = dict(first_page)
        cache = self._cache
        self._loading = {0} if ids and all(rid in cache for rid in ids[:PAGE_SIZE]) else set()
        if len(ids) == len(self._ids):
            self.layoutAboutToBeChanged.emit()
            persistent = self.persistentIndexList()
            old_ids, parked = self._ids, self._parked
            self._parked = {}
            wanted = [parked.get(index.row()) or (old_ids[index.row()] if 0 <= index.row() < len(old_ids) else None)
                      for index in persistent]
            self._ids = ids
            self._row_index = None
            if place is None:
                rows = _rows_in(ids, [rid for rid in wanted if rid is not None]) if persistent else {}
                moved = [self.index(rows[rid], index.column()) if rid in rows else QModelIndex()
                         for rid, index in zip(wanted, persistent, strict=True)]
            else:
                moved = [self.index(place(index.row(), rid), index.column()) if rid is not None else QModelIndex()
                         for rid, index in zip(wanted, persistent, strict=True)]
            self.changePersistentIndexList(persistent, moved)
            self.layoutChanged.emit()
        else:
            self.beginResetModel()
            self._ids = ids
            self._parked = {}
            self._row_index = None
            self.endResetModel()
        self.generation_installed += 1
        self.ids_changed.emit()

    @property
    def ids(self) -> list[str]:
        return self._ids

    @property
    def _row_of(self) -> dict[str, int]:
        if self._row_index is None:
            self._row_index = {rid: i for i, rid in enumerate(self._ids)}
        return self._row_index

    def row_of(self, product_id: str) -> int:
        return self._row_of.get(product_id, -1)

    def _rows_of(self, ids: Iterable[str]) -> dict[str, int]:
        """Rows of some ids: from the row index when built, else by one C scan (an edit's refetch
        does not build a 100k-entry dict on the GUI thread)."""
        if self._row_index is not None:
            return {rid: self._row_index[rid] for rid in ids if rid in self._row_index}
        return _rows_in(self._ids, list(ids))

    def row_data(self, row: int) -> ProductRow | None:
        if not 0 <= row < len(self._ids):
            return None
        rid = self._ids[row]
        return self._cache.get(rid) or self._stale.get(rid)

    # -- pages -----------------------------------------------------------------------------------
    def _want_page(self, page: int) -> None:
        if page in self._loading:
            return
        self._loading.add(page)
        asyncio.ensure_future(self._load_page(page, self._generation))

    async def _load_page(self, page: int, generation: int) -> None:
        ids = self._ids[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
        try:
            rows = await self.source.product_rows(ids)
        except Exception:
            log.exception("fetching a page of products failed")
            self._loading.discard(page)
            return
        if generation != self._generation:
            return
        self._cache.update(rows)
        first = page * PAGE_SIZE
        if ids:
            self.dataChanged.emit(self.index(first, 0), self.index(first + len(ids) - 1, len(COLUMNS) - 1))
        self.rows_loaded.emit()

    def _store_rows(self, rows: dict[str, ProductRow], asked: Iterable[str]) -> None:
        self._cache.update(rows)
        touched = sorted(self._rows_of(asked).values())
        if touched:
            self.dataChanged.emit(self.index(touched[0], 0), self.index(touched[-1], len(COLUMNS) - 1))
        self.rows_loaded.emit()

    def refetch(self, ids: Sequence[str]) -> None:
        """Fetch these rows again (after a write: the working copy derives some of their columns)."""
        shown = self._rows_of(ids)
        wanted = [rid for rid in dict.fromkeys(ids) if rid in shown]
        if wanted:
            asyncio.ensure_future(self._refetch(wanted, self._generation))

    async def _refetch(self, ids: list[str], generation: int) -> None:
        try:
            rows = await self.source.product_rows(ids)
        except Exception:
            log.exception("refetching products failed")
            return
        if generation == self._generation:
            self._store_rows(rows, ids)

    def all_loaded(self, first: int, last: int) -> bool:
        return all(self._ids[r] in self._cache for r in range(max(first, 0), min(last + 1, len(self._ids))))

    # -- Qt model interface ----------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = DISPLAY) -> object:
        if role == DISPLAY and orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return COLUMNS[section].header
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = DISPLAY) -> object:
        if role not in _ROLES_ANSWERED or not index.isValid():
            return None  # the delegate asks ~8 roles per painted cell; half of them are never set here
        if role == FONT and index.column() != TITLE_COLUMN:
            return None  # only an untitled product's title has a font of its own
        row_no = index.row()
        rid = self._ids[row_no]
        row = self._cache.get(rid)
        if row is None:
            self._want_page(row_no // PAGE_SIZE)
            row = self._stale.get(rid)
            if row is None:
                return rid if role == ID_ROLE else None
        col_no = index.column()
        column = COLUMNS[col_no]
        if col_no == TITLE_COLUMN and not row.title:
            untitled = _untitled(role)
            if untitled is not None:
                return untitled
        if role == DISPLAY:
            return _display(row, column.key)
        if role == EDIT:
            value = getattr(row, column.key)
            return "" if value is None else str(value)
        if role == ID_ROLE:
            return rid
        if role == TOOLTIP:
            if column.key == "issue_level" and row.issues:
                return "\n".join(row.issues)
            if column.key == "title" and row.description:
                return row.description[:500]
            return None
        if role == ALIGN:
            return ALIGN_RIGHT if column.key in _NUMERIC else None
        if role == FOREGROUND:
            if column.key == "issue_level" and row.issue_level:
                return _issue_brush(row.issue_level)
            if column.key == "sync_state" and row.sync_state in ("CONFLICT", "REJECTED", "UNCERTAIN"):
                return _issue_brush(2)
        return None

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        if not index.isValid():
            return _NO_FLAGS
        return (_READ_ONLY_FLAGS if self.read_only else _FLAGS)[index.column()]

    read_only = False  # a VIEWER's copy

    def setData(self, index: QModelIndex | QPersistentModelIndex, value: object, role: int = EDIT) -> bool:
        if not index.isValid() or role != EDIT or self.read_only:
            return False
        column = COLUMNS[index.column()]
        if not column.editable:
            return False
        changes, problems = self.changes_for_cells([(index.row(), index.column(), str(value))])
        if problems:
            self.problem.emit(problems[0])
        if not changes:
            return False
        self.push_edit(changes, f"Edit {column.header.lower()}")
        return True

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort_key if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        self.set_query(dataclasses.replace(
            self.query, sort_key=key, descending=order == Qt.SortOrder.DescendingOrder
        ))

    def mimeTypes(self) -> list[str]:
        return [PRODUCT_IDS_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        mime = QMimeData()
        ids = list(dict.fromkeys(self._ids[i.row()] for i in indexes if i.isValid()))
        mime.setData(PRODUCT_IDS_MIME, "\n".join(ids).encode())
        return mime

    def supportedDragActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction | Qt.DropAction.CopyAction

    # -- edits -----------------------------------------------------------------------------------
    def changes_for_cells(
        self, cells: Iterable[tuple[int, int, str]]
    ) -> tuple[list[tuple[FieldChange, object]], list[str]]:
        """(change, old value) pairs for (row, column, text) cells, and the problems met. Read-only
        columns are skipped; cells whose text cannot be stored (an unknown brand) are skipped with
        a problem; warnings (an empty title) are reported and the value is still stored."""
        changes: list[tuple[FieldChange, object]] = []
        problems: list[str] = []
        for row_no, col_no, text in cells:
            if not (0 <= row_no < len(self._ids) and 0 <= col_no < len(COLUMNS)):
                continue
            column = COLUMNS[col_no]
            if not column.editable:
                continue
            assert column.field is not None
            value, problem = validate_cell(column, text, self.lookups)
            if problem:
                problems.append(f"Row {row_no + 1}, {column.header}: {problem}")
                if is_blocking(column, value, problem):
                    continue
            rid = self._ids[row_no]
            row = self.row_data(row_no)
            old = getattr(row, column.field) if row is not None else None
            if old == value:
                continue
            changes.append((FieldChange(rid, column.field, value), old))
        return changes, problems

    def push_edit(self, changes: list[tuple[FieldChange, object]], text: str) -> None:
        from synq_desktop.ui.cell_edit_commands import CellEditCommand

        command = CellEditCommand(self, changes, text)
        if self.undo_stack is not None:
            self.undo_stack.push(command)
        else:
            command.redo()

    def apply_changes(self, changes: Sequence[FieldChange]) -> None:
        """Show `changes` at once and queue them as one batch for the working copy."""
        by_id: dict[str, dict[str, object]] = {}
        for change in changes:
            by_id.setdefault(change.id, {})[change.field] = change.value
        for rid, fields in by_id.items():
            row = self._cache.get(rid) or self._stale.get(rid)
            if row is None:
                continue
            updates = dict(fields)
            for field, value in fields.items():
                shown = _ROW_FIELD_FOR.get(field)
                if shown:
                    updates[shown] = self.lookups.table(field).get(value, "") if value else ""
            new_row = dataclasses.replace(row, **updates, sync_state="PENDING")
            if rid in self._cache:
                self._cache[rid] = new_row
            else:
                self._stale[rid] = new_row
        rows = sorted(self._rows_of(by_id).values())
        if rows:
            self.dataChanged.emit(self.index(rows[0], 0), self.index(rows[-1], len(COLUMNS) - 1))
        batch = list(changes)
        ids = list(by_id)
        self.writes.submit(lambda: self.source.update_products(batch), after=lambda: self.refetch(ids))


def _rows_in(ids: list[str], wanted: list[str]) -> dict[str, int]:
    """Rows of the `wanted` ids in `ids`, found in one pass that stays in C (~2 ms at 100k rows,
    where a dict of every id costs 10-40 ms and a list.index per id ~1.5 ms each)."""
    chosen = set(wanted)
    return {ids[row]: row for row in compress(range(len(ids)), map(chosen.__contains__, ids))}


def _forget_failure(future: asyncio.Future[object]) -> None:
    """A rest nobody waits for any more: its failure is logged, not left unretrieved."""
    if not future.cancelled() and future.exception() is not None:
        log.warning("reading the rest of the products failed: %s", future.exception())


def _names(records: Iterable[NamedRecord]) -> dict[str, str]:
    return {r.id: r.name for r in records}


def _display(row: ProductRow, key: str) -> object:
    value = getattr(row, key)
    if key == "issue_level":
        return _ISSUE_TEXT.get(value, "")
    if key == "sync_state":
        return _SYNC_TEXT.get(value, value.lower())
    if key == "updated_at":
        return (value or "").replace("T", " ").removesuffix("Z")[:19]
    if value is None:
        return ""
    return value


_untitled_look: dict[int, object] = {}  # role -> value, made on first use (a QFont wants a QGuiApplication)


def _untitled(role: int) -> object:
    """What the title cell of a product without a title answers for `role` (None: as any cell)."""
    if not _untitled_look:
        font = QFont(QApplication.font())
        font.setItalic(True)
        _untitled_look.update({DISPLAY: UNTITLED, FONT: font, TOOLTIP: _UNTITLED_TIP})
    if role == FOREGROUND:
        return QBrush(QApplication.palette().color(QPalette.ColorRole.PlaceholderText))
    return _untitled_look.get(role)


def _issue_brush(level: int) -> QBrush:
    palette = QApplication.palette()
    if level >= 2:
        return QBrush(QColor(200, 40, 40) if palette.color(QPalette.ColorRole.Base).lightness() > 128
                      else QColor(255, 110, 110))
    return QBrush(QColor(170, 110, 0) if palette.color(QPalette.ColorRole.Base).lightness() > 128
                  else QColor(255, 190, 80))
