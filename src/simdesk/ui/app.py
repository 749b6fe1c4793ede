"""Start the desktop app: the window first, everything slow after it is on screen.

``SIMDESK_STARTUP_PROBE=1`` makes the app print ``simdesk-window-shown`` once the main window
is exposed and then quit: how ``benchmarks/startup_bench.py`` times a real launch. With
``SIMDESK_SCREENSHOT=FILE.png`` as well, it first waits ``SIMDESK_SCREENSHOT_DELAY`` seconds
(default 3) and until the sign-in dialog of a normal start is open, and saves a picture of
the window with the dialog (how CI checks the bundle).
"""

from __future__ import annotations

import os
import re
import sys

from PySide6.QtCore import QObject, QTimer
from PySide6.QtWidgets import QApplication

PROBE_LINE = "simdesk-window-shown"
SCREENSHOT_WAIT_S = 60  # at most, for the sign-in dialog (a first start creates the device key)

# What Qt 6's X11 plugin needs beyond a basic X desktop, as Debian/Ubuntu packages.
QT_X11_PACKAGES = (
    "libxcb-cursor0", "libxcb-icccm4", "libxcb-keysyms1", "libxcb-image0", "libxcb-render-util0",
    "libxkbcommon-x11-0",
)  # fmt: skip


class _ShownProbe(QObject):
    """Prints the probe line when the window is first exposed, then quits (after a screenshot
    if ``SIMDESK_SCREENSHOT`` names a file)."""

    def __init__(self, parent, window) -> None:
        super().__init__(parent)
        self.window = window
        self._waited = 0.0

    def eventFilter(self, watched, event) -> bool:
        from PySide6.QtCore import QEvent

        if event.type() == QEvent.Type.Expose and watched.isExposed():
            watched.removeEventFilter(self)
            print(PROBE_LINE, flush=True)
            if os.environ.get("SIMDESK_SCREENSHOT"):
                delay = float(os.environ.get("SIMDESK_SCREENSHOT_DELAY", "3"))
                QTimer.singleShot(int(delay * 1000), self._screenshot)
            else:
                QTimer.singleShot(0, QApplication.instance().quit)
        return False

    def _screenshot(self) -> None:
        """The main window with any dialog it opened drawn where it stands (as on screen)."""
        from PySide6.QtCore import QPoint
        from PySide6.QtGui import QPainter

        target = os.environ["SIMDESK_SCREENSHOT"]
        dialogs = [top for top in QApplication.topLevelWidgets()
                   if top is not self.window and top.isVisible()]  # fmt: skip
        if not dialogs and self._waited < SCREENSHOT_WAIT_S:  # the sign-in dialog is coming
            self._waited += 0.25
            QTimer.singleShot(250, self._screenshot)
            return
        picture = self.window.grab()
        painter = QPainter(picture)
        origin = self.window.mapToGlobal(QPoint(0, 0))
        for top in dialogs:
            painter.drawPixmap(top.mapToGlobal(QPoint(0, 0)) - origin, top.grab())
        painter.end()
        if not picture.save(target):
            print(f"simdesk: could not save the screenshot {target}", file=sys.stderr)
        QApplication.instance().quit()


def missing_display_library() -> str | None:
    """Why Qt's X11 plugin cannot load here, with the fix; None when nothing is missing.

    Qt's X11 plugin needs a few xcb libraries that many desktops lack; without this check Qt
    aborts with a message that does not say what to install.
    """
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM", "xcb") != "xcb":
        return None
    if not os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    import ctypes
    from ctypes.util import find_library
    from pathlib import Path

    import PySide6

    missing = [] if find_library("xcb-cursor") else ["libxcb-cursor.so.0"]  # loaded on demand
    try:
        ctypes.CDLL(str(Path(PySide6.__file__).parent / "Qt" / "lib" / "libQt6XcbQpa.so.6"))
    except OSError as exc:
        missing += re.findall(r"(lib[\w.+-]+\.so[.\d]*): cannot open", str(exc))
    if not missing:
        return None
    packages = " ".join(dict.fromkeys([*map(debian_package, missing), *QT_X11_PACKAGES]))
    return (
        f"simdesk cannot open its window: the X11 library {missing[0]} is not installed.\n"
        f"Install the X11 libraries Qt needs (Debian/Ubuntu: sudo apt-get install {packages}) "
        "and start simdesk again."
    )


def debian_package(soname: str) -> str:
    """The usual Debian package of a shared library: libxcb-icccm.so.4 -> libxcb-icccm4."""
    stem, _, version = soname.partition(".so")
    version = version.strip(".").split(".")[0]
    return f"{stem}{'-' if stem[-1].isdigit() else ''}{version}"


def show_fitted(window) -> None:
    """Show the window whole: maximised when its usual size and the window manager's frame
    would not fit the screen (a 1366x768 laptop), else at its usual size."""
    screen = window.screen().availableGeometry()
    frame = 60  # a title bar and borders, at most
    if window.width() > screen.width() - frame or window.height() > screen.height() - frame:
        window.showMaximized()
    else:
        window.show()


def run_gui(argv: list[str] | None = None) -> int:
    problem = None if QApplication.instance() else missing_display_library()
    if problem:
        print(problem, file=sys.stderr)
        return 3
    app = QApplication.instance() or QApplication(argv if argv is not None else sys.argv)
    app.setApplicationName("simdesk")
    from simdesk.ui.main_window import MainWindow

    window = MainWindow()
    if os.environ.get("SIMDESK_STARTUP_PROBE"):
        probe = _ShownProbe(app, window)
        window.show()
        window.windowHandle().installEventFilter(probe)
        if os.environ.get("SIMDESK_SCREENSHOT"):  # show what a first start shows
            QTimer.singleShot(0, window.ask_for_profile)
    else:
        show_fitted(window)
        QTimer.singleShot(0, window.ask_for_profile)
    code = app.exec()
    window.close()
    return code
