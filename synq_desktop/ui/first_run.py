"""The first-run dialog: connect to a Synq server, or try the bundled sandbox.

Shown when there is no last profile (or its token is gone). The token field echoes as a password and
its text is never logged; the app decides where it is kept (keyring, or the session only).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


class FirstRunChoice(Enum):
    CANCEL = "cancel"
    CONNECT = "connect"
    SANDBOX = "sandbox"


@dataclass(frozen=True, slots=True)
class ServerDetails:
    base_url: str
    tenant_id: str
    org_id: str
    token: str = field(repr=False)


def url_problem(text: str) -> str | None:
    """Why `text` is not a usable server URL, or None."""
    parts = urlsplit(text.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return "The server URL must start with https:// (or http:// for a local server)."
    return None


class FirstRunDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("firstRunDialog")
        self.setWindowTitle("Welcome to Synq Desktop")
        self.choice = FirstRunChoice.CANCEL
        intro = QLabel(
            "Connect to your Synq PIM, or try the bundled sandbox with a demo catalog "
            "(it runs on this computer; nothing leaves it)."
        )
        intro.setWordWrap(True)
        self.url = QLineEdit(placeholderText="https://api.synq.app")
        self.url.setObjectName("serverUrl")
        self.tenant = QLineEdit(placeholderText="tenant id")
        self.tenant.setObjectName("tenantId")
        self.org = QLineEdit(placeholderText="organisation id")
        self.org.setObjectName("orgId")
        self.token = QLineEdit(placeholderText="API token")
        self.token.setObjectName("token")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Server URL", self.url)
        form.addRow("&Tenant", self.tenant)
        form.addRow("&Organisation", self.org)
        form.addRow("To&ken", self.token)
        buttons = QDialogButtonBox(self)
        self.connect_button = buttons.addButton("&Connect", QDialogButtonBox.ButtonRole.AcceptRole)
        self.connect_button.setObjectName("connectButton")
        self.sandbox_button: QPushButton = buttons.addButton(
            "Try the &sandbox", QDialogButtonBox.ButtonRole.ActionRole
        )
        self.sandbox_button.setObjectName("sandboxButton")
        buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.connect_button.clicked.connect(self._connect)
        self.sandbox_button.clicked.connect(self._sandbox)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.problem)
        layout.addWidget(buttons)
        for edit in (self.url, self.tenant, self.org, self.token):
            edit.textChanged.connect(self._revalidate)
        self._revalidate()

    def prefill(self, base_url: str, tenant_id: str, org_id: str) -> None:
        """A known profile whose token is gone: only the token is asked for."""
        self.url.setText(base_url)
        self.tenant.setText(tenant_id)
        self.org.setText(org_id)
        self.token.setFocus()

    def details(self) -> ServerDetails:
        return ServerDetails(
            base_url=self.url.text().strip().rstrip("/"),
            tenant_id=self.tenant.text().strip(),
            org_id=self.org.text().strip(),
            token=self.token.text().strip(),
        )

    def _problem(self) -> str | None:
        if not self.url.text().strip():
            return "Enter the server URL, or try the sandbox."
        bad_url = url_problem(self.url.text())
        if bad_url:
            return bad_url
        for edit, what in ((self.tenant, "tenant"), (self.org, "organisation"), (self.token, "token")):
            if not edit.text().strip():
                return f"Enter the {what}."
        return None

    def _revalidate(self) -> None:
        problem = self._problem()
        self.problem.setText(problem or "")
        self.connect_button.setEnabled(problem is None)

    def _connect(self) -> None:
        if self._problem() is None:
            self.choice = FirstRunChoice.CONNECT
            self.accept()

    def _sandbox(self) -> None:
        self.choice = FirstRunChoice.SANDBOX
        self.accept()
