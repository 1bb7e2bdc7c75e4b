"""The list of changes that need a person, over a real working copy: adopt an uncertain create, fix
a refused value and send it again, revert a record; each checked in the working copy and the outbox."""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from sqlalchemy import select

from synq_desktop.store import edits, outbox, schema
from synq_desktop.store.states import EntityType
from synq_desktop.ui.operation_fix_form import AdoptOperationDialog, FixOperationDialog, candidate_ids
from synq_desktop.ui.operations_dialog import OperationsDialog
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG
SHOTS = Path(__file__).resolve().parents[2] / "shots"
CANDIDATES = ("0b7e1c1e-5c55-4d0c-9b0f-8d1d2f3a4b5c", "7f9a2d44-1e2b-4c3d-8e9f-0a1b2c3d4e5f")


def _ops(copy, entity_id: str):
    ob = schema.outbox
    return copy.read_blocking(lambda c: c.execute(select(ob.c.kind, ob.c.state, ob.c.payload).where(
        ob.c.entity_id == entity_id).order_by(ob.c.seq)).all())


def _row(copy, table, local_id: str):
    return copy.read_blocking(lambda c: c.execute(select(table).where(table.c.local_id == local_id)).one())


def _needing_person(connection) -> str:
    """An uncertain product create the lookup could not settle, a refused variant price and a refused
    product title: the three kinds of rows the list shows."""
    new_id = edits.create(connection, EntityType.PRODUCT, {"title": "Twice?", "description": "Lost answer"})
    edits.update(connection, EntityType.VARIANT, "var-00001-0", {"price": "-3"})
    edits.update(connection, EntityType.PRODUCT, "prod-00002", {"title": "Refused title"})
    ops = outbox.operations(connection)
    outbox.mark_in_flight(connection, [op.op_id for op in ops])
    for op in ops:
        if op.entity_id == new_id:
            outbox.mark_uncertain(connection, op.op_id, "The outcome is unknown and could not be settled "
                                  f"automatically: 2 products titled 'Twice?' were created since the attempt "
                                  f"({', '.join(CANDIDATES)})")
        else:
            outbox.mark_rejected(connection, op.op_id, f"{next(iter(op.payload))}: not allowed", 400)
    return new_id


def _child(qtbot, parent, kind):
    found = []
    qtbot.waitUntil(lambda: bool(found.extend(d for d in parent.findChildren(kind) if d.isVisible()) or found))
    return found[0]


def _select(dialog: OperationsDialog, entity_id: str) -> None:
    dialog.table.selectRow(next(i for i, op in enumerate(dialog.operations) if op.entity_id == entity_id))


def test_candidate_ids_are_read_from_the_reason():
    assert candidate_ids("2 products titled 'a (b)' were created since the attempt (p-1, p-2)") == ["p-1", "p-2"]
    assert candidate_ids(f"x {CANDIDATES[1]} y {CANDIDATES[1]}") == [CANDIDATES[1]]
    assert candidate_ids("this server offers no way to check whether it was created") == []


def test_adopt_fix_and_revert_from_the_list(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    new_id = copy.write_blocking(_needing_person)
    dialog = OperationsDialog(source)
    qtbot.addWidget(dialog)
    run_coroutine(qtbot, dialog.reload())
    dialog.show()
    assert dialog.table.rowCount() == 3
    SHOTS.mkdir(exist_ok=True)
    dialog.grab().save(str(SHOTS / "operations_dialog.png"))

    # The uncertain create: adopt, not fix; the two ids the lookup named are offered.
    _select(dialog, new_id)
    assert dialog.adopt.isEnabled() and not dialog.fix.isEnabled()
    qtbot.mouseClick(dialog.adopt, Qt.MouseButton.LeftButton)
    adopt = _child(qtbot, dialog, AdoptOperationDialog)
    assert [adopt.choice.itemText(i) for i in range(adopt.choice.count())] == list(CANDIDATES)
    adopt.choice.setCurrentIndex(1)
    adopt.grab().save(str(SHOTS / "adopt_dialog.png"))
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(adopt.adopt, Qt.MouseButton.LeftButton)
    product = _row(copy, schema.products, new_id)
    assert product.server_id == CANDIDATES[1] and product.sync_state == "SYNCED"
    assert _ops(copy, new_id) == []
    assert dialog.table.rowCount() == 2

    # The refused price: fix it in the form; the row and the operation carry the new value, PENDING.
    _select(dialog, "var-00001-0")
    assert dialog.fix.isEnabled() and not dialog.adopt.isEnabled()
    qtbot.mouseClick(dialog.fix, Qt.MouseButton.LeftButton)
    fix = _child(qtbot, dialog, FixOperationDialog)
    assert fix.boxes["price"].text() == "-3"
    fix.boxes["price"].setText("21")
    fix.grab().save(str(SHOTS / "fix_dialog.png"))
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(fix.send, Qt.MouseButton.LeftButton)
    assert _row(copy, schema.variants, "var-00001-0").price == "21"
    [(kind, state, payload)] = _ops(copy, "var-00001-0")
    assert (kind, state, payload) == ("update", "PENDING", {"price": "21"})

    # The refused title: revert the record; the server's title is back and nothing is queued.
    _select(dialog, "prod-00002")
    with qtbot.waitSignal(dialog.changed):
        qtbot.mouseClick(dialog.revert, Qt.MouseButton.LeftButton)
    assert _row(copy, schema.products, "prod-00002").title == "Product 00002 green"
    assert _ops(copy, "prod-00002") == []
    assert dialog.table.rowCount() == 0 and not dialog.note.isHidden()


def test_cancelled_adopt_and_a_refused_adopt_change_nothing(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    new_id = copy.write_blocking(_needing_person)
    dialog = OperationsDialog(source)
    qtbot.addWidget(dialog)
    run_coroutine(qtbot, dialog.reload())
    dialog.show()
    _select(dialog, new_id)
    qtbot.mouseClick(dialog.adopt, Qt.MouseButton.LeftButton)
    adopt = _child(qtbot, dialog, AdoptOperationDialog)
    adopt.reject()
    qtbot.waitUntil(lambda: dialog._busy is not None and dialog._busy.done())
    assert [s for _k, s, _p in _ops(copy, new_id)] == ["UNCERTAIN"]
    # The store refuses to adopt a refused update (only uncertain creates): the dialog says so, stays usable.
    update_op = next(op for op in dialog.operations if op.entity_id == "prod-00002")
    run_coroutine(qtbot, dialog.act(update_op, "adopt", "prod-00002"))
    assert dialog.note.text().startswith("Not done:") and "UNCERTAIN" in dialog.note.text()
    assert [s for _k, s, _p in _ops(copy, "prod-00002")] == ["REJECTED"]
