"""A narrower name than the key (the key plus qualifiers) is judged against the case's own text.

The findings a new user reported (issue 17, Deliver 5; "correct care is never penalised"): on the
bundled uncomplicated appendicitis case and on AgentClinic record 78 (key "Pneumonia"; the film
shows the left base, percussion the left lower lung fields), correct but more specific names
were scored 0 of 3. Each is played here through the real engine without the model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from simdesk.cli.play import run_script
from simdesk.core.assess import terminology
from simdesk.core.assess.debrief import build_debrief
from simdesk.core.assess.diagnosis import (
    CaseText,
    _clauses,
    _implied_part,
    _qualifiers,
    judge_differential,
    word_key,
)
from simdesk.core.assess.scoring import score
from simdesk.core.cases import load_case
from simdesk.core.cases.schema import Case, Diagnosis
from simdesk.core.paths import bundled_cases_dir
from simdesk.importers.agentclinic.record import import_agentclinic

from .conftest import play

RECORDS = Path(__file__).parents[2] / "fixtures" / "agentclinic" / "agentclinic_medqa.jsonl"


@pytest.fixture(scope="module")
def appendicitis() -> Case:
    return load_case(bundled_cases_dir() / "acute-appendicitis-nurse.yaml")


@pytest.fixture(scope="module")
def pneumonia(tmp_path_factory) -> Case:
    """AgentClinic record 78, imported with the real importer."""
    folder = tmp_path_factory.mktemp("record78")
    line = RECORDS.read_text(encoding="utf-8").splitlines()[77]
    assert json.loads(line)["OSCE_Examination"]["Correct_Diagnosis"] == "Pneumonia"
    (folder / "record.jsonl").write_text(line + "\n", encoding="utf-8")
    import_agentclinic(folder / "record.jsonl", folder / "cases")
    (path,) = (folder / "cases").glob("*.yaml")
    return load_case(path)


def _played(case: Case, name: str) -> tuple[dict, float]:
    """The diagnosis verdict and the diagnosis item's earned weight, from a played script."""
    report = run_script(case, [("ask", "where is the pain"), ("diagnose", [name])], None)
    item = next(i for i in report["score"]["items"] if i["id"] == "diagnosis")
    return report["diagnosis"], item["earned"]


@pytest.mark.parametrize(
    "name",
    [
        "acute appendicitis without perforation",
        "appendicitis, acute, non-perforated",
        "acute appendicitis (Alvarado 9)",
    ],
)
def test_uncomplicated_appendicitis_named_more_specifically_is_correct(appendicitis, name):
    # The key says uncomplicated and the case tells perforated appendicitis apart (must-not-miss):
    # denying perforation is what the case says (WSES Jerusalem 2020: uncomplicated appendicitis).
    verdict, earned = _played(appendicitis, name)
    assert verdict["outcome"] == "correct", verdict
    assert earned == 3


def test_a_denied_complication_says_why_in_the_debrief(appendicitis):
    verdict, _ = _played(appendicitis, "acute appendicitis without perforation")
    assert "more specific than acute appendicitis" in verdict["reason"]
    assert "denies 'perforation'" in verdict["reason"]


@pytest.mark.parametrize(
    ("name", "why"),
    [
        ("perforated appendicitis", "more specific"),  # the case's own must-not-miss
        ("acute appendicitis with perforation", "tells perforated appendicitis apart"),
        ("complicated appendicitis", "the diagnosis is 'uncomplicated'"),
        # the ultrasound: "No abscess or collection; no appendicolith seen"
        ("acute appendicitis with appendicolith", "rules out 'appendicolith'"),
        ("appendicitis with abscess", "rules out 'abscess'"),
        ("chronic appendicitis", "the diagnosis is 'acute'"),
    ],
)
def test_a_subtype_the_appendicitis_case_contradicts_is_incorrect(appendicitis, name, why):
    verdict, earned = _played(appendicitis, name)
    assert verdict["outcome"] == "incorrect", verdict
    assert why in verdict["reason"]
    assert earned == 0


