"""Each screen's main flow on the real window, a real encrypted profile and the real cases.

The model is not started here (authored replies are shown), so these tests are deterministic;
the full encounter on the real model is in ``test_full_encounter.py``. Every screen is saved at
1280x720 into ``artifacts/``.
"""

from __future__ import annotations

import os

import pytest
from PySide6.QtCore import Qt, QUrl
from PySide6.QtWidgets import QMessageBox

from simdesk.core.errors import SimdeskError
from simdesk.core.store.profiles import ProfileManager
from simdesk.ui.main_window import MainWindow
from simdesk.ui.profile_dialog import strength_hint
from tests.ui.conftest import open_signed_in

TB = "pulmonary-tb-miner"


@pytest.fixture
def win(qtbot, simdesk_home):
    """A signed-in window (the site's instructor) with the library loaded, model not started."""
    broken = simdesk_home / "data" / "cases"
    broken.mkdir(parents=True)
    (broken / "half-written.yaml").write_text("schema_version: 1\nmeta: {id: half}\n")
    window = open_signed_in(qtbot, name="Amina K.", start_model=False)
    yield window
    window.close()


def _play_tb(qtbot, win):
    """Start the TB case from the library with the keyboard."""
    assert win.case_list.select_case(TB)
    qtbot.keyClick(win.case_list.list, Qt.Key.Key_Return)
    assert win.pages.currentWidget() is win.encounter
    return win.encounter


def _shortcut(qtbot, win, key) -> None:
    """Press Ctrl+key as a user would: in the active window, at the focused widget."""
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    qtbot.keyClick(win.focusWidget() or win, key, Qt.KeyboardModifier.ControlModifier)


def test_passphrase_strength_hint_grows_with_length():
    assert "Too short" in strength_hint("abc", 8)[0]
    assert strength_hint("zzzzzzzzzz", 8)[0].startswith("Weak")
    assert strength_hint("river dawn quiet", 8)[0].startswith("Fair")
    assert strength_hint("a quiet river at dawn", 8)[0].startswith("Strong")


def test_setup_dialog_shows_strength(qtbot, screenshot, simdesk_home):
    window = MainWindow(start_model=False)
    qtbot.addWidget(window)
    window.ask_for_profile()
    qtbot.waitUntil(lambda: window.profile_dialog is not None, timeout=20_000)
    dialog = window.profile_dialog
    qtbot.keyClicks(dialog.passphrase_edit, "short")
    assert "Too short" in dialog.strength.text()
    qtbot.keyClicks(dialog.passphrase_edit, " but now a long phrase")
    assert dialog.strength.text().startswith("Strong")
    screenshot(dialog, "10-setup-passphrase-strength")
    window.close()


def test_library_filters_search_and_broken_case(qtbot, win, screenshot):
    page = win.case_list
    broken = [e for e in page.entries if e.case is None]
    assert [e.path.name for e in broken] == ["half-written.yaml"]
    assert "cannot be played" in page.count_label.text()
    assert page.recommended.isVisible() and "Why:" in page.recommended_label.text()
    screenshot(win, "11-library")

    qtbot.keyClicks(page.search, "miner")
    shown = [r for r in range(page.list.rowCount()) if not page.list.isRowHidden(r)]
    assert [page.entries[r].case.meta.id for r in shown] == [TB]
    page.search.clear()
    page.filters["Specialty"].setCurrentText("paediatrics")
    shown = [page.entries[r] for r in range(page.list.rowCount()) if not page.list.isRowHidden(r)]
    assert shown and all(e.case.meta.specialty == "paediatrics" for e in shown)
    page.filters["Specialty"].setCurrentText("Any")
    page.filters["Status"].setCurrentText("Cannot be played")
    assert page.current_entry().case is None
    assert "half-written.yaml" in page.details.toPlainText()
    assert not page.start_button.isEnabled()
    screenshot(win, "12-library-broken-case")


