"""Start the desktop app: the window first, everything slow after it is on screen.

``SIMDESK_STARTUP_PROBE=1`` makes the app print ``simdesk-window-shown`` once the main window
is exposed and then quit: how ``benchmarks/startup_bench.py`` times a real launch.
"""

from __future__ import annotations

import os
import sys

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

PROBE_LINE = "simdesk-window-shown"


class _ShownProbe(QObject):
    """Prints the probe line when the window is first exposed, then quits."""

    def eventFilter(self, watched, event) -> bool:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.Expose and watched.isExposed():
            watched.removeEventFilter(self)
            print(PROBE_LINE, flush=True)
            QTimer.singleShot(0, QApplication.instance().quit)
        return False


def run_gui(argv: list[str] | None = None) -> int:
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("simdesk")
    from simdesk.ui.main_window import MainWindow

    window = MainWindow()
    if os.environ.get("SIMDESK_STARTUP_PROBE"):
        probe = _ShownProbe(app)
        window.show()
        window.windowHandle().installEventFilter(probe)
    else:
        window.show()
        QTimer.singleShot(0, window.ask_for_profile)
    code = app.exec()
    window.close()
    return code
