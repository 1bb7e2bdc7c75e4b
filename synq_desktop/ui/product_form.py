"""A form for a new product with everything a grid row is awkward for: the long description, the
category, brand and template chosen from lists, and the status.

The new-row path (Ctrl+N) makes a draft product in the selected category and puts the cursor on its
title; this form (Ctrl+Shift+N) is for a product typed out in full. The form only collects and checks
values (the same rules as the grid: synq_desktop.domain.validation); the editor creates the product
through its CatalogSource, one operation in the outbox.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

from PySide6.QtWidgets import (
    QComboBox,
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

from synq_desktop.domain.validation import check_product
from synq_desktop.ui.catalog_source import CategoryNode, NamedRecord

STATUSES = ("DRAFT", "ACTIVE", "ARCHIVED")  # a new product starts as a draft unless chosen otherwise
NONE_LABEL = "(none)"


def category_paths(nodes: Sequence[CategoryNode]) -> list[tuple[str, str]]:
    """(id, "Home › Kitchen › Knives") for every category, sorted by path: names repeat across
    branches, paths do not. A parent that is missing or a cycle ends the path instead of looping."""
    by_id = {n.id: n for n in nodes}
    paths: list[tuple[str, str]] = []
    for node in nodes:
        names, seen, current = [], set(), node
        while current is not None and current.id not in seen:
            seen.add(current.id)
            names.append(current.name or current.slug or "(unnamed)")
            current = by_id.get(current.parent_id) if current.parent_id else None
        paths.append((node.id, " › ".join(reversed(names))))
    return sorted(paths, key=lambda p: p[1].casefold())


def _fill(box: QComboBox, choices: Sequence[tuple[str, str]], chosen: str | None) -> None:
    box.addItem(NONE_LABEL, None)
    for rid, label in choices:
        box.addItem(label, rid)
    index = box.findData(chosen) if chosen is not None else 0
    box.setCurrentIndex(max(index, 0))


class ProductFormDialog(QDialog):
    """Collects a new product's fields; `fields()` is what `CatalogSource.create_product` takes."""

    def __init__(self, categories: Sequence[CategoryNode], brands: Sequence[NamedRecord],
                 templates: Sequence[NamedRecord], category_id: str | None = None,
                 parent: QWidget | None = None, *, status_off: str | None = None,
                 template_off: str | None = None) -> None:
        """`status_off` / `template_off`: why the server cannot take that field (its box is then disabled,
        the reason its tooltip, and the field is left out of `fields()`)."""
        super().__init__(parent)
        self.setObjectName("productForm")
        self.setWindowTitle("New product")
        self.resize(560, 460)
        self.title = QLineEdit()
        self.title.setObjectName("title")
        self.title.setPlaceholderText("What the product is called (required)")
        self.description = QPlainTextEdit()
        self.description.setObjectName("description")
        self.description.setPlaceholderText("The long description: as long as it needs to be")
        self.description.setTabChangesFocus(True)  # Tab leaves the box: the form stays keyboard-first
        self.category = QComboBox()
        self.category.setObjectName("category")
        _fill(self.category, category_paths(categories), category_id)
        self.brand = QComboBox()
        self.brand.setObjectName("brand")
        _fill(self.brand, [(b.id, b.name) for b in sorted(brands, key=lambda b: b.name.casefold())], None)
        self.template = QComboBox()
        self.template.setObjectName("template")
        _fill(self.template, [(t.id, t.name) for t in sorted(templates, key=lambda t: t.name.casefold())], None)
        self.status = QComboBox()
        self.status.setObjectName("status")
        for status in STATUSES:
            self.status.addItem(status.capitalize(), status)
        for box, off in ((self.status, status_off), (self.template, template_off)):
            if off:
                box.setEnabled(False)
                box.setToolTip(off)
        self.problems = QLabel()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        form = QFormLayout()
        form.addRow("&Title", self.title)
        form.addRow("&Description", self.description)
        form.addRow("&Category", self.category)
        form.addRow("&Brand", self.brand)
        form.addRow("Te&mplate", self.template)
        form.addRow("&Status", self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.create: QPushButton = buttons.addButton("C&reate", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create.setObjectName("create")
        self.create.setDefault(True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form, 1)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.title.textChanged.connect(self._check)
        self.description.textChanged.connect(self._check)
        self._check()
        self.title.setFocus()

    def _check(self) -> None:
        """As you type: a title is required (the server refuses a product without one); a missing
        description is only a warning, the product can be created and described later."""
        findings = check_product(self.title.text(), self.description.toPlainText())
        self.create.setEnabled(bool(self.title.text().strip()))
        self.problems.setText("\n".join(("⚠ " if f.field == "description" else "✖ ") + f.message
                                        for f in findings))

    def accept(self) -> None:
        if not self.title.text().strip():
            return  # Enter in the title box with no title: nothing to create yet
        super().accept()

    def fields(self) -> Mapping[str, object]:
        values: dict[str, object] = {"title": self.title.text().strip()}
        if self.status.isEnabled():
            values["status"] = self.status.currentData()
        description = self.description.toPlainText()
        if description.strip():
            values["description"] = description
        for name, box in (("category_id", self.category), ("brand_id", self.brand),
                          ("template_id", self.template)):
            if box.currentData() is not None and box.isEnabled():
                values[name] = box.currentData()
        return values
