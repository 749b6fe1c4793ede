"""The real main window, offscreen, on the real default model and a real encrypted profile."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from simdesk.core.store.profiles import ProfileManager
from simdesk.ui.main_window import MainWindow

PASSPHRASE = "a quiet river at dawn"


@pytest.fixture
def window(qtbot, default_model):
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: win.backend.ready.is_set(), timeout=60_000)
    yield win
    win.close()


def _open_dialog(qtbot, win):
    win.ask_for_profile()  # the profile list is read on the db thread
    qtbot.waitUntil(
        lambda: win.profile_dialog is not None and win.profile_dialog.isVisible(), timeout=20_000
    )
    return win.profile_dialog


def _create_profile(qtbot, win, name="Amina K."):
    """A site's first run: the first profile is the instructor's."""
    dialog = _open_dialog(qtbot, win)
    assert dialog.mode == "setup"
    qtbot.keyClicks(dialog.name_edit, name)
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    qtbot.keyClicks(dialog.confirm_edit, PASSPHRASE)
    return dialog


def _ask(qtbot, win, question: str) -> str:
    page = win.encounter
    with qtbot.waitSignal(page.reply_finished, timeout=60_000) as blocker:
        qtbot.keyClicks(page.question_edit, question)
        qtbot.keyClick(page.question_edit, Qt.Key.Key_Return)
    return blocker.args[0]


@pytest.mark.model
def test_first_start_play_a_case_and_store_the_attempt(qtbot, window, screenshot, simdesk_home):
    win = window
    dialog = _create_profile(qtbot, win)
    screenshot(dialog, "01-create-profile")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: win.store is not None, timeout=30_000)
    assert not dialog.isVisible()
    screenshot(win, "02-case-list")

    qtbot.waitUntil(lambda: win.case_list.select_case("pulmonary-tb-miner"))
    qtbot.keyClick(win.case_list.list, Qt.Key.Key_Return)
    assert win.pages.currentWidget() is win.encounter
    assert "Themba Dlamini" in win.encounter.header.text()

    first = _ask(qtbot, win, "How long have you had the cough?")
    tokens_after_first = win.encounter.tokens_received
    second = _ask(qtbot, win, "Do you smoke?")
    assert tokens_after_first >= 2, "the first reply did not stream token by token"
    assert win.encounter.tokens_received > tokens_after_first
    assert first and second
    assert second in win.encounter.transcript.toPlainText()
    screenshot(win, "03-encounter")

    win.encounter.end_button.click()  # asks first, then ends and scores the attempt
    win.encounter.confirm.button(QMessageBox.StandardButton.Yes).click()
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=20_000)
    qtbot.waitUntil(lambda: win.debrief.narrative_done, timeout=60_000)
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    win.close()

    store = ProfileManager.for_locations(win.locations).unlock("Amina K.", PASSPHRASE)
    [attempt] = store.attempts()
    assert attempt.case_id == "pulmonary-tb-miner" and attempt.ended_at is not None
    events = store.events(attempt.id)
    questions = [e.text for e in events if e.kind == "question"]
    replies = [e for e in events if e.kind == "reply"]
    assert questions == ["How long have you had the cough?", "Do you smoke?"]
    assert [r.text for r in replies] == [first, second]
    assert all(isinstance(r.model_text_used, bool) for r in replies)
    assert [e.kind for e in events][-1] == "assessment"  # the scored result is kept
    store.close()


@pytest.mark.model
def test_stop_cancels_a_reply(qtbot, window):
    win = window
    dialog = _create_profile(qtbot, win, "Stopper")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: win.store is not None, timeout=30_000)
    qtbot.waitUntil(lambda: win.case_list.select_case("pulmonary-tb-miner"))
    win.case_list.start_button.click()
    page = win.encounter
    with qtbot.waitSignal(page.reply_finished, timeout=60_000):
        page.ask("What worries you most?")
        assert page.stop_button.isEnabled()
        page.stop_button.click()
    assert not page.busy and not page.stop_button.isEnabled()
    last = page.consultation.encounter.events[-1]
    assert (last.kind, last.guard) == ("reply", "stopped by the learner")
    # The conversation goes on after a stop.
    with qtbot.waitSignal(page.reply_finished, timeout=60_000):
        page.ask("Do you smoke?")
    assert page.consultation.encounter.events[-1].guard != "stopped by the learner"


@pytest.mark.model
def test_wrong_passphrase_shows_a_clear_message(qtbot, window):
    win = window
    manager = ProfileManager.for_locations(win.locations)
    manager.setup_instructor("Teacher", PASSPHRASE).close()
    manager.create("Baraka", PASSPHRASE, manager.unlock_instructor(PASSPHRASE)).close()
    manager.close()
    dialog = _open_dialog(qtbot, win)
    assert not dialog.creating
    dialog.name_box.setCurrentText("Baraka")
    qtbot.keyClicks(dialog.passphrase_edit, "not the passphrase")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "not correct" in dialog.error_label.text(), timeout=30_000)
    assert win.store is None and dialog.isVisible()


def test_damaged_model_leaves_the_app_usable(qtbot, screenshot, simdesk_home):
    from simdesk.core.paths import locations

    models = locations().ensure().models
    damaged = models / "gemma-3-270m-q4_k_m.gguf"
    damaged.write_bytes(b"GGUF" + bytes(4096))  # as a cut-off copy from a USB stick might be
    win = MainWindow()
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(win.message_bar.isVisible, timeout=20_000)
    message = win.message_bar.label.text()
    assert str(damaged) in message and "Delete" in message
    assert "unavailable" in win.model_status.text()
    qtbot.waitUntil(lambda: win.case_list.list.rowCount() >= 1, timeout=20_000)
    assert damaged.read_bytes() == b"GGUF" + bytes(4096)  # reported, not overwritten
    screenshot(win, "04-model-damaged")
    win.close()


def test_instructor_setup_then_auto_lock_asks_again(qtbot, simdesk_home):
    """First run sets up the instructor; idle time locks the profile and asks again."""
    from simdesk.core.store.autolock import IdleLock

    win = MainWindow(start_model=False)
    qtbot.addWidget(win)
    win.show()
    dialog = _create_profile(qtbot, win, "Teacher Tumi")
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: win.store is not None, timeout=30_000)
    assert win.lock_button.isEnabled() and win.idle.idle_seconds == 10 * 60
    now = [0.0]
    win.idle = IdleLock(1, clock=lambda: now[0])
    win._check_idle()
    assert win.store is not None  # not idle yet
    now[0] = 61
    win._check_idle()
    assert win.store is None and not win.lock_button.isEnabled()
    qtbot.waitUntil(lambda: win.profile_dialog.isVisible() and not win.profile_dialog.creating)
    assert win.profile_dialog.name() == "Teacher Tumi"
    qtbot.keyClicks(win.profile_dialog.passphrase_edit, PASSPHRASE)
    win.profile_dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: win.store is not None, timeout=30_000)
    win.close()
