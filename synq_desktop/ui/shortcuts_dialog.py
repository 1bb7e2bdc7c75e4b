"""Help › Keyboard shortcuts (F1): every command of the window with its keys, read from the actions
themselves (so the list cannot drift from what the keys do), plus the keys the grids and the tree
handle inside (typing, F2, Tab, arrows) that belong to no menu."""
from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QVBoxLayout, QWidget

from synq_desktop.ui.pick_list_table import PickListTable

HEADERS = ("Command", "Keys")
IN_GRID_KEYS = (
    ("Edit the current cell", "F2, or start typing"),
    ("Move between cells", "Arrows; Tab and Shift+Tab while editing"),
    ("Move between search, tree, products and variants", "Tab, Shift+Tab"),
    ("Rename the current category or brand", "F2"),
    ("Open the brand form for the current brand", "Enter"),
    ("Menus", "Alt, or Alt with the underlined letter"),
)


def command_text(action: QAction) -> str:
    """The action's name: its data when that is a name (undo's text names the step to undo), else the
    menu text without its mnemonic marker, its shown key or its trailing ellipsis."""
    if isinstance(action.data(), str) and action.data():
        return str(action.data())
    return action.text().split("\t")[0].replace("&&", "\0").replace("&", "").replace("\0", "&").rstrip("…")


def keys_of(action: QAction) -> str:
    """The action's keys as the user reads them (native text), the first two (redo also answers to the
    platform's rarer spellings); a menu twin's key after its tab."""
    bound = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts()[:2]]
    if bound:
        return ", ".join(bound)
    _, _, shown = action.text().partition("\t")
    return shown


def shortcut_rows(actions: Iterable[QAction]) -> list[tuple[str, str]]:
    """(command, keys) for each action that has keys, in the order given, each command once."""
    rows: dict[str, str] = {}
    for action in actions:
        keys = keys_of(action)
        if keys and command_text(action) not in rows:
            rows[command_text(action)] = keys
    return list(rows.items())


class KeyboardShortcutsDialog(QDialog):
    def __init__(self, actions: Iterable[QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("keyboardShortcuts")
        self.setWindowTitle("Keyboard shortcuts")
        self.resize(620, 680)
        self.rows = shortcut_rows(actions) + list(IN_GRID_KEYS)
        self.table = PickListTable(HEADERS, "shortcutTable", self)
        self.table.set_rows([(row, None) for row in self.rows])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        layout.addWidget(buttons)
