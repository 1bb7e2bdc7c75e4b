"""A "(deleted here)" conflict (a delete that met a record changed on the server) has no value to type:
its only choices are keep mine (delete it anyway) and take theirs (keep the server's version). The dialog
disables the typed-value choice for such a row and says why, instead of offering what the store refuses."""
from __future__ import annotations

from PySide6.QtCore import Qt
from sqlalchemy import select

from synq_desktop.store import edits, outbox, schema
from synq_desktop.ui.conflict_dialog import ConflictResolverDialog
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG


def _conflicts_of_both_kinds(copy, deleted: str, edited: str) -> None:
    """`deleted` deleted here and retitled on the server (412 on its DELETE); `edited` retitled on both sides."""
    p = schema.products

    def base(connection, local_id):
        return connection.execute(select(p.c.base, p.c.server_id).where(p.c.local_id == local_id)).one()

    copy.write_blocking(edits.delete, "product", deleted)
    copy.write_blocking(edits.update, "product", edited, {"title": "Mine B"})

    def clash(connection):
        for local_id, theirs_title in ((deleted, "Theirs A"), (edited, "Theirs B")):
            row_base, server_id = base(connection, local_id)
            [op] = outbox.record_ops(connection, "product", local_id)
            theirs = {**row_base, "id": server_id, "title": theirs_title}
            if local_id == deleted:
                outbox.mark_delete_conflict(connection, op.op_id, theirs, theirs_by="ana@example.com")
            else:
                outbox.mark_conflict(connection, op.op_id, theirs, theirs_by="ana@example.com")

    copy.write_blocking(clash)


def test_deleted_here_row_disables_the_typed_value_and_says_why(qloop, qtbot, catalog):
    source, copy, ids = catalog
    deleted, edited = ids.products[:2]
    _conflicts_of_both_kinds(copy, deleted, edited)
    dialog = ConflictResolverDialog(source)
    qtbot.addWidget(dialog)
    run_coroutine(qtbot, dialog.reload())
    dialog.open()
    assert dialog.table.rowCount() == 2
    fields = [dialog.table.item(r, 1).text() for r in range(2)]
    deleted_row, edited_row = fields.index(outbox.DELETED_HERE), fields.index("title")

    dialog.table.selectRow(deleted_row)
    assert dialog.current().field == outbox.DELETED_HERE
    assert dialog.keep_mine.isEnabled() and dialog.take_theirs.isEnabled()
    assert not dialog.use_value.isEnabled() and not dialog.new_value.isEnabled()
    for widget in (dialog.use_value, dialog.new_value):
        assert "no value to type" in widget.toolTip() and "take theirs keeps the server's version" in widget.toolTip()
    dialog.new_value.setText("anything")
    dialog._decide("value")  # what Enter in the field would do: nothing is tried, nothing is refused
    assert dialog._busy is None and not dialog.empty.isVisible()
    assert len(copy.read_blocking(outbox.open_conflicts)) == 2

    dialog.table.selectRow(edited_row)
    assert dialog.use_value.isEnabled() and dialog.new_value.isEnabled()
    assert dialog.use_value.toolTip() == "" and dialog.new_value.text() == "Mine B"

    dialog.table.selectRow(deleted_row)
    with qtbot.waitSignal(dialog.resolved):
        qtbot.mouseClick(dialog.take_theirs, Qt.MouseButton.LeftButton)
    assert dialog.table.rowCount() == 1 and dialog.current().field == "title"
    assert dialog.use_value.isEnabled() and dialog.use_value.toolTip() == ""
    dialog.close()
    p = schema.products
    restored = copy.read_blocking(lambda c: c.execute(select(p.c.deleted, p.c.title).where(
        p.c.local_id == deleted)).one())
    assert tuple(restored) == (0, "Theirs A")
