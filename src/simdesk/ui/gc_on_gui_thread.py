"""Python's cyclic garbage collector runs on the GUI thread only.

Automatic collection runs in whichever thread happens to allocate when a threshold is crossed.
With work in pool and store threads, that can be a worker, and a Qt widget that ended up in a
reference cycle (a closed dialog holding a lambda that holds it) is then destroyed off the GUI
thread: a segmentation fault ("Garbage-collecting" in a worker's stack, seen in the test suite).
So, as Anki does, automatic collection is turned off once a window exists and a timer on the
GUI thread collects instead: the young generations often (cheap), everything now and then.
Reference counting still frees everything that is not in a cycle at once.

A collection holds the GIL and the GUI thread: a full one takes 50-300 ms on 2 cores. While a
reply streams, that is a pause in the reply (the model thread cannot pass tokens on either) and
a core taken from the model. So the collector waits while any :func:`postpone_while` condition
holds (a reply streaming), at most ``MAX_POSTPONED`` ticks in a row, and collects at the next
tick after it.
"""

from __future__ import annotations

import gc
import weakref
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication, QObject, QTimer

YOUNG_EVERY_MS = 1_000
FULL_EVERY = 60  # young collections between two full ones
MAX_POSTPONED = 30  # ticks a collection may wait for a reply to end (then it runs anyway)


class _Collector(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.ticks = 0
        self.postponed = 0  # ticks in a row skipped because a condition held
        self.full_due = False
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.collect)
        self.timer.start(YOUNG_EVERY_MS)

    def collect(self) -> None:
        self.ticks += 1
        self.full_due = self.full_due or self.ticks % FULL_EVERY == 0
        if self.postponed < MAX_POSTPONED and _waiting():
            self.postponed += 1
            return
        self.postponed = 0
        if self.full_due:
            self.full_due = False
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


_conditions: list[weakref.WeakMethod] = []


def postpone_while(condition: Callable[[], bool]) -> None:
    """Collect only when ``condition()`` is false. ``condition`` is a bound method, held weakly:
    it goes with its object."""
    _conditions.append(weakref.WeakMethod(condition))


def _waiting() -> bool:
    _conditions[:] = [ref for ref in _conditions if ref() is not None]
    return any(ref()() for ref in _conditions)
