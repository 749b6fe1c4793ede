"""The debrief PDF stands on its own: whose attempt (the learner), which case, when and in which
mode it was played, and none of the screen's hints ("Click a line..." means nothing on paper).
It is still written only after the warning that it is not encrypted.

The real window on a real encrypted profile; the PDF is Qt's own writer. What went on paper is
read from the printed document, and from the PDF file itself where poppler's pdftotext exists.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from datetime import datetime, timedelta

from PySide6.QtWidgets import QMessageBox

from simdesk.core.clock import utc_now
from tests.ui.conftest import SCREENSHOTS, open_signed_in

TB = "pulmonary-tb-miner"
TITLE = "Six weeks of cough in a gold miner"
WHEN = re.compile(r"Date and time:\s*(\d{4}-\d\d-\d\d \d\d:\d\d) UTC")
HINT = "Click a line"


def export(qtbot, win, target) -> None:
    """Export PDF… as a user does: the warning first, then the file dialog, then the file."""
    page = win.debrief
    page.file_dialog = None
    page.pdf_button.click()
    assert page.warning.isVisible() and "not encrypted" in page.warning.text()
    assert page.file_dialog is None, "the file dialog must come after the warning"
    page.warning.button(QMessageBox.StandardButton.Save).click()
    qtbot.waitUntil(lambda: page.file_dialog is not None and page.file_dialog.isVisible())
    assert page.file_dialog.selectedFiles()[0].endswith(page.suggested_file_name())
    page.file_dialog.selectFile(str(target))
    page.file_dialog.accept()
    qtbot.waitUntil(target.exists, timeout=20_000)
    assert target.read_bytes().startswith(b"%PDF")


def check_heading(text: str, *, learner: str, mode: str, near: datetime) -> None:
    flat = " ".join(text.split())
    assert f"Learner: {learner}" in flat, flat[:400]
    assert f"Case: {TITLE} ({TB})" in flat, flat[:400]
    assert f"Mode: {mode}" in flat, flat[:400]
    found = WHEN.search(flat)
    assert found, flat[:400]
    when = datetime.strptime(found.group(1), "%Y-%m-%d %H:%M")
    assert abs(when - near) <= timedelta(minutes=2), (when, near)
    assert HINT not in flat and "seq:" not in flat


def test_the_pdf_names_learner_case_time_and_mode_without_screen_hints(qtbot, tmp_path,
                                                                        simdesk_home):  # fmt: skip
    win = open_signed_in(qtbot, name="Amina K.", start_model=False)
    try:
        assert win.case_list.select_case(TB)
        win.case_list.start_button.click()
        page = win.encounter
        page.ask("Do you sweat at night?")
        page.examine("listen to the chest")
        page.submit(["pulmonary tuberculosis"], "Sputum Xpert, start HRZE.")
        submitted = utc_now()
        qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=20_000)
        assert HINT in win.debrief.items.toPlainText()  # the screen keeps its hint
        assert win.debrief.suggested_file_name().startswith(f"simdesk-debrief-{TB}-")

        target = tmp_path / "debrief.pdf"
        export(qtbot, win, target)
        check_heading(win.debrief.printed_text, learner="Amina K.", mode="Practice",
                      near=submitted)  # fmt: skip
        assert "Sputum Xpert" in win.debrief.printed_text  # the learner's plan is printed
        if shutil.which("pdftotext"):
            text = subprocess.run(["pdftotext", "-layout", str(target), "-"], check=True,
                                  capture_output=True, text=True, timeout=60).stdout  # fmt: skip
            check_heading(text, learner="Amina K.", mode="Practice", near=submitted)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(target, SCREENSHOTS / "60-debrief-with-heading.pdf")  # to look at

        # Reopened from Progress later: the time printed is the attempt's, not the reopening's.
        win.navigate("progress")
        win.progress.open_debrief_button.click()
        qtbot.waitUntil(lambda: win.pages.currentWidget() is win.debrief, timeout=20_000)
        again = tmp_path / "again.pdf"
        export(qtbot, win, again)
        check_heading(win.debrief.printed_text, learner="Amina K.", mode="Practice",
                      near=submitted)  # fmt: skip
        qtbot.waitUntil(win.ops.idle, timeout=10_000)
    finally:
        win.close()


def test_an_exam_attempt_is_printed_as_an_exam(qtbot, tmp_path, simdesk_home):
    win = open_signed_in(qtbot, name="Baraka O.", start_model=False)
    try:
        assert win.case_list.select_case(TB)
        win.case_list.exam_button.click()
        win.case_list.confirm.button(QMessageBox.StandardButton.Yes).click()
        qtbot.waitUntil(lambda: win.pages.currentWidget() is win.encounter)
        win.encounter.submit(["pulmonary tuberculosis"], "")
        submitted = utc_now()
        qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=20_000)
        export(qtbot, win, tmp_path / "exam.pdf")
        check_heading(win.debrief.printed_text, learner="Baraka O.", mode="Exam",
                      near=submitted)  # fmt: skip
        qtbot.waitUntil(win.ops.idle, timeout=10_000)
    finally:
        win.close()
