"""A new user's first session in a real X11 window, driven from outside as a person would.

Xvfb (1366x768) + openbox + xdotool: the real app (real model, real encrypted profile in a
fresh SIMDESK_HOME) is set up, signed in to, played in exam mode, locked mid-exam, signed in to
again and resumed, diagnosed, debriefed; F1 help, Progress and Settings are opened; the window
is closed with Alt+F4. Screenshots go to ``artifacts/x11/`` (look at them). At the end the
encrypted store is read back to check that nothing was lost and the exam was not restarted.

    python scripts/x11_first_session.py            # needs Xvfb, openbox, xdotool
Exit status 0 when every check passed; each failed check is printed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "artifacts" / "x11"
WIDTH, HEIGHT = 1366, 768
DISPLAY = ":57"
NAME, PASSPHRASE = "Amina K.", "a quiet river at dawn"
GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
sys.exit(0 if app.primaryScreen().grabWindow(0).save(sys.argv[1]) else 1)
"""


class Session:
    def __init__(self, home: Path) -> None:
        self.env = {**os.environ, "DISPLAY": DISPLAY, "SIMDESK_HOME": str(home),
                    "PYTHONPATH": str(ROOT / "src"), "QT_QPA_PLATFORM": "xcb"}  # fmt: skip
        self.env.pop("QT_QPA_PLATFORM_PLUGIN_PATH", None)
        self.problems: list[str] = []
        self.shots = 0
        self.procs: list[subprocess.Popen] = []
        self.marks: dict[str, float] = {}

    # -- processes --------------------------------------------------------------------------

    def start(self, *command: str, **options) -> subprocess.Popen:
        proc = subprocess.Popen(command, env=self.env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, **options)  # fmt: skip
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()

    # -- the user's hands and eyes ----------------------------------------------------------

    def xdo(self, *args: str) -> str:
        result = subprocess.run(["xdotool", *args], env=self.env, capture_output=True,
                                text=True, timeout=30)  # fmt: skip
        return result.stdout.strip()

    def key(self, *keys: str, pause: float = 0.4) -> None:
        for k in keys:
            self.xdo("key", "--clearmodifiers", k)
            time.sleep(0.15)
        time.sleep(pause)

    def type(self, text: str, pause: float = 0.4) -> None:
        self.xdo("type", "--delay", "40", text)
        time.sleep(pause)

    def window(self, title: str, timeout: float = 60) -> str | None:
        """Wait for a visible window whose title contains ``title``; its id, or None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            found = self.xdo("search", "--onlyvisible", "--name", title).split()
            if found:
                return found[-1]
            time.sleep(0.5)
        return None

    def expect_window(self, title: str, timeout: float = 60) -> str | None:
        wid = self.window(title, timeout)
        if wid is None:
            self.problems.append(f"no window titled '{title}' appeared within {timeout:g} s")
            return None
        # xwininfo's absolute corner (xdotool counts a reparenting frame's offset twice).
        info = subprocess.run(["xwininfo", "-id", wid], env=self.env, capture_output=True,
                              text=True, timeout=30).stdout  # fmt: skip
        values = {k.strip(): v.strip() for k, _, v in
                  (line.partition(":") for line in info.splitlines()) if v}  # fmt: skip
        x, y = int(values["Absolute upper-left X"]), int(values["Absolute upper-left Y"])
        w, h = int(values["Width"]), int(values["Height"])
        if w > WIDTH or h > HEIGHT or x < 0 or y < 0 or x + w > WIDTH or y + h > HEIGHT:
            self.problems.append(f"window '{title}' is {w}x{h} at {x},{y}: off a "
                                 f"{WIDTH}x{HEIGHT} screen")  # fmt: skip
        self.xdo("windowactivate", "--sync", wid)
        time.sleep(0.5)
        return wid

    def gone(self, title: str, timeout: float = 20) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if not self.xdo("search", "--onlyvisible", "--name", title):
                return True
            time.sleep(0.3)
        self.problems.append(f"window '{title}' did not close")
        return False

    def shot(self, name: str) -> Path:
        self.shots += 1
        path = OUT / f"{self.shots:02d}-{name}.png"
        subprocess.run([sys.executable, "-c", GRAB, str(path)], env=self.env, check=True,
                       timeout=60)  # fmt: skip
        print(f"  screenshot {path.relative_to(ROOT)}")
        return path


def first_session(s: Session, home: Path) -> None:
    s.start("Xvfb", DISPLAY, "-screen", "0", f"{WIDTH}x{HEIGHT}x24", "-nolisten", "tcp")
    time.sleep(2)
    s.start("openbox")
    time.sleep(1.5)
    app = s.start(sys.executable, "-m", "simdesk.cli", cwd=ROOT)

    print("1. First start: the instructor sets up (typing straight away: the cursor is in Name)")
    if s.expect_window("Set up simdesk", 90) is None:
        app.terminate()
        s.problems.append(app.communicate(timeout=30)[1].decode(errors="replace")[-800:])
        return
    s.type(NAME)
    s.key("Tab")
    s.type(PASSPHRASE)
    s.key("Tab")
    s.type(PASSPHRASE)
    s.shot("setup-dialog")
    s.key("Return", pause=2)

    print("2. The first-run tour: read a page, then skip it")
    if s.expect_window("Welcome to simdesk", 60):
        s.key("Return")
        s.shot("tour")
        s.key("Escape")
        s.gone("Welcome to simdesk")
    main = s.expect_window("simdesk 0", 30)
    s.shot("case-library")

    print("3. F1 on the library opens its guide")
    s.key("F1", pause=1)
    if s.expect_window("Help - The case library", 20):
        s.shot("help-cases")
        s.key("Escape")
        s.gone("Help - ")

    print("4. Find the miner's case and start an exam (it asks first)")
    s.xdo("windowactivate", "--sync", main)
    s.key("ctrl+f")
    s.type("gold miner")
    s.key("alt+x", pause=1)
    if s.expect_window("Start the exam?", 20):
        s.shot("confirm-exam")
        s.key("alt+s", pause=3)
    s.marks["exam started"] = time.monotonic()
    s.shot("exam-started")

    print("5. Ask, order a test this site cannot do (no banner pushes the page)")
    s.type("How long have you had the cough?")
    s.key("Return", pause=15)  # the local model answers
    s.key("ctrl+o")
    s.type("CT head")
    s.key("Return", pause=1)
    s.key("ctrl+k")
    s.type("Do you sweat at night?")
    s.key("Return", pause=15)
    s.shot("exam-in-progress")

    print("6. Lock mid-exam, sign in again: the exam resumes, its clock paused meanwhile")
    s.key("ctrl+shift+l", pause=2)
    if s.expect_window("Unlock your profile", 30):
        s.shot("locked")
        time.sleep(20)  # away from the laptop: this must not count against the exam
        s.type(PASSPHRASE)
        s.key("Return", pause=4)
    s.xdo("windowactivate", "--sync", main)
    s.shot("library-exam-paused")
    s.key("alt+x", pause=4)  # "Resume exam"
    s.shot("exam-resumed")

    print("7. Diagnose and submit; the debrief; Progress; Settings")
    s.key("ctrl+d", pause=1)
    if s.expect_window("Diagnosis and plan", 20) or s.window("iagnos", 5):
        s.type("pulmonary tuberculosis")
        s.key("Return")
        s.key("alt+p")
        s.type("Sputum Xpert MTB/RIF, HIV test, start HRZE, trace contacts")
        s.shot("diagnosis")
        s.marks["submitted"] = time.monotonic()
        s.key("alt+s", pause=5)
    s.shot("debrief")
    s.key("ctrl+2", pause=2)
    s.shot("progress")
    s.key("F1", pause=1)
    if s.expect_window("Help - Your progress", 20):
        s.shot("help-progress")
        s.key("Escape")
    s.xdo("windowactivate", "--sync", main)
    s.key("ctrl+3", pause=2)
    s.shot("settings")

    print("8. Close the window (Alt+F4, through the window manager)")
    s.xdo("windowactivate", "--sync", main)
    s.key("alt+F4")
    try:
        app.wait(60)
    except subprocess.TimeoutExpired:
        s.problems.append("the app did not quit within 60 s of Alt+F4")
    if app.returncode not in (0, None):
        s.problems.append(f"the app exited with status {app.returncode}: "
                          f"{app.stderr.read().decode(errors='replace')[-800:]}")  # fmt: skip


def check_store(s: Session, home: Path) -> None:
    """Read the encrypted store back: one exam attempt, finished, nothing lost, clock paused."""
    os.environ["SIMDESK_HOME"] = str(home)
    sys.path.insert(0, str(ROOT / "src"))
    from simdesk.core.paths import locations
    from simdesk.core.store.profiles import ProfileManager

    manager = ProfileManager.for_locations(locations().ensure())
    if not manager.list():
        s.problems.append("no profile was set up")
        return
    store = manager.unlock(NAME, PASSPHRASE)
    attempts = store.attempts()
    print(f"   attempts in the store: {[(a.case_id, a.mode, a.finished) for a in attempts]}")
    if len(attempts) != 1:
        s.problems.append(f"{len(attempts)} attempts stored; one exam attempt was expected "
                          "(locking must not restart it)")  # fmt: skip
    for attempt in attempts:
        kinds = [e.kind for e in store.events(attempt.id)]
        texts = " ".join(e.model_dump_json() for e in store.events(attempt.id))
        if attempt.mode != "exam" or not attempt.finished:
            s.problems.append(f"attempt {attempt.id}: mode {attempt.mode}, finished "
                              f"{attempt.finished}; a submitted exam was expected")  # fmt: skip
        for needed in (
            "How long have you had the cough?",
            "Do you sweat at night?",
            "CT_HEAD",
            "Sputum Xpert",
        ):
            if needed not in texts:
                s.problems.append(f"'{needed}' is missing from the stored attempt")
        if "assessment" not in kinds:
            s.problems.append("the attempt has no stored assessment")
        wall = s.marks.get("submitted", 0) - s.marks.get("exam started", 0)
        print(f"   exam time used: {attempt.elapsed_s:.0f} s of {wall:.0f} s on the wall clock "
              "(20 s locked and the sign-in are not counted)")  # fmt: skip
        if not 0 < attempt.elapsed_s <= wall - 20:
            s.problems.append(f"the exam clock counted {attempt.elapsed_s:.0f} s of {wall:.0f} s:"
                              " the locked time was not paused")  # fmt: skip
    store.close()
    manager.close()


def main() -> int:
    missing = [t for t in ("Xvfb", "openbox", "xdotool", "xwininfo") if shutil.which(t) is None]
    if missing:
        print(
            f"Missing: {', '.join(missing)}. On Debian: apt-get install xvfb openbox xdotool "
            "x11-utils"
        )
        return 2
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.png"):
        old.unlink()
    home = Path(tempfile.mkdtemp(prefix="simdesk-x11-"))
    session = Session(home)
    started = time.monotonic()
    try:
        first_session(session, home)
    finally:
        session.stop_all()
    check_store(session, home)
    shutil.rmtree(home, ignore_errors=True)
    print(f"{session.shots} screenshots in {OUT.relative_to(ROOT)}; "
          f"{time.monotonic() - started:.0f} s")  # fmt: skip
    for problem in session.problems:
        print(f"PROBLEM: {problem}")
    print("PASS" if not session.problems else f"FAIL: {len(session.problems)} problem(s)")
    return 0 if not session.problems else 1


if __name__ == "__main__":
    sys.exit(main())
