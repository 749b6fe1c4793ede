"""Help (F1 per screen, shortcuts, the first-run tour), past debriefs, a learner's own
passphrase, adding a learner without locking, and the instructor's screens (issue 14)."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox

from simdesk.core.paths import locations
from simdesk.core.store.profiles import ProfileManager
from tests.ui.conftest import PASSPHRASE, SCREENSHOTS, open_signed_in

TB = "pulmonary-tb-miner"
LEARNER_PASS = "green mangoes in july"


@pytest.fixture
def win(qtbot, simdesk_home):
    window = open_signed_in(qtbot, name="Teacher Tumi", start_model=False)
    yield window
    window.close()


def test_f1_opens_the_guide_of_the_screen_in_front(qtbot, win, screenshot):
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    for key, topic, words in (("cases", "cases", "case library"),
                              ("progress", "progress", "Mastery"),
                              ("settings", "settings", "Import a model")):  # fmt: skip
        win.navigate(key)
        qtbot.keyClick(win.focusWidget() or win, Qt.Key.Key_F1)
        qtbot.waitUntil(lambda: win.help_dialog is not None and win.help_dialog.isVisible())
        assert win.help_dialog.topic == topic
        assert words in win.help_dialog.browser.toPlainText()
        screenshot(win.help_dialog, f"50-help-{topic}")
        win.help_dialog.reject()
    win.show_help("shortcuts")
    text = win.help_dialog.browser.toPlainText()
    for key in ("F1", "Ctrl+D", "Ctrl+I", "Esc", "Ctrl+Shift+L"):
        assert key in text
    screenshot(win.help_dialog, "51-help-shortcuts")


def test_first_sign_in_offers_a_tour_that_can_be_skipped_for_good(qtbot, simdesk_home, screenshot):
    manager = ProfileManager.for_locations(locations().ensure())
    manager.device.set_setting("ui.tour_done", "")
    manager.close()
    win = open_signed_in(qtbot, name="Teacher Tumi", start_model=False)
    qtbot.waitUntil(lambda: win.tour is not None and win.tour.isVisible(), timeout=10_000)
    tour = win.tour
    assert "Welcome" in tour.text.toPlainText() and tour.counter.text().startswith("1 of")
    tour.next_button.click()
    assert tour.counter.text().startswith("2 of")
    screenshot(tour, "52-tour")
    tour.skip_button.click()
    assert not tour.isVisible()
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    win.close()
    again = open_signed_in(qtbot, name="Teacher Tumi", start_model=False, existing=True)
    qtbot.wait(300)
    assert again.tour is None  # skipped once: not offered again
    again.close()


def test_a_learner_is_added_without_locking_and_changes_their_own_passphrase(qtbot, win):
    win.add_learner()
    qtbot.waitUntil(lambda: getattr(win, "new_learner_dialog", None) is not None
                    and win.new_learner_dialog.isVisible())  # fmt: skip
    dialog = win.new_learner_dialog
    assert dialog.focusWidget() is dialog.name_edit or dialog.name_edit.hasFocus()
    qtbot.keyClicks(dialog.name_edit, "Chipo M.")
    qtbot.keyClicks(dialog.passphrase_edit, LEARNER_PASS)
    qtbot.keyClicks(dialog.confirm_edit, LEARNER_PASS)
    qtbot.keyClicks(dialog.instructor_edit, PASSPHRASE)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=30_000)
    assert win.profile_name == "Teacher Tumi"  # still signed in as before
    win.lock()
    qtbot.waitUntil(lambda: win.profile_dialog is not None and win.profile_dialog.isVisible())
    box = win.profile_dialog.name_box
    labels = [box.itemText(n) for n in range(box.count())]
    assert "Teacher Tumi (instructor)" in labels and "Chipo M." in labels
    assert box.currentText() == "Chipo M."  # a learner's profile, not the instructor's unsaid
    win.profile_dialog.forgot_button.click()
    assert "instructor" in win.profile_dialog.error_label.text()
    qtbot.keyClicks(win.profile_dialog.passphrase_edit, LEARNER_PASS)
    win.profile_dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: win.profile_name == "Chipo M.", timeout=30_000)

    win.change_passphrase()
    change = win.passphrase_dialog
    qtbot.keyClicks(change.old_edit, "not my passphrase")
    qtbot.keyClicks(change.new_edit, "red roofs after the rain")
    qtbot.keyClicks(change.repeat_edit, "red roofs after the rain")
    change.buttons.accepted.emit()
    qtbot.waitUntil(lambda: change.buttons.isEnabled(), timeout=30_000)
    assert "passphrase" in change.error_label.text().lower() and change.isVisible()
    change.old_edit.setText(LEARNER_PASS)
    change.buttons.accepted.emit()
    qtbot.waitUntil(lambda: not change.isVisible(), timeout=30_000)
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    manager = ProfileManager.for_locations(win.locations)
    manager.unlock("Chipo M.", "red roofs after the rain").close()
    manager.close()


def test_instructor_screens_learners_reports_cohort_reset_and_audit(qtbot, win, screenshot):
    manager = ProfileManager.for_locations(win.locations)
    instructor = manager.unlock_instructor(PASSPHRASE)
    manager.create("Chipo M.", LEARNER_PASS, instructor).close()
    manager.close()
    win.open_instructor()
    dialog = win.instructor_dialog
    qtbot.keyClicks(dialog.passphrase_edit, "wrong passphrase")
    qtbot.keyClick(dialog.passphrase_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: dialog.unlock_button.isEnabled(), timeout=30_000)
    assert dialog.stack.currentWidget() is not dialog.tabs and dialog.gate_error.text()
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.unlock_button.click()
    qtbot.waitUntil(lambda: dialog.learners.rowCount() == 1, timeout=30_000)
    assert dialog.learners.item(0, 0).text() == "Chipo M."
    screenshot(dialog, "55-instructor-learners")
    dialog.report_button.click()
    qtbot.waitUntil(lambda: dialog.tabs.currentWidget() is dialog.report, timeout=30_000)
    assert "Chipo M." in dialog.report.summary.text()
    screenshot(dialog, "56-instructor-report")
    dialog.tabs.setCurrentIndex(2)
    assert dialog.cohort.item(0, 0).text() == "Chipo M."
    screenshot(dialog, "57-instructor-cohort")
    dialog.tabs.setCurrentIndex(0)
    dialog.reset_button.click()
    reset = dialog.reset_dialog
    qtbot.keyClicks(reset.new_edit, "a new start for chipo")
    qtbot.keyClicks(reset.repeat_edit, "a new start for chipo")
    reset.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    qtbot.waitUntil(lambda: not reset.isVisible(), timeout=30_000)
    assert "reset" in dialog.status.text()

    def audited() -> bool:
        return any(dialog.audit.item(r, 2).text() == "recovery"
                   for r in range(dialog.audit.rowCount()))  # fmt: skip

    qtbot.waitUntil(audited, timeout=30_000)
    dialog.tabs.setCurrentIndex(3)
    screenshot(dialog, "58-instructor-audit")
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    manager = ProfileManager.for_locations(win.locations)
    manager.unlock("Chipo M.", "a new start for chipo").close()
    manager.close()


def test_a_past_debrief_reopens_from_progress_and_exports_to_pdf(qtbot, win, screenshot,
                                                                 tmp_path):  # fmt: skip
    assert win.case_list.select_case(TB)
    win.case_list.start_button.click()
    page = win.encounter
    page.ask("Do you sweat at night?")
    page.examine("listen to the chest")
    page.submit(["pulmonary tuberculosis"], "Sputum Xpert, start HRZE.")
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=20_000)
    first = win.debrief.debrief.percent
    qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=20_000)
    win.navigate("cases")  # somewhere else, then back through Progress
    win.navigate("progress")
    progress = win.progress
    assert progress.past.rowCount() == 1 and progress.past.item(0, 2).text() == f"{first:.0f}%"
    screenshot(win, "53-progress-past-attempts")
    progress.open_debrief_button.click()
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=20_000)
    assert win.debrief.debrief.percent == first
    assert "Sputum Xpert" in win.debrief.items.toPlainText()  # the saved plan is shown
    screenshot(win, "54-past-debrief")

    win.debrief.pdf_button.click()
    assert "not encrypted" in win.debrief.warning.text()
    win.debrief.warning.button(win.debrief.warning.StandardButton.Save).click()
    qtbot.waitUntil(lambda: win.debrief.file_dialog is not None
                    and win.debrief.file_dialog.isVisible())  # fmt: skip
    target = tmp_path / "debrief.pdf"
    win.debrief.file_dialog.selectFile(str(target))
    win.debrief.file_dialog.accept()
    qtbot.waitUntil(target.exists, timeout=20_000)
    data = target.read_bytes()
    assert data.startswith(b"%PDF") and data.rstrip().endswith(b"%%EOF")
    assert data.count(b"/Subtype /Image") >= 2  # the domain chart and the vitals chart
    assert data.count(b"/Type /Page\n") + data.count(b"/Type /Page ") >= 1
    assert not list(tmp_path.glob(".*.partial"))
    shutil.copy(target, SCREENSHOTS / "54-debrief.pdf")  # for people to look at
