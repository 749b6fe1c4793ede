"""The question classifier learned from MTS-Dialog's real clinicians' questions."""

import pytest

from simdesk.core.sim.understanding import QuestionClassifier, bundled_classifier, load_examples


def test_it_learns_from_thousands_of_real_questions():
    examples = load_examples()
    assert len(examples) > 4000
    assert {label for label, _ in examples} >= {"past_history", "medications", "allergies"}


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Any allergies?", "allergies"),
        ("Are you on any regular medicines?", "medications"),
        ("Do you have any long-term health conditions?", "past_history"),
    ],
)
def test_whole_category_questions_are_read_confidently(question, topic):
    reading = bundled_classifier().read(question)
    assert reading.topic == topic and reading.probability >= 0.9


def test_an_off_topic_question_asks_for_no_history_category():
    assert bundled_classifier().read("What football team do you support?").topic is None


def test_a_classifier_learns_only_what_it_is_given():
    tiny = QuestionClassifier([("allergies", "any allergies"), ("medications", "any medicines")])
    assert tiny.read("allergies to anything?").label == "allergies"
