"""Keep None, True and False alive under a Qt binding that loses references to them.

PySide6-Essentials / shiboken6 6.12.0 on CPython 3.11 returns ``None`` from every wrapped
method that returns nothing (``setText``, ``setEnabled``, ``QTimer.start``, ...) and ``True``
from ``SignalInstance.emit`` without taking a reference for the caller: each such call takes
one reference from ``None`` (or ``True``) for good. On CPython 3.12+ these objects are
immortal and nothing happens; on 3.11 the count reaches zero after a few thousand calls more
than the process holds, and the interpreter aborts (``Fatal Python error: none_dealloc``), as
a GUI benchmark of 80 questions did at exit. 6.11.3 loses none.

No way of calling Qt avoids it (every void method loses one), so where the loss is measured
the three objects are given what CPython 3.12 gives them: a count that no run can use up.
"""

from __future__ import annotations

import ctypes
import gc
import sys

from PySide6.QtCore import QObject, Signal

# What is added to each object's count: 2**40 (1.1e12) references, lost at one per Qt call,
# last 35 years at a thousand calls a second.
HOLD = 1 << 40

_held = False


class _Probe(QObject):
    fired = Signal(object)


def drift(calls: int = 200) -> dict[str, float]:
    """References lost per call: ``none`` by a method that returns nothing
    (``QObject.setObjectName``), ``true`` by ``Signal.emit``. 0.0 where the binding is sound."""
    probe = _Probe()
    probe.fired.connect(lambda _value: None)
    gc.collect()
    none, true = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(calls):
        probe.setObjectName("probe")
    none_after = sys.getrefcount(None)
    for _ in range(calls):
        probe.fired.emit(1)
    true_after = sys.getrefcount(True)
    return {"none": (none_after - none) / calls, "true": (true_after - true) / calls}


def keep_singletons_alive() -> bool:
    """Where this interpreter can free None/True/False (CPython before 3.12) and the binding
    loses references to them (measured by :func:`drift`), give each :data:`HOLD` more
    references, as CPython 3.12 makes them immortal. Once per process; says whether it did."""
    global _held
    if _held:
        return True
    if sys.implementation.name != "cpython" or sys.version_info >= (3, 12):
        return False
    lost = drift()
    if lost["none"] > -0.5 and lost["true"] > -0.5:
        return False
    for obj in (None, True, False):
        # ob_refcnt is the object's first field (a Py_ssize_t) on CPython 3.11 and before.
        count = ctypes.c_ssize_t.from_address(id(obj))
        count.value += HOLD
    _held = True
    return True
