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