@pytest.mark.parametrize(
    "name",
    ["gangrenous appendicitis", "pelvic appendicitis", "acute appendicitis with peritonitis"],
)
def test_a_subtype_the_appendicitis_case_does_not_show_is_never_fully_correct(appendicitis, name):
    # "pelvic": the obturator sign is negative; only an aside says what a pelvic appendix does.
    verdict, earned = _played(appendicitis, name)
    assert verdict["outcome"] == "partially_correct", verdict
    assert "more specific than the case states" in verdict["reason"]
    assert earned == 1.5


@pytest.mark.parametrize("name", ["left lower lobe pneumonia", "left basal pneumonia"])
def test_pneumonia_at_the_place_the_findings_show_is_correct(pneumonia, name):
    verdict, earned = _played(pneumonia, name)
    assert verdict["outcome"] == "correct", verdict
    assert "as the case shows" in verdict["reason"]
    assert earned == 3


@pytest.mark.parametrize("name", ["CAP", "community acquired pneumonia"])
def test_pneumonia_acquired_outside_hospital_is_community_acquired(pneumonia, name):
    # IDSA/ATS 2016: hospital-acquired pneumonia begins 48 h or more after admission; record 78
    # presents from home and its text puts him in no hospital, ward or ventilator.
    verdict, earned = _played(pneumonia, name)
    assert verdict["outcome"] == "correct", verdict
    assert earned == 3


def test_community_acquired_needs_a_case_that_puts_the_patient_in_no_hospital():
    key = Diagnosis(primary="Pneumonia")
    home = _text(["Cough and fever for three days at home."])
    ward = _text(["Admitted five days ago for a hip fracture; fever and cough since yesterday."])
    assert _qualifiers(frozenset({"community", "acquired"}), (), home)[0] == "supported"
    assert _qualifiers(frozenset({"community", "acquired"}), (), ward)[0] == "unsupported"
    assert _qualifiers(frozenset({"acquired"}), (), home)[0] == "unsupported"  # "acquired" alone
    assert judge_differential(["community acquired pneumonia"], key).outcome != "correct"


def _text(lines: list[str], age: float | None = None) -> CaseText:
    clauses = _clauses(lines)
    return CaseText(clauses, (), (), frozenset(), (), False, age)


def test_an_age_band_is_judged_by_the_patients_age():
    # WHO age bands: the newborn period is the first 28 days; an infant is under 1 year.
    for word, age, kind in [
        ("newborn", 0.05, "supported"), ("infant", 0.05, "supported"),
        ("newborn", 0.5, "contradicted"), ("childhood", 30, "contradicted"),
        ("adult", 30, "supported"),
    ]:  # fmt: skip
        assert _qualifiers(frozenset({word}), (), _text(["Cough."], age))[0] == kind, word
    assert _qualifiers(frozenset({"newborn"}), (), _text(["Cough."]))[0] == "unsupported"


def test_a_part_of_the_body_the_complaint_or_a_finding_names_supports_the_name():
    clauses = _clauses(["Tenderness over the medial tibia."])
    text = CaseText(clauses, tuple(a for a, _ in clauses), (), frozenset(), (), False, 23.0,
                    tuple(a for a, _ in _clauses(["knee pain"])))  # fmt: skip
    assert _qualifiers(frozenset({"knee"}), (), text)[0] == "supported"  # the complaint
    assert _qualifiers(frozenset({"tibia"}), (), text)[0] == "supported"  # a finding
    assert _qualifiers(frozenset({"elbow"}), (), text)[0] == "unsupported"
    history = _text(["He fell on his elbow last year."])  # the history names no site of this
    assert _qualifiers(frozenset({"elbow"}), (), history)[0] == "unsupported"


def test_a_part_uberon_names_and_the_terminologies_write_as_a_site_is_a_part_of_the_body():
    # The HPO has no "Abnormal leg morphology": UBERON's "leg", which the terminologies write
    # after "of" ("Ulcer of leg"), is a part the complaint or a finding must name.
    if not terminology.site_parts(word_key):
        pytest.skip("no UBERON table")
    assert "leg" in terminology.site_parts(word_key)
    clauses = _clauses(["Edema in both legs."])
    complaint = tuple(a for a, _ in _clauses(["Large wound on the right lower leg"]))
    signs = tuple(a for a, _ in clauses)
    text = CaseText(clauses, signs, (), frozenset(), (), False, 57.0, complaint)
    assert _qualifiers(frozenset({"leg"}), (), text)[0] == "supported"
    assert _qualifiers(frozenset({"arm"}), (), text)[0] == "unsupported"
    assert _qualifiers(frozenset({"leg"}), (), _text(["Cough."]))[0] == "unsupported"


