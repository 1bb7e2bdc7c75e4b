"""The modules behind a shown catalog: the working copy (SQLAlchemy), the catalog source over it, the API
client (httpx, pydantic) and the sync engine; about 300 ms of imports.

The GUI's own way to its first grid page needs every one of them (the editor is built over the sync
engine and its API client; the server's counts follow through that client), so `synq-desktop` imports them first thing, before
PySide6 (synq_desktop.app.main). Measured on a restart of the demo profile (2 cores, load ~3.5): the
catalog shown ~1.3 s after the process started, longest GUI stall 17-33 ms; imported instead on a worker
thread beside the already shown window, the catalog came after 1.2-2.3 s with stalls of 19-63 ms (the
thread and the GUI thread take the GIL from each other while the sandbox starts beside them). Imported
after PySide6 they also cost ~50 ms more CPU: PySide6's import hook reads the source of every module
imported after it (`inspect.getsource`, PYSIDE-2029).

The editor alone (a grid over a working copy, bench/ui_grid.py) needs only the first two: nothing in
synq_desktop.ui imports the sync engine or the API client at module level, and a test keeps it so.
"""
from __future__ import annotations

import importlib
import logging

log = logging.getLogger(__name__)

MODULES = (
    "synq_desktop.store.working_copy",
    "synq_desktop.ui.store_catalog_source",
    "synq_desktop.app.catalog_stats",
    "synq_desktop.api.client",
    "synq_desktop.sync.engine",
)


def import_catalog_modules() -> None:
    for name in MODULES:
        try:
            importlib.import_module(name)
        except ImportError:  # a missing sync engine leaves the catalog local (gui._sync_engine_class says so)
            log.warning("could not import %s", name, exc_info=True)
