"""The catalog editor: category tree (left), product grid (centre), variant grid (right).

Wiring only: the models do the work. Selecting a category filters the grid to it and its
descendants; typing in the search box re-queries on every keystroke (the newest answer wins, the old
rows stay until it arrives); selecting products shows their variants. All edits share one undo stack
(Ctrl+Z / Ctrl+Shift+Z). Deleting asks first, through a dialog opened with `open()` and awaited.

Keyboard: Ctrl+F search, Ctrl+N new product (a draft row), Ctrl+Shift+N new product with the form,
Ctrl+Alt+N new variant, Ctrl+Shift+G new category (inside the selected one), Ctrl+Shift+L new top-level
category, F2 in the tree renames and Delete there deletes a category (asks first), Ctrl+S sync, Ctrl+Shift+C the conflict resolver, Ctrl+Shift+O the changes that
need the user (rejected, uncertain); Tab moves search → tree → products → variants; inside a grid,
arrows move, typing edits, Tab while editing moves to the next cell. `menus()` lists every command for
the window's menu bar (with its shortcut), so each is also reachable by Alt and the menu mnemonics.

A server without some routes (docs-only: no brand or category edits, no variant updates) gets those
edits disabled up front, with the reason on the control and in the status line (server_limits.py).
"""
from __future__ import annotations

import asyncio
import dataclasses
import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import (
    QByteArray,
    QItemSelection,
    QModelIndex,
    QPoint,
    QSettings,
    Qt,
    Signal,
    SignalInstance,
)
from PySide6.QtGui import QAction, QCursor, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from synq_desktop.ui.brand_form import BrandFormDialog
from synq_desktop.ui.brand_list_model import BrandListModel
from synq_desktop.ui.catalog_source import CatalogSource, FieldChange, ProductQuery, SavedViewRow
from synq_desktop.ui.category_form import NewCategoryDialog
from synq_desktop.ui.category_tree_model import CategoryTreeModel
from synq_desktop.ui.cell_editor_delegate import ValidatingDelegate
from synq_desktop.ui.conflict_dialog import ConflictResolverDialog
from synq_desktop.ui.dialog_future import ask
from synq_desktop.ui.edit_grid_view import EditGridView
from synq_desktop.ui.find_replace import FIELDS, FindReplaceDialog, replaced
from synq_desktop.ui.icons import icon
from synq_desktop.ui.issues_panel import IssuesPanel
from synq_desktop.ui.product_form import ProductFormDialog
from synq_desktop.ui.product_table_model import (
    COLUMNS as PRODUCT_COLUMNS,
)
from synq_desktop.ui.product_table_model import (
    STATUSES,
    ProductTableModel,
    validate_cell,
)
from synq_desktop.ui.saved_views import SavedViewsBox, apply_columns, header_columns
from synq_desktop.ui.server_limits import NO_LIMITS, ServerLimits, limits_of
from synq_desktop.ui.sync_control import SyncControl, SyncStatus
from synq_desktop.ui.sync_status_bar import SyncStatusBar
from synq_desktop.ui.variant_table_model import COLUMNS as VARIANT_COLUMNS
from synq_desktop.ui.variant_table_model import VariantTableModel
from synq_desktop.ui.write_queue import WriteQueue

if TYPE_CHECKING:
    from synq_desktop.ui.operations_dialog import OperationsDialog

log = logging.getLogger(__name__)
MAX_VARIANT_PRODUCTS = 50  # variants of at most this many selected products are shown together
VIEWER_REASON = ("Read-only: you are signed in with the VIEWER role, and the server takes no edits from it. "
                 "You can browse, search and copy; changes queued before are kept in the outbox.")
GRID_EDIT_ACTIONS = ("Paste", "Fill down", "Delete rows")  # EditGridView's actions that change the copy


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


class DeleteProductsCommand(QUndoCommand):
    """Delete products as one store batch; undo reverts that batch (the store restores records whose
    delete has not been sent yet; a sent delete cannot be taken back, and the undo says so)."""

    def __init__(self, editor: CatalogEditor, ids: list[str]) -> None:
        super().__init__(f"Delete {len(ids)} product{'s' if len(ids) != 1 else ''}")
        self.editor, self.ids = editor, ids
        self.batch_id: str | None = None

    def redo(self) -> None:
        async def delete() -> None:
            self.batch_id = await self.editor.source.delete_products(self.ids)

        self.editor.writes.submit(delete, after=self.editor._after_structure_change)

    def undo(self) -> None:
        async def restore() -> None:
            if self.batch_id is not None:
                await self.editor.source.revert_batch(self.batch_id)
                self.batch_id = None

        self.editor.writes.submit(restore, after=self.editor._after_structure_change)


