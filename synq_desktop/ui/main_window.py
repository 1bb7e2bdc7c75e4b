"""The main window: a "starting…" page while the app connects, then the catalog tabs.

The window is passive: the composition root (synq_desktop.app.gui) tells it what is happening and
feeds it data; the window emits `closed` when the user closes it so the app can shut down in order
(stop syncing, stop an embedded server) before the process exits.

Menus: File (Quit, Ctrl+Q) and Help (Keyboard shortcuts, F1) are the window's; the editor brings Edit,
Catalog and Sync (`CatalogEditor.menus()`) and the toolbar's actions. Every menu title has a mnemonic
that no tab or button of the window shares.
"""
from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from synq_desktop.ui.banner import Banner
from synq_desktop.ui.catalog_counts import CatalogCountsPanel
from synq_desktop.ui.icons import icon
from synq_desktop.ui.shortcuts_dialog import KeyboardShortcutsDialog

WINDOW_TITLE = "Synq Desktop"


class _BusyPage(QWidget):
    """A centred message with an indeterminate bar: the app is doing something that takes seconds."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        self.message = QLabel(self)
        self.message.setObjectName("busyMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(320)
        layout.addWidget(self.message)
        layout.addWidget(self.bar, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(1)

    def set_busy(self, text: str, busy: bool) -> None:
        self.message.setText(text)
        self.bar.setVisible(busy)


class MainWindow(QMainWindow):
    closed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle(WINDOW_TITLE)
        self.setWindowIcon(icon("app"))
        self.resize(1440, 860)
        self._stack = QStackedWidget(self)
        self._busy = _BusyPage(self._stack)
        self.tabs = QTabWidget(self._stack)
        self.tabs.setObjectName("mainTabs")
        self.counts = CatalogCountsPanel()
        dashboard = QWidget()
        dashboard.setObjectName("dashboard")
        dash_layout = QVBoxLayout(dashboard)
        heading = QLabel("<h2>Catalog</h2>")
        heading.setTextFormat(Qt.TextFormat.RichText)
        dash_layout.addWidget(heading)
        self.counts.setMaximumWidth(self.fontMetrics().horizontalAdvance("M") * 32)
        dash_layout.addWidget(self.counts)
        dash_layout.addStretch(1)
        self.tabs.addTab(dashboard, "&Dashboard")
        self._stack.addWidget(self._busy)
        self._stack.addWidget(self.tabs)
        self.banner = Banner()
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self.banner)
        central_layout.addWidget(self._stack, 1)
        self.setCentralWidget(central)
        self.editor: QWidget | None = None
        self.settings: QSettings | None = None
        self._menus()
        self.show_busy("Starting…")

    def _menus(self) -> None:
        bar = self.menuBar()
        self.file_menu = bar.addMenu("&File")
        self.quit_action = QAction(icon("quit"), "&Quit", self)
        # The platform's Quit key, else Ctrl+Q (some platforms, offscreen among them, define none).
        self.quit_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Quit)
                                      or [QKeySequence("Ctrl+Q")])
        self.quit_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.quit_action.triggered.connect(self.close)
        self.addAction(self.quit_action)
        self.file_menu.addAction(self.quit_action)
        self.help_menu = bar.addMenu("&Help")
        self.shortcuts_action = QAction(icon("keyboard"), "&Keyboard shortcuts", self,
                                        shortcut=QKeySequence.StandardKey.HelpContents)
        self.shortcuts_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        self.addAction(self.shortcuts_action)
        self.help_menu.addAction(self.shortcuts_action)
        self.toolbar = self.addToolBar("Main")
        self.toolbar.setObjectName("mainToolbar")
        self.toolbar.setIconSize(QSize(24, 24))  # a size the icons are drawn at (icons.RENDER_SIZES)
        self.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.toolbar.setMovable(False)
        self.toolbar.hide()  # shown with the editor's actions

    def menu_actions(self) -> list[QAction]:
        """Every action of every menu, in menu order (Help › Keyboard shortcuts lists them)."""
        found: list[QAction] = []
        for top in self.menuBar().actions():
            menu = top.menu()
            if isinstance(menu, QMenu):
                found.extend(a for a in menu.actions() if not a.isSeparator())
        return found

    def show_shortcuts(self) -> KeyboardShortcutsDialog:
        dialog = KeyboardShortcutsDialog(self.menu_actions(), self)
        dialog.finished.connect(dialog.deleteLater)
        dialog.open()
        return dialog

    # what the app tells the window
    def set_profile_title(self, text: str) -> None:
        self.setWindowTitle(f"{WINDOW_TITLE} — {text}" if text else WINDOW_TITLE)

    def show_busy(self, text: str) -> None:
        self._busy.set_busy(text, busy=True)
        self._stack.setCurrentWidget(self._busy)
        self.statusBar().showMessage(text)

    def show_problem(self, text: str) -> None:
        """Something went wrong in a way the user must read; the window stays usable (it can be closed)."""
        self._busy.set_busy(text, busy=False)
        self._stack.setCurrentWidget(self._busy)
        self.statusBar().showMessage(text)

    def show_stats(self, stats: Mapping[str, object]) -> None:
        self.counts.set_stats(stats)
        self._stack.setCurrentWidget(self.tabs)
        self.statusBar().showMessage("Ready")

    def set_catalog_editor(self, editor: QWidget, sync_bar: QWidget, message: Signal) -> None:
        """Put the catalog editor in the first tab and its sync corner in the status bar."""
        self.editor = editor
        self.tabs.insertTab(0, editor, "&Catalog")
        self.tabs.setCurrentIndex(0)
        self.statusBar().addPermanentWidget(sync_bar)
        menus = getattr(editor, "menus", None)
        for title, actions in menus() if menus is not None else []:
            menu = QMenu(title, self)
            for action in actions:
                if action is None:
                    menu.addSeparator()
                else:
                    menu.addAction(action)
            self.menuBar().insertMenu(self.help_menu.menuAction(), menu)
        toolbar_actions = getattr(editor, "toolbar_actions", None)
        for action in toolbar_actions() if toolbar_actions is not None else []:
            if action is None:
                self.toolbar.addSeparator()
            else:
                self.toolbar.addAction(action)
                keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
                if keys and keys not in action.toolTip():  # the toolbar says which key does the same
                    action.setToolTip(f"{action.toolTip()} ({keys})")
        self.toolbar.setVisible(bool(self.toolbar.actions()))
        message.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self._stack.setCurrentWidget(self.tabs)

    # remembered layout (QSettings in the profile directory)
    def restore_layout(self, settings: QSettings) -> None:
        self.settings = settings
        geometry = settings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = settings.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        restore = getattr(self.editor, "restore_state", None)
        if restore is not None:
            restore(settings)

    def save_layout(self) -> None:
        if self.settings is None:
            return
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        save = getattr(self.editor, "save_state", None)
        if save is not None:
            save(self.settings)
        self.settings.sync()

    def busy_text(self) -> str:
        return self._busy.message.text()

    def is_showing_catalog(self) -> bool:
        return self._stack.currentWidget() is self.tabs

    def closeEvent(self, event: QCloseEvent) -> None:
        super().closeEvent(event)
        if event.isAccepted():
            self.save_layout()
            self.closed.emit()
