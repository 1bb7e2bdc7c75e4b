"""The new-category form: a name, the slug the server files it under, and where it goes in the tree.

The slug is proposed from the name (domain.slug) until the user types one of their own; a proposal
skips slugs already used here ("shirts" taken: "shirts-2"). Checked as you type, with the Create
button off while a problem stands: a name is required, and the slug must be well-formed and not used
by another category of this copy (the server refuses a taken or malformed slug with 400/409, so the
create would only come back REJECTED). A slug taken on the server by a category this copy has not
pulled yet is not known here: that create comes back refused and waits in "Changes that need you".
"""
from __future__ import annotations

from collections.abc import Mapping

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

from synq_desktop.domain.slug import MAX_SLUG_LENGTH, SLUG_PATTERN, is_valid_slug, slugify

SLUG_HINT = "Lowercase letters and digits joined by single hyphens, e.g. mens-shirts."


def category_problem(name: str, slug: str, taken: Mapping[str, str]) -> str | None:
    """What stops a new category with this name and slug, or None. `taken`: slug -> name of the
    category that uses it."""
    if not name.strip():
        return "A category needs a name."
    if not slug:
        return "A category needs a slug. " + SLUG_HINT
    if len(slug) > MAX_SLUG_LENGTH:
        return f"A slug has at most {MAX_SLUG_LENGTH} characters."
    if not is_valid_slug(slug):
        return f"“{slug}” is not a slug. {SLUG_HINT}"
    if slug in taken:
        return f"The slug “{slug}” is already used by the category “{taken[slug]}”."
    return None


def proposed_slug(name: str, taken: Mapping[str, str]) -> str:
    """A free slug made from the name; "" when the name has nothing to make one of."""
    base = slugify(name)
    if base == "item" and "item" not in name.casefold():
        return ""  # slugify's stand-in for a name without ASCII letters or digits: let the user choose
    slug, n = base, 2
    while slug in taken:
        suffix = f"-{n}"
        slug = base[: MAX_SLUG_LENGTH - len(suffix)].rstrip("-") + suffix
        n += 1
    return slug


class NewCategoryDialog(QDialog):
    """`name()` and `slug()` once accepted; the parent is the caller's (`where` names it: "Home › Kitchen")."""

    def __init__(self, where: str, taken: Mapping[str, str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("newCategoryForm")
        self.setWindowTitle("New category")
        self.setMinimumWidth(460)
        self.taken = dict(taken)
        self._proposed = ""  # the slug last proposed: while the slug field holds it, the name drives it
        self.where = QLabel(where)
        self.where.setObjectName("where")
        self.where.setWordWrap(True)
        self.name_edit = QLineEdit()
        self.name_edit.setObjectName("name")
        self.name_edit.setPlaceholderText("e.g. Men's shirts")
        self.slug_edit = QLineEdit()
        self.slug_edit.setObjectName("slug")
        self.slug_edit.setPlaceholderText("made from the name")
        self.slug_edit.setMaxLength(MAX_SLUG_LENGTH + 20)  # room to type past the limit and be told
        self.slug_edit.setToolTip(f"{SLUG_HINT} Pattern: {SLUG_PATTERN}")
        hint = QLabel(SLUG_HINT)
        hint.setObjectName("slugHint")
        hint.setEnabled(False)  # drawn in the palette's dimmed text: a note, not a problem
        self.problems = QLabel()
        self.problems.setObjectName("problems")
        self.problems.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Goes in:", self.where)
        form.addRow("&Name", self.name_edit)
        form.addRow("&Slug", self.slug_edit)
        form.addRow("", hint)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.create_button: QPushButton = buttons.addButton("C&reate", QDialogButtonBox.ButtonRole.AcceptRole)
        self.create_button.setObjectName("createCategory")
        self.create_button.setDefault(True)
        # Enter means Create, and nothing while Create is off: Cancel must never become the default by
        # taking the focus (the button box joins the focus chain before the fields, so it would at show).
        cancel = buttons.button(QDialogButtonBox.StandardButton.Cancel)
        cancel.setAutoDefault(False)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.problems)
        layout.addWidget(buttons)
        self.name_edit.textChanged.connect(self._name_changed)
        self.slug_edit.textChanged.connect(self._check)
        QWidget.setTabOrder(self.name_edit, self.slug_edit)
        QWidget.setTabOrder(self.slug_edit, self.create_button)
        QWidget.setTabOrder(self.create_button, cancel)
        self.name_edit.setFocus()
        self._check()

    def name(self) -> str:
        return self.name_edit.text().strip()

    def slug(self) -> str:
        return self.slug_edit.text().strip()

    def problem(self) -> str | None:
        return category_problem(self.name_edit.text(), self.slug(), self.taken)

    def _name_changed(self, text: str) -> None:
        if self.slug() in ("", self._proposed):  # the user has not typed a slug of their own
            self._proposed = proposed_slug(text, self.taken) if text.strip() else ""
            self.slug_edit.setText(self._proposed)
        self._check()

    def _check(self) -> None:
        problem = self.problem()
        # Nothing typed yet is not an error worth a red line: the disabled button says enough.
        untouched = not self.name_edit.text() and not self.slug_edit.text()
        self.problems.setText(f"✖ {problem}" if problem and not untouched else "")
        self.create_button.setEnabled(problem is None)

    def accept(self) -> None:
        if self.problem() is None:
            super().accept()