def test_the_one_part_the_keys_disease_can_be_in_for_the_patients_sex_supports_the_name():
    # MONDO files granulosa cell tumor as ovarian and testicular; UBERON names the testis
    # "male gonad" and the ovary "female gonad": in a woman it is in the ovary.
    if not terminology.site_parts(word_key):
        pytest.skip("no UBERON table")
    assert _implied_part(["Granulosa cell tumor"], "female") == {"ovary"}
    assert _implied_part(["Granulosa cell tumor"], "male") == {"testis"}
    assert _implied_part(["Bursitis"], "female") == frozenset()  # parts of either sex
    text = CaseText((), (), (), frozenset(), (), False, 65.0, (), implied=frozenset({"ovary"}))
    assert _qualifiers(frozenset({"ovary"}), (), text)[0] == "supported"
    assert _qualifiers(frozenset({"testis"}), (), text)[0] == "unsupported"


def test_a_part_the_keys_own_part_already_is_supports_the_name():
    # The HPO names the part "hip joint": the key's hip is its hip joint, whatever the case says.
    key = Diagnosis(primary="Posterior hip dislocation")
    assert judge_differential(["posterior hip joint dislocation"], key).outcome == "correct"
    # "knee joint" is another part, not the hip's: the case would have to name it.
    assert judge_differential(["posterior knee joint dislocation"], key).outcome != "correct"


def test_a_class_the_key_belongs_to_by_definition_supports_the_name():
    # MONDO files myasthenia gravis under autoimmune disease: "autoimmune" adds nothing to it.
    key = Diagnosis(primary="Myasthenia gravis")
    assert judge_differential(["autoimmune myasthenia gravis"], key).outcome == "correct"
    assert judge_differential(["ocular myasthenia gravis"], key).outcome == "partially_correct"


def test_a_period_the_case_states_supports_the_name():
    postpartum = _text(["She is in the postpartum period after a vaginal delivery."])
    assert _qualifiers(frozenset({"postpartum"}), (), postpartum)[0] == "supported"
    assert _qualifiers(frozenset({"postpartum"}), (), _text(["Fever."]))[0] == "unsupported"
    assert _qualifiers(frozenset({"postoperative"}), (), postpartum)[0] == "unsupported"


@pytest.mark.parametrize("name", ["lobar pneumonia", "bacterial pneumonia"])
def test_pneumonia_of_a_kind_the_case_neither_shows_nor_rules_out_earns_partial_credit(
    pneumonia, name
):
    verdict, earned = _played(pneumonia, name)
    assert verdict["outcome"] == "partially_correct", verdict
    assert verdict["reason"].startswith("Pneumonia, more specific than the case states: adds")
    assert verdict["reason"].endswith("neither shows nor rules out; half credit")
    assert earned == 1.5


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("right lower lobe pneumonia", "incorrect"),  # the findings are on the left
        ("left upper lobe pneumonia", "incorrect"),  # and at the base
        ("right pneumonia", "incorrect"),
        ("aspiration pneumonia", "partially_correct"),  # no aspiration in the case: never correct
        ("pneumocystis pneumonia", "partially_correct"),
        ("pulmonary embolism", "incorrect"),
        ("lung abscess", "incorrect"),
    ],
)
def test_near_misses_on_the_pneumonia_case_are_never_correct(pneumonia, name, outcome):
    verdict, _ = _played(pneumonia, name)
    assert verdict["outcome"] == outcome, verdict


def test_the_other_side_is_contradicted_when_the_findings_are_mostly_on_one_side(appendicitis):
    # Rovsing's sign names the left iliac fossa once; every other finding is on the right.
    key = appendicitis.answer_key.diagnosis
    left = judge_differential(["left-sided appendicitis"], key, case=appendicitis)
    right = judge_differential(["right-sided appendicitis"], key, case=appendicitis)
    assert (left.outcome, right.outcome) == ("incorrect", "correct")


