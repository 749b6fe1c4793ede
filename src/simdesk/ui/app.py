"""Start the desktop app."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from simdesk.ui.main_window import MainWindow


def run_gui(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("simdesk")
    window = MainWindow()
    window.show()
    QTimer.singleShot(0, window.ask_for_profile)
    return app.exec()
