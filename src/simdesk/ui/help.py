"""Offline help: a short guide per screen (F1), the keyboard shortcuts and a first-run tour.

The texts are Markdown files in ``simdesk/ui/help/`` inside the package, read when asked for.
"""

from __future__ import annotations

from importlib import resources

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
)

TOPICS = {"cases": "The case library", "encounter": "The encounter", "debrief": "The debrief",
          "progress": "Your progress", "settings": "Settings",
          "instructor": "Instructor screens", "shortcuts": "Keyboard shortcuts"}  # fmt: skip


def help_text(topic: str) -> str:
    """The Markdown guide for ``topic`` (a key of :data:`TOPICS`)."""
    return resources.files("simdesk.ui").joinpath("help", f"{topic}.md").read_text("utf-8")


def tour_steps() -> list[str]:
    return [step.strip() for step in help_text("tour").split("\n---\n")]


class HelpDialog(QDialog):
    """One guide, with links to the others."""

    def __init__(self, topic: str, parent=None) -> None:
        super().__init__(parent)
        self.resize(620, 520)
        layout = QVBoxLayout(self)
        self.browser = QTextBrowser()
        self.browser.setObjectName("helpText")
        self.browser.setOpenLinks(False)
        self.browser.anchorClicked.connect(lambda url: self.show_topic(url.toString()))
        layout.addWidget(self.browser, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Other guides:"))
        for key, title in TOPICS.items():
            button = QPushButton(title)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, k=key: self.show_topic(k))
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.show_topic(topic)

    def show_topic(self, topic: str) -> None:
        self.topic = topic if topic in TOPICS else "cases"
        self.setWindowTitle(f"Help - {TOPICS[self.topic]}")
        self.browser.setMarkdown(help_text(self.topic))


class TourDialog(QDialog):
    """The first-run tour: a few pages, Back/Next, and Skip at any point."""

    finished_tour = Signal(bool)  # True when read to the end, False when skipped

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Welcome to simdesk")
        self.resize(560, 340)
        self.steps = tour_steps()
        self.index = 0
        layout = QVBoxLayout(self)
        self.text = QTextBrowser()
        self.text.setObjectName("tourText")
        layout.addWidget(self.text, 1)
        self.counter = QLabel()
        row = QHBoxLayout()
        row.addWidget(self.counter, 1)
        self.skip_button = QPushButton("Skip the tour")
        self.skip_button.clicked.connect(self.skip)
        self.back_button = QPushButton("Back")
        self.back_button.clicked.connect(lambda: self.go(self.index - 1))
        self.next_button = QPushButton("Next")
        self.next_button.setDefault(True)
        self.next_button.clicked.connect(self._next)
        for button in (self.skip_button, self.back_button, self.next_button):
            row.addWidget(button)
        layout.addLayout(row)
        self.go(0)

    def go(self, index: int) -> None:
        self.index = max(0, min(index, len(self.steps) - 1))
        self.text.setMarkdown(self.steps[self.index])
        self.counter.setText(f"{self.index + 1} of {len(self.steps)}")
        self.back_button.setEnabled(self.index > 0)
        last = self.index == len(self.steps) - 1
        self.next_button.setText("Start" if last else "Next")

    def _next(self) -> None:
        if self.index == len(self.steps) - 1:
            self.finished_tour.emit(True)
            self.accept()
        else:
            self.go(self.index + 1)

    def skip(self) -> None:
        self.reject()

    def reject(self) -> None:
        """Skip, Esc or the window's close button: the tour is over, and not offered again."""
        self.finished_tour.emit(False)
        super().reject()
