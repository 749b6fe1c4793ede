"""The question box names who answers: in the GUI walk-through the grandmother answered every
question of the toddler's case while the box said 'Ask the patient a question' (a 14-month-old).
Real window at 1366x768, no model."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from tests.ui.conftest import open_signed_in


@pytest.mark.parametrize(
    ("case_id", "who"),
    [
        ("diarrhoea-severe-dehydration-toddler", "the grandmother"),
        ("severe-pneumonia-infant", "the father"),
        ("pulmonary-tb-miner", "the patient"),
    ],
)
def test_the_question_box_names_who_answers(qtbot, simdesk_home, case_id, who):
    win = open_signed_in(qtbot, name="Walker", start_model=False)
    win.resize(1366, 768)
    assert win.case_list.select_case(case_id)
    qtbot.keyClick(win.case_list.list, Qt.Key.Key_Return)
    edit = win.encounter.question_edit
    qtbot.waitUntil(lambda: who in edit.placeholderText(), timeout=10_000)
    assert edit.placeholderText() == f"Ask {who} a question and press Enter (Ctrl+K)"
    need = edit.fontMetrics().horizontalAdvance(edit.placeholderText())
    assert need <= edit.width() - 8, (need, edit.width())  # read whole, not cut
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    win.close()


def test_an_imported_child_record_is_answered_by_its_informant(qtbot, tmp_path, simdesk_home):
    """Issue 12, Deliver 4: an AgentClinic record of a child (record 14, a 2-day-old boy whose
    mother "reports that the infant has had bilious vomiting") is imported through the app as a
    user imports it; the mother's lines were labelled with the baby's name."""
    import json

    from tests.ui.test_case_import import ROOT, case_ids, choose

    records = ROOT / "tests" / "fixtures" / "agentclinic" / "agentclinic_medqa.jsonl"
    line = records.read_text(encoding="utf-8").splitlines()[13]
    assert json.loads(line)["OSCE_Examination"]["Patient_Actor"]["Demographics"].startswith("2-day")
    # the record's own number, so the case is the one ``cases import-agentclinic`` writes
    source = tmp_path / "record14.jsonl"
    source.write_text("\n" * 13 + line + "\n", encoding="utf-8")
    win = open_signed_in(qtbot, name="Importer", start_model=False)  # the instructor imports
    try:
        win.resize(1366, 768)
        choose(qtbot, win, source)
        case_id = "agentclinic-014-bilious-vomiting"
        qtbot.waitUntil(lambda: case_id in case_ids(win), timeout=60_000)
        assert win.case_list.select_case(case_id)
        qtbot.keyClick(win.case_list.list, Qt.Key.Key_Return)
        page = win.encounter
        qtbot.waitUntil(lambda: page.consultation is not None, timeout=10_000)
        patient = page.consultation.case.patient
        assert patient.informant is not None and patient.informant.relation == "mother"
        mother = f"{patient.informant.name} (mother)"
        assert f"history from the mother, {patient.informant.name}" in page.header.text()
        assert page.question_edit.placeholderText().startswith("Ask the mother a question")
        for question in ("What is your favourite colour?", "Do you like football?"):
            with qtbot.waitSignal(page.reply_finished, timeout=20_000):
                qtbot.keyClicks(page.question_edit, question)
                qtbot.keyClick(page.question_edit, Qt.Key.Key_Return)
        lines = page.transcript.toPlainText().splitlines()
        assert lines[0] == f"{mother}: Good morning, doctor. My son has bilious vomiting."
        said = [x for x in lines if not x.startswith("You: ")]
        assert len(said) == 3 and all(x.startswith(f"{mother}: ") for x in said), lines
        assert not any(x.startswith(f"{patient.name}:") for x in lines)
        qtbot.waitUntil(win.ops.idle, timeout=10_000)
    finally:
        win.close()
