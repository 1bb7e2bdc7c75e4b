"""`synq-desktop` (the GUI): one qasync event loop, one main window, one profile.

`run(argv)` is the entry point (called by synq_desktop.app.main). It builds the QApplication and a
qasync loop and runs a `DesktopSession` on it: the session shows the window at once, then connects
(starting the embedded sandbox off the GUI thread with `--sandbox`, opening the last profile, or
asking in the first-run dialog) and shows the catalog. Closing the window ends the session in order:
pending work is cancelled, the embedded server stopped, and the process exits with status 0.
"""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

os.environ.setdefault("QT_API", "pyside6")  # qasync would pick PyQt5 if present (QT-NOTES.md)

from PySide6.QtCore import QSettings
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication

from synq_desktop.app.catalog_modules import import_catalog_modules
from synq_desktop.app.connection import Connection
from synq_desktop.app.embedded_sandbox import DEFAULT_DEMO_PRODUCTS, EmbeddedSandbox
from synq_desktop.app.gc_tuning import freeze_start_up_objects
from synq_desktop.app.loop_stalls import LoopStallMonitor
from synq_desktop.app.paths import DEMO_PROFILE, profile_dir
from synq_desktop.store.credentials import store_token, token_for
from synq_desktop.store.profiles import Profile, last_profile_name, load_profile, remember_last, save_profile
from synq_desktop.ui.catalog_editor import CatalogEditor
from synq_desktop.ui.dialog_future import ask
from synq_desktop.ui.first_run import FirstRunChoice, FirstRunDialog
from synq_desktop.ui.icons import icon
from synq_desktop.ui.main_window import MainWindow
from synq_desktop.ui.palettes import dark_palette
from synq_desktop.ui.sign_in_dialog import SignInDialog
from synq_desktop.ui.sync_control import NoSync, SyncStatus

if TYPE_CHECKING:
    from synq_desktop.store.working_copy import WorkingCopy

log = logging.getLogger(__name__)

QUIT_AFTER_READY_ENV = "SYNQ_DESKTOP_QUIT_AFTER_READY"
READY_LINE = "SYNQ_DESKTOP_READY"
FAILED_LINE = "SYNQ_DESKTOP_FAILED"
WORKING_COPY_FILE = "catalog.sqlite"
LAYOUT_FILE = "layout.ini"
# The server's /capabilities answer, kept per profile: an offline start still knows which edits it can take.
CAPABILITY_CACHE_FILE = "capabilities.json"
SCREENSHOT_WAIT_S = 60.0
# "dark" or "light" overrides the system's colour scheme (screenshots, desktops that do not tell Qt).
COLOR_SCHEME_ENV = "SYNQ_DESKTOP_COLOR_SCHEME"
# A PNG path: once the catalog is shown, the window is saved there (screenshots for docs and reviews).
SCREENSHOT_ENV = "SYNQ_DESKTOP_SCREENSHOT"


@dataclass(frozen=True, slots=True)
class GuiOptions:
    sandbox: bool = False
    profile: str | None = None
    demo_products: int = DEFAULT_DEMO_PRODUCTS
    quit_after_ready: bool = False
    quit_after_sync: bool = False


def parse_args(argv: list[str]) -> GuiOptions:
    parser = argparse.ArgumentParser(prog="synq-desktop", description="Offline-first Synq PIM catalog editor.")
    parser.add_argument("--sandbox", action="store_true", help="start the embedded sandbox with a demo catalog")
    parser.add_argument("--profile", help="open this profile instead of the last one")
    parser.add_argument(
        "--demo", type=int, default=DEFAULT_DEMO_PRODUCTS, metavar="N",
        help="products in the sandbox's demo catalog on its first start (default %(default)s)",
    )
    parser.add_argument(
        "--quit-after-ready", action="store_true",
        help="print a ready line and quit once the catalog is shown (smoke tests, benchmarks)",
    )
    parser.add_argument(
        "--quit-after-sync", action="store_true",
        help="like --quit-after-ready, but after the first sync has finished (benchmarks)",
    )
    ns = parser.parse_args(argv)
    if ns.demo < 0:
        parser.error("--demo must be 0 or more")
    return GuiOptions(
        sandbox=ns.sandbox,
        profile=ns.profile,
        demo_products=ns.demo,
        quit_after_ready=ns.quit_after_ready or ns.quit_after_sync or os.environ.get(QUIT_AFTER_READY_ENV) == "1",
        quit_after_sync=ns.quit_after_sync,
    )


