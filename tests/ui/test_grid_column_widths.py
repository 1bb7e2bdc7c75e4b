"""The product grid's fixed-text columns (status, sync, validation, the update time) show their longest text uncut in the grid's own font (a
status of ARCHIVED was clipped to "ARCHI…" at the old fixed width), and the grid has no row header."""
from __future__ import annotations

import pytest
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QWidget
from sqlalchemy import update

from synq_desktop.store import schema
from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.product_table_model import COLUMN_BY_KEY
from synq_desktop.ui.sync_control import NoSync
from tests.ui.editors import started_editor
from tests.ui.qasync_harness import STRICT_QT_LOG, run_coroutine

pytestmark = STRICT_QT_LOG


@pytest.mark.parametrize("pixel_size", [None, 22])
def test_status_column_fits_archived_in_the_grids_font(qloop, qtbot, catalog, pixel_size):
    source, copy, ids = catalog
    first = sorted(ids.products)[:3]  # the grid's first rows (sorted by title: "Product 00000 …")
    copy.write_blocking(lambda c: c.execute(
        update(schema.products).where(schema.products.c.local_id.in_(first)).values(status="ARCHIVED")))
    holder = QWidget()  # a larger font is inherited by the editor's widgets as they are made
    qtbot.addWidget(holder)
    if pixel_size is not None:
        font = QFont(holder.font())
        font.setPixelSize(pixel_size)
        holder.setFont(font)
    editor = CatalogEditor(source, NoSync(), holder)
    editor.resize(1400, 800)
    holder.resize(1400, 800)
    holder.show()
    run_coroutine(qtbot, editor.start())
    status = COLUMN_BY_KEY["status"]
    qtbot.waitUntil(lambda: editor.products.rowCount() > 0 and editor.products.all_loaded(0, 2))
    assert [editor.products.index(r, status).data() for r in range(3)] == ["ARCHIVED"] * 3
    # Qt's own measure of what the delegate needs for the rows in view, margins and grid line included.
    for column in (status, COLUMN_BY_KEY["updated_at"]):
        assert editor.grid.sizeHintForColumn(column) <= editor.grid.columnWidth(column)
    assert editor.grid.verticalHeader().isHidden()
    run_coroutine(qtbot, editor.settle())


def test_default_layout_shows_the_status_column_whole(qloop, qtbot, catalog):
    """The window's default size (the demo screenshots): the grid's pane ends after Status, not inside it."""
    source, _copy, _ids = catalog
    editor = started_editor(qtbot, source, size=(1440, 860))
    qtbot.waitUntil(lambda: editor.products.rowCount() > 0)
    status = COLUMN_BY_KEY["status"]
    right_edge = editor.grid.columnViewportPosition(status) + editor.grid.columnWidth(status)
    assert right_edge <= editor.grid.viewport().width()
    run_coroutine(qtbot, editor.settle())
