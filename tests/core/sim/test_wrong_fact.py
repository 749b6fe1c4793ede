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