def profile_name_for(base_url: str) -> str:
    """A directory-safe profile name from the server's host (`api.synq.app` → `api.synq.app`)."""
    host = urlsplit(base_url).netloc or "server"
    return re.sub(r"[^A-Za-z0-9._-]+", "-", host).strip(".-") or "server"


class DesktopSession:
    """One run of the GUI. `run()` returns the exit status once the window is closed."""

    def __init__(self, options: GuiOptions) -> None:
        self.options = options
        self.window: MainWindow | None = None
        self.sandbox: EmbeddedSandbox | None = None
        self.connection: Connection | None = None
        self.working_copy: WorkingCopy | None = None
        self.client: object | None = None
        self.sync: object | None = None
        self.editor: CatalogEditor | None = None
        self.profile: Profile | None = None
        self._signing_in = False
        self.stalls = LoopStallMonitor()
        self._deferred_imports: asyncio.Future[None] | None = None
        self.ready = asyncio.Event()
        self.finished = asyncio.Event()
        self.exit_status = 0

    async def run(self) -> int:
        window = self.window = MainWindow()
        if self.options.sandbox:  # the first frame already says what the wait is for
            window.show_busy("Starting the sandbox…")
        closed = asyncio.Event()
        window.closed.connect(closed.set)
        window.show()
        # Stalls count from the first painted window on: building and showing it is start-up time.
        await asyncio.sleep(0)
        self.stalls.start()
        # The modules behind the catalog (catalog_modules.py): `synq-desktop` imported them before PySide6;
        # a session started otherwise (tests) loads them on a worker thread, never on the GUI thread.
        self._deferred_imports = asyncio.get_running_loop().run_in_executor(None, import_catalog_modules)
        opening = asyncio.ensure_future(self._open())
        try:
            await closed.wait()
        finally:
            opening.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await opening
            await self._shutdown()
        return self.exit_status

    async def _shutdown(self) -> None:
        """Stop in order: the sync (interrupted safely), the client, the working copy, the server."""
        self.stalls.stop()
        loop = asyncio.get_running_loop()
        close_sync = getattr(self.sync, "close", None)
        if close_sync is not None:
            await close_sync()
        if self.editor is not None:
            with contextlib.suppress(Exception):
                await self.editor.settle()
        aclose = getattr(self.client, "aclose", None)
        if aclose is not None:
            with contextlib.suppress(Exception):
                await aclose()
        if self.working_copy is not None:
            await loop.run_in_executor(None, self.working_copy.close)
        if self.sandbox is not None:
            await self.sandbox.stop()
        self.finished.set()

    async def _open(self) -> None:
        try:
            if self.options.sandbox:
                await self._open_sandbox()
                return
            name = self.options.profile or last_profile_name()
            profile = load_profile(name) if name else None
            if profile is not None and profile.sandbox:
                await self._open_sandbox()
                return
            token = token_for(profile) if profile is not None else None
            if profile is not None and token:
                await self._open_remote(profile, token)
                return
            await self._first_run(profile)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.exception("opening the catalog failed")
            self._problem(f"Could not open the catalog: {type(exc).__name__}: {exc}")

    def _problem(self, text: str) -> None:
        """Say what went wrong; a smoke run (`--quit-after-ready`) fails instead of waiting forever."""
        assert self.window is not None
        self.window.show_problem(text)
        if self.options.quit_after_ready:
            print(f"{FAILED_LINE} {text}", flush=True)
            self.exit_status = 1
            self.window.close()

    async def _first_run(self, known: Profile | None = None) -> None:
        assert self.window is not None
        self.window.show_busy("Welcome")
        dialog = FirstRunDialog(self.window)
        if known is not None:
            dialog.prefill(known.base_url, known.tenant_id, known.org_id)
        await ask(dialog)
        choice, details = dialog.choice, dialog.details()
        dialog.deleteLater()
        if choice is FirstRunChoice.SANDBOX:
            await self._open_sandbox()
        elif choice is FirstRunChoice.CONNECT:
            profile = Profile(
                name=known.name if known is not None else profile_name_for(details.base_url),
                base_url=details.base_url,
                tenant_id=details.tenant_id,
                org_id=details.org_id,
            )
            save_profile(profile)
            remember_last(profile.name)
            if not store_token(profile, details.token):
                self.window.statusBar().showMessage("No keyring available: you will be asked for the token again.")
            await self._open_remote(profile, details.token)
        else:
            self.window.close()

    async def _open_sandbox(self) -> None:
        assert self.window is not None
        directory = profile_dir(DEMO_PROFILE)
        self.sandbox = EmbeddedSandbox(directory, demo_products=self.options.demo_products)
        first = not self.sandbox.database_path.exists()
        self.window.set_profile_title("demo (embedded sandbox)")
        self.window.show_busy(
            f"Starting the sandbox… creating a demo catalog of {self.options.demo_products} products"
            if first else "Starting the sandbox…"
        )
        conn = await self.sandbox.start()
        self.profile = Profile(DEMO_PROFILE, conn.base_url, conn.tenant_id, conn.org_id, sandbox=True)
        save_profile(self.profile)
        remember_last(DEMO_PROFILE)
        await self._show_catalog(conn, DEMO_PROFILE)

    async def _open_remote(self, profile: Profile, token: str) -> None:
        assert self.window is not None
        self.profile = profile
        self.window.set_profile_title(f"{profile.name} ({profile.base_url})")
        await self._show_catalog(Connection(profile.base_url, profile.tenant_id, profile.org_id, token), profile.name)

    async def _show_catalog(self, conn: Connection, profile_name: str) -> None:
        assert self.window is not None
        self.connection = conn
        self.window.show_busy("Loading the catalog…")
        await self._modules_loaded()
        # The working copy first: an editor who starts offline (or whose server is failing) works on the
        # local copy; the server's counts are a bonus that arrives after it, or a note in the status bar.
        await self._open_editor(conn, profile_name)
        await self._show_server_counts(conn)
        self.ready.set()
        shot = os.environ.get(SCREENSHOT_ENV)
        if shot:
            await self._settle_for_screenshot()
            self.window.grab().save(shot)
        wait_idle = getattr(self.sync, "wait_idle", None)
        if self.options.quit_after_sync and wait_idle is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wait_idle(), SCREENSHOT_WAIT_S * 2)
        if self.options.quit_after_ready:
            counts = " ".join(f"{k}={v}" for k, v in sorted(self.window.counts.counts().items()))
            print(f"{READY_LINE} max_gui_stall_ms={self.stalls.max_stall_ms:.0f} {counts}", flush=True)
            self.window.close()


    async def _show_server_counts(self, conn: Connection) -> None:
        """GET /stats into the counts tab; unreachable or failing, the catalog stays open and says so."""
        assert self.window is not None
        from synq_desktop.app.catalog_stats import StatsError, fetch_stats

        try:
            stats = await fetch_stats(conn)
        except StatsError as exc:
            log.warning("server counts unavailable: %s", exc)
            self.window.statusBar().showMessage(f"Working on the local copy. {exc}", 30_000)
            return
        self.window.show_stats(stats)

    async def _open_editor(self, conn: Connection, profile_name: str) -> None:
        """The working copy of the profile, the sync engine over it, and the editor in the window."""
        assert self.window is not None
        await self._modules_loaded()
        from synq_desktop.store.working_copy import WorkingCopy
        from synq_desktop.ui.store_catalog_source import StoreCatalogSource

        directory = profile_dir(profile_name)
        loop = asyncio.get_running_loop()
        copy = self.working_copy = await loop.run_in_executor(None, WorkingCopy.open, directory / WORKING_COPY_FILE)
        self.client = await loop.run_in_executor(None, _client_with_cache, conn, directory / CAPABILITY_CACHE_FILE)
        engine_class = await loop.run_in_executor(None, _sync_engine_class)
        self.sync = self._sync_control(copy, directory, engine_class)
        source = StoreCatalogSource(copy)
        editor = self.editor = CatalogEditor(source, self.sync)  # type: ignore[arg-type]
        self.window.set_catalog_editor(editor, editor.sync_bar, editor.message)
        self.window.restore_layout(QSettings(str(directory / LAYOUT_FILE), QSettings.Format.IniFormat))
        self.window.banner.action.connect(lambda: asyncio.ensure_future(self.sign_in_again()))
        subscribe = getattr(self.sync, "subscribe", None)
        if subscribe is not None:
            subscribe(self._sync_status)
        await editor.start()
        # Everything built so far lives as long as the window: out of the collector's sight, a full
        # collection no longer walks it (tens of ms) in the middle of a sort or a keystroke.
        freeze_start_up_objects()
        start = getattr(self.sync, "start_sync", None)
        if start is not None:
            start()

    async def _modules_loaded(self) -> None:
        """Wait for catalog_modules.py's imports (a no-op once `synq-desktop` has made them)."""
        if self._deferred_imports is None:
            self._deferred_imports = asyncio.get_running_loop().run_in_executor(None, import_catalog_modules)
        await self._deferred_imports

    def _sync_control(self, copy: WorkingCopy, directory: object, engine_class: type | None) -> object:
        if engine_class is None:
            log.warning("no sync engine available: the catalog stays local")
            return NoSync()
        from synq_desktop.app.engine_sync_control import EngineSyncControl

        return EngineSyncControl(engine_class(copy, self.client, lock_dir=directory))

    def _sync_status(self, status: SyncStatus) -> None:
        assert self.window is not None
        if status.auth_expired:
            self.window.banner.show_message(
                "Your sign-in has expired. Your changes are kept and wait until you sign in again.",
                "Si&gn in again…")
        else:
            self.window.banner.hide()

    async def sign_in_again(self) -> bool:
        """Ask for a new token, hand it to the client (and the keyring), and sync."""
        if self._signing_in or self.window is None or self.connection is None:
            return False
        self._signing_in = True
        try:
            dialog = SignInDialog(self.connection.base_url, self.window)
            await ask(dialog)
            token = dialog.value() if dialog.result() == SignInDialog.DialogCode.Accepted else ""
            dialog.deleteLater()
            if not token:
                return False
            set_token = getattr(self.client, "set_token", None)
            if set_token is not None:
                set_token(token)
            self.connection = Connection(self.connection.base_url, self.connection.tenant_id,
                                         self.connection.org_id, token)
            if self.profile is not None and not self.profile.sandbox:
                store_token(self.profile, token)
            self.window.banner.hide()
            start = getattr(self.sync, "start_sync", None)
            if start is not None:
                start()
            return True
        finally:
            self._signing_in = False

    async def _settle_for_screenshot(self) -> None:
        """Wait (bounded) for the first sync and the first page of rows, so the shot shows data."""
        deadline = asyncio.get_running_loop().time() + SCREENSHOT_WAIT_S
        wait_idle = getattr(self.sync, "wait_idle", None)
        if wait_idle is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wait_idle(), SCREENSHOT_WAIT_S)
        editor = self.editor
        assert editor is not None
        while asyncio.get_running_loop().time() < deadline:
            rows = editor.products.rowCount()
            if rows and editor.products.all_loaded(0, min(rows, 30) - 1):
                break
            await asyncio.sleep(0.05)
        if rows:
            editor.grid.selectRow(0)
        await asyncio.sleep(0.3)  # a screenshot, not a test: let the variant grid and the paint settle


