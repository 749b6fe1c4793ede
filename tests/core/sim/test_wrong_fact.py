"""Review-of-systems questions on imported AgentClinic cases must not disclose a fact of another
system (the 200-question run showed "Any urinary symptoms?" -> "No complications during birth at
39 weeks of gestation.": the topic pattern "urin" matched inside "during"). Real importer, real
matcher; no model."""

import pytest

from simdesk.core.cases.topics import text_topics
from simdesk.core.sim.disclosure import FactMatcher
from tests.eval import unseen


@pytest.fixture(scope="module")
def cases():
    return unseen.imported()


def _disclosed(case, question: str) -> list[str]:
    return [f.id for f in FactMatcher(case.facts).match(question).facts]


def test_a_urinary_question_does_not_get_the_birth(cases):
    # agentclinic-003: nothing in the record is about the bladder.
    assert _disclosed(cases[3], "Any urinary symptoms?") == []


def test_a_urinary_question_gets_the_urinary_denial_not_the_rash_during_antibiotics(cases):
    # agentclinic-005: "History of rash during antibiotic treatment" and "treated with amoxicillin
    # ... during which she developed a rash" were disclosed beside the real answer.
    assert _disclosed(cases[5], "Any urinary symptoms?") == ["review-of-systems-13"]


# Written before running, on cases whose history says "during" / "kitchen" and nothing on the
# bladder or the skin.
def test_a_waterworks_question_on_the_staring_episodes_case_discloses_nothing(cases):
    assert _disclosed(cases[12], "Any problems passing water?") == []


def test_an_itching_question_on_the_forgetful_case_discloses_nothing(cases):
    assert _disclosed(cases[99], "Have you had any itching?") == []


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("No complications during birth.", "ros_urinary"),
        ("A cesarean section due to nonreassuring fetal heart rate.", "ros_urinary"),
        ("Retired school teacher.", "ros_constitutional"),
        ("Difficulty in using kitchen appliances.", "ros_skin"),
        ("A cooperative child.", "surgery"),
    ],
)
def test_a_topic_word_inside_another_word_gives_no_topic(text, topic):
    assert topic not in text_topics(text, "history_of_presenting_illness", whole=False)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Pain during urination.", "ros_urinary"),
        ("Feels tired all day.", "ros_constitutional"),
        ("An itchy rash on the arms.", "ros_skin"),
        ("Had an operation on the knee.", "surgery"),
    ],
)
def test_the_topic_words_themselves_still_give_the_topic(text, topic):
    assert topic in text_topics(text, "history_of_presenting_illness", whole=False)


# "How long have you had this?" names nothing: it asks how long the presenting complaint has
# lasted. The 200-question run showed it answered with "I have been on natalizumab for the past
# year." (agentclinic-002, model text shown): the onset topic routed any fact stating a time.
def test_how_long_this_has_lasted_is_the_complaint_not_a_medicine(cases):
    got = _disclosed(cases[2], "How long have you had this?")
    assert got == ["history-of-presentin-5"]  # "reports new-onset difficulty walking"


def test_how_long_this_has_lasted_is_the_complaint_not_another_symptom(cases):
    # agentclinic-004: fatigue and abdominal pain "for the past 4 weeks", not the neck swelling
    # "for 4 days".
    for question in ("How long have you had this?", "How long has this been going on?"):
        assert _disclosed(cases[4], question) == ["history-of-presentin-5"]


def test_a_duration_question_that_names_a_symptom_is_not_the_complaint(cases):
    assert "history-of-presentin-4" in _disclosed(
        cases[4], "How long have you had the neck swelling?"
    )


# Written from the case file before running: a bundled case (authored cues).
def test_how_long_this_has_lasted_on_the_diarrhoea_case_is_the_diarrhoea():
    from simdesk.core.cases.library import load_library
    from simdesk.core.paths import bundled_cases_dir

    case = next(
        e.case
        for e in load_library(bundled_cases_dir())
        if e.ok and e.case.meta.id == "diarrhoea-severe-dehydration-toddler"
    )
    for question in ("How long has he had this?", "When did this all start?"):
        assert _disclosed(case, question) == ["watery-diarrhoea"], question
