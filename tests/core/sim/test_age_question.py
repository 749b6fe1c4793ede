"""A question on the patient's age is answered from the case's demographics, in the voice of
whoever answers: the walk-through's grandmother said "I am not sure." to "how old is the baby"
and the father did not know his daughter's age, though every case states the patient's age."""

import json

import pytest

from simdesk.cli import main
from simdesk.core.sim.demographics import age_words
from simdesk.core.sim.session import Encounter
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
    [(0.92, "11 months"), (1.17, "14 months"), (0.01, "1 week"), (0.05, "3 weeks"),
     (1 / 12, "1 month"), (3, "3 years"), (67, "67 years")],
)  # fmt: skip
def test_an_age_as_a_parent_says_it(years, said):
    assert age_words(years) == said
