"""An imported record of a child names who answers for the child (issue 12, Deliver 4), and the
importer's note-speak leftovers a new user found are said as a patient says them.

The importer wrote a child's lines in a parent's voice but recorded no informant: the engine
guessed it back from the lines' pronouns for the age answer only, while the transcript label, the
prompt, the guard and the patient-now lines treated the child as the speaker.
"""

from __future__ import annotations

import functools
import json
import re
from collections import Counter
from pathlib import Path

import pytest

from simdesk.core.cases.schema import Case
from simdesk.core.consultation import Consultation
from simdesk.core.llm.prompt import persona_header, speaker_label
from simdesk.core.sim.demographics import age_fact
from simdesk.core.sim.session import Encounter
from simdesk.importers.agentclinic import CatalogIndex, ImportReport, record_to_case
from simdesk.importers.agentclinic.history import Voice, is_meta, spoken
from simdesk.importers.agentclinic.informant import (
    informant_relation,
    informant_says,
    older_informant,
)
from tests.eval import unseen

RECORDS = (
    Path(__file__).resolve().parents[2] / "fixtures" / "agentclinic" / "agentclinic_medqa.jsonl"
)


@functools.cache
def _record(number: int) -> dict:
    return json.loads(RECORDS.read_text(encoding="utf-8").splitlines()[number - 1])


def _case(number: int) -> Case:
    data = record_to_case(_record(number), number, CatalogIndex(None), ImportReport())
    return Case.model_validate(data)


def _osce(history: str, objective: str = "") -> dict:
    actor = {"Demographics": "3-year-old boy", "History": history}
    return {"Patient_Actor": actor, "Objective_for_Doctor": objective}


@pytest.mark.parametrize(
    ("history", "objective", "relation"),
    [
        ("The patient's mother reports a cough for 3 days.", "", "mother"),
        ("He was brought in by his grandfather after a fall.", "", "grandfather"),
        ("No other symptoms noted by the father.", "", "father"),
        ("Fever for 2 days.", "Assess the infant brought in by a concerned mother.", "mother"),
        # plural, neutral, or both parents named: a parent
        ("The parents report that the child has been breathing fast.", "", "parent"),
        ("No other symptoms reported by the caregiver.", "", "parent"),
        ("The mother reports a rash. The father notes a fever.", "", "parent"),
        # someone the record only mentions does not answer
        ("The mother had gestational diabetes. Lives with parents.", "", "parent"),
        ("An uncle on his mother's side had similar problems.", "", "parent"),
    ],
)  # fmt: skip
def test_the_informant_is_who_the_record_says_brings_the_child(history, objective, relation):
    assert informant_relation(_osce(history, objective)) == relation


# Older patients (12 and over) whose record says someone else tells the illness.
TOLD_BY_OTHERS = {29: "family member", 59: "roommate", 70: "husband", 89: "mother",
                  99: "daughter"}  # fmt: skip


def test_every_child_record_names_its_informant_and_adults_only_when_another_tells():
    cases = unseen.imported()
    named = {n: c.patient.informant for n, c in cases.items() if c.patient.informant}
    children = {n for n, c in cases.items() if c.patient.age_years < 12}
    assert len(children) == 26  # of 107 records
    assert set(named) == children | set(TOLD_BY_OTHERS)
    relations = Counter(named[n].relation for n in children)
    assert relations == {"mother": 11, "parent": 15}  # measured 2026-12-07
    assert {n: named[n].relation for n in TOLD_BY_OTHERS} == TOLD_BY_OTHERS
    for n, informant in named.items():
        patient = cases[n].patient
        assert informant.name != patient.name
        assert informant.relation in patient.persona.speech_style
        assert patient.speaker == f"{informant.name} ({informant.relation})"


@pytest.mark.parametrize(
    ("number", "why"),
    [
        (7, "His wife found him unconscious: she found him, he tells the rest"),
        (49, "brought in by his mother: bringing is not telling"),
        (51, "the mother reports her own pregnancy, not the presenting illness"),
        (64, "brought in by her boyfriend, and she reports her symptoms herself"),
        (90, "accompanied by his wife, who observed his memory: he tells the tremor"),
        (101, "his wife adds a detail; he tells his beliefs"),
    ],
)  # fmt: skip
def test_an_older_patient_mentioned_with_family_still_speaks(number, why):
    osce = _record(number)["OSCE_Examination"]
    assert older_informant(osce) is None, why
    assert _case(number).patient.informant is None


