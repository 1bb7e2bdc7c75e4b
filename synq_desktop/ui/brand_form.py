"""The brand form: a brand's name, description and logo URL (what the server keeps about a brand),
for a new brand or an existing one. The list renames in place (F2); this form edits the rest.

Checked as you type: a name is required and must not be another brand's (the server compares names
case-blind and refuses a taken one with 409); a logo URL must be an absolute http(s) URL. Whether the
server takes brand edits at all is its business: one without the taxonomy-edit endpoints keeps the
change pending with its reason (the status bar's list shows it), never loses it.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from synq_desktop.ui.catalog_source import BrandRow


def logo_url_problem(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in text):
        return "The logo URL must be an absolute http or https address."
    return None


class BrandFormDialog(QDialog):
    """`fields()` is what changed (all fields for a new brand)."""

    def __init__(self, brand: BrandRow | None, other_names: Iterable[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("brandForm")
        self.setWindowTitle("Edit brand" if brand else "New brand")
        self.setMinimumWidth(480)
        self.brand = brand
        self.taken = {n.strip().casefold() for n in other_names}
        self.name = QLineEdit(brand.name if brand else "")
        self.name.setObjectName("name")
        self.description = QPlainTextEdit(brand.description or "" if brand else "")
        self.description.setObjectName("description")
        self.description.setTabChangesFocus(True)
        self.logo_url = QLineEdit(brand.logo_url or "" if brand else "")
        self.logo_url.setObjectName("logoUrl")
        self.logo_url.setPlaceholderText("https://…")
        self.problems = QLabel()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Name", self.name)
        form.addRow("&Description", self.description)
        form.addRow("&Logo URL", self.logo_url)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.save: QPushButton = buttons.addButton("&Save" if brand else "C&reate",
                                                   QDialogButtonBox.ButtonRole.AcceptRole)
        self.save.setObjectName("saveBrand")
        self.save.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.name.textChanged.connect(self._check)
        self.logo_url.textChanged.connect(self._check)
        self._check()

    def problem(self) -> str | None:
        name = self.name.text().strip()
        if not name:
            return "A brand needs a name."
        if name.casefold() in self.taken:
            return f"There is already a brand named {name!r}."
        return logo_url_problem(self.logo_url.text())

    def _check(self) -> None:
        problem = self.problem()
        self.problems.setText(f"✖ {problem}" if problem else "")
        self.save.setEnabled(problem is None)

    def accept(self) -> None:
        if self.problem() is None:
            super().accept()

    def fields(self) -> Mapping[str, object]:
        values: dict[str, object] = {
            "name": self.name.text().strip(),
            "description": self.description.toPlainText().strip() or None,
            "logo_url": self.logo_url.text().strip() or None,
        }
        if self.brand is None:
            return values
        old = {"name": self.brand.name, "description": self.brand.description or None,
               "logo_url": self.brand.logo_url or None}
        return {k: v for k, v in values.items() if v != old[k]}
