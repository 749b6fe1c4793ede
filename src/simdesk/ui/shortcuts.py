"""A page's own shortcut keys win over the editing keys of the text boxes on it.

A text box may claim a key before any shortcut sees it (Qt's ShortcutOverride). On X11, Qt's
line and text edits claim the emacs keys of its X11 key bindings: Ctrl+E (end of line) and
Ctrl+K (delete to the end of the line). So on Linux the encounter's Ctrl+E (Examine) and Ctrl+K
(the question box) did nothing while the question box had the focus - nearly always - and the
next thing typed ("obs") went to the patient. The offscreen platform the tests use has other
key bindings, which is why no test saw it.

:func:`keep_page_keys` hands the page's keys back to the page from every text box on it
(an event filter on each box: cheap, nothing else passes through Python).
"""

from __future__ import annotations

from collections.abc import Iterable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

TEXT_BOXES = (QLineEdit, QTextEdit, QPlainTextEdit, QAbstractSpinBox)


class PageKeys(QObject):
    """Ignores a text box's claim (ShortcutOverride) on the page's keys, so the page's shortcut
    fires; every other key is the box's as before."""

    def __init__(self, page: QWidget, keys: Iterable[str | QKeySequence]) -> None:
        super().__init__(page)
        self.keys = frozenset(QKeySequence(k).toString() for k in keys)
        self.watched: list[QWidget] = []
        for kind in TEXT_BOXES:
            for box in page.findChildren(kind):
                if box not in self.watched:
                    box.installEventFilter(self)
                    self.watched.append(box)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt's name)
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and isinstance(event, QKeyEvent)
            and QKeySequence(event.keyCombination()).toString() in self.keys
        ):
            event.ignore()  # not the box's: the shortcut map runs the page's shortcut
            return True
        return False


def keep_page_keys(page: QWidget, keys: Iterable[str | QKeySequence]) -> PageKeys:
    """Make ``keys`` (the page's shortcuts) reach the page from every text box now on it."""
    return PageKeys(page, keys)
