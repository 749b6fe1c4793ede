"""Imported cases appear in the library at once, not after a restart (a new user's finding).

**Import cases…** (the instructor's) adds a case file or AgentClinic records through the ops
layer and the library is re-read through ``store_changed``; a case file written into the user
cases folder by something else (``simdesk cases import-agentclinic`` in a terminal while the app
is open) appears too. The real window, a real encrypted profile, the real importer.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from simdesk.cli import main
from simdesk.core.paths import bundled_cases_dir
from simdesk.ui.operations import LIBRARY_CHANGED
from tests.ui.conftest import open_signed_in

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "agentclinic" / "agentclinic_medqa_sample.jsonl"


def case_ids(win) -> set[str]:
    return {e.case.meta.id for e in win.case_list.entries if e.case is not None}


def copy_of_tb(folder: Path, case_id: str, title: str) -> Path:
    data = yaml.safe_load((bundled_cases_dir() / "pulmonary-tb-miner.yaml").read_text("utf-8"))
    data["meta"]["id"], data["meta"]["title"] = case_id, title
    path = folder / f"{case_id}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def choose(qtbot, win, path: Path) -> None:
    page = win.case_list
    assert page.import_button.isVisible() and page.import_button.isEnabled()
    page.import_button.click()
    qtbot.waitUntil(lambda: page.file_dialog is not None and page.file_dialog.isVisible())
    page.file_dialog.selectFile(str(path))
    page.file_dialog.accept()


def test_imported_cases_appear_at_once_and_are_selected(qtbot, tmp_path, simdesk_home,
                                                         screenshot):  # fmt: skip
    win = open_signed_in(qtbot, name="Amina K.", start_model=False)  # the instructor
    changes: list[str] = []
    win.ops.store_changed.connect(changes.append)
    try:
        before = case_ids(win)
        choose(qtbot, win, copy_of_tb(tmp_path, "tb-miner-district", "A miner at the district"))
        qtbot.waitUntil(lambda: "tb-miner-district" in case_ids(win), timeout=30_000)
        assert LIBRARY_CHANGED in changes
        page = win.case_list
        assert page.current_entry().case.meta.id == "tb-miner-district"  # shown, selected
        assert "A miner at the district" in page.details.toPlainText()
        assert page.import_button.isEnabled()
        qtbot.waitUntil(lambda: "Imported 1 case" in win.statusBar().currentMessage())

        page.search.setText("no such case anywhere")  # a filter hiding the next import
        choose(qtbot, win, SAMPLE)
        qtbot.waitUntil(lambda: len(case_ids(win)) >= len(before) + 11, timeout=60_000)
        assert page.current_entry() is not None and page.search.text() == ""
        assert page.current_entry().case.meta.id not in before
        screenshot(win, "61-library-after-import")

        choose(qtbot, win, tmp_path / "tb-miner-district.yaml")  # the same file again
        qtbot.waitUntil(lambda: win.message_bar.isVisible(), timeout=20_000)
        assert "already in the library" in win.message_bar.label.text()

        notes = tmp_path / "notes.txt"
        notes.write_text("not a case", encoding="utf-8")
        win.message_bar.hide()
        choose(qtbot, win, notes)
        qtbot.waitUntil(lambda: win.message_bar.isVisible(), timeout=20_000)
        assert "notes.txt is neither a case file" in win.message_bar.label.text()
        qtbot.waitUntil(win.ops.idle, timeout=10_000)
    finally:
        win.close()


def test_a_case_written_by_the_command_line_appears_while_the_app_is_open(qtbot, simdesk_home):
    win = open_signed_in(qtbot, name="Amina K.", start_model=False)
    try:
        before = case_ids(win)
        assert main(["cases", "import-agentclinic", str(SAMPLE)]) == 0  # into the user cases
        qtbot.waitUntil(lambda: len(case_ids(win)) >= len(before) + 10, timeout=30_000)
        assert win.case_list.count_label.text().startswith(f"{len(win.case_list.entries)} of")
        copy_of_tb(win.locations.user_cases, "tb-miner-by-hand", "Copied in by hand")
        qtbot.waitUntil(lambda: "tb-miner-by-hand" in case_ids(win), timeout=30_000)
        (win.locations.user_cases / "tb-miner-by-hand.yaml").unlink()
        qtbot.waitUntil(lambda: "tb-miner-by-hand" not in case_ids(win), timeout=30_000)
        qtbot.waitUntil(win.ops.idle, timeout=10_000)
    finally:
        win.close()