class CatalogEditor(QWidget):
    message = Signal(str)  # for the status bar

    def __init__(self, source: CatalogSource, sync: SyncControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("catalogEditor")
        self.source = source
        self.sync = sync
        self.writes = WriteQueue(self)
        self.undo_stack = QUndoStack(self)
        self.products = ProductTableModel(source, self.writes, self)
        self.products.undo_stack = self.undo_stack
        self.categories = CategoryTreeModel(source, self.writes, self)
        self.categories.undo_stack = self.undo_stack
        self.variants = VariantTableModel(source, self.writes, self)
        self.variants.undo_stack = self.undo_stack
        self._tasks: set[asyncio.Future[object]] = set()
        self._current_category: str | None = None  # what the grid is filtered to (None: all products)
        self._expanded: set[str] | None = None  # expanded categories, kept across tree rebuilds

        self.search = QLineEdit(self)
        self.search.setObjectName("search")
        self.search.setPlaceholderText("Search titles, descriptions, SKUs…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.views = SavedViewsBox(source, self)
        self.save_view_button = QPushButton("Save vie&w…", self)
        self.save_view_button.setObjectName("saveView")
        self.new_product_button = QPushButton(icon("new-product"), "&New product", self)
        self.new_product_button.setObjectName("newProduct")
        self.new_product_button.setToolTip("Create a product in the selected category (Ctrl+N)")
        self.product_form_button = QPushButton("Product f&orm…", self)
        self.product_form_button.setObjectName("productFormButton")
        self.product_form_button.setToolTip("Create a product with its description, brand and template (Ctrl+Shift+N)")
        # Outside the Tab chain (search → … → new product → tree stays short); Ctrl+Shift+N and Alt+O reach it.
        self.product_form_button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)

        self.tree = QTreeView(self)
        self.tree.setObjectName("categoryTree")
        self.tree.setModel(self.categories)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        self.tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.tree.setAcceptDrops(True)
        self.tree.setDropIndicatorShown(True)
        self.tree.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed
                                  | QAbstractItemView.EditTrigger.SelectedClicked)
        self.tree.header().setStretchLastSection(False)
        self.tree.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.tree.header().setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)

        self.grid = EditGridView(self)
        self.grid.setObjectName("productGrid")
        self.grid.setModel(self.products)
        self.grid.setTabKeyNavigation(False)
        self.grid.setDragEnabled(True)
        self.grid.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.grid.setItemDelegate(ValidatingDelegate(self._product_problem, self._product_choices, self.grid))
        self.grid.size_columns(PRODUCT_COLUMNS)
        # The row header would show nothing (rows have no numbers here) yet asks the model for each visible
        # row's header on every repaint (~1,300 calls); rows are selected through their cells instead.
        self.grid.verticalHeader().hide()
        self.grid.horizontalHeader().setSortIndicator(0, Qt.SortOrder.AscendingOrder)

        self.variant_grid = EditGridView(self)
        self.variant_grid.setObjectName("variantGrid")
        self.variant_grid.setModel(self.variants)
        self.variant_grid.setTabKeyNavigation(False)
        self.variant_grid.setSortingEnabled(False)
        self.variant_grid.setItemDelegate(
            ValidatingDelegate(self._variant_problem, lambda _c: [], self.variant_grid))
        self.variant_grid.size_columns(VARIANT_COLUMNS)
        self.side = QTabWidget(self)
        self.side.setObjectName("sideTabs")
        self.side.tabBar().setObjectName("sideTabBar")
        self.side.addTab(self.variant_grid, "&Variants")
        self.brands = BrandListModel(source, self.writes, self)
        self.brands.undo_stack = self.undo_stack
        brands_page = QWidget()
        self.brand_list = QListView(brands_page)
        self.brand_list.setObjectName("brandList")
        self.brand_list.setModel(self.brands)
        self.new_brand = QLineEdit(brands_page)
        self.new_brand.setObjectName("newBrand")
        self.new_brand.setPlaceholderText("New brand name, then Enter")
        self.new_brand.returnPressed.connect(lambda: self._spawn(self._add_brand()))
        # F2 renames in place; Enter or a double-click opens the brand form (description, logo URL).
        self.brand_list.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.brand_list.activated.connect(lambda index: self._spawn(self.edit_brand(index.row())))
        self.brand_form_button = QPushButton("New brand fo&rm…", brands_page)
        self.brand_form_button.setObjectName("newBrandForm")
        self.edit_brand_button = QPushButton("Edi&t brand…", brands_page)
        self.edit_brand_button.setObjectName("editBrand")
        self.brand_form_button.clicked.connect(lambda: self._spawn(self.new_brand_from_form()))
        self.edit_brand_button.clicked.connect(
            lambda: self._spawn(self.edit_brand(self.brand_list.currentIndex().row())))
        brand_buttons = QHBoxLayout()
        brand_buttons.addWidget(self.brand_form_button)
        brand_buttons.addWidget(self.edit_brand_button)
        brands_layout = QVBoxLayout(brands_page)
        brands_layout.setContentsMargins(0, 0, 0, 0)
        brands_layout.addWidget(self.brand_list, 1)
        brands_layout.addWidget(self.new_brand)
        brands_layout.addLayout(brand_buttons)
        self.brand_limit_note = QLabel(brands_page)  # why existing brands cannot be edited on this server
        self.brand_limit_note.setObjectName("brandLimitNote")
        self.brand_limit_note.setWordWrap(True)
        self.brand_limit_note.hide()
        brands_layout.addWidget(self.brand_limit_note)
        self.side.addTab(brands_page, "&Brands")
        self.issues = IssuesPanel(source, self)
        self.side.addTab(self.issues, "&Issues")

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.splitter.setObjectName("editorSplitter")
        self.splitter.addWidget(self.tree)
        self.splitter.addWidget(self.grid)
        self.splitter.addWidget(self.side)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setSizes([220, 790, 430])

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.views)
        top.addWidget(self.save_view_button)
        top.addWidget(self.new_product_button)
        top.addWidget(self.product_form_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        self.read_only_note = QLabel(self)
        self.read_only_note.setObjectName("readOnlyNote")
        self.read_only_note.setWordWrap(True)
        self.read_only_note.setFrameShape(QLabel.Shape.StyledPanel)
        self.read_only_note.setMargin(6)
        self.read_only_note.hide()
        layout.addLayout(top)
        layout.addWidget(self.read_only_note)
        layout.addWidget(self.splitter, 1)

        self.sync_bar = SyncStatusBar(source, sync)
        self.limits = NO_LIMITS
        self._actions()
        self._focus_order()
        self._wire()
        self._show_brand_limits()
        self._show_category_actions()
        self._was_syncing = False
        self.syncs_seen = 0
        self.closing = False
        self._unsubscribe_sync = sync.subscribe(self._sync_status)

    # -- set-up ----------------------------------------------------------------------------------
    def _actions(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        self.undo_action = self.undo_stack.createUndoAction(self, "&Undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.redo_action = self.undo_stack.createRedoAction(self, "&Redo")
        # Both spellings everywhere: a StandardKey in a list becomes only its first binding (Ctrl+Y here).
        # The two spellings people know come first: the menu shows the first, Help lists the first two.
        common = [QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")]
        platform = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
        self.redo_action.setShortcuts(common + [k for k in platform if k not in common])
        self.undo_action.setData("Undo")  # the command's name in Help › Keyboard shortcuts (the text changes)
        self.redo_action.setData("Redo")
        self.find_action = QAction("&Find", self, shortcut=QKeySequence.StandardKey.Find)
        self.find_action.triggered.connect(self._focus_search)
        self.new_action = QAction("&New product", self, shortcut=QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(lambda: self._spawn(self.new_product()))
        self.form_action = QAction("New product with the &form…", self, shortcut=QKeySequence("Ctrl+Shift+N"))
        self.form_action.triggered.connect(lambda: self._spawn(self.new_product_from_form()))
        self.replace_action = QAction("Find and r&eplace…", self, shortcut=QKeySequence.StandardKey.Replace)
        self.replace_action.triggered.connect(lambda: self._spawn(self.find_and_replace()))
        self.sync_action = QAction("&Sync now", self, shortcut=QKeySequence("Ctrl+S"))
        self.sync_action.triggered.connect(self.sync.start_sync)
        self.new_variant_action = QAction("New &variant", self, shortcut=QKeySequence("Ctrl+Alt+N"))
        self.new_variant_action.triggered.connect(self.start_new_variant)
        self.conflicts_action = QAction("Resolve &conflicts…", self, shortcut=QKeySequence("Ctrl+Shift+C"))
        self.conflicts_action.triggered.connect(self.open_conflicts)
        self.operations_action = QAction("Changes that &need you…", self, shortcut=QKeySequence("Ctrl+Shift+O"))
        self.operations_action.setToolTip("Rejected and uncertain changes: fix, retry, adopt or discard them")
        self.operations_action.triggered.connect(self.open_operations)
        self.save_view_action = QAction("Save the vie&w…", self)
        self.save_view_action.triggered.connect(lambda: self._spawn(self.save_view()))
        # The header's right-click menu, reachable from the keyboard too (Alt+A, O).
        self.columns_menu = QMenu("Grid c&olumns", self)
        self.columns_menu.aboutToShow.connect(self._fill_columns_menu)
        self.new_brand_action = QAction("New &brand…", self)
        self.new_brand_action.triggered.connect(lambda: self._spawn(self.new_brand_from_form()))
        self.edit_brand_action = QAction("Edi&t the current brand…", self)
        self.edit_brand_action.triggered.connect(
            lambda: self._spawn(self.edit_brand(self.brand_list.currentIndex().row())))
        self._category_actions()
        for action in (self.undo_action, self.redo_action, self.find_action, self.new_action, self.form_action,
                       self.replace_action, self.sync_action, self.new_variant_action, self.conflicts_action,
                       self.operations_action, self.new_category_action, self.new_top_category_action):
            action.setShortcutContext(context)
            self.addAction(action)
        # The grids' own keys (Ctrl+C, Ctrl+V, Ctrl+D, Delete) act on the focused grid; these menu twins
        # show the key after a tab instead of binding it again (a second binding would be ambiguous).
        self.copy_action = QAction("&Copy\tCtrl+C", self)
        self.copy_action.triggered.connect(lambda: self._focused_grid().copy_selection())
        self.paste_action = QAction("&Paste\tCtrl+V", self)
        self.paste_action.triggered.connect(lambda: self._focused_grid().paste_clipboard())
        self.fill_down_action = QAction("Fill do&wn\tCtrl+D", self)
        self.fill_down_action.triggered.connect(lambda: self._focused_grid().fill_down())
        self.delete_action = QAction("&Delete…\tDel", self)
        self.delete_action.setToolTip("Delete the selected products, or discard unsent variants (Del)")
        self.delete_action.triggered.connect(lambda: self._focused_grid().request_delete())
        for action, name in ((self.undo_action, "undo"), (self.redo_action, "redo"), (self.find_action, "find"),
                             (self.new_action, "new-product"), (self.sync_action, "sync"),
                             (self.new_variant_action, "new-variant"), (self.conflicts_action, "conflicts"),
                             (self.operations_action, "operations"), (self.delete_action, "delete")):
            action.setIcon(icon(name))

    def _category_actions(self) -> None:
        """Create, rename and delete categories: from the Catalog menu and the tree's context menu. F2 and
        Delete act in the tree only (the grids own Delete); the menu twins show those keys after a tab."""
        self.new_category_action = QAction("New cate&gory…", self, shortcut=QKeySequence("Ctrl+Shift+G"))
        self.new_category_action.triggered.connect(lambda: self._spawn(self.new_category(top_level=False)))
        self.new_top_category_action = QAction("New top-&level category…", self,
                                               shortcut=QKeySequence("Ctrl+Shift+L"))
        self.new_top_category_action.setToolTip("Create a category at the top of the tree (Ctrl+Shift+L)")
        self.new_top_category_action.triggered.connect(lambda: self._spawn(self.new_category(top_level=True)))
        self.rename_category_action = QAction("Rena&me category\tF2", self)
        self.rename_category_action.triggered.connect(self.rename_current_category)
        self.delete_category_action = QAction("Delete categor&y…\tDel", self)
        self.delete_category_action.triggered.connect(lambda: self._spawn(self.delete_category()))
        # Delete in the tree (the grids bind Delete to their rows; a widget shortcut keeps them apart).
        self.tree_delete_action = QAction("Delete category", self.tree, shortcut=QKeySequence.StandardKey.Delete)
        self.tree_delete_action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        self.tree_delete_action.triggered.connect(lambda: self._spawn(self.delete_category()))
        self.tree.addAction(self.tree_delete_action)
        self.new_category_action.setIcon(icon("new-category"))
        self.delete_category_action.setIcon(icon("delete"))
        self.tree_menu = QMenu(self.tree)
        self.tree_menu.setObjectName("categoryTreeMenu")
        self.tree_menu.setToolTipsVisible(True)  # a disabled item says why (a docs-only server)
        for action in (self.new_category_action, self.new_top_category_action, None, self.rename_category_action,
                       self.delete_category_action):
            if action is None:
                self.tree_menu.addSeparator()
            else:
                self.tree_menu.addAction(action)
        self.tree.customContextMenuRequested.connect(self._tree_context_menu)

    def menus(self) -> list[tuple[str, list[QAction | None]]]:
        """The editor's commands for the window's menu bar: (menu title, actions; None is a separator)."""
        return [
            ("&Edit", [self.undo_action, self.redo_action, None, self.copy_action, self.paste_action,
                       self.fill_down_action, self.delete_action, None, self.find_action, self.replace_action]),
            ("C&atalog", [self.new_action, self.form_action, self.new_variant_action, None,
                          self.new_category_action, self.new_top_category_action, self.rename_category_action,
                          self.delete_category_action, None, self.new_brand_action,
                          self.edit_brand_action, None, self.save_view_action, self.columns_menu.menuAction()]),
            ("&Sync", [self.sync_action, None, self.conflicts_action, self.operations_action]),
        ]

    def _fill_columns_menu(self) -> None:
        self.columns_menu.clear()  # checked states follow the header (a saved view may have changed them)
        self.grid.column_menu(self.columns_menu)

    def toolbar_actions(self) -> list[QAction | None]:
        return [self.sync_action, None, self.new_action, self.new_variant_action, self.delete_action, None,
                self.undo_action, self.redo_action, None, self.find_action, None, self.conflicts_action,
                self.operations_action]

    def _focused_grid(self) -> EditGridView:
        """The grid the keyboard is in (the variant grid when it has the focus), else the product grid."""
        return self.variant_grid if self.variant_grid.hasFocus() else self.grid

    def _focus_order(self) -> None:
        QWidget.setTabOrder(self.search, self.views)
        QWidget.setTabOrder(self.views, self.save_view_button)
        QWidget.setTabOrder(self.save_view_button, self.new_product_button)
        QWidget.setTabOrder(self.new_product_button, self.tree)
        QWidget.setTabOrder(self.tree, self.grid)
        QWidget.setTabOrder(self.grid, self.side)
        QWidget.setTabOrder(self.side, self.variant_grid)

    def _wire(self) -> None:
        self.sync_bar.conflicts_clicked.connect(self.open_conflicts)
        self.sync_bar.operations_clicked.connect(self.open_operations)
        self.search.textChanged.connect(lambda _t: self._query_changed())
        self.tree.selectionModel().currentChanged.connect(self._category_changed)
        self.grid.selectionModel().selectionChanged.connect(self._products_selected)
        self.products.ids_changed.connect(self._products_selected)
        self.new_product_button.clicked.connect(lambda: self._spawn(self.new_product()))
        self.product_form_button.clicked.connect(lambda: self._spawn(self.new_product_from_form()))
        self.views.chosen.connect(self.apply_view)
        self.save_view_button.clicked.connect(lambda: self._spawn(self.save_view()))
        self.categories.products_dropped.connect(self.assign_products)
        self.categories.modelAboutToBeReset.connect(self._remember_expanded)
        self.categories.loaded.connect(self._tree_loaded)
        self.grid.delete_requested.connect(lambda rows: self._spawn(self.delete_products(rows)))
        self.variant_grid.delete_requested.connect(lambda rows: self._spawn(self.discard_variants(rows)))
        for source in (self.products.problem, self.categories.problem, self.variants.problem, self.grid.problem,
                       self.variant_grid.problem, self.writes.failed):
            source.connect(self.message)
        for delegate_view in (self.grid, self.variant_grid):
            delegate = delegate_view.itemDelegate()
            assert isinstance(delegate, ValidatingDelegate)
            delegate.message.connect(self.message)
        self.writes.written.connect(self._after_write)
        self.brands.problem.connect(self.message)
        self.brands.changed.connect(lambda: self.products.reload())

    def _spawn(self, coro: object) -> asyncio.Future[object]:
        task = asyncio.ensure_future(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    # -- start and queries -----------------------------------------------------------------------
    async def settle(self) -> None:
        """Stop starting work and wait for the reads and writes already started (before the working
        copy closes: nothing is cut off half-way)."""
        self.closing = True
        await self.writes.drain()
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)

    async def start(self) -> None:
        await asyncio.gather(self.categories.reload(), self.products.reload(), self.views.reload(),
                             self.brands.reload())
        await self.sync_bar.refresh_counts()

    def _tree_loaded(self) -> None:
        """The tree was rebuilt (a move, a rename, a sync): select the same category again, or
        "All products" when it is gone, so the grid's filter does not change under the user."""
        self.products.lookups.categories = self.categories.names()  # renames show in pasted-name matching
        if self._expanded is None:
            self.tree.expandToDepth(1)
        else:
            self.tree.expand(self.categories.index(0, 0))
            for category_id in self._expanded:
                index = self.categories.index_of(category_id)
                if index.isValid():
                    self.tree.expand(index)
        index = self.categories.index_of(self._current_category)
        if not index.isValid():
            self._current_category = None
            index = self.categories.index(0, 0)
        self.tree.setCurrentIndex(index)
        self._query_changed()

    def _remember_expanded(self) -> None:
        expanded: set[str] = set()
        stack = [self.categories.index(0, 0)] if self.categories.rowCount() else []
        while stack:
            index = stack.pop()
            if not self.tree.isExpanded(index):
                continue
            category_id = self.categories.category_id(index)
            if category_id is not None:
                expanded.add(category_id)
            stack.extend(self.categories.index(r, 0, index) for r in range(self.categories.rowCount(index)))
        self._expanded = expanded if self._expanded is not None or expanded else None

    def _category_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        if not current.isValid():
            return  # the tree is being rebuilt; _tree_loaded restores the selection
        self._current_category = self.categories.category_id(current)
        self._show_category_actions()
        self._query_changed()

    def current_query(self) -> ProductQuery:
        return dataclasses.replace(
            self.products.query,
            category_id=self._current_category,
            text=self.search.text(),
        )

    def _query_changed(self) -> None:
        query = self.current_query()
        if query != self.products.query:
            self.products.set_query(query)

    def _focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def selected_product_ids(self) -> list[str]:
        ids = self.products.ids
        return [ids[r] for r in self.grid.selected_rows() if r < len(ids)]

    def _products_selected(self, *_args: QItemSelection) -> None:
        chosen = self.selected_product_ids()[:MAX_VARIANT_PRODUCTS]
        if chosen != self.variants.product_ids:
            self.variants.show_products(chosen)
            self.issues.show_products(chosen)

    def _sync_status(self, status: SyncStatus) -> None:
        """After each sync the working copy holds the server's changes: show them."""
        if self._was_syncing and not status.syncing and not self.closing:
            self.syncs_seen += 1
            for future in (self.products.reload(), self.categories.reload(), self.variants.reload(),
                           self.brands.reload()):
                self._tasks.add(future)
                future.add_done_callback(self._tasks.discard)
        self._was_syncing = status.syncing
        self.set_read_only(status.role == "VIEWER", VIEWER_REASON)
        self.apply_server_limits(limits_of(status.capabilities))

    def _after_write(self) -> None:
        if self.writes.outstanding == 0:
            self.sync_bar.refresh_counts()
            self.issues.show_products(self.variants.product_ids)  # findings follow the edits

    def set_read_only(self, read_only: bool, reason: str = VIEWER_REASON) -> None:
        """A VIEWER's copy: nothing editable, nothing draggable, no new-variant row, no paste, fill
        down or delete; a note above the grids says why (the edit controls are disabled, not hidden)."""
        self.read_only_note.setText(reason if read_only else "")
        self.read_only_note.setVisible(read_only)
        if read_only == self.products.read_only:
            return
        for view in (self.grid, self.variant_grid):
            for action in view.actions():
                if action.text() in GRID_EDIT_ACTIONS:
                    action.setEnabled(not read_only)
        for model in (self.products, self.categories, self.variants, self.brands):
            model.beginResetModel()
            model.read_only = read_only
            model.endResetModel()
        self.new_product_button.setEnabled(not read_only)
        self.product_form_button.setEnabled(not read_only)
        self.new_brand.setEnabled(not read_only)
        self.brand_form_button.setEnabled(not read_only)
        self.new_action.setEnabled(not read_only)
        self.form_action.setEnabled(not read_only)
        self.new_variant_action.setEnabled(not read_only)
        for action in (self.paste_action, self.fill_down_action, self.delete_action):
            action.setEnabled(not read_only)
        self._show_brand_limits()
        self._show_category_actions()

    def apply_server_limits(self, limits: ServerLimits) -> None:
        """Disable up front what this server cannot take (docs-only: brand and category edits, variant
        updates); each control says why. Creating brands, categories and variants stays possible."""
        if limits == self.limits:
            return
        self.limits = limits
        self.brands.beginResetModel()
        self.brands.edit_blocked = limits.brand_edit
        self.brands.endResetModel()
        self.categories.layoutAboutToBeChanged.emit()  # flags and tooltips change, not the rows
        self.categories.edit_blocked = limits.category_edit
        self.categories.layoutChanged.emit()
        self.variants.beginResetModel()
        self.variants.update_blocked = limits.variant_update
        self.variants.endResetModel()
        self._show_brand_limits()
        self._show_category_actions()
        locked_fields = {"status": limits.product_status, "template_id": limits.product_template}
        locks = {i: locked_fields[c.field] for i, c in enumerate(PRODUCT_COLUMNS) if locked_fields.get(c.field or "")}
        self.grid.cell_lock = (lambda _row, column: locks.get(column)) if locks else None
        self.sync_bar.set_limits(limits)
        if limits.any:
            self.message.emit("This server takes only the documented API: some edits are off (see the tooltips).")

    def _show_brand_limits(self) -> None:
        reason = self.limits.brand_edit
        self.edit_brand_button.setEnabled(not self.brands.read_only and reason is None)
        self.edit_brand_button.setToolTip(reason or "Edit the selected brand: name, description, logo URL (Enter)")
        self.edit_brand_action.setEnabled(self.edit_brand_button.isEnabled())
        self.edit_brand_action.setToolTip(self.edit_brand_button.toolTip())
        self.new_brand_action.setEnabled(not self.brands.read_only)
        self.brand_limit_note.setText(reason or "")
        self.brand_limit_note.setVisible(bool(reason) and not self.brands.read_only)

    def _show_category_actions(self) -> None:
        """Creating a category is a documented POST: on unless read-only. Rename and delete need a
        category selected and a server with the taxonomy edits; a disabled item says why."""
        read_only = self.categories.read_only
        node = self.categories.node(self._current_category) if self._current_category else None
        self.new_category_action.setEnabled(not read_only)
        self.new_top_category_action.setEnabled(not read_only)
        self.new_category_action.setToolTip(
            f"Create a category inside “{node.name}” (Ctrl+Shift+G)" if node else
            "Create a top-level category (Ctrl+Shift+G); select a category to create one inside it")
        for action, verb, usual in (
                (self.rename_category_action, "rename", "Rename the selected category (F2 in the tree)"),
                (self.delete_category_action, "delete", "Delete the selected category (Delete in the tree)")):
            reason = (self.read_only_note.text() if read_only else self.limits.category_edit
                      or (None if node else f"Select a category to {verb} it."))
            action.setEnabled(reason is None)
            action.setToolTip(reason or usual)

    def _tree_context_menu(self, pos: QPoint) -> None:
        """The category commands: a right-click acts on the item under the pointer (it becomes current);
        the menu key or Shift+F10 (the pointer is elsewhere, and Qt's position for it is not reliably over
        the current row) on the current category, with the menu beside it."""
        viewport = self.tree.viewport()
        index = self.tree.indexAt(pos) if viewport.mapFromGlobal(QCursor.pos()) == pos else QModelIndex()
        if index.isValid():
            self.tree.setCurrentIndex(index.siblingAtColumn(0))
        elif self.tree.currentIndex().isValid():
            pos = self.tree.visualRect(self.tree.currentIndex()).center()
        self.tree_menu.popup(viewport.mapToGlobal(pos))

    def rename_current_category(self) -> bool:
        """Catalog › Rename category: the tree's in-place editor on the selected category (as F2)."""
        index = self.categories.index_of(self._current_category) if self._current_category else QModelIndex()
        if not index.isValid():
            self.message.emit("Select a category to rename it.")
            return False
        if self.categories.read_only or self.limits.category_edit:
            self.message.emit(self.read_only_note.text() if self.categories.read_only else
                              str(self.limits.category_edit))
            return False
        self.tree.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.tree.setCurrentIndex(index)
        self.tree.edit(index)
        return True

    async def new_category(self, top_level: bool) -> str | None:
        """Ask for a name and slug and create the category inside the selected one (at the top level when
        `top_level` or when none is selected); the new category is then selected. Its id, or None."""
        if self.categories.read_only:
            self.message.emit(self.read_only_note.text())
            return None
        parent_id = None if top_level else self._current_category
        path = self.categories.path(parent_id)
        dialog = NewCategoryDialog(path or "the top level of the tree", self.categories.slugs(), self)
        if parent_id is None:
            dialog.setWindowTitle("New top-level category")
        accepted = await ask(dialog) == NewCategoryDialog.DialogCode.Accepted.value
        name, slug = dialog.name(), dialog.slug()
        dialog.deleteLater()
        if not accepted:
            return None
        new_id = await self.categories.create_category(name, slug, parent_id)
        if new_id is None:
            return None
        self.select_category(new_id)
        self._spawn(self.sync_bar.refresh_counts())
        self.message.emit(f"Created the category “{name}”; it is sent at the next sync.")
        return new_id

    def select_category(self, category_id: str) -> None:
        index = self.categories.index_of(category_id)
        if not index.isValid():
            return
        parent = index.parent()
        while parent.isValid():
            self.tree.expand(parent)
            parent = parent.parent()
        self.tree.setCurrentIndex(index)
        self.tree.scrollTo(index)
        self.tree.setFocus(Qt.FocusReason.OtherFocusReason)

    def delete_category_question(self, category_id: str) -> tuple[str, str]:
        """The confirmation's question and what deleting the category does to its products and
        subcategories (API.md: the server does not cascade)."""
        categories = self.categories
        node = categories.node(category_id)
        assert node is not None
        parts: list[str] = []
        direct = node.product_count
        if direct == 1:
            parts.append(f"Its 1 product stays in the catalog and keeps “{node.name}” as its category: the "
                         "server does not move or delete it. It shows under All products; give it a new "
                         "category by dropping it on one.")
        elif direct:
            parts.append(f"Its {direct} products stay in the catalog and keep “{node.name}” as their category: "
                         "the server does not move or delete them. They show under All products; give them "
                         "a new category by dropping them on one.")
        else:
            parts.append("No product is directly in it.")
        children = categories.children_of(category_id)
        if children:
            names = ", ".join(f"“{n.name}”" for c in children[:3] if (n := categories.node(c)) is not None)
            more = f" and {len(children) - 3} more" if len(children) > 3 else ""
            below = categories.total_products(category_id) - direct
            one = len(children) == 1
            holding = f", with the {_count(below, 'product')} in {'it' if one else 'them'}," if below else ""
            parts.append(f"Its subcategory {names} stays{holding} and moves to the top level of the tree." if one
                         else f"Its {len(children)} subcategories ({names}{more}) stay{holding} and move to "
                         "the top level of the tree.")
        parts.append("The deletion is sent to the server at the next sync; until then Ctrl+Z brings the "
                     "category back.")
        return f"Delete the category “{node.name}”?", "\n\n".join(parts)

    async def delete_category(self, category_id: str | None = None) -> bool:
        """Delete the category (the selected one when None) after a confirmation that says what becomes of
        its products and subcategories; one undo step. False when cancelled, not allowed or refused."""
        if self.categories.read_only:
            self.message.emit(self.read_only_note.text())
            return False
        category_id = category_id or self._current_category
        node = self.categories.node(category_id) if category_id else None
        if category_id is None or node is None:
            self.message.emit("Select a category to delete it (“All products” is not a category).")
            return False
        if self.limits.category_edit:
            self.message.emit(self.limits.category_edit)
            return False
        question, consequences = self.delete_category_question(category_id)
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete category", question, QMessageBox.StandardButton.Cancel,
                          self)
        box.setObjectName("confirmDeleteCategory")
        box.setInformativeText(consequences)
        delete_button = box.addButton("&Delete category", QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        await ask(box)
        confirmed = box.clickedButton() is delete_button
        box.deleteLater()
        if not confirmed:
            return False
        if not await self.categories.delete_category(category_id):
            return False
        self._spawn(self.sync_bar.refresh_counts())
        self.message.emit(f"Deleted the category “{node.name}” (Ctrl+Z brings it back until the next sync).")
        return True

    # -- validation for the inline editors -------------------------------------------------------
    def _product_problem(self, column: int, text: str) -> str | None:
        return validate_cell(PRODUCT_COLUMNS[column], text, self.products.lookups)[1]

    def _product_choices(self, column: int) -> list[str]:
        field = PRODUCT_COLUMNS[column].field
        if field == "status":
            return list(STATUSES)
        if field in ("category_id", "brand_id", "template_id"):
            return sorted(self.products.lookups.table(field).values(), key=str.casefold)
        return []

    def _variant_problem(self, column: int, text: str) -> str | None:
        return self.variants.validate(column, text, self.variant_grid.currentIndex().row())

    # -- commands --------------------------------------------------------------------------------
    def assign_products(self, product_ids: list[str], category_id: str | None) -> None:
        """Products dropped on a category: one undoable step setting their category."""
        changes = []
        for pid in product_ids:
            row = self.products.row_data(self.products.row_of(pid))
            if row is not None and row.category_id != category_id:
                changes.append((FieldChange(pid, "category_id", category_id), row.category_id))
        if changes:
            self.products.push_edit(changes, "Move to category")
            self.writes.submit(self._noop, after=self.categories.reload)

    @staticmethod
    async def _noop() -> None:
        return None

    async def _add_brand(self) -> None:
        if await self.brands.create_brand(self.new_brand.text()):
            self.new_brand.clear()

    def _brand_names(self, except_id: str | None) -> list[str]:
        found = (self.brands.brand(r) for r in range(self.brands.rowCount()))
        return [b.name for b in found if b is not None and b.id != except_id]

    async def edit_brand(self, row: int) -> bool:
        """The brand form for the brand at `row`: its changes are one undo step, sent at the next sync."""
        brand = self.brands.brand(row)
        if brand is None or self.brands.read_only:
            return False
        if self.brands.edit_blocked:
            self.message.emit(self.brands.edit_blocked)
            return False
        details = await self.source.brand_details(brand.id)
        if details is None:
            self.message.emit(f"The brand {brand.name!r} is gone from this copy.")
            return False
        dialog = BrandFormDialog(details, self._brand_names(brand.id), self)
        accepted = await ask(dialog) == BrandFormDialog.DialogCode.Accepted.value
        changes = dict(dialog.fields())
        dialog.deleteLater()
        old = {"name": details.name, "description": details.description, "logo_url": details.logo_url}
        if not accepted or not self.brands.edit_brand(brand.id, old, changes):
            return False
        await self.writes.drain()
        return True

    async def new_brand_from_form(self) -> str | None:
        if self.brands.read_only:
            return None
        dialog = BrandFormDialog(None, self._brand_names(None), self)
        accepted = await ask(dialog) == BrandFormDialog.DialogCode.Accepted.value
        fields = dict(dialog.fields())
        dialog.deleteLater()
        if not accepted:
            return None
        return await self.brands.create_brand(str(fields["name"]), fields)

    def apply_view(self, view: SavedViewRow | None) -> None:
        """Show a saved view: its category, search, columns and sort (None: everything, all columns)."""
        header = self.grid.horizontalHeader()
        if view is None:
            apply_columns(header, [])
            return
        category_id = view.filters.get("category_id")
        index = self.categories.index_of(category_id if isinstance(category_id, str) else None)
        self.tree.setCurrentIndex(index if index.isValid() else self.categories.index(0, 0))
        self.search.setText(str(view.filters.get("text") or ""))
        apply_columns(header, [str(k) for k in view.columns])
        key = view.sort.get("key")
        column = next((i for i, c in enumerate(PRODUCT_COLUMNS) if c.sort_key == key), 0)
        order = Qt.SortOrder.DescendingOrder if view.sort.get("descending") else Qt.SortOrder.AscendingOrder
        self.grid.sortByColumn(column, order)

    async def save_view(self, name: str | None = None) -> int | None:
        """Save the grid's category, search, columns and sort under a name (asked when not given)."""
        if name is None:
            dialog = QInputDialog(self)
            dialog.setObjectName("saveViewDialog")
            dialog.setWindowTitle("Save view")
            dialog.setLabelText("Name of the view:")
            dialog.setTextValue(self.views.currentText() if self.views.currentIndex() > 0 else "")
            await ask(dialog)
            name = dialog.textValue().strip() if dialog.result() == QInputDialog.DialogCode.Accepted else ""
            dialog.deleteLater()
        if not name:
            return None
        try:
            view_id = await self.views.save(name, self.current_query(), header_columns(self.grid.horizontalHeader()))
        except Exception as exc:  # noqa: BLE001 - reported
            self.message.emit(f"The view was not saved: {exc}")
            return None
        self.message.emit(f"Saved the view {name!r}.")
        return view_id

    async def find_and_replace(self) -> int:
        """Ask what to replace, then replace it in the products the grid shows; the number changed."""
        dialog = FindReplaceDialog(self)
        await ask(dialog)
        accepted = dialog.result() == FindReplaceDialog.DialogCode.Accepted
        request = dialog.request()
        dialog.deleteLater()
        if not accepted:
            return 0
        return await self.replace_in_shown(*request)

    async def replace_in_shown(self, find: str, replace: str, field: str, match_case: bool) -> int:
        if self.products.read_only or not find or field not in FIELDS:
            return 0
        ids = list(self.products.ids)
        rows = await self.source.product_rows(ids)
        changes = []
        for pid in ids:
            row = rows.get(pid)
            old = getattr(row, field) if row is not None else None
            new = replaced(old, find, replace, match_case)
            if new is not None and new != old:
                changes.append((FieldChange(pid, field, new), old))
        if changes:
            self.products.push_edit(changes, f"Replace {find!r} in {FIELDS[field].lower()}")
        self.message.emit(f"Replaced {find!r} in {len(changes)} product{'s' if len(changes) != 1 else ''}.")
        return len(changes)

    async def new_product(self) -> str | None:
        if self.products.read_only:
            return None
        category_id = self._current_category
        fields: dict[str, object] = {"title": "New product"}
        if not self.limits.product_status:  # a draft, where the server knows drafts
            fields["status"] = "DRAFT"
        if category_id is not None:
            fields["category_id"] = category_id
        await self.writes.drain()
        try:
            new_id = await self.source.create_product(fields)
        except Exception as exc:  # noqa: BLE001 - refused edits are reported
            self.message.emit(f"The product was not created: {exc}")
            return None
        await self._show_new_product(new_id, edit=True)
        return new_id

    async def new_product_from_form(self) -> str | None:
        """Ask for a whole product (title, long description, category, brand, template, status) and
        create it; the new id, or None when cancelled or refused (the form says nothing is lost: the
        message bar says why)."""
        if self.products.read_only:
            return None
        categories, brands, templates = await asyncio.gather(
            self.source.categories(), self.source.brands(), self.source.templates())
        dialog = ProductFormDialog(categories, brands, templates, self._current_category, self,
                                   status_off=self.limits.product_status, template_off=self.limits.product_template)
        await ask(dialog)
        accepted = dialog.result() == ProductFormDialog.DialogCode.Accepted
        fields = dict(dialog.fields())
        dialog.deleteLater()
        if not accepted:
            return None
        await self.writes.drain()
        try:
            new_id = await self.source.create_product(fields)
        except Exception as exc:  # noqa: BLE001 - refused edits are reported
            self.message.emit(f"The product was not created: {exc}")
            return None
        await self._show_new_product(new_id, edit=False)
        self.message.emit(f"Created {fields['title']!r}; it is sent at the next sync.")
        return new_id

    async def _show_new_product(self, new_id: str, edit: bool) -> None:
        await asyncio.gather(self.products.reload(), self.categories.reload())
        row = self.products.row_of(new_id)
        if row >= 0:
            index = self.products.index(row, 0)
            self.grid.setCurrentIndex(index)
            self.grid.scrollTo(index)
            self.grid.setFocus()
            if edit:
                self.grid.edit(index)
        self.sync_bar.refresh_counts()

    async def delete_products(self, rows: list[int]) -> bool:
        ids = [self.products.ids[r] for r in rows if r < len(self.products.ids)]
        if not ids or self.products.read_only:
            if ids:
                self.message.emit(self.read_only_note.text())
            return False
        first = self.products.row_data(rows[0])
        what = f"“{first.title}”" if len(ids) == 1 and first is not None else f"{len(ids)} products"
        box = QMessageBox(QMessageBox.Icon.Warning, "Delete products",
                          f"Delete {what}? The deletion is sent to the server at the next sync.",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirmDelete")
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        await ask(box)
        confirmed = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
        box.deleteLater()
        if not confirmed:
            return False
        command = DeleteProductsCommand(self, ids)
        self.undo_stack.push(command)
        await self.writes.drain()
        if command.batch_id is None:
            return False
        self.message.emit(f"Deleted {len(ids)} product{'s' if len(ids) != 1 else ''} (Ctrl+Z brings them back).")
        return True

    def start_new_variant(self) -> bool:
        """Ctrl+Alt+N: the cursor in the SKU of the new-variant row of the one selected product."""
        if self.variants.read_only:
            self.message.emit(self.read_only_note.text())
            return False
        if not self.variants.has_new_row:
            self.message.emit("Select one product to add a variant to it.")
            return False
        self.side.setCurrentWidget(self.variant_grid)
        index = self.variants.index(self.variants.rowCount() - 1, 0)
        self.variant_grid.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.variant_grid.setCurrentIndex(index)
        self.variant_grid.scrollTo(index)
        self.variant_grid.edit(index)
        return True

    def open_conflicts(self) -> ConflictResolverDialog:
        """The conflict resolver (Ctrl+Shift+C, or the conflicts count in the status bar)."""
        dialog = ConflictResolverDialog(self.source, self)
        self._open_changing_dialog(dialog, dialog.resolved)
        return dialog

    def open_operations(self) -> OperationsDialog:
        """The rejected and uncertain changes (Ctrl+Shift+O, or the pending count in the status bar)."""
        # Imported on first use: it reads the sync engine's reasons, and the engine (with the API client,
        # httpx and pydantic) is not imported before the first page is painted.
        from synq_desktop.ui.operations_dialog import OperationsDialog

        dialog = OperationsDialog(self.source, self)
        self._open_changing_dialog(dialog, dialog.changed)
        return dialog

    def _open_changing_dialog(self, dialog: ConflictResolverDialog | OperationsDialog,
                              changed: SignalInstance) -> None:
        """Open a dialog that writes to the copy, without blocking the window: each change it makes shows in
        the status bar's counts and the grids at once; the dialog is freed when it closes."""
        changed.connect(self.sync_bar.refresh_counts)
        changed.connect(self.products.reload)
        changed.connect(self.variants.reload)
        dialog.finished.connect(dialog.deleteLater)
        dialog.reload()
        dialog.open()

    def _after_structure_change(self) -> None:
        """Products appeared or vanished: new id list, new counts in the tree and the status bar."""
        for future in (self.products.reload(), self.categories.reload(), self.sync_bar.refresh_counts()):
            self._tasks.add(future)
            future.add_done_callback(self._tasks.discard)

    async def discard_variants(self, rows: list[int]) -> bool:
        rows = [r for r in rows if self.variants.variant(r) is not None]
        if not rows or self.variants.read_only:
            if rows:
                self.message.emit(self.read_only_note.text())
            return False
        problem = self.variants.discard_problem(rows)
        if problem:
            self.message.emit(problem)
            box = QMessageBox(QMessageBox.Icon.Information, "Variants cannot be deleted", problem,
                              QMessageBox.StandardButton.Ok, self)
            box.setObjectName("cannotDeleteVariant")
            await ask(box)
            box.deleteLater()
            return False
        box = QMessageBox(QMessageBox.Icon.Question, "Discard variants",
                          f"Discard {len(rows)} variant{'s' if len(rows) != 1 else ''} not yet sent?",
                          QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self)
        box.setObjectName("confirmDiscard")
        await ask(box)
        confirmed = box.clickedButton() is box.button(QMessageBox.StandardButton.Yes)
        box.deleteLater()
        if confirmed:
            await self.variants.discard(rows)
            self.products.refetch(self.variants.product_ids)
            self.sync_bar.refresh_counts()
        return confirmed

    # -- remembered layout -----------------------------------------------------------------------
    def save_state(self, settings: QSettings) -> None:
        settings.setValue("editor/splitter", self.splitter.saveState())
        settings.setValue("editor/productColumns", self.grid.horizontalHeader().saveState())
        settings.setValue("editor/variantColumns", self.variant_grid.horizontalHeader().saveState())

    def restore_state(self, settings: QSettings) -> None:
        for key, restore in (
            ("editor/splitter", self.splitter.restoreState),
            ("editor/productColumns", self.grid.horizontalHeader().restoreState),
            ("editor/variantColumns", self.variant_grid.horizontalHeader().restoreState),
        ):
            value = settings.value(key)
            if isinstance(value, QByteArray):
                restore(value)

    def index_of_product(self, product_id: str, column: int = 0) -> QModelIndex:
        row = self.products.row_of(product_id)
        return self.products.index(row, column) if row >= 0 else QModelIndex()