def _client_with_cache(conn: Connection, cache_file: Path) -> object:
    """The profile's API client, its capability probe cached in the profile directory (built off the GUI
    thread: loading the TLS trust store costs about 70 ms)."""
    from synq_desktop.api.client import SynqClient

    return SynqClient(conn.base_url, conn.token, conn.tenant_id, conn.org_id, capability_cache=cache_file)


def _sync_engine_class() -> type | None:
    """The sync engine class, imported on a worker thread (importing it costs well over 50 ms)."""
    try:
        from synq_desktop.sync.engine import SyncEngine
    except ImportError:
        return None
    return SyncEngine


def apply_color_scheme(app: QApplication, scheme: str) -> None:
    """Follow the system palette unless told otherwise; Fusion draws both schemes faithfully."""
    from PySide6.QtCore import Qt

    wanted = {"dark": Qt.ColorScheme.Dark, "light": Qt.ColorScheme.Light}.get(scheme.strip().lower())
    if wanted is None:
        return
    app.setStyle("Fusion")
    app.styleHints().setColorScheme(wanted)
    if wanted == Qt.ColorScheme.Dark and app.palette().color(QPalette.ColorRole.Window).lightness() > 128:
        app.setPalette(dark_palette())  # the platform theme ignored the request (plain X11, Xvfb)


def run(argv: list[str]) -> int:
    options = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    import qasync

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("synq-desktop")
    app.setOrganizationName("Synq")
    app.setDesktopFileName("synq-desktop")  # Wayland shells match the window to resources/synq-desktop.desktop
    # The session decides when to quit: after the window closed AND the shutdown finished.
    app.setQuitOnLastWindowClosed(False)
    apply_color_scheme(app, os.environ.get(COLOR_SCHEME_ENV, ""))
    app.setWindowIcon(icon("app"))  # after the palette: icons are drawn in its ink
    session = DesktopSession(options)
    return asyncio.run(session.run(), loop_factory=lambda: qasync.QEventLoop(app))
