import pytest

from simdesk.core.sim.disclosure import FactMatcher
from simdesk.core.sim.session import Encounter


@pytest.mark.parametrize(
    ("question", "fact_id"),
    [
        ("So what brings you to the clinic?", "cough-duration"),
        ("how long has the cough been going on", "cough-duration"),
        ("Do you smoke cigarettes?", "smoking"),
        ("any blood in your phlegm?", "haemoptysis"),
        ("Have you been sweating at night?", "night-sweats"),
        ("Have you lost any weight?", "weight-loss"),
        ("What is your job?", "occupation"),
        ("When did you last test for HIV?", "hiv-status"),
        ("Are you allergic to anything?", "allergies"),
    ],
)
def test_questions_disclose_the_fact_they_ask_about(tb_case, question, fact_id):
    disclosure = FactMatcher(tb_case.facts).match(question)
    assert fact_id in [f.id for f in disclosure.facts]


@pytest.mark.parametrize(
    "question",
    ["What is the capital of France?", "Have you travelled to Brazil?", "hello", ""],
)
def test_off_case_questions_disclose_nothing(tb_case, question):
    assert FactMatcher(tb_case.facts).match(question).empty


def test_unmatched_question_gets_an_authored_unsure_line(tb_case):
    encounter = Encounter(tb_case, seed=3)
    turn = encounter.ask("Have you ever been to Brazil?")
    assert turn.facts == ()
    assert turn.authored_reply in tb_case.patient.unsure_lines


def test_encounter_log_and_clock(tb_case):
    encounter = Encounter(tb_case)
    turn = encounter.ask("Do you smoke?")
    encounter.record_reply(turn, "Ten a day.", model_text_used=True, reason="ok")
    assert [e.kind for e in encounter.events] == ["encounter_started", "question", "reply"]
    assert [e.seq for e in encounter.events] == [0, 1, 2]
    assert encounter.sim_minute == 1
    assert encounter.events[1].data["fact_ids"] == ["smoking"]
