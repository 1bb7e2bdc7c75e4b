"""A catalog editor as the UI tests open it: a real CatalogEditor on a real working copy, shown and started."""
from __future__ import annotations

from typing import Any

from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.sync_control import NoSync
from tests.ui.qasync_harness import run_coroutine


def started_editor(qtbot: Any, source: Any, sync: Any = None, size: tuple[int, int] = (1400, 800)) -> CatalogEditor:
    """The editor on `source` (NoSync unless `sync`), sized, shown and started (its first load awaited)."""
    editor = CatalogEditor(source, sync or NoSync())
    qtbot.addWidget(editor)
    editor.resize(*size)
    editor.show()
    run_coroutine(qtbot, editor.start())
    return editor
