"""A question on the patient's age is answered from the case's demographics, in the voice of
whoever answers: the walk-through's grandmother said "I am not sure." to "how old is the baby"
and the father did not know his daughter's age, though every case states the patient's age."""

import json

import pytest

from simdesk.cli import main
from simdesk.core.sim.demographics import age_words
from simdesk.core.sim.session import Encounter
from simdesk.importers.agentclinic.common import parse_demographics
from tests.eval import unseen


def _replies(tmp_path, capsys, case: str, questions: list[str]) -> dict[str, tuple[list, str]]:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"steps": [{"ask": q} for q in questions]}))
    assert main(["run-script", case, str(script), "--json", "--no-model"]) == 0
    steps = json.loads(capsys.readouterr().out)["steps"]
    return {s["input"]: (s["facts"], s["reply"]) for s in steps}


CARER_ASKED = ["how old is the baby", "How old is he?", "what is his age",
               "how old is your grandson", "age?", "when was he born"]  # fmt: skip
NOT_THE_CHILD = ["how old are you", "how old is your husband", "how old was he when he walked"]


@pytest.mark.parametrize(
    ("case", "says", "asked"),
    [
        ("diarrhoea-severe-dehydration-toddler", "He is 14 months old.", CARER_ASKED),
        ("severe-pneumonia-infant", "She is 11 months old.",
         ["how old is she", "how old is your daughter", "what is her age"]),
        ("cerebral-malaria-child", "He is 3 years old.", ["how old is the child"]),
    ],
)  # fmt: skip
def test_a_carer_gives_the_childs_age(tmp_path, capsys, case, says, asked):
    replies = _replies(tmp_path, capsys, case, asked + NOT_THE_CHILD)
    assert {q: replies[q] for q in asked} == {q: (["demographics-age"], says) for q in asked}
    assert not any("demographics-age" in replies[q][0] for q in NOT_THE_CHILD)


def test_a_patient_gives_their_own_age(tmp_path, capsys):
    asked = ["How old are you?", "what is your age", "what's your date of birth"]
    others = ["how old is your wife", "how old were you when you started smoking",
              "how old is the baby"]  # fmt: skip
    replies = _replies(tmp_path, capsys, "pulmonary-tb-miner", asked + others)
    assert {q: replies[q] for q in asked} == {
        q: (["demographics-age"], "I am 34 years old.") for q in asked
    }
    assert not any("demographics-age" in replies[q][0] for q in others)


def test_imported_cases_give_the_age_in_their_voice():
    """An imported record of a child names its informant (the parent who brought the child):
    the parent gives the child's age; an adult gives their own."""
    cases = unseen.imported()
    child = next(c for c in cases.values() if c.patient.age_years < 1)
    adult = next(c for c in cases.values() if c.patient.age_years >= 18)
    he = "He" if child.patient.sex == "male" else "She"
    turn = Encounter(child).ask("how old is your baby?")
    assert turn.authored_reply == f"{he} is {age_words(child.patient.age_years)} old."
    assert not Encounter(child).ask("how old are you?").facts
    turn = Encounter(adult).ask("how old are you?")
    assert turn.authored_reply == f"I am {int(adult.patient.age_years)} years old."


def test_a_fact_that_says_the_age_answers_it_instead():
    cases = unseen.imported()
    case = next(c for c in cases.values() if c.patient.age_years >= 18)
    fact = case.facts[0].model_copy(
        update={"id": "age-said", "patient_says": "I'm 35 years old.", "cues": ["how old are you"]}
    )
    case = case.model_copy(update={"facts": [fact, *case.facts[1:]]})
    assert [f.id for f in Encounter(case).ask("how old are you").facts] == ["age-said"]


@pytest.mark.parametrize(
    ("years", "said"),
    [(0.92, "11 months"), (1.17, "14 months"), (0.05, "3 weeks"), (1 / 12, "1 month"),
     (3, "3 years"), (67, "67 years"), (2 / 365.25, "2 days"), (7 / 365.25, "1 week"),
     (13 / 365.25, "13 days"), (6 / 365.25 / 24, "6 hours"), (0.0, "newborn")],
)  # fmt: skip
def test_an_age_as_a_parent_says_it(years, said):
    assert age_words(years) == said