def test_encounter_exam_orders_results_treatment_notes_and_debrief(qtbot, win, screenshot):
    page = _play_tb(qtbot, win)
    # Examine with the panel: region and manoeuvre.
    page.show_tab("Examine")
    page.exam_panel.regions.setCurrentRow(list(page.exam_panel.requests).index("chest"))
    page.exam_panel.buttons["auscultation"].click()
    assert "Crackles" in page.exam_panel.findings.item(0).text()
    # The button's request is what the transcript and the debrief show; no obstetric exam of a man.
    assert page.exam_panel.requests["chest"]["auscultation"] == "Chest: auscultate"
    assert "obstetric" not in page.exam_panel.requests
    # Order by abbreviation: CBC is the full blood count; it is pending, then arrives.
    page.show_tab("Orders")
    qtbot.keyClicks(page.orders_panel.catalog_search.search, "cbc")
    assert page.orders_panel.catalog_search.current_code() == "FBC"
    qtbot.keyClick(page.orders_panel.catalog_search.search, Qt.Key.Key_Return)
    assert "Full blood count: due in 60 min" in page.orders_panel.pending.item(0).text()
    page.ask("Do you sweat at night?")
    assert "due in 59 min" in page.orders_panel.pending.item(0).text()  # the clock moved
    page.orders_panel.wait_next.click()
    assert page.encounter.results and page.encounter.results[0].code == "FBC"
    assert "Full blood count" in page.orders_panel.results.toPlainText()
    screenshot(win, "13-encounter-orders-results")
    # Treat, take notes, get a hint.
    page.show_tab("Treat")
    qtbot.keyClicks(page.treat_panel.catalog_search.search, "O2")
    page.treat_panel.catalog_search.button.click()
    assert "Oxygen" in page.treat_panel.given.item(0).text()
    qtbot.keyClicks(page.treat_panel.catalog_search.search, "amoxicillin")
    qtbot.keyClicks(page.treat_panel.dose, "500 mg")
    page.treat_panel.route.setCurrentText("oral")
    page.treat_panel.frequency.setCurrentText("8-hourly")
    screenshot(win, "13b-encounter-treat-fields")
    page.treat_panel.catalog_search.button.click()
    assert "500 mg oral q8h" in page.treat_panel.given.item(0).text()
    screenshot(win, "13c-encounter-treat-given")
    page.show_tab("Notes")
    qtbot.keyClicks(page.notes, "Canary-note 7f3a: cough six weeks")
    page.save_notes()
    page.hint()
    assert page.tutor.isVisible() and "Tutor" in page.tutor.text()
    page.show_tab("Timeline")
    texts = [page.timeline.item(n).text() for n in range(page.timeline.count())]
    assert any("Ordered: " in t for t in texts) and any("Result: " in t for t in texts)
    assert not any("Gave: " in t or " 1 minutes" in t for t in texts)
    assert len(page.monitor.history) >= 4
    screenshot(win, "14-encounter-timeline")

    # Diagnose from the keyboard: Ctrl+D, type, Enter adds, then Submit.
    _shortcut(qtbot, win, Qt.Key.Key_D)
    dialog = page.dialog
    qtbot.waitUntil(dialog.isVisible)
    qtbot.keyClicks(dialog.entry, "pneumonia")
    qtbot.keyClick(dialog.entry, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.entry, "pulmonary TB")
    qtbot.keyClick(dialog.entry, Qt.Key.Key_Return)
    assert dialog.isVisible() and dialog.differential() == ["pneumonia", "pulmonary TB"]
    dialog.ranked.setCurrentRow(1)
    dialog.move(-1)
    qtbot.keyClicks(dialog.plan, "Sputum Xpert, HIV test, start TB treatment.")
    screenshot(dialog, "15-diagnosis-dialog")
    dialog.buttons.accepted.emit()

    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=20_000)
    debrief = win.debrief
    assert debrief.debrief.percent > 0
    assert "first choice" in debrief.debrief.diagnosis
    assert [bar for bar in debrief.chart.bars if bar[0] == "diagnosis"] == [("diagnosis", 100.0)]
    assert "Why it matters" in debrief.items.toPlainText()
    assert "Sputum Xpert" in debrief.items.toPlainText()  # the plan is shown back
    # Evidence links to its transcript line.
    seq = next(i for i in debrief.score.items if i.evidence).evidence[0].seq
    assert f'href="seq:{seq}"' in debrief.items.toHtml()
    debrief._follow(QUrl(f"seq:{seq}"))
    assert debrief.followed == seq
    assert "#fff2a8" in debrief.transcript.toHtml().lower()  # the line is highlighted
    screenshot(win, "16-debrief")

    qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=20_000)
    assert win.case_list.statuses[TB].best == debrief.debrief.percent
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    # Notes and the plan are stored with the attempt, encrypted; never in plaintext on disk.
    store, attempt = win.store, win.session.attempt.id
    notes = [e for e in store.events(attempt) if e.kind == "note"]
    assert notes[-1].text.startswith("Canary-note 7f3a")
    files = list((win.locations.data).rglob("*"))
    assert not any(b"Canary-note 7f3a" in f.read_bytes() for f in files if f.is_file())


