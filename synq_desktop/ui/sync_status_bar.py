"""The status bar's sync corner: online or offline, role, what the server cannot take (a docs-only
server), pending operations, conflicts, last sync, and the Sync button. The conflicts count is a button
that opens the conflict resolver; the pending count opens the changes that need the user."""
from __future__ import annotations

import asyncio
import logging

from PySide6.QtCore import QSize, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget

from synq_desktop.ui.catalog_source import CatalogSource, OutboxSummary
from synq_desktop.ui.icons import icon
from synq_desktop.ui.server_limits import NO_LIMITS, ServerLimits
from synq_desktop.ui.sync_control import SyncControl, SyncStatus

log = logging.getLogger(__name__)


class SyncStatusBar(QWidget):
    conflicts_clicked = Signal()
    operations_clicked = Signal()
    summary_changed = Signal()

    def __init__(self, source: CatalogSource, sync: SyncControl, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("syncStatus")
        self.source = source
        self.sync = sync
        self.status = SyncStatus()
        self.summary = OutboxSummary()
        self.online_icon = QLabel()
        self.online_icon.setObjectName("onlineIcon")
        self.online = QLabel()
        self.online.setObjectName("online")
        self.role = QLabel()
        self.role.setObjectName("role")
        self.limits = NO_LIMITS
        self.server_note = QLabel("documented API only")  # shown on a server without the EXT routes
        self.server_note.setObjectName("serverLimits")
        self.server_note.hide()
        self.pending = QPushButton()
        self.pending.setObjectName("pending")
        self.pending.setFlat(True)
        self.pending.setIcon(icon("operations"))
        self.pending.clicked.connect(self.operations_clicked)
        self.conflicts = QPushButton()
        self.conflicts.setObjectName("conflicts")
        self.conflicts.setFlat(True)
        self.conflicts.setIcon(icon("conflicts"))
        self.conflicts.clicked.connect(self.conflicts_clicked)
        self.last_sync = QLabel()
        self.last_sync.setObjectName("lastSync")
        self.sync_button = QPushButton(icon("sync"), "Sync")
        self.sync_button.setObjectName("syncButton")
        self.sync_button.setToolTip("Send your changes and fetch the server's (Ctrl+S)")
        self.sync_button.clicked.connect(self.sync.start_sync)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.online_icon, self.online, self.role, self.server_note, self.pending, self.conflicts,
                       self.last_sync, self.sync_button):
            layout.addWidget(widget)
        self._unsubscribe = sync.subscribe(self._on_status)
        self._render()

    def _on_status(self, status: SyncStatus) -> None:
        self.status = status
        self._render()
        self.refresh_counts()

    def refresh_counts(self) -> asyncio.Future[None]:
        return asyncio.ensure_future(self._refresh_counts())

    async def _refresh_counts(self) -> None:
        try:
            self.summary = await self.source.outbox_summary()
        except Exception:
            log.exception("counting outbox operations failed")
            return
        self._render()
        self.summary_changed.emit()

    def _render(self) -> None:
        s, o = self.status, self.summary
        self.online_icon.setPixmap(icon("online" if s.online else "offline").pixmap(QSize(16, 16)))
        self.online.setText("online" if s.online else "offline")
        self.online.setToolTip(s.message)
        self.online_icon.setToolTip(s.message)
        self.role.setText(s.role.lower() if s.role else "")
        self.role.setVisible(bool(s.role))
        waiting = o.pending + o.rejected + o.uncertain
        self.pending.setText(f"{o.pending} pending" + (f", {o.rejected} rejected" if o.rejected else "")
                             + (f", {o.uncertain} uncertain" if o.uncertain else ""))
        self.pending.setToolTip(f"{waiting} changes wait to reach the server"
                                + ("; click to see the ones that need you (Ctrl+Shift+O)"
                                   if o.rejected or o.uncertain else ""))
        self.pending.setEnabled(bool(o.rejected or o.uncertain))
        self.conflicts.setText(f"{o.conflicts} conflict{'s' if o.conflicts != 1 else ''}")
        self.conflicts.setEnabled(o.conflicts > 0)
        self.conflicts.setToolTip("Resolve them: keep mine, take theirs, or type a new value (Ctrl+Shift+C)"
                                  if o.conflicts else "No conflicts")
        self.last_sync.setText(f"last sync {s.last_sync.replace('T', ' ')[:16]}" if s.last_sync else "never synced")
        self.sync_button.setText("Syncing…" if s.syncing else "Sync")
        self.sync_button.setEnabled(not s.syncing)

    def set_limits(self, limits: ServerLimits) -> None:
        """Say that this server takes only the documented API; the tooltip lists what is off."""
        self.limits = limits
        reasons = limits.reasons
        self.server_note.setToolTip("\n".join(reasons))
        self.server_note.setVisible(bool(reasons))

    def close_subscription(self) -> None:
        self._unsubscribe()
