"""What a docs-only server cannot take is disabled up front, with the reason, never left pending: the
real sync engine probes the sandbox, its capabilities reach the editor through SyncStatus, and the
brand edits, category renames and moves, and updates of synced variants are off, while creating
brands and variants (documented routes) still works. On the full sandbox all of it stays on."""
from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QMimeData, Qt
from PySide6.QtWidgets import QAbstractItemView, QApplication
from sqlalchemy import select

from synq_desktop.api.client import SynqClient
from synq_desktop.app.engine_sync_control import EngineSyncControl
from synq_desktop.store import schema
from synq_desktop.store.working_copy import WorkingCopy
from synq_desktop.sync.engine import SyncEngine
from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.category_tree_model import CATEGORY_IDS_MIME
from synq_desktop.ui.item_roles import TOOLTIP
from synq_desktop.ui.product_form import ProductFormDialog
from synq_desktop.ui.product_table_model import COLUMN_BY_KEY as PRODUCT_COLUMN
from synq_desktop.ui.product_table_model import PRODUCT_IDS_MIME
from synq_desktop.ui.server_limits import NO_LIMITS
from synq_desktop.ui.store_catalog_source import StoreCatalogSource
from synq_desktop.ui.variant_table_model import COLUMN_BY_KEY as VARIANT_COLUMN
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG
SHOTS = Path(__file__).resolve().parents[2] / "shots"
EDITABLE = Qt.ItemFlag.ItemIsEditable


@contextmanager
def _synced_editor(qtbot, tmp_path: Path, creds) -> Iterator[tuple[CatalogEditor, WorkingCopy, list[str]]]:
    """An editor over a fresh working copy, its first sync done; yields (editor, copy, status messages)."""
    copy = WorkingCopy.open(tmp_path / "catalog.sqlite")
    client = SynqClient(creds.url, creds.token, creds.tenant_id, creds.org_id,
                        capability_cache=tmp_path / "capabilities.json")
    control = EngineSyncControl(SyncEngine(copy, client, lock_dir=tmp_path), auto=False)
    editor = CatalogEditor(StoreCatalogSource(copy), control)
    qtbot.addWidget(editor)
    messages: list[str] = []
    editor.message.connect(messages.append)
    editor.resize(1400, 800)
    editor.show()
    try:
        run_coroutine(qtbot, editor.start())
        _sync(qtbot, editor, control)
        qtbot.waitUntil(lambda: editor.brands.rowCount() > 0 and editor.products.rowCount() == 4, timeout=30_000)
        yield editor, copy, messages
    finally:
        run_coroutine(qtbot, control.close())
        run_coroutine(qtbot, editor.settle())
        run_coroutine(qtbot, client.aclose())
        copy.close()


def _sync(qtbot, editor: CatalogEditor, control: EngineSyncControl) -> None:
    seen = editor.syncs_seen
    control.start_sync()
    qtbot.waitUntil(lambda: editor.syncs_seen > seen and not control.running, timeout=60_000)
    assert control.status.online, control.status.message


def _queued(copy) -> list[tuple[str, str]]:
    ob = schema.outbox
    return copy.read_blocking(lambda c: [tuple(r) for r in c.execute(
        select(ob.c.entity_type, ob.c.kind).order_by(ob.c.seq))])


def _a_synced_variant(qtbot, editor: CatalogEditor, control: EngineSyncControl) -> int:
    """A variant created here on the first product and sent (the docs-only server lists none): its row."""
    editor.grid.selectRow(0)
    qtbot.waitUntil(lambda: editor.variants.has_new_row)
    new_id = run_coroutine(qtbot, editor.variants.create_variant(
        {"sku": "LIMIT-1", "barcode": "4006381333931", "price": "12.50", "currency": "EUR"}))
    assert new_id is not None
    _sync(qtbot, editor, control)
    qtbot.waitUntil(lambda: any(v is not None and v.sku == "LIMIT-1" and v.synced
                                for v in map(editor.variants.variant, range(editor.variants.rowCount()))))
    return next(r for r in range(editor.variants.rowCount())
                if (v := editor.variants.variant(r)) is not None and v.sku == "LIMIT-1")


