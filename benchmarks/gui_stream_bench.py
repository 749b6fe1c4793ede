"""Streaming in the real window, against the backend alone, on the real default model.

    python benchmarks/gui_stream_bench.py                  # 20 questions on the TB case
    python benchmarks/gui_stream_bench.py --imported 20    # AgentClinic record 20, 30 questions
    python benchmarks/gui_stream_bench.py --questions 5 --orders alone-first

The real main window runs offscreen on a fresh encrypted profile (an empty cache folder, as a
first-time user's). Each question is asked to a second backend with no window (the same guarded
stream, fed on a plain thread: the raw baseline) and in the window, twice in each order (backend
alone first, window first, window first, alone first: ``--rounds``), so that which process ran
second - warm caches, the other's leftovers - is not counted against one of them, and one
scheduling hiccup does not decide a question's median. Both streams see the same questions in
the same order, so their prompts are the same. Both cancel the model once nothing more can be
shown. Measured per question, from asking:

- the first released word: in the window when the transcript's viewport is painted with it;
  for the backend alone when the token that ends the first clause arrives (the guard needs that
  token to release), or ``ReplyDone`` when the guard releases only at the end;
- the reply complete: in the window when the page reports it and its text is painted; alone
  when ``ReplyDone`` arrives;
- the GUI thread's CPU time (``time.thread_time`` on that thread) over the reply's wall time;
- where the first word's time went (``--timeline``): each process's model events as they
  arrived, the CPU each of this process's threads used meanwhile (the terminology index's build
  among them), each model process's run and run-queue wait (``/proc/<pid>/task/*/schedstat``),
  and the other processes' share of the machine.

The first word is compared on the questions the model voiced alone (an authored line has no
first clause): per question the median over its samples and the worst sample, beside the target.
The verdict is on the per-question medians; the worst sample is printed so one scheduling
hiccup shows without being the verdict. Timings are only as good as the machine is quiet: the
run reports the other processes' load, and says when it was too loaded to judge.

Between questions the window's event loop runs for ``PAUSE_S`` (the learner reads and types;
its timers run then, as they do in use).

Then the encounter is submitted and the debrief narrative timed (model text, or the template
once 10 s have passed). A screenshot of the window while a reply streams is saved in
``artifacts/``, taken on one more question that is not timed (the grab blocks the GUI thread).
"""

from __future__ import annotations

import argparse
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

QUESTIONS = [
    "so what's brought u in today?", "Are you coughing anything up?", "any blood when u cough",
    "Do you get sweaty at night, like soaking the sheets?", "have you been losing wieght?",
    "Have you had any fevers or chills?", "Do you get short of breath?",
    "Have you ever been treated for TB before?", "Any drug allergies?",
    "Who do you share a room with at the hostel?", "What do you do for a living?",
    "do you know your status? HIV i mean", "How many cigarettes a day do you smoke?",
    "Are you married? Any kids?", "hows ur appetite been", "What are you most worried about?",
    "How long have you had the cough?", "Do you drink alcohol?", "Any medicines so far?",
    "How is your breathing now?",
]  # fmt: skip
CASE = "pulmonary-tb-miner"
# Everyday questions for an imported AgentClinic record (--imported N), whose patient the model
# voices more often than the bundled cases' (whose authors wrote a line for most questions)
EVERYDAY = [
    "What brings you in today?", "When did it start?", "How long has this been going on?",
    "Where exactly is it?", "What makes it worse?", "Anything make it better?",
    "Any medical problems in the past?", "Have you had this before?", "Any operations?",
    "Do you take any medicines?", "Any allergies?", "Anyone in the family with similar problems?",
    "Do you smoke?", "Do you drink alcohol?", "What do you do for work?", "Who do you live with?",
    "Any fever or weight loss?", "Any other symptoms?", "What are you worried about?",
    "How do you feel now?",
    # Ten more (the first twenty are those of the earlier runs): more replies the model voices
    "How bad is it?", "Does it spread anywhere?", "What were you doing when it started?",
    "Is it getting better or worse?", "Any nausea or vomiting?", "How are you sleeping?",
    "How is your appetite?", "Have you travelled anywhere recently?",
    "Any problems passing urine?", "Any change in your bowels?",
]  # fmt: skip
AGENTCLINIC = ROOT.parent / "shared" / "data" / "agentclinic" / "agentclinic_medqa.jsonl"
PAUSE_S = 1.5  # between questions: reading the reply, typing the next (not measured)
PASSPHRASE = "a quiet river at dawn"
TARGET_MS = 50.0  # first released word: at most the backend alone's first clause + this
ORDERS = {"both": ("alone first", "window first"), "alone-first": ("alone first",),
          "window-first": ("window first",)}  # fmt: skip