def test_an_older_patient_s_informant_tells_the_history_in_their_own_voice():
    wife = _case(70)  # "The patient's husband reports that she initially complained of ..."
    assert wife.patient.informant.relation == "husband"
    assert wife.patient.opening_line == "Good morning, doctor. My wife has confusion."
    lines = [f.patient_says for f in wife.facts]
    assert ("She initially complained of abdominal pain, diarrhea, and fatigue after eating and "
            "has vomited 3 times.") in lines  # fmt: skip
    father = [f.patient_says for f in _case(99).facts]  # "The patient's daughter reports a ..."
    assert "For a week, he has had right leg weakness, unsteady gait, and multiple falls." in father
    roommate = [f.patient_says for f in _case(59).facts]  # "The patient's roommates report ..."
    assert "He has been displaying increasingly aggressive and unusual behavior." in roommate
    assert (
        "He has been under significant stress due to final exams and has become more reclusive."
    ) in roommate  # "They mention that ...": the informant is one of them
    assert (
        "He hasn't had any fever, vomiting, diarrhea, dysuria, or flank pain prior to the event."
    ) in roommate  # "Roommates did not report any fever, ..."
    family = [f.patient_says for f in _case(29).facts]  # "brought ... by her family"
    assert "We brought her to the emergency room due to altered mental status." in family
    assert "My relative has had hypertension, managed with medication." in family
    teen = _case(89)  # the primary symptom is "Mother reports lackluster grades and ..."
    assert teen.patient.opening_line == (
        "Good morning, doctor. My daughter has lackluster grades and perceived attention issues."
    )
    assert "My child shows irritability towards me." in [f.patient_says for f in teen.facts]
    for case in (wife, _case(99), _case(59), _case(29), teen):
        for fact in case.facts:
            said = fact.patient_says
            assert not re.search(r"\bI (?:report|mention)|\bI have been brought|reports\b", said)
    encounter = Encounter(wife)
    assert encounter.ask("How old is she?").authored_reply == "She is 44 years old."
    assert encounter.ask("What is your name?").authored_reply == (
        f"I am {wife.patient.informant.name}, her husband."
    )


def test_every_part_reads_the_informant_from_the_case():
    case = _case(14)  # a 2-day-old boy; "The mother reports that the infant has had ..."
    informant = case.patient.informant
    assert informant is not None and informant.relation == "mother"
    view = case.patient_view()
    assert speaker_label(view) == "Mother"
    assert f"{informant.name}, the mother, answers for the patient." in persona_header(view)
    consultation = Consultation(case)
    guard = consultation.guard_for(case.facts[:1], "What is the problem?")
    assert guard._speaker  # the guard lets the mother speak of him in the third person
    encounter = Encounter(case)
    assert encounter.ask("How old is he?").authored_reply == "He is 2 days old."
    assert not encounter.ask("How old are you?").facts  # the mother's age is not his
    later = Encounter(case)
    # before anything is done, "how is he now?" asks for the complaint: the history answers
    assert later.ask("How is he now?").state is None
    later.treat("oxygen")
    now = later.ask("How is he now?")
    assert now.state is not None and now.authored_reply.startswith("He ")


def test_the_informant_tells_the_history_in_her_own_voice():
    says = {f.content: f.patient_says for f in _case(14).facts}
    told = "The mother reports that the infant has had bilious vomiting"
    [line] = [s for c, s in says.items() if c.startswith(told)]
    assert line.startswith("My child has had bilious vomiting")
    assert not any("mother" in s.lower() for s in says.values())
    lines = [f.patient_says for f in _case(67).facts]  # the mother of a 1-month-old
    assert "I took prenatal vitamins." in lines
    assert "Prenatal testing indicated I was not immune to rubella." in lines


