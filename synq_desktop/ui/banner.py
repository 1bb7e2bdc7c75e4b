"""A message strip across the top of the window for states the user must act on (an expired
sign-in): it stays until the cause is gone, unlike a status-bar message."""
from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget


class Banner(QFrame):
    action = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#banner { background: palette(highlight); }"
                           "#banner QLabel { color: palette(highlighted-text); font-weight: bold; }")
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.button = QPushButton(self)
        self.button.setObjectName("bannerAction")
        self.button.clicked.connect(self.action)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.button)
        self.hide()

    def show_message(self, text: str, action_text: str) -> None:
        self.text.setText(text)
        self.button.setText(action_text)
        self.show()
