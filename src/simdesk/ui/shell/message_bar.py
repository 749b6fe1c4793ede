"""The one place errors are shown, across the top of the page."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QWidget


class MessageBar(QWidget):
    """The one place errors are shown: what went wrong and what to do, with a close button."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        self.label = QLabel()
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        row.addWidget(close)
        self.setStyleSheet("MessageBar { background: #fdecea; } QLabel { color: #611a15; }"
                           "QPushButton { color: #611a15; background: #ffffff; }")  # fmt: skip
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.place()
        self.show()
        self.raise_()

    def place(self) -> None:
        """Lie across the top of the page, under the navigation bar."""
        anchor = self.parentWidget().findChild(QWidget, "navigation")
        top = anchor.geometry().bottom() + 1 if anchor is not None else 0
        width = self.parentWidget().width()
        self.setFixedWidth(width)
        self.move(0, top)
        self.adjustSize()