@pytest.mark.parametrize(
    ("note", "relation", "said"),
    [
        ("The patient's mother reports noticing papules on the child's abdomen.", "mother",
         "I noticed papules on the child's abdomen."),
        ("The parents report that the child appears unwell.", "parent",
         "The child appears unwell."),
        ("The patient is presented by his mother for a well-child visit.", "mother",
         "I brought him in for a well-child visit."),
        ("His mother reports that despite the feeding difficulties, she believes he is gaining "
         "weight.", "mother", "Despite the feeding difficulties, I believe he is gaining weight."),
        ("No other complaints provided by the mother.", "mother", "No other complaints."),
        ("The mother had gestational diabetes.", "mother", "I had gestational diabetes."),
        # a neutral "parent" may not be the mother: she stays "the mother"
        ("The mother had gestational diabetes.", "parent", "The mother had gestational diabetes."),
    ],
)  # fmt: skip
def test_the_record_s_report_of_the_informant_is_said_by_them(note, relation, said):
    sex = {"mother": "female", "parent": None}[relation]
    assert informant_says(note, relation, sex, "male") == said


ME = Voice(carer=False, sex="female")


@pytest.mark.parametrize(
    ("line", "said"),
    [
        # record 20: "She describes the pain as radiating ..."
        ("I describe the pain as radiating down my leg.", "My pain is radiating down my leg."),
        ("I describe my job as stressful and mention poor sleep quality.",
         "My job is stressful and I have poor sleep quality."),
        ("I describe experiencing a false sensation of motion.",
         "I have a false sensation of motion."),
        # record 20: a present perfect at a past time
        ("I've been exercising in the gym several hours ago when I felt a pain.",
         "I was exercising in the gym several hours ago when I felt a pain."),
        ("I've been noticing a lesion on my chest 2 months ago, which has grown.",
         "I noticed a lesion on my chest 2 months ago, which has grown."),
        ("I've been having pain since 2 days ago.", "I've been having pain since 2 days ago."),
        # record 4: a third-person verb left after "I"
        ("I've also been feeling a fullness and has difficulty wearing my usual clothing.",
         "I've also been feeling a fullness and have difficulty wearing my usual clothing."),
        ("The pain worsens when I holds my son and is eased with ice.",
         "The pain worsens when I hold my son and is eased with ice."),
        ("I notice that the rash worsens but has not resolved.",
         "I notice that the rash worsens but has not resolved."),
        ("I mention adopting a diet but hasn't noticed benefits.",
         "I've been adopting a diet but haven't noticed benefits."),
        # record 59: someone else's report
        ("They mention that I have been under stress and has become reclusive.",
         "They say that I have been under stress and have become reclusive."),
        ("I mention being treated for esophagitis 6 months ago.",
         "I was treated for esophagitis 6 months ago."),
        ("I mention being sexually active with one partner.",
         "I am sexually active with one partner."),
        ("I mention that my legs have been swollen for years and that my mother had the same.",
         "My legs have been swollen for years and my mother had the same."),
        ("I report bloody loose bowel movements.", "I have bloody loose bowel movements."),
        ("I report recent return from a camping trip.",  # an event, not something one has
         "I report recent return from a camping trip."),
        ("I have never had any serious illness reported by the roommates.",
         "I have never had any serious illness."),
        # record 22 in a real window: "does anyone in the family have joint problems?" ->
        # "I also reveal that my mother has rheumatoid arthritis."; record 101's wife "adds"
        ("I also reveal that my mother has rheumatoid arthritis.",
         "My mother has rheumatoid arthritis."),
        ("I admit that I drink every day.", "I drink every day."),
        ("My wife adds that I have been increasingly withdrawn.",
         "My wife says that I have been increasingly withdrawn."),
    ],
)  # fmt: skip
def test_note_speak_a_new_user_found_is_said_as_a_patient_says_it(line, said):
    assert spoken(line, ME) == said


def test_a_record_silent_on_something_says_nothing_of_it():
    # "No mention of smoking, alcohol, or drug use." became "No smoking.", "Alcohol.", "Or drug
    # use.": the record does not say she does not smoke.
    assert is_meta("No mention of smoking, alcohol, or drug use.")
    lines = [f.patient_says for f in _case(107).facts]
    assert not any("smok" in line.lower() or line == "Alcohol." for line in lines)


