"""Start-up time: launch ``simdesk`` offscreen until its main window is shown.

Compared in the same run with a bare baseline: a fresh Python that makes a ``QApplication`` and
shows an empty ``QMainWindow``. Both are timed from the parent's ``Popen`` to the child's "shown"
line (interpreter start included), alternating runs so machine load hits both alike. Target: the
window is visible within 1.5 s on a 2-core laptop while the model loads in the background.

    python benchmarks/startup_bench.py [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from simdesk.ui.app import PROBE_LINE

TARGET_S = 1.5
# The same "shown" test as simdesk's probe: the first Expose of the window.
BASELINE = f"""
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
class Probe(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Expose and watched.isExposed():
            watched.removeEventFilter(self)
            print({PROBE_LINE!r}, flush=True)
            QTimer.singleShot(0, app.quit)
        return False
app = QApplication([])
window = QMainWindow()
window.resize(1280, 720)
probe = Probe()
window.show()
window.windowHandle().installEventFilter(probe)
app.exec()
"""


def simdesk_command() -> list[str]:
    script = Path(sys.executable).with_name("simdesk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "simdesk.cli"]


def time_to_line(command: list[str], env: dict[str, str], timeout: float = 60.0) -> float:
    """Seconds from launch until the child prints the probe line."""
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    try:
        for line in child.stdout:
            if line.strip() == PROBE_LINE:
                return time.perf_counter() - started
            if time.perf_counter() - started > timeout:
                break
        raise RuntimeError(f"{command[0]} never reported its window shown")
    finally:
        child.wait(timeout)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "SIMDESK_HOME": home,
               "SIMDESK_STARTUP_PROBE": "1"}  # fmt: skip
        runs: dict[str, list[float]] = {"baseline": [], "simdesk": []}
        time_to_line(simdesk_command(), env)  # first run: assemble the model, warm the disk cache
        for _ in range(args.runs):
            runs["baseline"].append(time_to_line([sys.executable, "-c", BASELINE], env))
            runs["simdesk"].append(time_to_line(simdesk_command(), env))
    base = statistics.median(runs["baseline"])
    print(f"{'launch until window shown':<34}{'median s':>10}{'min s':>8}{'max s':>8}{'x base':>8}")
    for name, label in (("baseline", "bare QApplication + QMainWindow"), ("simdesk", "simdesk")):
        values = runs[name]
        median = statistics.median(values)
        print(f"{label:<34}{median:>10.2f}{min(values):>8.2f}{max(values):>8.2f}"
              f"{median / base:>8.2f}")  # fmt: skip
    simdesk = statistics.median(runs["simdesk"])
    verdict = "meets" if simdesk <= TARGET_S else "MISSES"
    print(f"simdesk {verdict} the {TARGET_S} s target (median {simdesk:.2f} s, "
          f"{simdesk - base:+.2f} s over the bare window).")  # fmt: skip
    return 0 if simdesk <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())