# Other processes' CPU (in cores, averaged over the timed turns) above which the machine is
# too busy for the figures to judge the window by: they are printed as indicative only.
QUIET_CORES = 0.25


# -- where the time went: this process's threads, the model processes, the machine ------------

TaskTimes = dict[int, tuple[int, int]]  # thread id -> (ns on a CPU, ns waiting to get one)


def task_times(pid: int | str = "self") -> TaskTimes:
    """Each thread of a process: its time on a CPU and its time runnable but waiting on a run
    queue, so far (``/proc/<pid>/task/*/schedstat``; empty where the kernel has none)."""
    found: TaskTimes = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            run, wait, _slices = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            continue  # the thread ended meanwhile
        found[int(task.name)] = (int(run), int(wait))
    return found


def machine_busy_s() -> float:
    """CPU seconds the whole machine has been busy (all cores, every process; /proc/stat)."""
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return 0.0
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


THREAD_NAMES: dict[int, str] = {}  # thread id -> name, kept after the thread ends


@dataclass
class Snapshot:
    at: float
    threads: TaskTimes
    children: dict[str, TaskTimes]  # "window"/"alone" -> its model process's threads
    busy_s: float


@dataclass
class Usage:
    """CPU between two snapshots: this process's threads by name, each model process's run
    and run-queue wait, and the other processes' share of the machine (in cores)."""

    wall_s: float
    threads: dict[str, float]
    model_run_s: dict[str, float]
    model_wait_s: dict[str, float]
    others_cores: float


class Machine:
    """Snapshots of this process's threads and the two model processes."""

    def __init__(self, names: dict[int, str], children: dict[str, object]) -> None:
        self.names = names  # thread ids this benchmark names itself (the GUI, the model threads)
        self.children = children  # "window"/"alone" -> its ModelBackend

    def snapshot(self) -> Snapshot:
        for thread in threading.enumerate():
            if thread.native_id is not None:
                THREAD_NAMES.setdefault(thread.native_id, thread.name)
        children = {}
        for side, backend in self.children.items():
            pid = backend.child_pid
            children[side] = task_times(pid) if pid else {}
        return Snapshot(time.perf_counter(), task_times(), children, machine_busy_s())

    def usage(self, a: Snapshot, b: Snapshot) -> Usage:
        threads: dict[str, float] = {}
        ours = 0.0
        for tid, (run, _wait) in b.threads.items():
            used = (run - a.threads.get(tid, (0, 0))[0]) / 1e9
            name = self.names.get(tid) or THREAD_NAMES.get(tid, "Qt and other threads")
            threads[name] = threads.get(name, 0.0) + used
            ours += used
        run_s, wait_s = {}, {}
        for side, tasks in b.children.items():
            before = a.children.get(side, {})
            run_s[side] = sum(r - before.get(t, (0, 0))[0] for t, (r, _w) in tasks.items()) / 1e9
            wait_s[side] = sum(w - before.get(t, (0, 0))[1] for t, (_r, w) in tasks.items()) / 1e9
            ours += run_s[side]
        wall = b.at - a.at
        others = max(0.0, (b.busy_s - a.busy_s) - ours) / wall if wall > 0.05 else 0.0
        return Usage(wall, threads, run_s, wait_s, others)