def test_a_fact_the_record_repeats_is_said_once_in_its_own_section():
    # record 42 said smoking and alcohol in the History and the Social_History, and the
    # diagnosis of body dysmorphic disorder in the History and the Past_Medical_History
    facts = _case(42).facts
    smoking = [f for f in facts if "smok" in f.patient_says.lower()]
    assert [(f.category, f.patient_says) for f in smoking] == [
        ("social", "I do not smoke or drink alcohol.")
    ]
    bdd = [f for f in facts if "dysmorphic" in f.patient_says]
    assert [f.category for f in bdd] == ["past_history"]
    # a term two words fold together is no repeat: the record names both
    lines = [f.patient_says for f in _case(80).facts]
    assert "I also have malaise." in lines and "I also have fatigue." in lines


def test_a_grandmother_calls_the_child_her_grandson():
    record = json.loads(json.dumps(_record(14)))
    actor = record["OSCE_Examination"]["Patient_Actor"]
    actor["History"] = actor["History"].replace("The mother reports", "The grandmother reports")
    record["OSCE_Examination"]["Objective_for_Doctor"] = "Assess the infant."
    case = Case.model_validate(record_to_case(record, 14, CatalogIndex(None), ImportReport()))
    assert case.patient.informant is not None and case.patient.informant.relation == "grandmother"
    assert case.patient.opening_line.startswith("Good morning, doctor. My grandson has")
    lines = [f.patient_says for f in case.facts]
    assert "My grandson has bilious vomiting." in lines
    assert not any("my child" in line.lower() for line in lines)


def test_an_age_said_as_a_year_is_checked():
    # Once the prompt voiced record 52's parent, the model said "She is a year old." of a
    # 3-year-old, and the guard passed it: "a year" was read as no amount of time.
    from simdesk.core.llm.guard import time_amounts
    from simdesk.core.sim.demographics import age_fact
    from simdesk.core.text import words

    assert time_amounts(words("She is a year old.")) == {(1.0, "year")}
    case = _case(52)
    fact = age_fact(case.patient, carer=True)
    assert fact.patient_says == "She is 3 years old."
    guard = Consultation(case).guard_for((fact,), "How old is the child?")
    assert not guard.check("She is a year old.").ok
    assert guard.check("She is 3 years old.").ok


@pytest.mark.parametrize(
    ("question", "now"),
    [("How is your child now?", True), ("How is the baby doing now?", True),
     ("How is your son?", True), ("Does the baby seem better now?", True),
     ("How is your child feeding?", False), ("How is your husband now?", False)],
)  # fmt: skip
def test_the_informant_is_asked_how_the_child_is_now(question, now):
    # The model run on the imported child records asked every one "How is your child now?" and
    # got "I don't know about that.": only "how is he/she" was read as the patient now.
    from simdesk.core.sim.state import state_topic

    assert (state_topic(question) is not None) == now, question
    if now:
        # before anything is done, the complaint answers where the history reads the question
        # as it ("about the same" says nothing yet), else how he is now
        turn = Encounter(_case(14)).ask(question)
        said = ("My child has bilious vomiting.", "He ")
        assert turn.authored_reply.startswith(said), turn.authored_reply


# The record's age in its own unit: every "N-day-old", "N-hour-old" and "newborn" was 0.01 years,
# said as "1 week old" (record 14, a 2-day-old: "He is 1 week old."); "born at 33 weeks of
# gestation" was 0.05 years, "3 weeks old".
NEWBORN_AGES = {
    8: "newborn",  # "Newborn, female": no number is invented
    14: "He is 2 days old.",  # "2-day-old male infant"
    31: "She is a newborn.",  # "Newborn, born at 33 weeks of gestation": no age
    39: "He is 6 hours old.",  # "Newborn, ... male, six hours post delivery"
    73: "He is 5 days old.",  # "5-day-old male newborn"
    83: "She is 2 weeks old.",  # "2-week-old female newborn"
    106: "She is 4 days old.",  # "4-day-old newborn"
}


