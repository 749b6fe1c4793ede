"""Python's cyclic garbage collector runs on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate when a threshold is crossed.
With work in pool and store threads, that can be a worker, and a Qt widget that ended up in a
reference cycle (a closed dialog holding a lambda that holds it) is then destroyed off the GUI
thread: a segmentation fault ("Garbage-collecting" in a worker's stack, seen in the test suite).
So, as Anki does, automatic collection is turned off once a window exists and a timer on the
GUI thread collects instead: the young generations often (cheap), everything now and then.
Reference counting still frees everything that is not in a cycle at once.
"""

from __future__ import annotations

import gc

from PySide6.QtCore import QCoreApplication, QObject, QTimer

YOUNG_EVERY_MS = 1_000
FULL_EVERY = 60  # young collections between two full ones


class _Collector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.ticks = 0
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(YOUNG_EVERY_MS)

    def collect(self) -> None:
        self.ticks += 1
        if self.ticks % FULL_EVERY == 0:
            gc.collect()
        else:
            gc.collect(1)


def install() -> None:
    """Turn automatic collection off and collect on the GUI thread (once per application)."""
    app = QCoreApplication.instance()
    if app is None or app.findChild(_Collector) is not None:
        return
    gc.collect()  # what is garbage now goes here, on the GUI thread
    gc.disable()
    _Collector(app)
    app.aboutToQuit.connect(gc.enable)