# -- one question to each ------------------------------------------------------------------------


@dataclass
class Side:
    """One question as one process answered it (times in seconds from asking)."""

    first: float | None  # first word released (None: no model text was shown)
    done: float
    reply: str
    model_asked: bool  # a prompt went to the model (else the authored line, no model)
    released_by: float | None = None  # arrival on the model thread of the event that released
    events: dict[str, float] = field(default_factory=dict)  # first arrival of each event kind
    child: dict[str, float] = field(default_factory=dict)  # the model process's own ReplyDone
    usage: Usage | None = None  # from asking to the first word (or the reply, if none)
    gui_cpu: float = 0.0  # window only: the GUI thread's CPU over the whole reply
    own: float | None = None  # window only: from the releasing event's arrival to its paint


@dataclass
class Step:
    question: str
    order: str
    alone: Side
    window: Side

    @property
    def voiced(self) -> bool:
        """The model's text was released alone: the first word is compared."""
        return self.alone.first is not None and self.window.first is not None

    @property
    def lag_ms(self) -> float:
        return (self.window.first - self.alone.first) * 1000

    @property
    def model_lag_ms(self) -> float | None:
        """The part of the lag in the model's own events reaching each process's model thread."""
        if self.window.released_by is None or self.alone.released_by is None:
            return None
        return (self.window.released_by - self.alone.released_by) * 1000


# When the window's model thread received each reply event not yet handled on the GUI thread
# (oldest first), and the one being handled now: the window's own share of a first word's time
# is its paint minus the arrival of the event that released it.
ARRIVED: list[float] = []
HANDLING = [0.0]
WINDOW_EVENTS: list[tuple[float, object]] = []  # every model event reaching the window's thread


def stamp_model_events() -> None:
    """Note each reply event's arrival on the model thread and its handling on the GUI thread
    (before the window is made: it connects these methods)."""
    from simdesk.core.llm.backend import ReplyDone, ReplyFailed, ReplyToken
    from simdesk.ui.encounter import EncounterPage
    from simdesk.ui.workers import ModelBridge

    listener = ModelBridge.listener

    def stamped(self, event) -> None:
        now = time.perf_counter()
        WINDOW_EVENTS.append((now, event))
        if isinstance(event, ReplyToken | ReplyDone | ReplyFailed):
            ARRIVED.append(now)
        listener(self, event)

    def stamping(handler):
        def handle(self, *args) -> None:
            HANDLING[0] = ARRIVED.pop(0) if ARRIVED else 0.0
            handler(self, *args)

        return handle

    ModelBridge.listener = stamped
    for name in ("on_token", "on_done", "on_failed"):
        setattr(EncounterPage, name, stamping(getattr(EncounterPage, name)))


def timeline(side: Side, stamped: list[tuple[float, object]], rid: int | None,
             started: float) -> None:  # fmt: skip
    """Fill ``side.events`` and ``side.child`` from the model events of request ``rid``."""
    from simdesk.core.llm.backend import ReplyDone, ReplyReading, ReplyToken

    kinds = {ReplyReading: "reading", ReplyToken: "token", ReplyDone: "done"}
    for at, event in stamped:
        if getattr(event, "request_id", None) != rid:
            continue
        kind = kinds.get(type(event))
        if kind is not None:
            side.events.setdefault(kind, at - started)
        if isinstance(event, ReplyDone):
            side.child = {
                "first_token_s": event.first_token_seconds, "evaluated": event.evaluated_tokens,
                "tokens": event.completion_tokens, "decode_s": event.decode_seconds,
            }  # fmt: skip


def spin(app, until, timeout: float) -> None:
    """Process events until ``until()`` (set-up only: never while measuring)."""
    end = time.monotonic() + timeout
    while not until():
        if time.monotonic() > end:
            raise TimeoutError("the window did not get there in time")
        app.processEvents()
        time.sleep(0.01)


