"""A VIEWER's copy in the editor: the reason is shown, and no path (typing, paste, fill down, Delete,
new product, the form, new brand) changes the working copy or queues an operation."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QMessageBox
from sqlalchemy import select

from synq_desktop.store import schema
from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.product_table_model import COLUMN_BY_KEY
from synq_desktop.ui.sync_control import Listener, SyncStatus
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG
SHOTS = Path(__file__).resolve().parents[2] / "shots"


class AnnouncedStatus:
    """A SyncControl that only announces a status (the role comes from the server's /capabilities in
    the app; here it is set by the test). Nothing is synced."""

    def __init__(self, status: SyncStatus) -> None:
        self.status = status
        self.listeners: list[Listener] = []

    def start_sync(self) -> None:
        return None

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        self.listeners.append(listener)
        listener(self.status)
        return lambda: self.listeners.remove(listener)

    def announce(self, status: SyncStatus) -> None:
        self.status = status
        for listener in list(self.listeners):
            listener(status)


def _nothing_queued(copy) -> bool:
    return copy.read_blocking(lambda c: c.execute(select(schema.outbox.c.seq)).first()) is None


def test_viewer_sees_why_and_cannot_change_anything(qloop, qtbot, catalog):
    source, copy, _ids = catalog
    sync = AnnouncedStatus(SyncStatus(online=True, role="VIEWER"))
    editor = CatalogEditor(source, sync)  # type: ignore[arg-type]
    qtbot.addWidget(editor)
    editor.resize(1400, 700)
    editor.show()
    run_coroutine(qtbot, editor.start())
    qtbot.waitUntil(lambda: editor.products.rowCount() == 50)
    assert editor.read_only_note.isVisible() and "VIEWER" in editor.read_only_note.text()
    assert editor.sync_bar.role.text() == "viewer"
    assert not editor.new_product_button.isEnabled() and not editor.product_form_button.isEnabled()
    assert not editor.new_action.isEnabled() and not editor.form_action.isEnabled()
    assert not editor.new_brand.isEnabled()
    assert not editor.new_brand_action.isEnabled() and not editor.edit_brand_action.isEnabled()
    assert not editor.new_variant_action.isEnabled() and not editor.paste_action.isEnabled()
    SHOTS.mkdir(exist_ok=True)
    editor.grab().save(str(SHOTS / "viewer_read_only.png"))

    first_title = editor.products.index(0, COLUMN_BY_KEY["title"]).data()
    editor.grid.setFocus()
    editor.grid.select_block(0, 0, 1, 0)
    # Typing, paste and fill down: nothing opens, nothing changes.
    qtbot.keyClick(editor.grid, Qt.Key.Key_X)
    assert editor.grid.state() != editor.grid.State.EditingState
    QGuiApplication.clipboard().setText("Pasted\nPasted")
    qtbot.keyClick(editor.grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(editor.grid, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
    # Delete: no confirmation box, the status line says why.
    messages: list[str] = []
    editor.message.connect(messages.append)
    qtbot.keyClick(editor.grid, Qt.Key.Key_Delete)
    task = editor._spawn(editor.delete_products([0]))
    qtbot.waitUntil(task.done)
    assert task.result() is False and "VIEWER" in messages[-1]
    assert not [w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()]
    task = editor._spawn(editor.new_product())
    qtbot.waitUntil(task.done)
    assert task.result() is None
    run_coroutine(qtbot, editor.writes.drain())
    assert editor.products.index(0, COLUMN_BY_KEY["title"]).data() == first_title
    assert _nothing_queued(copy)
    assert editor.undo_stack.count() == 0

    # The role changes (an admin grants EDITOR): the note goes, editing comes back.
    sync.announce(SyncStatus(online=True, role="EDITOR"))
    assert editor.read_only_note.isHidden()
    assert editor.new_product_button.isEnabled()
    paste = next(a for a in editor.grid.actions() if a.text() == "Paste")
    assert paste.isEnabled()
    editor.grid.select_block(0, 0, 1, 0)  # the models were reset: select again
    qtbot.keyClick(editor.grid, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    run_coroutine(qtbot, editor.writes.drain())
    assert editor.products.index(0, COLUMN_BY_KEY["title"]).data() == "Pasted"
    assert not _nothing_queued(copy)
