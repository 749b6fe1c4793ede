"""A label held steady (simdesk.ui.steady): a new text repaints it, and a text that needs more
room than it has still grows it, so nothing is cut off."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QLabel, QVBoxLayout, QWidget

from simdesk.ui.steady import Steady


def test_short_texts_repaint_and_a_long_one_grows_the_holder(qtbot):
    window = QWidget()
    qtbot.addWidget(window)
    column = QVBoxLayout(window)
    label = QLabel("ready")
    label.setWordWrap(True)
    holder = Steady(label, lines=2)
    column.addWidget(holder)
    column.addWidget(QLabel("below"))
    window.resize(300, 200)
    window.show()
    qtbot.waitExposed(window)
    for _ in range(5):
        QApplication.processEvents()
    requests: list[int] = []
    painted: list[int] = []  # paint events of the window behind the label

    class Spy(QObject):
        def eventFilter(self, _watched, event) -> bool:
            if event.type() == QEvent.Type.LayoutRequest:
                requests.append(1)
            elif event.type() == QEvent.Type.Paint:
                painted.append(1)
            return False

    spy = Spy()
    window.installEventFilter(spy)
    two_lines = holder.height()
    for text in ("answering…", "answering… (reading the conversation)", "answering… (Esc stops)"):
        label.setText(text)
        QApplication.processEvents()
    assert requests == [] and holder.relayouts == 0 and holder.height() == two_lines
    assert painted == []  # the holder is opaque: only it and its label are painted
    label.setText("a long message " * 12)  # five or six lines at 300 px: the holder grows
    qtbot.waitUntil(lambda: holder.height() > two_lines, timeout=2_000)
    assert holder.relayouts >= 1 and requests
    assert label.heightForWidth(label.width()) <= label.height()  # all of it shown
    window.removeEventFilter(spy)