def headless_turn(consultation, backend, events: queue.Queue, question: str, tokens: int,
                  machine: Machine) -> Side:  # fmt: skip
    """One question to the backend alone (``events``: ``(arrival, event)`` from its thread)."""
    from simdesk.core.llm.backend import ReplyDone, ReplyFailed, ReplyToken

    before = machine.snapshot()
    started = time.perf_counter()
    pending = consultation.ask(question)
    if pending.prompt is None:
        text = consultation.finish(pending).text
        return Side(None, time.perf_counter() - started, text, False)
    rid = backend.submit(pending.prompt, stop=pending.stop, max_tokens=tokens, **pending.options)
    first = released_by = None
    at_first: Snapshot | None = None
    stamped: list[tuple[float, object]] = []
    while True:
        at, event = events.get(timeout=300)
        stamped.append((at, event))
        if getattr(event, "request_id", None) != rid:
            continue
        if isinstance(event, ReplyToken) and not pending.stream.done:
            if pending.stream.feed(event.text) and first is None:
                first = time.perf_counter() - started
                released_by = at - started
                at_first = machine.snapshot()
            if pending.stream.done:
                backend.cancel(rid)
        elif isinstance(event, ReplyDone | ReplyFailed):
            break
    done = time.perf_counter() - started
    result = consultation.finish(pending)
    if first is None and result.model_text_used:
        first = done  # released only when the stream ended
        released_by = stamped[-1][0] - started
    side = Side(first, done, result.text, True, released_by)
    timeline(side, stamped, rid, started)
    side.usage = machine.usage(before, at_first or machine.snapshot())
    return side


def gui_turn(app, page, question: str, machine: Machine | None = None) -> Side:
    """One question in the window.

    Times are taken when the transcript's viewport is painted with the new text (what the
    learner sees), not when the text is handed to the widget; the reply is complete when the
    page reports it and its last text has been painted. ``own``: from the arrival on the
    window's model thread of the event that released the first word to its paint (None when no
    model event released it). The snapshot at the first paint is taken after its time and its
    CPU is left out of the GUI thread's."""
    from PySide6.QtCore import QEvent, QEventLoop, QObject, QTimer

    marks: dict[str, float] = {}
    snaps: dict[str, Snapshot] = {}
    unpainted = [False]  # text went into the transcript and is not painted yet
    reply: list[str] = []
    loop = QEventLoop()
    append = page._append_reply
    probe_cpu = [0.0]  # GUI thread CPU spent taking the snapshot (not the window's)

    def settle() -> None:
        marks["done"] = time.perf_counter()
        marks["cpu_done"] = time.thread_time()
        loop.quit()

    def timed_append(text: str) -> None:
        if text and "event" not in marks:
            marks["event"] = HANDLING[0]
        unpainted[0] = unpainted[0] or bool(text)  # before: the page may paint it at once
        append(text)

    class Painted(QObject):
        def eventFilter(self, _watched, event) -> bool:
            if event.type() == QEvent.Type.Paint and unpainted[0]:
                unpainted[0] = False
                if "first" not in marks:
                    marks["first"] = time.perf_counter()
                    if machine is not None:
                        cpu = time.thread_time()
                        snaps["first"] = machine.snapshot()
                        probe_cpu[0] += time.thread_time() - cpu
                if reply:
                    settle()
            return False

    def finished(text: str) -> None:
        reply.append(text)
        if not unpainted[0]:  # everything shown is painted already
            settle()

    painted = Painted()
    viewport = page.transcript.viewport()
    viewport.installEventFilter(painted)
    page._append_reply = timed_append
    page.reply_finished.connect(finished)
    ARRIVED.clear()
    WINDOW_EVENTS.clear()
    HANDLING[0] = 0.0  # no model event has released anything of this reply yet
    if machine is not None:
        snaps["before"] = machine.snapshot()
    started, cpu = time.perf_counter(), time.thread_time()
    page.ask(question)
    rid = page._request_id
    if "done" not in marks:
        QTimer.singleShot(600_000, loop.quit)  # never hang the benchmark
        loop.exec()
    page.reply_finished.disconnect(finished)
    page._append_reply = append
    viewport.removeEventFilter(painted)
    if "done" not in marks:
        raise TimeoutError(f"no reply to {question!r} in the window")
    first = marks["first"] - started if "first" in marks else None
    own = marks["first"] - marks["event"] if first is not None and marks.get("event") else None
    side = Side(first, marks["done"] - started, reply[0], rid is not None,
                marks["event"] - started if own is not None else None)  # fmt: skip
    side.gui_cpu = marks["cpu_done"] - cpu - probe_cpu[0]
    side.own = own
    timeline(side, list(WINDOW_EVENTS), rid, started)
    if machine is not None:
        side.usage = machine.usage(snaps["before"], snaps.get("first") or machine.snapshot())
    return side