@pytest.mark.parametrize(("number", "said"), NEWBORN_AGES.items())
def test_a_newborn_record_gives_the_age_it_states(number, said):
    case = _case(number)
    if said == "newborn":
        assert case.patient.age_years == 0 and case.patient.age_label == "newborn"
        return
    assert Encounter(case).ask("How old is the baby?").authored_reply == said
    age = said.split(" is ")[1].removesuffix(".").removesuffix(" old").removeprefix("a ")
    assert case.patient.age_label == age


def test_the_guard_refuses_a_wrong_age_for_a_newborn():
    """Record 39's model reply "My child is 1 week old." passed the guard because the age fact
    said the same wrong age; against the record's 6 hours (or 2 days) it is refused."""
    for number, right in ((39, "My child is 6 hours old."), (14, "He is 2 days old.")):
        case = _case(number)
        fact = age_fact(case.patient, carer=True)
        guard = Consultation(case).guard_for((fact,), "How old is the baby?")
        assert not guard.check("My child is 1 week old.").ok
        assert not guard.check("He is a week old.").ok
        assert guard.check(right).ok, guard.check(right).reason


def test_a_region_the_record_examines_says_nothing_that_contradicts_the_record():
    # record 22 in a real window: "MSK exam" said "No joint swelling or deformity ... Full range
    # of movement." before the record's "Tender, erythematous, swollen, limited range of motion",
    # and "look at his eyes" said "Conjunctivae pink" for a bilateral conjunctivitis
    encounter = Encounter(_case(22))
    msk = encounter.examine("MSK exam").text
    assert "Tender, erythematous, swollen" in msk
    assert "No joint swelling" not in msk and "Full range of movement" not in msk
    assert "Conjunctivae pink" not in encounter.examine("look at his eyes").text
    # the record's finding, which names no manoeuvre, answers the whole region (641c293)
    eyes = encounter.examine("examine the eyes").text
    assert eyes == "Eyes, special: Bilateral inflammation of the conjunctiva"
    # a region the record does not examine keeps the catalog's normal
    assert "Vesicular breath sounds" in encounter.examine("listen to the chest").text


def test_looking_at_a_region_shows_the_record_finding_filed_there_as_special():
    # record 22 in a real window: "look at his eyes" gave the normal inspection, and the debrief
    # marked "Examined: Ophthalmologic Examination - Eyes" missed
    encounter = Encounter(_case(22))
    eyes = encounter.examine("look at his eyes")
    assert [ln.finding.id for ln in eyes.lines if ln.finding] == ["ophthalmologic-examination-eyes"]
    knee = encounter.examine("feel the knee")
    assert "Tender, erythematous, swollen" in knee.text


def test_a_special_sign_asked_for_with_a_looking_word_is_the_sign():
    from simdesk.core.cases.loader import load_case
    from simdesk.core.paths import bundled_cases_dir

    case = load_case(bundled_cases_dir() / "bacterial-meningitis-adolescent.yaml")
    kernig = Encounter(case).examine("look for Kernig's sign")
    assert "Kernig's sign positive" in kernig.text
    # was "Neurological, auscultation: Nothing abnormal found." for marked neck stiffness
    stiff = Encounter(case).examine("listen for neck stiffness")
    assert "Marked neck stiffness" in stiff.text
    assert "Conjunctivae pink" in Encounter(case).examine("look at her eyes").text


def test_what_the_informant_calls_the_patient_is_not_the_family_history():
    # Record 99: the daughter speaks ("My father has right leg weakness and unsteady gait."). A
    # family-history question disclosed his complaint and his forgetfulness (3 own tuning
    # phrasings and 11 real clinicians' questions on this record): "my father has" read as a
    # relative's illness. What the informant calls the patient is the patient.
    case = _case(99)
    encounter = Encounter(case)
    for question in ("Any family history of illness?", "Does diabetes run in the family?"):
        assert not encounter.ask(question).facts, question
    assert encounter.ask("What brings him in?").facts  # his complaint is still there
    # The patient's own relatives stay family history where the patient speaks (record 70's
    # husband calls her "my wife"; a case without an informant keeps every "my father has").
    assert not [f for f in Encounter(_case(70)).ask("Any family history?").facts
                if "wife" in f.patient_says.lower()]  # fmt: skip
