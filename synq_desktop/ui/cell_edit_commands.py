"""Undoable edits of grid cells: one command per typed cell, paste, fill down or drop.

A command holds the new and the old value of every cell it touches; redo applies the new values as
one batch, undo applies the old ones as one batch. So a 1,000-row paste is one store batch and one
step on the undo stack, and undoing it is one batch again.
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from PySide6.QtGui import QUndoCommand

from synq_desktop.ui.catalog_source import FieldChange


class EditableModel(Protocol):
    def apply_changes(self, changes: Sequence[FieldChange]) -> None: ...


class CellEditCommand(QUndoCommand):
    def __init__(self, model: EditableModel, changes: Sequence[tuple[FieldChange, object]], text: str) -> None:
        count = len(changes)
        super().__init__(text if count == 1 else f"{text} ({count} cells)")
        self.model = model
        self.new = [change for change, _old in changes]
        self.old = [FieldChange(change.id, change.field, old) for change, old in changes]

    def redo(self) -> None:
        self.model.apply_changes(self.new)

    def undo(self) -> None:
        self.model.apply_changes(self.old)