@pytest.mark.parametrize(
    ("demographics", "said"),
    [("2-day-old male infant", "2 days"), ("5-day-old male newborn", "5 days"),
     ("Newborn, 3050-g (6-lb 12-oz) male, six hours post delivery", "6 hours"),
     ("2-week-old female newborn", "2 weeks"), ("Newborn, female", "newborn"),
     ("Newborn, born at 33 weeks of gestation", "newborn"), ("11-month-old boy", "11 months"),
     ("22-year-old male", "22 years")],
)  # fmt: skip
def test_the_importer_keeps_the_age_in_the_unit_the_record_states(demographics, said):
    assert age_words(parse_demographics(demographics).age_years) == said


# -- the name, and the speaker's own life and worries where the record says nothing -----------


def _silent(case_id: str):
    """A bundled case with no social or ideas-and-concerns facts: as imported records often are
    (no occupation, no worry given)."""
    from simdesk.core.cases.loader import load_case
    from simdesk.core.paths import bundled_cases_dir

    case = load_case(bundled_cases_dir() / f"{case_id}.yaml")
    kept = [f for f in case.facts if f.category not in ("social", "ideas_concerns_expectations")]
    return case.model_copy(update={"facts": kept})


def _said(encounter: Encounter, question: str) -> tuple[list[str], str]:
    turn = encounter.ask(question)
    return [f.id for f in turn.facts], turn.authored_reply


def test_a_patient_knows_their_own_name_life_and_worries():
    # A new user on imported records: "What do you do for work?" -> "Nobody has told me
    # that." / "I don't know about that."; "whats your name" -> "I don't know about that.";
    # "What are you worried about?" -> "I don't know about that."
    encounter = Encounter(_silent("stemi-retired-driver"))  # its unsure lines include hearsay
    for _ in range(3):  # every draw of the unsure line
        assert _said(encounter, "What do you do for work?") == ([], "I'd rather not say, doctor.")
        assert _said(encounter, "are you married?") == ([], "I'd rather not say, doctor.")
        ids, line = _said(encounter, "What are you worried about?")
        assert ids == [] and line.startswith("I'm worried it is something serious")
        ids, line = _said(encounter, "Do you have a rash?")
        assert ids == [] and "told" not in line
    said = _said(encounter, "whats your name")
    assert said == (["demographics-name"], "My name is Kwabena Owusu.")


def test_a_patient_never_says_someone_else_would_know_about_their_own_symptom():
    # Walk-through 2026-12-07, TB case: "is the cough worse at night" -> "Nobody has told me
    # anything about that." (one of the case's unsure lines): no "you" in the question. (The
    # case now says when the cough comes; a question on his own body it does not answer.)
    encounter = Encounter(_silent("pulmonary-tb-miner"))  # its unsure lines include hearsay
    for _ in range(6):  # every draw of the unsure line
        for question in ("is your voice hoarse", "any chest pain?"):
            ids, line = _said(encounter, question)
            assert ids == [] and "told" not in line, (question, line)


def test_a_carer_gives_the_childs_name_and_their_own():
    encounter = Encounter(_silent("diarrhoea-severe-dehydration-toddler"))
    assert _said(encounter, "what is his name?") == (["demographics-name"], "His name is Arif.")
    ids, line = _said(encounter, "what's your name?")
    assert ids == ["demographics-name"] and line == "I am Rahima Begum, his grandmother."
    ids, line = _said(encounter, "what are you worried about?")
    assert ids == [] and line.startswith("I am worried about him")
    # about the child, a carer may say someone else would know
    assert _said(encounter, "has he had a rash?")[1] in encounter.case.patient.unsure_lines


def test_an_age_question_about_someone_else_or_then_needs_a_fact_that_says_an_age():
    # A new user on the STEMI case: "how old is your husband/wife" got the home fact, "how old
    # were you when you started smoking" the pain's onset.
    from simdesk.core.cases.loader import load_case
    from simdesk.core.paths import bundled_cases_dir

    encounter = Encounter(load_case(bundled_cases_dir() / "stemi-retired-driver.yaml"))
    assert _said(encounter, "how old is your wife")[0] == []
    assert "pain-onset" not in _said(encounter, "how old were you when you started smoking")[0]
    # a fact that gives the age answers ("died suddenly of a heart attack at 58")
    assert _said(encounter, "how old was your brother when he died?")[0] == ["family-history"]
    # when the smoking began is the smoking, not the pain (the social topics narrow onset away)
    assert _said(encounter, "when did you start smoking")[0] == ["smoking"]
    assert _said(encounter, "when did the pain start?")[0] == ["pain-onset"]
