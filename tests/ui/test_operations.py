"""The window's operations layer on the real window, a real encrypted profile, offscreen.

Ops run off the GUI thread and report back on it; calls from another thread are refused; the
learner's pages follow ``store_changed``; the pool is one pool; no widget holds a Future.
"""

from __future__ import annotations

import ast
import threading
from concurrent.futures import Future
from pathlib import Path

import pytest
from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication

from simdesk.app.session import Attempt
from simdesk.core.assess.scoring import score
from simdesk.core.errors import StoreError
from simdesk.core.sim.session import Encounter
from simdesk.ui.operations import ATTEMPT_FINISHED, POOL_WORKERS, WrongThread, on_main_thread
from tests.ui.conftest import open_signed_in

TB = "pulmonary-tb-miner"
UI = Path(__file__).parents[2] / "src" / "simdesk" / "ui"


@pytest.fixture
def win(qtbot, simdesk_home):
    window = open_signed_in(qtbot, name="Amina K.", start_model=False)
    qtbot.waitUntil(window.ops.idle, timeout=10_000)
    yield window
    window.close()


def _in_thread(call):
    """Run ``call`` on a plain thread; what it raised (or None)."""
    raised = []

    def run() -> None:
        try:
            call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the test
            raised.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return raised[0] if raised else None


def test_store_ops_run_on_the_store_thread_and_report_on_the_gui_thread(qtbot, win):
    seen = {}

    def op(store):
        seen["op"] = threading.current_thread().name
        seen["op_on_main"] = on_main_thread()
        return store.attempts()  # the real SQLCipher store, read on the store thread

    def success(attempts):
        seen["success_on_main"] = on_main_thread()
        seen["attempts"] = attempts

    win.ops.store(op, success=success)
    qtbot.waitUntil(lambda: "attempts" in seen, timeout=10_000)
    assert seen["op"].startswith("simdesk-store") and not seen["op_on_main"]
    assert seen["success_on_main"] and seen["attempts"] == []

    failed = []
    unsaved = Attempt(TB, "1.0.0")  # never started: recording to it raises on the store thread
    win.ops.store(lambda store: unsaved.record(store, []),
                  failure=lambda exc: failed.append((exc, on_main_thread())))  # fmt: skip
    qtbot.waitUntil(lambda: bool(failed), timeout=10_000)
    assert isinstance(failed[0][0], StoreError) and failed[0][1]

    # A failure nobody handles reaches the message bar, with its fix.
    win.ops.store(lambda store: unsaved.record(store, []))
    qtbot.waitUntil(win.message_bar.isVisible, timeout=10_000)
    assert "never saved" in win.message_bar.label.text()


def test_ops_called_off_the_gui_thread_are_refused(qtbot, win):
    calls = (
        lambda: win.ops.store(lambda store: None),
        lambda: win.ops.query(lambda: None),
        lambda: win.ops.background(lambda report, cancelled: None, success=print),
    )
    for call in calls:
        raised = _in_thread(call)
        assert isinstance(raised, WrongThread) and "GUI thread" in str(raised)
    assert on_main_thread()
    assert win.ops.idle()  # nothing was queued by the refused calls


def test_background_work_shares_one_bounded_pool(qtbot, win):
    release = threading.Event()
    threads, done = set(), []

    def work(_report, _cancelled):
        threads.add(threading.current_thread().name)
        release.wait(10)
        return on_main_thread()

    tasks = [win.ops.background(work, success=done.append) for _ in range(3 * POOL_WORKERS)]
    qtbot.waitUntil(lambda: len(threads) == POOL_WORKERS, timeout=10_000)
    release.set()
    qtbot.waitUntil(lambda: len(done) == len(tasks), timeout=20_000)
    assert done == [False] * len(tasks)  # the work ran off the GUI thread...
    assert len(threads) == POOL_WORKERS and win.ops.pool.threads == POOL_WORKERS  # ...reused
    assert all(name.startswith("simdesk-work") for name in threads)
    assert not win.ops.tasks


def test_store_changed_refreshes_the_learner_pages(qtbot, win, tb_case):
    assert TB not in win.case_list.statuses and win.overview.progress.attempts == 0
    sim = Encounter(tb_case)
    sim.diagnose([tb_case.answer_key.diagnosis.primary])
    sim.end()

    def keep(store):  # a finished, scored attempt, saved as the window's submit saves it
        attempt = Attempt(tb_case.meta.id, tb_case.meta.version)
        attempt.start(store)
        attempt.record(store, list(sim.events))
        scored = score(tb_case, sim.events)
        return attempt.finish(store, tb_case, scored, sim.events[-1], "Amina K.")

    win.ops.store(keep)  # saved, but nothing said it changed: the pages stay as they were
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    qtbot.wait(200)
    assert TB not in win.case_list.statuses and win.overview.progress.attempts == 0

    with qtbot.waitSignal(win.ops.store_changed, timeout=10_000) as changed:
        win.ops.store(lambda store: None, changed=ATTEMPT_FINISHED)
    assert changed.args == [ATTEMPT_FINISHED]
    qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=10_000)
    assert win.case_list.statuses[TB].best is not None


def test_no_widget_holds_a_future(qtbot, win):
    """While an encounter is saving, no object of the window keeps a Future (behaviour) and
    the UI's source never waits on one (a read of the code)."""
    assert win.case_list.select_case(TB)
    win.case_list.start_button.click()
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.encounter, timeout=10_000)
    win.encounter.ask("How long have you had the cough?")
    for obj in [win, *win.findChildren(QObject), QApplication.instance()]:
        held = [name for name, value in vars(obj).items() if isinstance(value, Future)]
        assert not held, f"{type(obj).__name__} holds a Future in {held}"
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    assert win.session.attempt.id is not None  # the attempt's id arrived through its op
    assert [e.kind for e in win.store.events(win.session.attempt.id)][:1] == ["encounter_started"]

    for path in UI.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)
                 and isinstance(n.func, ast.Attribute) and n.func.attr == "result"]  # fmt: skip
        names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
        names |= {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute)}
        assert not calls, f"{path.name} waits on a result()"
        assert "Future" not in names, f"{path.name} uses Futures"
        if path.name != "operations.py":
            assert "Thread" not in names and "ThreadPoolExecutor" not in names, (
                f"{path.name} starts its own threads: use the window's ops"
            )


def test_cyclic_garbage_is_collected_on_the_gui_thread_only(qtbot, simdesk_home):
    """A worker allocating must never run the collector: it could free a widget off the GUI
    thread (a segfault with "Garbage-collecting" in a pool thread's stack was seen)."""
    import gc
    import threading

    from simdesk.ui.main_window import MainWindow

    win = MainWindow(start_model=False)
    qtbot.addWidget(win)
    assert not gc.isenabled()  # no automatic collection, in any thread
    collected_in: list[str] = []

    def note(phase, _info):
        if phase == "start":
            collected_in.append(threading.current_thread().name)

    gc.callbacks.append(note)
    try:
        done = threading.Event()

        def churn():  # plenty of cyclic garbage made in a worker
            for _ in range(50_000):
                a: list = []
                a.append(a)
            done.set()

        threading.Thread(target=churn, name="worker").start()
        assert done.wait(30)
        # the GUI thread's timer collects
        qtbot.waitUntil(lambda: bool(collected_in), timeout=5_000)
    finally:
        gc.callbacks.remove(note)
    assert set(collected_in) == {threading.main_thread().name}
