"""The patient's voice on the real default model (issue 12): what reaches the screen, streamed or
final, is in the speaker's voice and answers the question."""

from __future__ import annotations

import re

import pytest

from simdesk.app.encounter import stream_reply
from simdesk.app.model import ModelService
from simdesk.core.cases.loader import load_case
from simdesk.core.consultation import Consultation
from simdesk.core.paths import bundled_cases_dir

pytestmark = pytest.mark.model

# Read independently of the guard: "he"/"she"/"the patient" from a patient speaking for himself,
# or a note's subjectless verb at the start of a clause ("Denies fever", "Rarely drinks").
THIRD_PERSON = re.compile(
    r"\b(he|she|his|him|her|he's|she's|the patient)\b|(^|[.,;] )(\w+ly )?"
    r"(has|denies|reports|complains|smokes|drinks|takes|works|lives|uses)\b",
    re.IGNORECASE,
)


@pytest.fixture
def model(default_model):
    with ModelService(default_model, lambda _event: None).start() as service:
        service.wait_ready()
        yield service


def _voice(model, consultation, question):
    pending = consultation.ask(question)
    shown: list[str] = []
    stream_reply(pending, model, shown.append)
    result = consultation.finish(pending)
    assert result.text.startswith("".join(shown))  # released text is never taken back
    return pending, "".join(shown), result


def test_notes_in_the_third_person_never_reach_the_screen(model):
    # Seen on the imported case: "Rarely drinks alcohol.", "Denies fever, weight loss, ..."
    from tests.eval import unseen

    case = unseen.imported()[20]
    consultation = Consultation(case)
    for question in ["Do you drink?", "Any other symptoms?", "Any tobacco use?",
                     "Have you noticed anything else wrong?"]:  # fmt: skip
        pending, released, result = _voice(model, consultation, question)
        for text in (released, result.text):
            assert not THIRD_PERSON.search(text), (question, text, pending.stream.raw_text)


def test_a_question_about_onset_is_answered_with_the_onset(model):
    case = load_case(bundled_cases_dir() / "acute-severe-asthma-adult.yaml")
    consultation = Consultation(case, decoding="bias")  # as seen: with the logit bias
    _, _, result = _voice(model, consultation, "since what age have you had asthma")
    if result.model_text_used:  # the model's words must carry the asthma's own time
        assert re.search(r"child|small|boy|young", result.text, re.IGNORECASE), result.text
    else:
        assert result.text == case.fact("asthma-history").patient_says


# What the nurse's concerns say, read independently of the guard: his idea, his fear, his question
# about antibiotics alone, his short-staffed health centre.
CONCERNS = re.compile(r"appendic|operat|surg|antibiotic|scared|afraid|fear|short of staff|staff")
# The new user's script, before the concerns (the authored lines: most replies were).
NURSE_HISTORY = [
    "what brings you in today", "any cough?", "how long have you had it", "any medicines?",
    "do you smoke", "any urinary symptoms", "where is the pain", "how long have you had the pain",
    "any vomiting?", "how is your appetite", "any fever", "any diarrhoea", "do you have a cough?",
    "any allergies", "have you had this before", "when did you last eat", "any headache?",
]  # fmt: skip


def test_what_is_shown_voices_the_disclosed_fact_no_stronger_and_the_debrief_agrees(model):
    # Seen by a new user (issue 12) after this history: "any fever" -> "I feel very hot and
    # shivery." (the fact: hot and a bit shivery), and the concerns' questions -> "I'm a nurse
    # at a health centre." (an echo of the social line), which the debrief credited as
    # "Discussed his fears and the question of antibiotics alone". Here the model voices the
    # fever, the diarrhoea, the allergies and the concerns; on this history it says "I feel very
    # hot and shivery." (shown by the guard before this test), and once that is refused the
    # transcript differs, so the echo may or may not come: the concerns' replies are read.
    from simdesk.core.assess.scoring import score_attempt

    case = load_case(bundled_cases_dir() / "acute-appendicitis-nurse.yaml")
    consultation = Consultation(case)
    for question in NURSE_HISTORY:
        if question in ("any fever", "any diarrhoea", "any allergies"):
            pending, released, result = _voice(model, consultation, question)
            for text in (released, result.text):
                assert not re.search(r"\b(very|really|so|extremely)\b", text), (question, text)
        else:
            consultation.finish(consultation.ask(question), voiced=False)
    for question in ["what are you worried about", "what do you think is going on",
                     "do you have any questions for me"]:  # fmt: skip
        pending, released, result = _voice(model, consultation, question)
        assert [f.id for f in pending.turn.facts] == ["concerns"]
        assert CONCERNS.search(result.text), (question, result.text, pending.stream.raw_text)
    consultation.encounter.end()
    item = next(i for i in score_attempt(case, consultation.encounter.events)["items"]
                if i["id"] == "options-discussed")  # fmt: skip
    told = [e["response"] for e in item["evidence"] if e["ref"] == "fact:concerns"]
    assert told and all(CONCERNS.search(t) for t in told), told