def test_progress_dashboard_and_export(qtbot, win, screenshot, tmp_path):
    page = _play_tb(qtbot, win)
    page.submit(["pneumonia"], "")  # a weak attempt: items missed, reviews due
    qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=20_000)
    _shortcut(qtbot, win, Qt.Key.Key_2)
    progress = win.progress
    assert win.pages.currentWidget() is progress
    assert "1 scored attempt" in progress.summary.text()
    assert progress.line.values == [win.overview.history[0].percent]
    assert progress.domain_chart.bars and progress.competencies.rowCount() >= 1
    screenshot(win, "17-progress")

    progress.export_button.click()
    assert "not encrypted" in progress.warning.text()
    screenshot(progress.warning, "18-export-warning")
    progress.warning.button(QMessageBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: progress.file_dialog is not None and progress.file_dialog.isVisible())
    target = tmp_path / "report.html"
    progress.file_dialog.selectFile(str(target))
    progress.file_dialog.accept()
    qtbot.waitUntil(target.exists, timeout=20_000)
    assert "Progress of Amina K." in target.read_text(encoding="utf-8")


def test_settings_persist_display_and_cancel_an_import(qtbot, win, screenshot, tmp_path):
    _shortcut(qtbot, win, Qt.Key.Key_3)
    settings = win.settings
    qtbot.waitUntil(lambda: settings.models.rowCount() >= 1, timeout=20_000)
    assert settings.models.item(0, 0).text() == "gemma-3-270m"
    assert settings.models.item(0, 2).text() == "Q4_K_M"
    screenshot(win, "19-settings-model")
    settings.tabs.setCurrentIndex(2)
    sync = settings.sync_page
    qtbot.waitUntil(lambda: "Not enrolled" in sync.status.text(), timeout=10_000)
    assert sync.share.isEnabled() and sync.share.isChecked()  # a learner is signed in
    screenshot(win, "20-settings-sync")
    settings.tabs.setCurrentIndex(1)
    settings.font_size.setValue(14)
    settings.high_contrast.setChecked(True)
    qtbot.waitUntil(lambda: settings.high_contrast.fontInfo().pointSize() == 14, timeout=5_000)
    qtbot.wait(200)  # let the layouts settle to the larger text
    screenshot(win, "21-settings-high-contrast")
    settings.high_contrast.setChecked(False)
    settings.font_size.setValue(11)
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    manager = ProfileManager.for_locations(win.locations)
    assert manager.device.setting("ui.font_pt") == "11"
    assert manager.device.setting("ui.high_contrast") == "0"
    manager.close()

    # Import a file that is not a model: refused with a message naming it, nothing registered.
    bogus = tmp_path / "not-a-model.gguf"
    bogus.write_bytes(b"hello" * 1000)
    win.import_model(bogus)
    qtbot.waitUntil(win.message_bar.isVisible, timeout=20_000)
    assert "not-a-model.gguf" in win.message_bar.label.text()
    assert not settings.import_progress.isVisible()


def test_model_import_can_be_cancelled(qtbot, win, assembled_model, tmp_path):
    source = tmp_path / "clinic-model.gguf"
    os.link(assembled_model, source)
    win.navigate("settings")
    win.import_model(source)
    assert win.settings.import_progress.isVisible() and win.settings.import_cancel.isVisible()
    win.settings.import_cancel.click()
    qtbot.waitUntil(lambda: not win.settings.import_progress.isVisible(), timeout=30_000)
    assert "cancelled" in win.statusBar().currentMessage()
    assert not list(win.locations.models.glob("clinic-model*"))  # no partial copy left


def test_exam_mode_has_a_timer_no_hints_and_locks_on_submit(qtbot, win, screenshot):
    assert win.case_list.select_case(TB)
    win.case_list.exam_button.click()
    win.case_list.confirm.button(QMessageBox.StandardButton.Yes).click()  # asked first
    page = win.encounter
    assert win.pages.currentWidget() is page and page.session.mode == "exam"
    qtbot.waitUntil(lambda: "left" in page.clock.text(), timeout=5_000)
    assert "Exam:" in page.clock.text()
    assert not page.hint_button.isVisible()
    page.examine("listen to the chest")
    page.treat("start HRZE")  # before asking about allergies: practice mode would nudge here
    assert "TB treatment" in page.treat_panel.given.item(0).text()
    assert not page.tutor.isVisible()  # no nudges in an exam
    screenshot(win, "22-exam-mode")
    page.submit(["pulmonary tuberculosis"], "Sputum Xpert, start HRZE, trace contacts.")
    qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=20_000)
    assert page.session.locked
    assert not page.running
    with pytest.raises(SimdeskError, match="locked"):  # the submitted attempt takes no more
        page.session.check_open()
    screenshot(win, "23-exam-debrief")