def test_docs_only_server_disables_what_it_cannot_take_and_says_why(qloop, qtbot, tmp_path, docs_only_sandbox):
    creds = docs_only_sandbox.mint("ADMIN")
    docs_only_sandbox.seed_demo(creds, products=4, seed=3)
    with _synced_editor(qtbot, tmp_path, creds) as (editor, copy, messages):
        control = editor.sync
        assert isinstance(control, EngineSyncControl)
        assert control.status.capabilities is not None and control.status.capabilities.docs_only
        limits = editor.limits
        assert limits.brand_edit and limits.category_edit and limits.variant_update
        # The status bar says so; its tooltip lists each limit.
        assert not editor.sync_bar.server_note.isHidden()
        assert "cannot change a brand" in editor.sync_bar.server_note.toolTip()

        # Brands: the edit button is off and says why, a note under the list too; no rename, no form.
        assert not editor.edit_brand_button.isEnabled() and not editor.edit_brand_action.isEnabled()
        assert editor.edit_brand_button.toolTip() == limits.brand_edit
        assert not editor.brand_limit_note.isHidden() and editor.brand_limit_note.text() == limits.brand_edit
        brand = editor.brands.index(0)
        assert not editor.brands.flags(brand) & EDITABLE and brand.data(TOOLTIP) == limits.brand_edit
        assert not editor.brands.setData(brand, "Renamed")
        assert not run_coroutine(qtbot, editor.edit_brand(0))
        assert messages[-1] == limits.brand_edit
        # ... but a new brand is a documented POST: it is queued.
        assert editor.new_brand.isEnabled() and editor.brand_form_button.isEnabled()
        assert editor.new_brand_action.isEnabled()
        assert run_coroutine(qtbot, editor.brands.create_brand("Brand made here")) is not None

        # Categories: no rename, no move; products can still be dropped onto one.
        cats = editor.categories
        top = cats.index(0, 0, cats.index(0, 0))
        assert not cats.flags(top) & (EDITABLE | Qt.ItemFlag.ItemIsDragEnabled)
        assert limits.category_edit in top.data(TOOLTIP)
        assert not cats.setData(top, "Renamed")
        moving = cats.mimeData([cats.index(1, 0, cats.index(0, 0))])
        assert moving.hasFormat(CATEGORY_IDS_MIME)
        assert not cats.dropMimeData(moving, Qt.DropAction.MoveAction, -1, 0, top)
        products = QMimeData()
        products.setData(PRODUCT_IDS_MIME, editor.products.ids[0].encode())
        assert cats.canDropMimeData(products, Qt.DropAction.MoveAction, -1, 0, top)
        assert _queued(copy) == [("brand", "create")]

        # Variants: one made here is sent (a documented POST); once synced its cells are locked, say why
        # in their tooltip and, when the user types into one, in the status line.
        row = _a_synced_variant(qtbot, editor, control)
        sku = editor.variants.index(row, VARIANT_COLUMN["sku"])
        assert not editor.variants.flags(sku) & EDITABLE
        assert sku.data(TOOLTIP) == limits.variant_update
        assert not editor.variants.setData(sku, "CHANGED")
        editor.variant_grid.setFocus()
        editor.variant_grid.setCurrentIndex(sku)
        qtbot.keyClick(editor.variant_grid, Qt.Key.Key_F2)
        assert editor.variant_grid.state() != QAbstractItemView.State.EditingState
        assert messages[-1] == limits.variant_update
        # The new-variant row still takes a new one.
        new_row = editor.variants.index(editor.variants.rowCount() - 1, VARIANT_COLUMN["sku"])
        assert editor.variants.is_new_row(new_row.row()) and editor.variants.flags(new_row) & EDITABLE
        run_coroutine(qtbot, editor.writes.drain())
        assert _queued(copy) == []  # nothing left pending: the brand and the variant were sent

        # Products: the server drops status and template, so their cells are locked for typing and paste,
        # a new product is not sent as a draft, and the form leaves both out.
        assert limits.product_status and limits.product_template
        status = editor.products.index(0, PRODUCT_COLUMN["status"])
        editor.grid.setFocus()
        editor.grid.setCurrentIndex(status)
        qtbot.keyClick(editor.grid, Qt.Key.Key_F2)
        assert editor.grid.state() != QAbstractItemView.State.EditingState
        assert messages[-1] == limits.product_status
        editor.grid.select_block(0, status.column(), 1, PRODUCT_COLUMN["status"])
        assert editor.grid.paste_text("ARCHIVED") == 0 and messages[-1] == limits.product_status
        new_id = run_coroutine(qtbot, editor.new_product())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Escape)
        run_coroutine(qtbot, editor.writes.drain())
        ob = schema.outbox
        [payload] = copy.read_blocking(lambda c: [r[0] for r in c.execute(
            select(ob.c.payload).where(ob.c.entity_id == new_id))])
        assert payload["title"] == "New product" and "status" not in payload
        form = ProductFormDialog([], [], [], None, editor, status_off=limits.product_status,
                                 template_off=limits.product_template)
        form.title.setText("From the form")
        assert not form.status.isEnabled() and form.status.toolTip() == limits.product_status
        assert not form.template.isEnabled() and dict(form.fields()) == {"title": "From the form"}
        form.deleteLater()
        editor.side.setCurrentIndex(editor.side.indexOf(editor.brand_list.parentWidget()))
        SHOTS.mkdir(exist_ok=True)
        editor.grab().save(str(SHOTS / "docs_only_limits.png"))


