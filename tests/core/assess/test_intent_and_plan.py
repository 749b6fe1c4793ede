"""Right care is never marked wrong: what is held, removed or only planned is not given; the
written plan is scored with its words as evidence; each action has one time everywhere."""

from __future__ import annotations

from simdesk.core.assess.debrief import build_debrief
from simdesk.core.assess.scoring import score
from simdesk.core.cases.loader import load_case
from simdesk.core.paths import bundled_cases_dir

from .conftest import play


def case(name):
    return load_case(bundled_cases_dir() / f"{name}.yaml")


def test_removing_the_ligature_is_not_applying_one():
    snakebite = case("snakebite-russells-viper-labourer")
    result = score(
        snakebite, play(snakebite, [("treat", "remove the ligature from her thigh")]).events
    )
    assert not [s for s in result.safety if s.ref == "no-tourniquet"]
    assert result.item("undo-first-aid").status == "met"
    result = score(snakebite, play(snakebite, [("treat", "tie a tourniquet")]).events)
    assert [s.kind for s in result.safety if s.ref == "no-tourniquet"] == ["harmful"]


def test_holding_her_usual_medicines_meets_the_objective_and_harms_nobody():
    sepsis = case("septic-shock-urosepsis")
    result = score(sepsis, play(sepsis, [("treat", "hold her amlodipine and diuretic")]).events)
    assert result.item("safety-hold-medicines").status == "met"
    assert not [s for s in result.safety if s.kind in ("harmful", "contraindicated")]


def test_a_conditional_order_is_a_plan_not_a_dose():
    pet = case("severe-pre-eclampsia-primigravida")
    encounter = play(pet, [("treat", "diazepam if fitting")])
    steps = [e for e in encounter.events if e.kind == "treatment"]
    assert steps[0].planned is True
    assert not [s for s in score(pet, encounter.events).safety if s.ref == "no-diazepam-instead"]
    assert "diazepam" not in encounter.physiology.given


def test_a_bare_fluid_is_asked_about_not_recorded_as_a_bolus():
    malaria = case("cerebral-malaria-child")
    encounter = play(malaria, [("treat", "normal saline")])
    outcome = next(e for e in encounter.events if e.kind == "treatment")
    assert outcome.code is None and "how much and how fast" in outcome.text
    assert all(
        s.ref != "no-fluid-bolus-without-shock" for s in score(malaria, encounter.events).safety
    )


def test_the_plan_is_scored_with_the_words_that_met_it():
    asthma = case("acute-severe-asthma-adult")
    plan = "Nebs continued. Refer/transfer to district hospital for acute care."
    encounter = play(asthma, [("diagnose", ["acute severe asthma"]), ("plan", plan)])
    result = score(asthma, encounter.events)
    transfer = result.item("safety-transfer")
    assert transfer.status == "met"
    assert transfer.evidence[0].kind == "plan"
    assert "transfer to district hospital" in transfer.evidence[0].text.lower()
    assert transfer.evidence[0].response.startswith("Plan: Refer to a higher-level facility")
    encounter = play(asthma, [("plan", "Discharge home with a salbutamol inhaler.")])
    assert [s.ref for s in score(asthma, encounter.events).safety if s.ref == "no-discharge"]


def test_a_referral_on_a_condition_in_the_plan_meets_an_untimed_referral():
    """A plan "Refer ... for creatinine and urine output monitoring and dialysis if AKI": the
    reader gives the sentence its condition; the referral is still planned (as a conditional
    treatment is) and meets the untimed referral, not a timed action or a harm."""
    snakebite = case("snakebite-russells-viper-labourer")
    plan = (
        "Refer to the district hospital for creatinine and urine output monitoring and "
        "dialysis if AKI."
    )
    result = score(snakebite, play(snakebite, [("plan", plan)]).events)
    referral = result.item("referral")
    assert referral.status == "met"
    assert referral.evidence[0].kind == "plan"
    asthma = case("acute-severe-asthma-adult")
    encounter = play(asthma, [("plan", "Discharge home if the peak flow is normal.")])
    assert not [s for s in score(asthma, encounter.events).safety if s.ref == "no-discharge"]


def test_each_action_has_one_time_and_each_event_is_evidence_once():
    sepsis = case("septic-shock-urosepsis")
    steps = [("ask", "what medicines do you take and do you have diabetes or blood pressure"),
             ("wait", 25), ("treat", "RL 500 ml over 15 min"), ("wait", 40),
             ("treat", "ceftriaxone 2 g IV"), ("diagnose", ["septic shock"])]  # fmt: skip
    encounter = play(sepsis, steps)
    result = score(sepsis, encounter.events)
    debrief = build_debrief(sepsis, result, encounter.events)
    timeline = {e.seq: e.minute for e in debrief.timeline}
    evidence = [e for item in result.items for e in item.evidence if e.kind == "treatment"]
    assert evidence and all(timeline[e.seq] == e.minute for e in evidence)
    assert all(timeline[s.seq] == s.minute for s in result.safety if s.seq is not None)
    for item in result.items:
        seqs = [e.seq for e in item.evidence]
        assert len(seqs) == len(set(seqs)), item.id


def dose_issues(name, order):
    this = case(name)
    return [
        s for s in score(this, play(this, [("treat", order)]).events).safety if s.kind == "dose"
    ]


def test_a_dose_outside_the_case_range_or_by_the_wrong_route_is_flagged_with_a_teaching_point():
    low = dose_issues("cerebral-malaria-child", "artesunate 2.4 mg/kg IV")
    assert len(low) == 1 and "3 mg/kg" in low[0].description and low[0].cap is None
    assert dose_issues("cerebral-malaria-child", "artesunate 40 mg IV") == []  # 3.1 mg/kg, 13 kg
    high = dose_issues("acute-severe-asthma-adult", "IV magnesium sulfate 4 g")
    assert len(high) == 1 and "expected 1.2-2 g" in high[0].description
    route = dose_issues("stemi-retired-driver", "aspirin 300 mg IV")
    assert len(route) == 1 and "route iv" in route[0].description
    assert dose_issues("diabetic-ketoacidosis-young-mechanic", "insulin 6 units/hr IV") == []
    assert len(dose_issues("diabetic-ketoacidosis-young-mechanic", "insulin 0.2 units/kg/h")) == 1
    assert dose_issues("stemi-retired-driver", "aspirin") == []  # no dose typed: nothing to judge


SEVERITY = [
    ("severe-pneumonia-infant", "pneumonia", "severe pneumonia"),
    ("severe-pre-eclampsia-primigravida", "pre-eclampsia", "severe pre-eclampsia"),
    ("cerebral-malaria-child", "P. falciparum malaria", "severe malaria"),
    ("snakebite-russells-viper-labourer", "snakebite", "snakebite envenoming"),
    ("stemi-retired-driver", "ACS", "STEMI"),
    ("acute-severe-asthma-adult", "asthma attack", "acute severe asthma"),
    ("ruptured-ectopic-teacher", "ectopic pregnancy", "ruptured ectopic pregnancy"),
]


def test_a_diagnosis_without_the_severity_the_case_teaches_is_only_a_differential():
    from simdesk.core.assess.diagnosis import judge_differential

    for name, vague, exact in SEVERITY:
        key = case(name).answer_key.diagnosis
        assert judge_differential([vague], key, None).outcome == "partially_correct", name
        assert judge_differential([exact], key, None).outcome == "correct", name
    key = case("severe-pre-eclampsia-primigravida").answer_key.diagnosis
    assert judge_differential(["gestational hypertension"], key, None).credit == 0  # 3+ protein
