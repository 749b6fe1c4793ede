"""Background work yields to the model's replies.

On a 2-core machine the model's process decodes on both cores. Anything else that runs while a
reply is generated takes a core from it (llama.cpp's threads wait for each other at every layer,
so one core taken slows the whole step) and, in this process, takes the GIL from the thread that
passes the model's tokens on and the one that paints them. Work that nobody waits for yet (the
terminology index that judging the diagnosis needs at the end) calls :func:`pause_for_replies`
between small steps: it returns at once when no reply is being generated, and waits while one is.

The model backend marks each request it serves with :func:`replying`.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator

# A reply that takes longer than this is stuck or very long: background work goes on anyway.
MAX_PAUSE_S = 30.0

_changed = threading.Condition()
_in_flight = 0


@contextlib.contextmanager
def replying() -> Iterator[None]:
    """Mark a model request in flight (the backend, from taking it up to its last event)."""
    global _in_flight
    with _changed:
        _in_flight += 1
    try:
        yield
    finally:
        with _changed:
            _in_flight -= 1
            if not _in_flight:
                _changed.notify_all()


def replies_in_flight() -> int:
    return _in_flight


def pause_for_replies(
    unless: Callable[[], bool] = lambda: False, timeout: float = MAX_PAUSE_S
) -> float:
    """Wait while a model reply is being generated, at most ``timeout`` and only until
    ``unless()`` holds (checked again whenever :func:`wake` is called); the seconds waited."""
    if not _in_flight or unless():  # the usual case, and cheap: called between small steps
        return 0.0
    started = time.monotonic()
    with _changed:
        _changed.wait_for(lambda: not _in_flight or unless(), timeout)
    return time.monotonic() - started


def wake() -> None:
    """Have paused work check its ``unless`` again (somebody now waits for its result)."""
    with _changed:
        _changed.notify_all()
