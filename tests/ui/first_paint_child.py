"""Run as `python -m tests.ui.first_paint_child <catalog.sqlite>`: the app's start path in a fresh
process (the GUI entry module, then the editor over a working copy, as `DesktopSession` builds it). At the
moment the product grid first paints its first page of rows it prints, as JSON, which of the modules that
must wait until after that moment were already imported."""
from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("QT_API", "pyside6")

# The sync engine, the API client and its libraries: ~100-200 ms of imports the first page does not need.
LATER = ("synq_desktop.sync", "synq_desktop.api", "httpx", "pydantic", "click", "rich", "pygments")


def imported_later_modules() -> list[str]:
    return sorted(name for name in sys.modules if name.split(".")[0] in LATER or name.startswith(LATER))


async def first_paint(path: Path) -> dict[str, object]:
    from PySide6.QtCore import QEvent, QObject

    import synq_desktop.app.gui  # noqa: F401 - the entry module's own imports are part of the start path
    from synq_desktop.store.working_copy import WorkingCopy
    from synq_desktop.ui.catalog_editor import CatalogEditor
    from synq_desktop.ui.store_catalog_source import StoreCatalogSource
    from synq_desktop.ui.sync_control import NoSync

    copy = WorkingCopy.open(path)
    editor = CatalogEditor(StoreCatalogSource(copy), NoSync())
    products = editor.products
    painted: asyncio.Future[dict[str, object]] = asyncio.get_running_loop().create_future()

    class FirstPagePaint(QObject):
        def eventFilter(self, _obj: QObject, event: QEvent) -> bool:
            rows = min(products.rowCount(), 20)
            if (event.type() == QEvent.Type.Paint and not painted.done() and rows
                    and products.all_loaded(0, rows - 1)):
                painted.set_result({"rows": products.rowCount(), "modules": imported_later_modules()})
            return False

    watcher = FirstPagePaint()
    editor.grid.viewport().installEventFilter(watcher)
    editor.show()
    starting = asyncio.ensure_future(editor.start())
    result = await asyncio.wait_for(painted, 60)
    await starting
    await editor.settle()
    copy.close()
    return result


def main() -> None:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    result = asyncio.run(first_paint(Path(sys.argv[1])), loop_factory=lambda: qasync.QEventLoop(app))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
