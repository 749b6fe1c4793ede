"""The IMCI general danger signs asked in the usual words are answered on the bundled child cases
(WHO IMCI chart booklet, 2014: "Is the child able to drink or breastfeed? Does the child vomit
everything? Has the child had convulsions? Is the child lethargic or unconscious?").

A walk-through asked the father of the 11-month-old with pneumonia "is she able to breastfeed"
and "can she breastfeed" and was told "I don't know about that.", although the case answers "is
she breastfeeding"; the debrief then scored the danger signs 0/3. "breastfeed" was stemmed to
"breastf" ("-ed" read as a past tense) while "breastfeeding" gave "breastfeed", and "bleed" gave
"ble" beside "bleeding"'s "bleed"; "hard to wake" shared nothing with "difficult to wake"."""

import json

import pytest

from simdesk.cli import main
from simdesk.core.sim.disclosure import terms
from simdesk.core.text import stem


def _run(tmp_path, capsys, case: str, questions: list[str]) -> dict:
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"steps": [{"ask": q} for q in questions]}))
    assert main(["run-script", case, str(script), "--json", "--no-model"]) == 0
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    ("one", "other"),
    [("breastfeed", "breastfeeding"), ("bleed", "bleeding"), ("need", "needs"),
     ("breastfed", "breastfeeds")],
)  # fmt: skip
def test_a_word_ending_in_eed_is_one_term_with_its_forms(one, other):
    assert terms(one) == terms(other)
    assert stem("needed") == "need" and stem("coughed") == "cough"


PNEUMONIA = [
    ("is she able to breastfeed", "not-breastfeeding"),
    ("can she breastfeed", "not-breastfeeding"),
    ("is she able to drink", "not-breastfeeding"),
    ("does she vomit everything", "no-fits-no-vomiting"),
    ("has she had convulsions", "no-fits-no-vomiting"),
    ("has she had any fits", "no-fits-no-vomiting"),
    ("is she unusually sleepy", "sleepy"),
    ("is she hard to wake", "sleepy"),
    ("is she lethargic or unconscious", "sleepy"),  # IMCI's own wording
]
MALARIA = [
    ("is he able to drink or breastfeed", "vomiting-unable-to-drink"),
    ("does he vomit everything", "vomiting-unable-to-drink"),
    ("has he had convulsions", "convulsions"),
    ("is he unusually sleepy", "not-waking"),
    ("is he difficult to wake", "not-waking"),
    ("is he lethargic or unconscious", "not-waking"),
]
DIARRHOEA = [
    ("is he able to drink", "drinking-poorly"),
    ("is he able to drink or breastfeed", "drinking-poorly"),
    ("does he vomit everything", "vomiting"),
    ("has he had fits", "fever"),  # "No cough, and no fits."
    ("is he unusually sleepy", "lethargy"),
    ("is he difficult to wake", "lethargy"),
    ("is he lethargic or unconscious", "lethargy"),
]


@pytest.mark.parametrize(
    ("case", "asked"),
    [("severe-pneumonia-infant", PNEUMONIA), ("cerebral-malaria-child", MALARIA),
     ("diarrhoea-severe-dehydration-toddler", DIARRHOEA)],
)  # fmt: skip
def test_the_danger_sign_questions_are_answered(tmp_path, capsys, case, asked):
    report = _run(tmp_path, capsys, case, [q for q, _ in asked])
    got = {step["input"]: step["facts"] for step in report["steps"]}
    missed = {q: got[q] for q, fact in asked if fact not in got[q]}
    assert not missed


def test_the_debrief_credits_the_danger_signs_asked_so(tmp_path, capsys):
    report = _run(
        tmp_path, capsys, "severe-pneumonia-infant",
        ["can she breastfeed", "does she vomit everything", "is she hard to wake"],
    )  # fmt: skip
    status = {item["id"]: item["status"] for item in report["score"]["items"]}
    assert status["history-danger-signs"] == "met"