def learner_pause(seconds: float) -> None:
    """The learner reads the reply and types the next question: the window's event loop runs
    (its clock, its garbage collection) as it does between questions."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def sign_in(app, win) -> None:
    win.ask_for_profile()
    spin(app, lambda: win.profile_dialog is not None, 60)
    dialog = win.profile_dialog
    dialog.name_edit.setText("Bench")
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.confirm_edit.setText(PASSPHRASE)
    dialog.buttons.accepted.emit()
    spin(app, lambda: win.overview is not None, 120)


# -- the report ------------------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    return "-" if seconds is None else f"{seconds * 1000:.0f}"


def describe_step(n: int, step: Step, detail: bool) -> None:
    a, w = step.alone, step.window
    lag = ""
    if step.voiced:
        model = step.model_lag_ms
        lag = f"  lag {step.lag_ms:+6.0f} ms" + (
            f" (model {model:+.0f}, window {w.own * 1000:.0f})" if model is not None
            and w.own is not None else "")  # fmt: skip
    print(f"{n:3}. {step.question[:34]:<34} [{step.order}] alone {ms(a.first):>5}/{ms(a.done):>5}"
          f" window {ms(w.first):>5}/{ms(w.done):>5} ms{lag}  {w.reply[:40]!r}"
          + ("" if a.reply == w.reply else "  (replies differ)"), flush=True)  # fmt: skip
    if not detail:
        return
    for name, side in (("alone", a), ("window", w)):
        if not side.model_asked:
            continue
        ev = "  ".join(f"{k} {ms(v)}" for k, v in side.events.items())
        child = side.child
        print(
            f"       {name:<6} events {ev}  released by {ms(side.released_by)} ms; model "
            f"process: first token {child.get('first_token_s', 0) * 1000:.0f} ms after "
            f"{child.get('evaluated', 0)} prompt tokens, {child.get('tokens', 0)} sampled"
        )
        if side.usage is not None:
            u = side.usage
            busy = ", ".join(f"{k} {v * 1000:.0f}" for k, v in sorted(
                u.threads.items(), key=lambda kv: -kv[1]) if v >= 0.002)  # fmt: skip
            print(
                f"              until the first word: model process on CPU "
                f"{u.model_run_s.get(name, 0) * 1000:.0f} ms, waiting for one "
                f"{u.model_wait_s.get(name, 0) * 1000:.0f} ms; this process's threads (ms): "
                f"{busy or 'none'}; other processes {u.others_cores:.2f} cores"
            )


def quantiles(values: list[float]) -> str:
    return f"median {statistics.median(values):.0f}, worst {max(values):.0f}"


def report(steps: list[Step], played: str, orders: tuple[str, ...], gui: dict) -> bool:
    """Print the tables and the verdict; True when every target is met."""
    verdicts: list[tuple[str, bool]] = []
    wall = sum(s.window.done for s in steps)
    busy = sum(s.window.gui_cpu for s in steps) / wall
    ratio = wall / sum(s.alone.done for s in steps)
    voiced = [s for s in steps if s.voiced]
    by_question: dict[str, list[Step]] = {}
    for step in voiced:
        by_question.setdefault(step.question, []).append(step)
    width = 36
    print(
        f"\nFirst released word, per question the model voiced ({played}; each asked "
        f"{len(orders)}x: {', '.join(orders)})"
    )
    print("-" * 100)
    print(
        f"  {'question':<{width}} {'n':>2} {'alone 1st clause':>16} {'window 1st word':>15} "
        f"{'lag median':>10} {'lag worst':>9} {'target':>8}  result"
    )
    medians = []
    for question, samples in by_question.items():
        lags = [s.lag_ms for s in samples]
        median = statistics.median(lags)
        medians.append(median)
        alone = statistics.median(s.alone.first for s in samples) * 1000
        window = statistics.median(s.window.first for s in samples) * 1000
        print(f"  {question[:width]:<{width}} {len(samples):>2} {alone:>13.0f} ms {window:>12.0f} "
              f"ms {median:>7.0f} ms {max(lags):>6.0f} ms {'<= 50 ms':>8}  "
              f"{'PASS' if median <= TARGET_MS else 'FAIL'}")  # fmt: skip
    questions = len({s.question for s in steps})
    print(
        f"  (compared on {len(by_question)} of {questions} questions, {len(voiced)} samples: "
        "those the model voiced alone; an authored line shown has no first clause)"
    )

    print(f"\nStreaming in the window vs the backend alone ({played})")
    print("-" * 100)
    print(f"  {'measure':<56} {'value':>12} {'target':>10}  result")

    def line(name: str, value: str, target: str, ok: bool | None) -> None:
        mark = "" if ok is None else ("PASS" if ok else "FAIL")
        print(f"  {name:<56} {value:>12} {target:>10}  {mark}")
        if ok is not None:
            verdicts.append((name, ok))

    line("GUI thread busy while streaming", f"{busy:.1%}", "< 15 %", busy < 0.15)
    line("reply complete: window / alone (totals)", f"{ratio:.3f}", "<= 1.15", ratio <= 1.15)
    if medians:
        lags = [s.lag_ms for s in voiced]
        line("first word - alone's first clause: worst question median",
             f"{max(medians):.1f} ms", "<= 50 ms", max(medians) <= TARGET_MS)  # fmt: skip
        line("  questions within the target (by their median)",
             f"{sum(m <= TARGET_MS for m in medians)} of {len(medians)}", "all",
             None)  # fmt: skip
        line("  median of all samples", f"{statistics.median(lags):.1f} ms", "", None)
        line("  worst sample (a scheduling hiccup shows here)", f"{max(lags):.1f} ms", "", None)
        own = [s.window.own * 1000 for s in voiced if s.window.own is not None]
        model = [m for s in voiced if (m := s.model_lag_ms) is not None]
        if own and model:
            line("  of the lag: the window's own (model event in -> painted)",
                 quantiles(own) + " ms", "", None)  # fmt: skip
            line("  of the lag: the model's events, window's vs alone's", quantiles(model) + " ms",
                 "", None)  # fmt: skip
    else:
        line("first word compared", "on none", "", False)
    # The model ran but the guard showed the authored line at the end: the same model timing,
    # compared where the learner sees it (not the target's measure: no first clause).
    fallback = [
        (s.window.first - s.alone.done) * 1000 for s in steps
        if s.alone.model_asked and s.alone.first is None and s.window.first is not None
    ]  # fmt: skip
    if fallback:
        line(f"  authored line after the model ({len(fallback)}): window shown - alone's end",
             quantiles(fallback) + " ms", "", None)  # fmt: skip
    line("debrief narrative settled after shown (s)", f"{gui['narrative_s']:.1f}", "<= 10",
         gui["narrative_s"] <= 10.5)  # fmt: skip
    print(f"  submit to debrief shown: {gui['shown_s']:.1f} s (scored on the store thread)")
    same = sum(s.alone.reply == s.window.reply for s in steps)
    print(f"  narrative by the model: {gui['by_model']}; replies identical in both: {same}/"
          f"{len(steps)}; window total {wall:.1f} s, alone {sum(s.alone.done for s in steps):.1f}"
          f" s; screenshot {gui['shot']}")  # fmt: skip

    # Where the first words' time went, over the voiced samples.
    usages = [s.window.usage for s in voiced if s.window.usage is not None]
    alone_usages = [s.alone.usage for s in voiced if s.alone.usage is not None]
    if usages and alone_usages:

        def total(us: list[Usage], key) -> float:
            return sum(key(u) for u in us) * 1000

        names = sorted({n for u in usages + alone_usages for n in u.threads})
        print("\nUntil the first word, summed over those samples (ms of CPU)")
        print(f"  {'':<44} {'window':>10} {'alone':>10}")
        rows = [("wall", lambda u: u.wall_s)]
        for side in ("window", "alone"):
            rows.append((f"{side} model process on CPU",
                         lambda u, side=side: u.model_run_s.get(side, 0)))  # fmt: skip
            rows.append((f"{side} model process waiting for a CPU",
                         lambda u, side=side: u.model_wait_s.get(side, 0)))  # fmt: skip
        for name in names:
            rows.append((f"this process: {name}", lambda u, name=name: u.threads.get(name, 0)))
        for label, key in rows:
            w, a = total(usages, key), total(alone_usages, key)
            if max(w, a) >= 5:
                print(f"  {label:<44} {w:>10.0f} {a:>10.0f}")

    # The machine: were other processes running? (2 cores, shared)
    everything = [u for s in steps for u in (s.window.usage, s.alone.usage) if u is not None]
    seconds = sum(u.wall_s for u in everything)
    others = sum(u.others_cores * u.wall_s for u in everything) / seconds if seconds else 0.0
    quiet = others <= QUIET_CORES
    print(
        f"\n  other processes on the machine while timed: {others:.2f} cores on average "
        f"(load average now {os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)"
        + ("" if quiet else f": above {QUIET_CORES}, the timings are indicative only")
    )
    failed = [name.strip() for name, ok in verdicts if not ok]
    verdict = "every target met" if not failed else "not met: " + "; ".join(failed)
    print(
        f"\nVERDICT ({played}): {verdict}"
        + ("" if quiet else " (on a loaded machine: take the run again alone)")
    )
    return not failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--questions", type=int, default=None,
        help="only the first N (default all: 20 on the TB case, 30 imported)",
    )  # fmt: skip
    parser.add_argument("--imported", type=int, metavar="N",
                        help="play AgentClinic record N (imported first) with everyday questions, "
                        "not the TB case")  # fmt: skip
    parser.add_argument("--records", type=Path, default=AGENTCLINIC, help="the AgentClinic .jsonl")
    parser.add_argument(
        "--orders",
        choices=sorted(ORDERS),
        default="both",
        help="ask each question alone first, the window first, or both in turn",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=2,
        help="how many times each order is asked (default 2: alone first, window first, window "
        "first, alone first - four samples, so one hiccup does not make a question's median)",
    )
    parser.add_argument(
        "--timeline",
        action="store_true",
        help="print where each first word's time went (events, CPU, waits)",
    )
    args = parser.parse_args()
    home = tempfile.mkdtemp(prefix="simdesk-gui-bench-")
    os.environ["SIMDESK_HOME"] = home
    case_id, questions = CASE, QUESTIONS
    if args.imported:  # imported as a user imports them, into this run's own home
        subprocess.run([sys.executable, "-m", "simdesk", "cases", "import-agentclinic",
                        str(args.records)], check=True, capture_output=True)  # fmt: skip
        case_id, questions = f"agentclinic-{args.imported:03d}-", EVERYDAY
    # Balanced: A B, then B A (a question's samples have no order or position in common).
    orders = tuple(
        order for n in range(args.rounds)
        for order in (ORDERS[args.orders] if n % 2 == 0 else ORDERS[args.orders][::-1])
    )  # fmt: skip
    questions = questions[: args.questions or len(questions)]

    from PySide6.QtWidgets import QApplication

    from simdesk.core.consultation import Consultation
    from simdesk.core.llm.backend import ModelBackend, ModelReady
    from simdesk.core.llm.prompt import REPLY_TOKENS
    from simdesk.core.llm.registry import resolve_active_model
    from simdesk.ui.main_window import MainWindow

    app = QApplication.instance() or QApplication(["simdesk-bench"])
    stamp_model_events()
    win = MainWindow()
    win.resize(1366, 768)
    win.show()
    sign_in(app, win)
    win.idle_timer.stop()  # nothing is typed here: the idle lock would end the encounter
    spin(app, lambda: win.backend.ready.is_set(), 600)
    entry = next(e for e in win.entries if e.ok and e.case.meta.id.startswith(case_id))
    win.start_case(entry)
    spin(app, lambda: win.encounter.running, 60)
    page = win.encounter

    events: queue.Queue = queue.Queue()
    alone = ModelBackend(
        lambda: resolve_active_model(win.locations),
        lambda event: events.put((time.perf_counter(), event)),
        n_ctx=win.backend.n_ctx, n_threads=win.backend.n_threads,
    )  # fmt: skip
    alone.start()
    while not isinstance(events.get(timeout=600)[1], ModelReady):
        pass
    consultation = Consultation(entry.case, seed=0, prompt_format=alone.prompt_format,
                                context_tokens=alone.n_ctx)  # fmt: skip
    machine = Machine(
        {threading.main_thread().native_id: "GUI thread",
         win.backend._thread.native_id: "window's model thread",
         alone._thread.native_id: "alone's model thread"},
        {"window": win.backend, "alone": alone},
    )  # fmt: skip
    steps: list[Step] = []
    shot = ROOT / "artifacts" / "gui-bench-streaming.png"
    shot.unlink(missing_ok=True)  # this run's, not an earlier run's
    for question in questions:
        for order in orders:
            if order == "alone first":
                a = headless_turn(consultation, alone, events, question, REPLY_TOKENS, machine)
                w = gui_turn(app, page, question, machine)
            else:
                w = gui_turn(app, page, question, machine)
                a = headless_turn(consultation, alone, events, question, REPLY_TOKENS, machine)
            steps.append(Step(question, order, a, w))
            describe_step(len(steps), steps[-1], args.timeline)
            learner_pause(PAUSE_S)

    # What the learner sees while a reply streams, on one more question asked only in the window
    # and not timed (a grab blocks the GUI thread for a few hundred ms).
    original = page._append_reply

    def grab(text: str) -> None:
        original(text)
        if text and not shot.exists():
            shot.parent.mkdir(exist_ok=True)
            win.grab().save(str(shot))

    page._append_reply = grab
    gui_turn(app, page, questions[1])
    page._append_reply = original

    # The debrief narrative: model text within 10 s, or the template.
    started = time.perf_counter()
    page.submit([], "")  # scored and kept on the store thread, then the debrief is shown
    spin(app, lambda: win.pages.currentWidget() is win.debrief, 60)
    shown_s = time.perf_counter() - started
    spin(app, lambda: win.debrief.narrative_done, 120)
    narrative_s = time.perf_counter() - started - shown_s
    by_model = "model" in win.debrief.narrative.text().lower().split("<br>")[-1]
    alone.shutdown()
    win.close()
    app.processEvents()
    played = f"{len(questions)} questions, {entry.case.meta.id}"
    gui = {"shown_s": shown_s, "narrative_s": narrative_s, "by_model": by_model,
           "shot": shot.relative_to(ROOT)}  # fmt: skip
    return 0 if report(steps, played, orders, gui) else 1


if __name__ == "__main__":
    sys.exit(main())
