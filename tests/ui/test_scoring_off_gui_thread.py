"""Submitting a diagnosis and plan scores the attempt off the GUI thread.

Judging the diagnosis waits for the terminology when it is still being built; when scoring ran
on the GUI thread the window froze for 10.4 s (measured once). The real window, a real encrypted
profile and the real scorer: a wrapper notes the thread it is called on, and where a test needs
the scoring to take a while (as a terminology still building makes it) a fake, named so, holds
the real scorer back until the test lets it go.
"""

from __future__ import annotations

import threading
import time

import pytest
from PySide6.QtCore import QCoreApplication, QThread, QTimer
from PySide6.QtWidgets import QMessageBox

import simdesk.core.assess.modes as modes
from simdesk.core.assess.scoring import score as real_score
from tests.ui.conftest import PASSPHRASE, open_signed_in

TB = "pulmonary-tb-miner"
DIAGNOSIS = ["pulmonary tuberculosis"]
PLAN = "Sputum Xpert, start HRZE."


class ThreadRecordingScorer:
    """Not a fake: the real scorer, noting which thread called it."""

    def __init__(self) -> None:
        self.threads: list[tuple[threading.Thread, bool]] = []

    def __call__(self, *args, **kwargs):
        gui = QThread.currentThread() is QCoreApplication.instance().thread()
        self.threads.append((threading.current_thread(), gui))
        return real_score(*args, **kwargs)


class FakeTerminologyStillBuilding:
    """A fake for timing only: the real scorer, held back until the test releases it, as a
    terminology still being built holds it back (deterministic where a real build is not)."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, *args, **kwargs):
        self.started.set()
        if not self.release.wait(10):
            raise TimeoutError("the test never released the scorer")
        return real_score(*args, **kwargs)


class FakeScorerFailingOnce:
    """A fake failure: the first call raises, later calls are the real scorer."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("the terminology file could not be read")
        return real_score(*args, **kwargs)


@pytest.fixture
def win(qtbot, simdesk_home):
    window = open_signed_in(qtbot, name="Amina K.", start_model=False)
    yield window
    window.close()


def _play(qtbot, win):
    assert win.case_list.select_case(TB)
    win.case_list.start_button.click()
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.encounter, timeout=10_000)
    page = win.encounter
    page.ask("Do you sweat at night?")
    page.examine("listen to the chest")
    return page


def test_the_real_scorer_runs_off_the_gui_thread(qtbot, win, monkeypatch):
    scorer = ThreadRecordingScorer()
    monkeypatch.setattr(modes, "score", scorer)
    page = _play(qtbot, win)
    page.submit(DIAGNOSIS, PLAN)
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=30_000)
    [(thread, on_gui)] = scorer.threads
    assert not on_gui and thread is not threading.main_thread(), thread.name
    expected = real_score(page.session.case, page.encounter.events)
    assert win.debrief.debrief.percent == expected.percent > 0
    assert page.session.locked and not page.scoring
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    [attempt] = win.store.attempts()
    assert attempt.finished


def test_the_window_stays_responsive_and_says_it_is_scoring(qtbot, win, monkeypatch):
    scorer = FakeTerminologyStillBuilding()
    monkeypatch.setattr(modes, "score", scorer)
    page = _play(qtbot, win)
    started = time.monotonic()
    page.submit(DIAGNOSIS, PLAN)
    assert time.monotonic() - started < 2.0  # on the GUI thread it would wait for the release
    qtbot.waitUntil(scorer.started.is_set, timeout=10_000)
    assert win.pages.currentWidget() is page and page.scoring
    assert page.scoring_bar.isVisible() and "Scoring your diagnosis" in page.status.text()
    assert not page.diagnose_button.isEnabled() and not page.end_button.isEnabled()
    assert not page.question_edit.isEnabled()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(50)
    qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=2_000)  # the event loop runs
    timer.stop()
    win.navigate("progress")  # not away while scoring: the debrief is on its way
    assert win.pages.currentWidget() is page
    assert "being scored" in win.message_bar.label.text()
    scorer.release.set()
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=30_000)
    assert not page.scoring and not page.scoring_bar.isVisible()
    assert win.debrief.debrief.percent > 0


def test_a_scoring_failure_says_so_loses_nothing_and_scores_again(qtbot, win, monkeypatch):
    scorer = FakeScorerFailingOnce()
    monkeypatch.setattr(modes, "score", scorer)
    page = _play(qtbot, win)
    page.submit(DIAGNOSIS, PLAN)
    qtbot.waitUntil(page.retry_button.isVisible, timeout=30_000)
    assert win.pages.currentWidget() is page and not page.scoring
    assert "Scoring did not finish" in page.status.text()
    assert "could not be read" in win.message_bar.label.text()
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    [attempt] = win.store.attempts()
    assert not attempt.finished  # not kept as scored, and its log is all there
    kinds = [e.kind for e in win.store.events(attempt.id)]
    assert {"question", "exam", "diagnosis", "plan"} <= set(kinds)
    page.retry_button.click()
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=30_000)
    assert scorer.calls == 2 and not page.retry_button.isVisible()
    assert "first choice" in win.debrief.debrief.diagnosis
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    [attempt] = win.store.attempts()
    assert attempt.finished


def test_locking_while_scoring_keeps_the_scored_attempt(qtbot, win, monkeypatch):
    scorer = FakeTerminologyStillBuilding()
    monkeypatch.setattr(modes, "score", scorer)
    page = _play(qtbot, win)
    page.submit(DIAGNOSIS, PLAN)
    qtbot.waitUntil(scorer.started.is_set, timeout=10_000)
    win.lock()
    assert win.store is None
    scorer.release.set()
    qtbot.waitUntil(lambda: win.profile_dialog is not None and win.profile_dialog.isVisible(),
                    timeout=10_000)  # fmt: skip
    qtbot.waitUntil(win.ops.idle, timeout=30_000)
    assert win.pages.currentWidget() is not win.debrief  # nothing shown to whoever comes next
    assert not page.scoring
    dialog = win.profile_dialog
    dialog.name_box.setCurrentIndex(dialog.name_box.findData("Amina K."))
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: win.store is not None and win.overview is not None, timeout=30_000)
    qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=10_000)
    [attempt] = win.store.attempts()
    assert attempt.finished


def test_end_without_diagnosis_scores_off_the_gui_thread_too(qtbot, win, monkeypatch):
    scorer = ThreadRecordingScorer()
    monkeypatch.setattr(modes, "score", scorer)
    page = _play(qtbot, win)
    page.end_button.click()
    page.confirm.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=30_000)
    [(thread, on_gui)] = scorer.threads
    assert not on_gui and thread is not threading.main_thread()
