"""One whole encounter of a bundled case on the real default model, from unlock to the debrief."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import open_signed_in


@pytest.mark.model
def test_unlock_to_debrief_on_the_real_model(qtbot, default_model, screenshot):
    win = open_signed_in(qtbot, name="Baraka M.", start_model=True)
    qtbot.waitUntil(lambda: win.backend.ready.is_set(), timeout=60_000)
    # The ready event reaches the status line as a queued signal, just after the flag is set.
    qtbot.waitUntil(lambda: "loaded in" in win.model_status.text(), timeout=5_000)

    assert win.case_list.select_case("pulmonary-tb-miner")
    win.case_list.start_button.click()
    page = win.encounter
    with qtbot.waitSignal(page.reply_finished, timeout=60_000) as reply:  # ask
        qtbot.keyClicks(page.question_edit, "How long have you had the cough?")
        qtbot.keyClick(page.question_edit, Qt.Key.Key_Return)
    assert reply.args[0] and page.tokens_received >= 1
    page.examine(page.exam_panel.requests["chest"]["auscultation"])  # examine
    page.order("sputum AFB")  # order
    assert page.encounter.pending
    page.orders_panel.wait_next.click()  # wait for the result
    assert page.encounter.results
    page.treat("first-line TB treatment")  # treat
    screenshot(win, "30-full-encounter")
    page.open_diagnosis()  # diagnose
    page.dialog.entry.setText("pulmonary tuberculosis")
    page.dialog.buttons.accepted.emit()

    # Scoring runs off the GUI thread: the debrief page comes when the store answers.
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=20_000)
    qtbot.waitUntil(lambda: win.debrief.narrative_done, timeout=120_000)
    debrief = win.debrief.debrief
    assert debrief.percent > 0 and win.debrief.chart.bars
    assert "first choice" in debrief.diagnosis
    assert win.debrief.narrative.text()
    screenshot(win, "31-full-debrief")
    qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=20_000)
    win.close()
