"""Inline cell editors that check the value as you type.

The editor is a line edit (keyboard first: type, Tab, type); choice and lookup columns get a
completer over the allowed names. On every keystroke the model's validator runs (the domain rules of
synq_desktop.domain.validation); a problem turns the editor's frame red and shows the sentence in
its tooltip and through `message`, so the status bar can say it too. Nothing blocks saving a draft:
the server accepts data-quality problems and lists them in /validation.
"""
from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import QCompleter, QLineEdit, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from synq_desktop.ui.item_roles import EDIT

# (column number, text) -> problem or None; choices(column) -> names a completer offers
Validator = Callable[[int, str], str | None]
Choices = Callable[[int], list[str]]

PROBLEM_STYLE = "QLineEdit { border: 2px solid #d33; }"


class ValidatingDelegate(QStyledItemDelegate):
    message = Signal(str)  # the current editor's problem ("" when it is fine)

    def __init__(self, validator: Validator, choices: Choices, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._validator = validator
        self._choices = choices

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        editor = QLineEdit(parent)
        editor.setObjectName("cellEditor")
        editor.setFrame(False)
        names = self._choices(index.column())
        if names:
            completer = QCompleter(names, editor)
            completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
            completer.setFilterMode(Qt.MatchFlag.MatchContains)
            editor.setCompleter(completer)
        column = index.column()
        editor.textEdited.connect(lambda text, e=editor, c=column: self._check(e, c, text))
        return editor

    def _check(self, editor: QLineEdit, column: int, text: str) -> None:
        problem = self._validator(column, text) or ""
        editor.setStyleSheet(PROBLEM_STYLE if problem else "")
        editor.setToolTip(problem)
        editor.setProperty("problem", problem)
        self.message.emit(problem)

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        value = index.data(EDIT)
        editor.setText("" if value is None else str(value))
        editor.selectAll()

    def setModelData(self, editor: QWidget, model: QAbstractItemModel,
                     index: QModelIndex | QPersistentModelIndex) -> None:
        assert isinstance(editor, QLineEdit)
        model.setData(index, editor.text(), EDIT)
        self.message.emit("")