def test_full_server_keeps_every_edit_on(qloop, qtbot, tmp_path, sandbox):
    creds = sandbox.mint("ADMIN")
    sandbox.seed_demo(creds, products=4, seed=3)
    with _synced_editor(qtbot, tmp_path, creds) as (editor, _copy, _messages):
        assert editor.limits == NO_LIMITS
        assert editor.grid.cell_lock is None
        assert editor.sync_bar.server_note.isHidden()
        assert editor.edit_brand_button.isEnabled() and editor.brand_limit_note.isHidden()
        assert editor.brands.flags(editor.brands.index(0)) & EDITABLE
        cats = editor.categories
        top = cats.index(0, 0, cats.index(0, 0))
        assert cats.flags(top) & EDITABLE and cats.flags(top) & Qt.ItemFlag.ItemIsDragEnabled
        editor.grid.selectRow(0)
        qtbot.waitUntil(lambda: editor.variants.rowCount() > 1)
        synced = next(r for r in range(editor.variants.rowCount())
                      if (v := editor.variants.variant(r)) is not None and v.synced)
        assert editor.variants.flags(editor.variants.index(synced, VARIANT_COLUMN["sku"])) & EDITABLE


def test_an_offline_start_knows_the_limits_from_the_cached_probe(qloop, qtbot, tmp_path):
    """The server cannot be reached, but an earlier run cached its (docs-only) probe: the editor turns
    the same edits off before anything is sent."""
    from synq_desktop.api.capabilities import DOCS_ONLY, CapabilityCache
    from synq_desktop.api.transport import RetryPolicy

    with socket.socket() as probe:  # a loopback port nothing listens on
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}"
    cache = tmp_path / "capabilities.json"
    copy = WorkingCopy.open(tmp_path / "catalog.sqlite")
    client = SynqClient(url, "token", "tenant", "org", capability_cache=cache,
                        retry=RetryPolicy(max_attempts=1))  # one refused connection is enough here
    CapabilityCache(cache).put(client.profile_key, DOCS_ONLY)
    control = EngineSyncControl(SyncEngine(copy, client, lock_dir=tmp_path), auto=False)
    editor = CatalogEditor(StoreCatalogSource(copy), control)
    qtbot.addWidget(editor)
    try:
        run_coroutine(qtbot, editor.start())
        control.start_sync()
        qtbot.waitUntil(lambda: control.runs == 1 and not control.running, timeout=60_000)
        assert not control.status.online and "Sync failed" in control.status.message
        assert editor.limits.brand_edit and not editor.edit_brand_button.isEnabled()
        assert editor.limits.variant_update == editor.variants.update_blocked
    finally:
        run_coroutine(qtbot, control.close())
        run_coroutine(qtbot, editor.settle())
        run_coroutine(qtbot, client.aclose())
        copy.close()
