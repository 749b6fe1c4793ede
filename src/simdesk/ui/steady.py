"""A label whose new text repaints the label and nothing else.

``QLabel.setText`` calls ``updateGeometry``: the layout the label sits in is invalidated, and
when it is laid out again it invalidates the one above it, up to the window (every layout
recomputes its children's geometry; the main window's own layout even makes and drops an
animation object each time). On the encounter page the status line changes three times
between a question and the first words of the reply (answering, reading, first token) and the
clock once: that was 3-4 relayouts of the whole window per question, while the model, which
needs both cores of a small laptop, was reading the prompt.

:class:`Steady` holds such a label at a size that does not follow its text: the label is its
only child and is placed by hand, not by a layout, so the label's ``updateGeometry`` stops at
the holder (a ``LayoutRequest`` event to a widget without a layout, which does nothing). The
holder asks for room for ``lines`` lines of the label's font (and ``width_text``'s width, for
a label that does not wrap); a text that needs more grows it (the one time a relayout happens),
so no text is ever cut off.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget


class Steady(QWidget):
    """Holds ``label`` at a steady size: its text changes repaint it without a relayout."""

    def __init__(self, label: QLabel, *, lines: int, width_text: str = "", parent=None) -> None:
        super().__init__(parent)
        self.label = label
        self.lines = lines
        self.width_text = width_text
        label.setParent(self)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        # Opaque: a new text paints the holder and its label, not every widget behind them up to
        # the window (7 paint events for each change of the status line before).
        self.setAutoFillBackground(True)
        self.relayouts = 0  # times a text needed more room (tests read it)

    def _need(self, width: int) -> QSize:
        """The room the label's current text needs at ``width``."""
        label = self.label
        metrics = label.fontMetrics()
        height = self.lines * metrics.lineSpacing() + 4
        room_width = metrics.horizontalAdvance(self.width_text) + 8 if self.width_text else 0
        if label.wordWrap():
            text_height = label.heightForWidth(width) if width > 0 else -1
            return QSize(room_width, max(height, text_height))
        hint = label.sizeHint()
        return QSize(max(room_width, label.minimumSizeHint().width()), max(height, hint.height()))

    def sizeHint(self) -> QSize:
        return self._need(self.width())

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def resizeEvent(self, event) -> None:
        self.label.setGeometry(self.rect())
        super().resizeEvent(event)
        self._grow_if_needed()

    def _grow_if_needed(self) -> None:
        need = self._need(self.width())
        if need.height() > self.height() or need.width() > self.width():
            self.relayouts += 1
            self.updateGeometry()  # the page lays itself out once more

    def event(self, event) -> bool:
        # The label's text changed (its updateGeometry posts this to a parent with no layout).
        if event.type() == QEvent.Type.LayoutRequest:
            self._grow_if_needed()
            return True
        return super().event(event)
