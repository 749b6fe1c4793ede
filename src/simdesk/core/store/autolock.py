"""Auto-lock after idle minutes: a policy the UI feeds with activity and polls with a timer."""

from __future__ import annotations

import time
from collections.abc import Callable


class IdleLock:
    """Tracks the last activity; :attr:`expired` once ``idle_minutes`` pass without any.

    ``idle_minutes <= 0`` turns auto-lock off. The clock is monotonic, so changing the system
    time neither locks nor keeps a profile open.
    """

    def __init__(self, idle_minutes: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.idle_seconds = idle_minutes * 60.0
        self.clock = clock
        self.last_activity = clock()

    def touch(self) -> None:
        """Record activity (a key press, a click, a reply arriving)."""
        self.last_activity = self.clock()

    def seconds_left(self) -> float:
        if self.idle_seconds <= 0:
            return float("inf")
        return max(0.0, self.last_activity + self.idle_seconds - self.clock())

    @property
    def expired(self) -> bool:
        return self.seconds_left() == 0.0
