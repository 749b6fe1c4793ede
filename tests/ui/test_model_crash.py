"""The real window survives its model process being killed mid-reply."""

from __future__ import annotations

import os
import signal

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import open_signed_in


@pytest.mark.model
def test_the_window_survives_the_model_process_killed_mid_reply(qtbot, default_model, screenshot):
    win = open_signed_in(qtbot, name="Baraka M.", start_model=True)
    qtbot.waitUntil(lambda: win.backend.ready.is_set(), timeout=60_000)
    assert win.case_list.select_case("pulmonary-tb-miner")
    win.case_list.start_button.click()
    page = win.encounter
    qtbot.waitUntil(lambda: page.consultation is not None, timeout=20_000)
    authored = next(f.patient_says for f in page.consultation.case.facts if f.id == "smoking")
    with qtbot.waitSignal(page.reply_finished, timeout=60_000) as reply:
        qtbot.keyClicks(page.question_edit, "Do you smoke?")
        qtbot.keyClick(page.question_edit, Qt.Key.Key_Return)
        qtbot.waitUntil(lambda: page.busy, timeout=10_000)
        os.kill(win.backend.child_pid, signal.SIGKILL)  # the model process dies mid-reply
    assert reply.args[0] == authored  # the authored line stands in for the lost reply
    qtbot.waitUntil(lambda: win.message_bar.isVisible(), timeout=10_000)
    message = win.message_bar.label.text()
    assert "SIGKILL" in message and "restarts at your next question" in message
    assert "restarts" in win.model_status.text()
    screenshot(win, "32-model-crashed")
    with qtbot.waitSignal(page.reply_finished, timeout=60_000) as second:
        qtbot.keyClicks(page.question_edit, "How long have you had the cough?")
        qtbot.keyClick(page.question_edit, Qt.Key.Key_Return)
    assert second.args[0] and win.backend.restarts == 1  # answered after the restart
    assert [e.kind for e in page.encounter.events].count("reply") == 2  # the log is whole
    win.close()
