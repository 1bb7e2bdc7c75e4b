"""The brand form over a real working copy: edit a brand's description and logo URL (one undo step,
one queued update), create a brand with its details (one queued create), refuse a taken name or a bad
URL as you type, and open from the keyboard (Enter on the list; F2 still renames in place)."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from synq_desktop.store import schema
from synq_desktop.ui.brand_form import BrandFormDialog, logo_url_problem
from tests.ui.editors import started_editor
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG
SHOTS = Path(__file__).resolve().parents[2] / "shots"


def _brand(copy, local_id: str):
    b = schema.brands
    return copy.read_blocking(lambda c: c.execute(select(b).where(b.c.local_id == local_id)).one())


def _ops(copy, entity_id: str):
    ob = schema.outbox
    return copy.read_blocking(lambda c: c.execute(select(ob.c.kind, ob.c.payload).where(
        ob.c.entity_id == entity_id).order_by(ob.c.seq)).all())


def _form(qtbot, editor) -> BrandFormDialog:
    found: list[BrandFormDialog] = []
    qtbot.waitUntil(lambda: bool(found.extend(d for d in editor.findChildren(BrandFormDialog) if d.isVisible())
                                 or found))
    return found[0]


def test_logo_url_rule():
    assert logo_url_problem("") is None
    assert logo_url_problem("https://cdn.example.com/acme.png") is None
    assert logo_url_problem("cdn.example.com/acme.png") is not None
    assert logo_url_problem("ftp://x/y") is not None
    assert logo_url_problem("https://a b/") is not None


def test_brand_form_edits_and_creates_with_details(qloop, qtbot, qtmodeltester, catalog):
    source, copy, ids = catalog
    editor = started_editor(qtbot, source)
    qtbot.waitUntil(lambda: editor.brands.rowCount() == 3)
    editor.side.setCurrentIndex(1)
    acme = next(r for r in range(3) if editor.brands.brand(r).name == "Acme")
    editor.brand_list.setCurrentIndex(editor.brands.index(acme))
    editor.brand_list.setFocus()
    qtbot.waitUntil(editor.brand_list.hasFocus)

    # Enter opens the form for the current brand.
    qtbot.keyClick(editor.brand_list, Qt.Key.Key_Return)
    form = _form(qtbot, editor)
    assert form.name.text() == "Acme" and form.save.isEnabled()
    form.name.setText("borealis")  # another brand's name, case-blind
    assert not form.save.isEnabled() and "already a brand" in form.problems.text()
    form.name.setText("Acme")
    form.logo_url.setText("acme.png")
    assert not form.save.isEnabled() and "http" in form.problems.text()
    form.logo_url.setText("https://cdn.example.com/acme.png")
    form.description.setPlainText("Tools since 1949.")
    assert form.save.isEnabled() and form.problems.text() == ""
    SHOTS.mkdir(exist_ok=True)
    form.grab().save(str(SHOTS / "brand_form.png"))
    qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: _brand(copy, ids.brands["Acme"]).logo_url is not None)
    run_coroutine(qtbot, editor.writes.drain())
    brand = _brand(copy, ids.brands["Acme"])
    assert (brand.name, brand.description, brand.logo_url) == (
        "Acme", "Tools since 1949.", "https://cdn.example.com/acme.png")
    [(kind, payload)] = _ops(copy, ids.brands["Acme"])
    assert kind == "update" and payload == {"description": "Tools since 1949.",
                                            "logo_url": "https://cdn.example.com/acme.png"}
    # One undo step takes both back, and nothing is left to send.
    assert editor.undo_stack.count() == 1
    editor.undo_stack.undo()
    run_coroutine(qtbot, editor.writes.drain())
    brand = _brand(copy, ids.brands["Acme"])
    assert (brand.description, brand.logo_url) == (None, None)
    assert _ops(copy, ids.brands["Acme"]) == []

    # A new brand with its details: one create carrying them all.
    task = editor._spawn(editor.new_brand_from_form())
    form = _form(qtbot, editor)
    assert not form.save.isEnabled()  # no name yet
    qtbot.keyClicks(form.name, "Delta Goods")
    form.description.setPlainText("Kitchenware.")
    qtbot.mouseClick(form.save, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(task.done)
    new_id = task.result()
    assert new_id is not None
    qtbot.waitUntil(lambda: editor.brands.rowCount() == 4)
    qtmodeltester.check(editor.brands, force_py=True)
    [(kind, payload)] = _ops(copy, new_id)
    assert kind == "create" and payload["name"] == "Delta Goods" and payload["description"] == "Kitchenware."

    # F2 still renames in place (no form).
    delta = next(r for r in range(4) if editor.brands.brand(r).name == "Delta Goods")
    editor.brand_list.setCurrentIndex(editor.brands.index(delta))
    editor.activateWindow()
    editor.brand_list.setFocus()
    qtbot.waitUntil(editor.brand_list.hasFocus)
    qtbot.keyClick(editor.brand_list, Qt.Key.Key_F2)
    assert editor.brand_list.state() == editor.brand_list.State.EditingState
    assert not [d for d in editor.findChildren(BrandFormDialog) if d.isVisible()]
    qtbot.keyClick(editor.brand_list.focusWidget() or editor.brand_list, Qt.Key.Key_Escape)