def test_a_finding_called_normal_supports_no_side():
    key = Diagnosis(primary="testicular torsion")
    clauses = _clauses(["Left testis normal. Right testis high-riding, swollen and very tender."])
    text = CaseText(clauses, tuple(a for a, _ in clauses), (), frozenset(), (), False)
    assert _qualifiers(frozenset({"right"}), (), text)[0] == "supported"
    assert _qualifiers(frozenset({"left"}), (), text)[0] == "contradicted"
    assert judge_differential(["left testicular torsion"], key).outcome != "correct"


def test_without_the_case_only_the_key_can_support_a_narrower_name(appendicitis, pneumonia):
    # The key alone says nothing of the left lower lobe: partial credit, never full.
    pneumonia_key = pneumonia.answer_key.diagnosis
    assert judge_differential(["left lower lobe pneumonia"], pneumonia_key).outcome == (
        "partially_correct"
    )
    key = appendicitis.answer_key.diagnosis  # says uncomplicated; tells perforated apart
    assert judge_differential(["appendicitis without perforation"], key).outcome == "correct"
    assert judge_differential(["perforated appendicitis"], key).outcome == "incorrect"


def test_a_negated_subtype_the_case_does_not_rule_out_is_not_correct():
    # "non-Hodgkin" names a subtype; nothing in a key of "lymphoma" rules Hodgkin out.
    key = Diagnosis(primary="lymphoma")
    assert judge_differential(["non-Hodgkin lymphoma"], key).outcome == "partially_correct"
    hodgkin = Diagnosis(primary="Hodgkin lymphoma")
    assert judge_differential(["non-Hodgkin lymphoma"], hodgkin).outcome == "incorrect"


def test_the_debrief_says_more_specific_than_the_case_states(pneumonia):
    encounter = play(pneumonia, [("diagnose", ["bacterial pneumonia"])])
    result = score(pneumonia, encounter.events)
    debrief = build_debrief(pneumonia, result, encounter.events)
    assert debrief.diagnosis == (
        "Pneumonia, more specific than the case states: adds 'bacterial', which the case neither "
        "shows nor rules out; half credit"
    )
    assert result.item("diagnosis").status == "partial"
    encounter = play(pneumonia, [("diagnose", ["left lower lobe pneumonia"])])
    result = score(pneumonia, encounter.events)
    debrief = build_debrief(pneumonia, result, encounter.events)
    assert debrief.diagnosis == (
        "first choice is Pneumonia; more specific than Pneumonia: adds 'left', 'lower', 'lobe', "
        "as the case shows"
    )
    assert result.item("diagnosis").status == "met"


@pytest.mark.parametrize(
    "name", ["appendicitis ruled out", "appendicitis unlikely", "appendicitis excluded"]
)
def test_a_key_written_as_ruled_out_earns_nothing(appendicitis, name):
    result = judge_differential([name], appendicitis.answer_key.diagnosis, case=appendicitis)
    assert result.credit == 0, result.reason


@pytest.fixture(scope="module")
def snakebite() -> Case:
    return load_case(bundled_cases_dir() / "snakebite-russells-viper-labourer.yaml")


@pytest.mark.parametrize(
    "name",
    [
        "Russell's viper envenomation with VICC",  # a new user's, half credit before
        "Russell's viper envenoming with VICC",
        "Russell's viper envenomation with venom-induced consumption coagulopathy",
        "russell viper envenomation",
    ],
)
def test_envenomation_and_the_keys_own_acronym_name_the_key(snakebite, name):
    """-ation and -ing nouns of one verb are one word where the terminologies write both
    (envenomation, envenoming); an acronym of one of the key's own names (VICC) is that name."""
    result = judge_differential([name], snakebite.answer_key.diagnosis, case=snakebite)
    assert result.outcome == "correct", result.reason
    assert result.per_item[0].submitted == name


@pytest.mark.parametrize(
    "name", ["Saw-scaled viper envenomation with VICC", "neurotoxic envenomation"]
)
def test_another_snake_or_another_envenoming_stays_another(snakebite, name):
    result = judge_differential([name], snakebite.answer_key.diagnosis, case=snakebite)
    assert result.outcome != "correct", result.reason
