"""The window and the command line write the same progress report for the same attempts: both
render it with simdesk.app.reports from the learner's encrypted store."""

from __future__ import annotations

import io
import re

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from simdesk.cli import main
from tests.ui.conftest import PASSPHRASE, open_signed_in

TB = "pulmonary-tb-miner"
TEACHER = "the teacher's own passphrase"
GENERATED = re.compile(r"Generated \d{4}-\d\d-\d\d \d\d:\d\d\.")


def cli(monkeypatch, argv: list[str], *lines: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    return main(argv)


def test_the_window_and_the_cli_write_the_same_report(qtbot, tmp_path, monkeypatch):
    assert cli(monkeypatch, ["profiles", "setup", "Teacher"], TEACHER) == 0
    assert cli(monkeypatch, ["profiles", "create", "Amina K."], TEACHER, PASSPHRASE) == 0
    win = open_signed_in(qtbot, name="Amina K.", start_model=False, existing=True)
    try:
        assert win.case_list.select_case(TB)
        qtbot.keyClick(win.case_list.list, Qt.Key.Key_Return)
        win.encounter.submit(["pneumonia"], "")  # a weak attempt: items missed, reviews due
        qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=20_000)

        progress = win.progress
        win.pages.setCurrentWidget(progress)
        progress.export_button.click()
        progress.warning.button(QMessageBox.StandardButton.Save).click()
        qtbot.waitUntil(lambda: progress.file_dialog is not None)
        from_window = tmp_path / "window.html"
        progress.file_dialog.selectFile(str(from_window))
        progress.file_dialog.accept()
        qtbot.waitUntil(from_window.exists, timeout=20_000)
    finally:
        win.close()

    from_cli = tmp_path / "cli.html"
    assert (
        cli(monkeypatch, ["profiles", "report", "Amina K.", "--out", str(from_cli)], TEACHER) == 0
    )

    window_page, cli_page = from_window.read_text("utf-8"), from_cli.read_text("utf-8")
    assert "Progress of Amina K." in window_page and "Recommended next" in window_page
    # The same page but for the minute it was generated at (the two run seconds apart).
    assert GENERATED.search(window_page) and GENERATED.search(cli_page)
    assert GENERATED.sub("", window_page) == GENERATED.sub("", cli_page)
