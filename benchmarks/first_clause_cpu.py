"""What the window's process does from a question to its first released clause: CPU by thread,
wake-ups and relayouts, in the real window offscreen.

    python benchmarks/first_clause_cpu.py                    # the real default model, 10 questions
    python benchmarks/first_clause_cpu.py --fake --questions 20 --events

The model competes for the machine's cores with this process: on 2 cores llama.cpp's threads wait
for each other at every layer, so any CPU this process takes between the question and the first
clause (page updates, saving, relayouts, one wake-up per token) delays that clause. Wall times on
a shared machine are noisy; CPU time (``/proc/self/task/*/schedstat``) and counts are not, so this
prints those, summed over the questions:

- CPU by thread of this process (the GUI thread, the model's supervisor thread, the store
  thread, ...) and, with the real model, the model process's own CPU;
- the GUI thread's context switches (its wake-ups) and, with ``--events``, the Qt events
  delivered on it by type and the relayouts (LayoutRequest) and resizes of the page's widgets
  and the window (counting events costs CPU itself: the CPU figures of an ``--events`` run are
  not comparable with one without).

``--fake`` plays a scripted reply from a thread (``FakeScriptedModel``: the same events the
real backend sends, one token every ``--token-ms``) instead of the model, so that the window's
own work is measured without the model's noise.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from gui_stream_bench import QUESTIONS, sign_in, spin, task_times  # noqa: E402

FAKE_REPLY = " About six weeks now, and it brings up yellow phlegm."
FAKE_QUESTION = "How long have you had the cough?"


class FakeScriptedModel:
    """A fake model service: every request is answered with ``FAKE_REPLY``'s tokens, from a
    thread, through the window's listener, as the real backend's thread does."""

    def __init__(self, listener, token_s: float, read_s: float) -> None:
        self.listener, self.token_s, self.read_s = listener, token_s, read_s
        self.ready = threading.Event()
        self.ready.set()
        self.ids = iter(range(1, 1_000_000))
        self.cancelled: set[int] = set()

    def submit(self, prompt: str, **_options) -> int:
        rid = next(self.ids)
        threading.Thread(target=self._play, args=(rid,), daemon=True).start()
        return rid

    def cancel(self, request_id: int) -> None:
        self.cancelled.add(request_id)

    def _play(self, rid: int) -> None:
        from simdesk.core.background import replying

        with replying():  # as the real backend marks a request in flight
            self._reply(rid)

    def _reply(self, rid: int) -> None:
        import re

        from simdesk.core.llm.backend import ReplyDone, ReplyReading, ReplyToken

        self.listener(ReplyReading(rid))
        time.sleep(self.read_s)
        sent = []
        for token in re.findall(r"\s*\S+", FAKE_REPLY):
            if rid in self.cancelled:
                break
            self.listener(ReplyToken(rid, token))
            sent.append(token)
            time.sleep(self.token_s)
        self.listener(ReplyDone(rid, "".join(sent), rid in self.cancelled, 100, len(sent), 0.1))


def switches() -> dict[int, int]:
    """Context switches so far of each thread of this process (voluntary + involuntary)."""
    found = {}
    for task in Path("/proc/self/task").iterdir():
        try:
            lines = (task / "status").read_text().splitlines()
        except OSError:
            continue
        total = 0
        for line in lines:
            if line.endswith("ctxt_switches") or "ctxt_switches:" in line:
                total += int(line.split()[1])
        found[int(task.name)] = total
    return found


def thread_names() -> dict[int, str]:
    names = {t.native_id: t.name for t in threading.enumerate() if t.native_id}
    names[threading.main_thread().native_id] = "GUI thread"
    for task in Path("/proc/self/task").iterdir():
        tid = int(task.name)
        if tid not in names:
            with contextlib.suppress(OSError):
                names[tid] = "native: " + (task / "comm").read_text().strip()
    return names


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10)
    parser.add_argument("--fake", action="store_true", help="a scripted reply, not the model")
    parser.add_argument("--token-ms", type=float, default=20.0)
    parser.add_argument("--read-ms", type=float, default=80.0)
    parser.add_argument("--events", action="store_true", help="count Qt events (costs CPU)")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between questions")
    args = parser.parse_args()
    os.environ["SIMDESK_HOME"] = tempfile.mkdtemp(prefix="simdesk-first-clause-")

    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    from simdesk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(["simdesk-first-clause"])
    win = MainWindow(start_model=not args.fake)
    win.resize(1366, 768)
    win.show()
    sign_in(app, win)
    win.idle_timer.stop()
    if not args.fake:
        spin(app, lambda: win.backend.ready.is_set(), 600)
    entry = next(e for e in win.entries if e.ok and e.case.meta.id == "pulmonary-tb-miner")
    win.start_case(entry)
    spin(app, lambda: win.encounter.running, 60)
    page = win.encounter
    if args.fake:
        page.backend = FakeScriptedModel(win.bridge.listener, args.token_ms / 1000,
                                         args.read_ms / 1000)  # fmt: skip
    loop_pause = QEventLoop()
    QTimer.singleShot(2000, loop_pause.quit)  # the window settles (its first timers)
    loop_pause.exec()

    events: Counter = Counter()
    relayouts: Counter = Counter()
    watched = {page: "page", win: "window", win.centralWidget(): "central", win.pages: "pages",
               page.transcript: "transcript", page.status: "status"}  # fmt: skip

    class Count(QObject):
        def eventFilter(self, obj, event) -> bool:
            kind = event.type()
            events[kind.name] += 1
            if kind in (QEvent.Type.LayoutRequest, QEvent.Type.Resize):
                relayouts[f"{kind.name} {watched.get(obj, type(obj).__name__)}"] += 1
            return False

    counter = Count()
    cpu: Counter = Counter()
    ctx: Counter = Counter()
    child_cpu = [0.0]
    child_wait = [0.0]  # the model process's threads runnable but waiting for a core
    firsts: list[float] = []
    shown = 0
    questions = [FAKE_QUESTION] * args.questions if args.fake else (QUESTIONS * 3)[: args.questions]
    for question in questions:
        marks: dict[str, float] = {}
        loop = QEventLoop()
        append = page._append_reply

        child = None if args.fake else win.backend.child_pid
        snaps: list = []

        def first_release(text: str, append=append, marks=marks, loop=loop, snaps=snaps,
                          child=child) -> None:  # fmt: skip
            append(text)  # painted inside (repaint)
            if text and "first" not in marks:
                marks["first"] = time.perf_counter()
                # Taken here, when the learner sees the words: what the page does after them
                # is not in the span.
                snaps.append((task_times(), switches(), task_times(child) if child else {}))
                loop.quit()

        def finished(_text: str, marks=marks, loop=loop) -> None:
            marks.setdefault("done", time.perf_counter())
            loop.quit()

        page._append_reply = first_release
        page.reply_finished.connect(finished)
        if args.events:
            app.installEventFilter(counter)
        before, sw, kid = task_times(), switches(), task_times(child) if child else {}
        started = time.perf_counter()
        page.ask(question)
        if not marks:
            QTimer.singleShot(120_000, loop.quit)
            loop.exec()
        after, sw2, kid2 = snaps[0] if snaps else (task_times(), switches(), {})
        if args.events:
            app.removeEventFilter(counter)
        page._append_reply = append
        names = thread_names()
        if "first" in marks:  # a voiced reply: count it
            shown += 1
            firsts.append((marks["first"] - started) * 1000)
            for tid, (run, _wait) in after.items():
                cpu[names.get(tid, "ended thread")] += (run - before.get(tid, (0, 0))[0]) / 1e6
            for tid, n in sw2.items():
                ctx[names.get(tid, "ended thread")] += n - sw.get(tid, 0)
            child_cpu[0] += sum(r - kid.get(t, (0, 0))[0] for t, (r, _w) in kid2.items()) / 1e6
            child_wait[0] += sum(w - kid.get(t, (0, 0))[1] for t, (_r, w) in kid2.items()) / 1e6
        spin(app, lambda: not page.busy, 120)
        page.reply_finished.disconnect(finished)
        pause = QEventLoop()
        QTimer.singleShot(int(args.pause * 1000), pause.quit)
        pause.exec()

    print(
        f"{shown} of {args.questions} questions released model text "
        f"({'fake model' if args.fake else 'real model'}); from asking to the first release:"
    )
    if firsts:
        print(f"  wall: median {statistics.median(firsts):.1f} ms, worst {max(firsts):.1f} ms")
    print("  CPU by thread (ms, summed; per question in brackets):")
    for name, ms in cpu.most_common():
        if ms >= 0.05:
            print(
                f"    {name:<40} {ms:9.1f}  ({ms / max(shown, 1):.2f})  "
                f"switches {ctx[name]} ({ctx[name] / max(shown, 1):.1f})"
            )
    print(
        f"    {'this process, all threads':<40} {sum(cpu.values()):9.1f}  "
        f"({sum(cpu.values()) / max(shown, 1):.2f})"
    )
    if not args.fake:
        per = child_cpu[0] / max(shown, 1)
        print(f"    {'the model process':<40} {child_cpu[0]:9.1f}  ({per:.2f})")
        per = child_wait[0] / max(shown, 1)
        print(f"    {'the model process waiting for a core':<40} {child_wait[0]:9.1f}  ({per:.2f})")
    if args.events:
        print("  Qt events on all objects (per question):")
        for name, n in events.most_common(15):
            print(f"    {name:<30} {n / max(shown, 1):7.1f}")
        print("  relayouts and resizes (per question):")
        for name, n in sorted(relayouts.items()):
            print(f"    {name:<40} {n / max(shown, 1):7.1f}")
    win.close()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
