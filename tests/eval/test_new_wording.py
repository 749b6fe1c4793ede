"""benchmarks/case_quality.py counts the model's own wording apart from repeated lines."""

import importlib.util
from pathlib import Path

PATH = Path(__file__).parents[2] / "benchmarks" / "case_quality.py"
_spec = importlib.util.spec_from_file_location("case_quality", PATH)
case_quality = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(case_quality)
new_wording = case_quality.new_wording

AUTHORED = "I smoke about ten cigarettes a day. I have smoked for fifteen years."


def test_the_authored_line_or_a_stretch_of_it_is_not_new_wording():
    assert not new_wording("I smoke about ten cigarettes a day.", AUTHORED, [])
    assert not new_wording("i smoke about TEN cigarettes a day", AUTHORED, [])
    assert not new_wording(AUTHORED, AUTHORED, [])


def test_a_repeat_of_an_earlier_reply_in_the_case_is_not_new_wording():
    earlier = ["Yes, ten a day, for fifteen years."]
    assert new_wording("Yes, ten a day, for fifteen years.", AUTHORED, [])
    assert not new_wording("Yes, ten a day, for fifteen years.", AUTHORED, earlier)


def test_new_wording_is_matched_in_whole_words():
    assert new_wording("No.", "I do not know.", [])  # "no" is not inside "not"
    assert not new_wording("", AUTHORED, [])
