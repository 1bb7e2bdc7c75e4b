"""The new-product form (Ctrl+Shift+N) over a real working copy: what it creates, what it queues,
what it refuses, and that cancelling leaves the copy alone."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from synq_desktop.store import schema
from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.catalog_source import CategoryNode
from synq_desktop.ui.product_form import ProductFormDialog, category_paths
from tests.ui.editors import started_editor
from tests.ui.qasync_harness import STRICT_QT_LOG

pytestmark = STRICT_QT_LOG
SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _editor(qtbot, source) -> CatalogEditor:
    editor = started_editor(qtbot, source)
    qtbot.waitUntil(lambda: editor.products.rowCount() > 0 and editor.tree.currentIndex().isValid())
    return editor


def _form(qtbot) -> ProductFormDialog:
    found: list[ProductFormDialog] = []

    def shown() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets() + [c for w in QApplication.topLevelWidgets()
                                                                   for c in w.findChildren(ProductFormDialog)]
                    if isinstance(w, ProductFormDialog) and w.isVisible()]
        return bool(found)

    qtbot.waitUntil(shown)
    return found[0]


def test_category_paths_name_the_branch_and_survive_a_cycle():
    nodes = [CategoryNode("a", None, "Home", "home", 0), CategoryNode("b", "a", "Kitchen", "kitchen", 0),
             CategoryNode("x", "y", "Loop", "loop", 0), CategoryNode("y", "x", "Back", "back", 0)]
    paths = dict(category_paths(nodes))
    assert paths["b"] == "Home › Kitchen"
    assert paths["x"] == "Back › Loop"  # the cycle ends the path, no endless walk


def test_form_creates_a_whole_product_with_one_queued_create(qloop, qtbot, catalog):
    source, copy, ids = catalog
    editor = _editor(qtbot, source)
    editor.tree.setCurrentIndex(editor.categories.index_of(ids.categories["kitchen"]))
    qtbot.waitUntil(lambda: editor.products.query.category_id == ids.categories["kitchen"])
    editor.grid.setFocus()
    qtbot.keyClick(editor.grid, Qt.Key.Key_N,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    form = _form(qtbot)
    assert form.category.currentData() == ids.categories["kitchen"]  # the selected category is the default
    assert form.category.currentText() == "Home › Kitchen"
    assert not form.create.isEnabled()  # no title yet
    assert "no title" in form.problems.text()
    qtbot.keyClicks(form.title, "Chef's knife 20 cm")
    assert form.create.isEnabled()
    assert "no description" in form.problems.text()  # a warning only
    description = "Forged steel.\nFull tang, riveted handle.\n\nHand wash only."
    form.description.setPlainText(description)
    assert form.problems.text() == ""
    form.brand.setCurrentIndex(form.brand.findText("Borealis"))
    form.template.setCurrentIndex(form.template.findText("Basic"))
    form.status.setCurrentIndex(form.status.findData("ACTIVE"))
    SHOTS.mkdir(exist_ok=True)
    form.grab().save(str(SHOTS / "product_form.png"))
    messages: list[str] = []
    editor.message.connect(messages.append)
    qtbot.mouseClick(form.create, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(messages))
    assert messages == ["Created \"Chef's knife 20 cm\"; it is sent at the next sync."]

    products = schema.products
    row = copy.read_blocking(lambda c: c.execute(select(products).where(
        products.c.title == "Chef's knife 20 cm")).one())
    assert row.description == description
    assert (row.category_id, row.brand_id, row.template_id, row.status) == (
        ids.categories["kitchen"], ids.brands["Borealis"], "tpl-basic", "ACTIVE")
    assert row.server_id is None
    ob = schema.outbox
    ops = copy.read_blocking(lambda c: c.execute(select(ob.c.kind, ob.c.state, ob.c.payload).where(
        ob.c.entity_id == row.local_id)).all())
    assert [(k, s) for k, s, _p in ops] == [("create", "PENDING")]
    assert ops[0][2]["description"] == description and ops[0][2]["brand_id"] == ids.brands["Borealis"]
    # The grid (filtered to Kitchen) shows it, selected; the status bar counts it.
    qtbot.waitUntil(lambda: row.local_id in editor.products.ids)
    assert editor.products.ids[editor.grid.currentIndex().row()] == row.local_id
    qtbot.waitUntil(lambda: editor.sync_bar.pending.text() == "1 pending")


def test_cancelled_form_creates_nothing_and_a_viewer_gets_no_form(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    editor = _editor(qtbot, source)
    task = editor._spawn(editor.new_product_from_form())
    form = _form(qtbot)
    qtbot.keyClicks(form.title, "Never made")
    form.reject()
    qtbot.waitUntil(task.done)
    assert task.result() is None
    assert copy.read_blocking(lambda c: c.execute(select(schema.outbox.c.seq)).first()) is None

    editor.set_read_only(True)
    assert not editor.form_action.isEnabled() and not editor.product_form_button.isEnabled()
    task = editor._spawn(editor.new_product_from_form())
    qtbot.waitUntil(task.done)
    assert task.result() is None
