"""A new user's and a clinician reviewer's findings on the debrief and the clinical content,
each played on the real engine and the bundled cases."""

from __future__ import annotations

import pytest

from simdesk.app.reports import debrief_items_html
from simdesk.core.assess.debrief import build_debrief
from simdesk.core.assess.scoring import score
from simdesk.core.cases.loader import load_case
from simdesk.core.paths import bundled_cases_dir

from .conftest import play


def bundled(name: str):
    return load_case(bundled_cases_dir() / f"{name}.yaml")


@pytest.fixture(scope="module")
def tb_case():
    return bundled("pulmonary-tb-miner")


def test_a_history_item_credits_each_fact_asked_and_names_the_part_missed(tb_case):
    events = play(tb_case, [("ask", "Do you sweat at night?"), ("ask", "any fever?")]).events
    result = score(tb_case, events)
    item = result.item("constitutional-symptoms")
    assert item.status == "partial"
    assert item.earned == pytest.approx(item.weight * 2 / 3, abs=0.01)
    assert item.missing_names == ("weight loss",)
    missed = {p.item_id: p.text for p in build_debrief(tb_case, result, events).missed}
    assert missed["constitutional-symptoms"].endswith("(partly: not asked about weight loss)")
    html = debrief_items_html(build_debrief(tb_case, result, events), result)
    assert "not asked about weight loss" in html


def test_one_question_naming_the_three_symptoms_is_credited_in_full(tb_case):
    events = play(tb_case, [("ask", "any fever, night sweats or weight loss?")]).events
    assert score(tb_case, events).item("constitutional-symptoms").status == "met"


def test_an_order_made_by_code_is_shown_by_the_tests_name(tb_case):
    events = play(tb_case, [("order", "XPERT_MTB"), ("order", "CT_HEAD"),
                            ("order", "sputum for genexpert")]).events  # fmt: skip
    result = score(tb_case, events)
    debrief = build_debrief(tb_case, result, events)
    orders = [e.text for e in debrief.timeline if e.kind == "order"]
    assert orders == [
        "Xpert MTB/RIF Ultra (sputum)",
        "CT scan of the head",
        "sputum for genexpert",
    ]  # fmt: skip  (the learner's own words stay)
    evidence = result.item("rapid-molecular-test").evidence[0]
    assert evidence.text == "Xpert MTB/RIF Ultra (sputum)"
    assert "CT_HEAD" not in debrief_items_html(debrief, result)


@pytest.mark.parametrize(
    "words",
    [
        "Sputum for Xpert MTB/RIF",
        "GeneXpert on sputum",
        "sputum rapid test",
        "a WHO-recommended rapid diagnostic test",
    ],
)
def test_a_test_named_in_the_written_plan_is_credited_as_requested(tb_case, words):
    steps = [
        ("diagnose", ["pulmonary TB"]),
        ("plan", f"{words}, and an HIV test. Start 2HRZE/4HR when Xpert confirms TB."),
    ]
    result = score(tb_case, play(tb_case, steps).events)  # fmt: skip
    rapid = result.item("rapid-molecular-test")
    assert rapid.status == "met"
    assert rapid.evidence[0].response.startswith("In your plan: Xpert MTB/RIF Ultra (sputum)")
    assert "Orders tab" in rapid.evidence[0].response  # says how a result would have come back
    assert result.item("hiv-test").status == "met"
    assert result.item("treatment-plan").status == "met"  # an untimed action: the plan starts it
    assert result.efficiency.tests == ()  # nothing was ordered, nothing was paid for


def test_a_plan_does_not_request_a_test_it_rules_out_or_only_names_in_a_condition(tb_case):
    steps = [("plan", "No need for Xpert. Return at once if you cough blood, HIV test if worse.")]
    result = score(tb_case, play(tb_case, steps).events)
    assert result.item("rapid-molecular-test").status == "missed"
    assert result.item("hiv-test").status == "missed"


def test_a_timed_action_is_not_carried_out_by_the_plan(malaria_case):
    steps = [("plan", "IV artesunate 2.4 mg/kg now, 10% dextrose and ceftriaxone.")]
    result = score(malaria_case, play(malaria_case, steps).events)
    assert result.item("mgmt-artesunate").status == "missed"


@pytest.fixture(scope="module")
def appendicitis():
    return bundled("acute-appendicitis-nurse")


LATE_ANALGESIA = [("ask", "where is the pain?"), ("treat", "nil by mouth, IV fluids maintenance"),
                  ("wait", 40), ("treat", "morphine 5 mg IV"),
                  ("diagnose", ["acute appendicitis"])]  # fmt: skip


def test_late_analgesia_is_flagged_but_does_not_cap_the_score(appendicitis):
    """Analgesia after a full history (minute 43 of a 30-minute window) is late, said so, but not
    a safety cap: correct care given late is not a danger like late bronchodilators."""
    result = score(appendicitis, play(appendicitis, LATE_ANALGESIA).events)
    assert result.cap is None
    (late,) = [s for s in result.safety if s.ref == "give-analgesia"]
    assert late.kind == "late" and late.cap is None and "30-minute window" in late.description


LATE_SALBUTAMOL = [
    ("ask", "how long have you been short of breath?"),
    ("wait", 30),
    ("treat", "salbutamol 5 mg nebulised"),
    ("diagnose", ["acute severe asthma"]),
]


def test_the_safety_bar_and_the_cap_sentence_agree():
    asthma = bundled("acute-severe-asthma-adult")
    events = play(asthma, LATE_SALBUTAMOL).events
    result = score(asthma, events)
    assert result.cap == 60
    safety = next(d for d in result.domains if d.domain == "safety")
    assert safety.percent <= 60  # the bar shows no more than the cap
    reason = build_debrief(asthma, result, events).cap_reason
    assert reason.count(". ") == 0 and reason.endswith(".")  # one sentence
    assert "60%" in reason and "time window" in reason and "salbutamol" in reason.lower()
    # The raw score is below the cap here, so it does not say the score was lowered.
    assert result.raw_percent < 60 and "limits the score to at most 60%" in reason


def test_analgesia_given_late_shows_the_simulated_minute_it_was_given(appendicitis):
    result = score(appendicitis, play(appendicitis, LATE_ANALGESIA).events)
    item = result.item("analgesia")
    assert item.status == "missed"
    (line,) = item.evidence
    assert line.minute == 43 and "Given at minute 43 (simulated)" in line.response


@pytest.fixture(scope="module")
def dka():
    return bundled("diabetic-ketoacidosis-young-mechanic")


DKA_START = [("order", "U&E"), ("treat", "0.9% sodium chloride 1 litre over 1 hour"),
             ("treat", "fixed rate insulin infusion 0.1 units/kg/hr")]  # fmt: skip


def test_potassium_chloride_before_the_potassium_result_is_flagged(dka):
    result = score(dka, play(dka, [*DKA_START, ("treat", "KCl 40 mmol in the next litre")]).events)
    (issue,) = [s for s in result.safety if s.ref == "no-potassium-before-result"]
    assert issue.kind == "harmful" and result.cap == 50
    assert "JBDS 2021" in issue.description and "before the result was back" in issue.description


def test_potassium_chloride_once_the_potassium_is_known_is_not_flagged(dka):
    steps = [*DKA_START, ("wait", 120), ("treat", "KCl 40 mmol in the next litre")]
    result = score(dka, play(dka, steps).events)
    assert [s.ref for s in result.safety] == []
    assert result.item("potassium").status == "met"


def test_refer_to_surgery_is_a_referral_not_surgery_done(appendicitis):
    events = play(appendicitis, [("treat", "Refer to surgery")]).events
    treatments = [e for e in events if e.kind == "treatment"]
    assert [t.code for t in treatments] == ["surgical-referral"]
    assert treatments[0].text == "Refer to the surgical team: ordered."  # not "given"
    assert score(appendicitis, events).item("surgery").status == "met"


@pytest.mark.parametrize("step", [("treat", "NBM"), ("plan", "Nil by mouth. Open appendicectomy.")])
def test_nil_by_mouth_is_an_order_or_a_plan_item(appendicitis, step):
    steps = [step, ("treat", "Hartmann's 1 litre over 8 hours")]
    item = score(appendicitis, play(appendicitis, steps).events).item("fluids-npo")
    assert item.status == "met", item.missing_names


def test_a_fluid_rate_typed_is_kept_and_shown(dka):
    events = play(dka, [("treat", "0.9% sodium chloride 1 litre over 1 hour")]).events
    (given,) = [e for e in events if e.kind == "treatment"]
    assert given.text == "IV crystalloid bolus (1000 ml iv over 1 h): given."
    timeline = build_debrief(dka, score(dka, events), events).timeline
    assert "over 1 h" in next(e.response for e in timeline if e.kind == "treatment")


def test_urine_and_blood_ketones_are_different_tests(dka):
    events = play(dka, [("order", "urine ketones"), ("order", "blood ketones")]).events
    assert [e.code for e in events if e.kind == "order"] == ["URINE_DIPSTICK", "KETONES"]


@pytest.mark.parametrize("written", ["acute appy", "Acute appendicitis", "appy"])
def test_acute_appy_is_acute_appendicitis(appendicitis, written):
    events = play(appendicitis, [("diagnose", [written])]).events
    result = score(appendicitis, events)
    assert result.diagnosis.correct
    assert build_debrief(appendicitis, result, events).diagnosis == (
        "first choice is acute appendicitis"
    )


@pytest.mark.parametrize(
    ("request_", "finding", "says"),
    [("Rovsing's sign", "rovsing-sign", "Rovsing's sign positive"),
     ("check rovsings", "rovsing-sign", "Rovsing's sign positive"),
     ("psoas sign", "psoas-sign", "psoas sign positive"),
     ("iliopsoas test", "psoas-sign", "psoas sign positive"),
     ("obturator sign", "obturator-sign", "Obturator sign negative")],
)  # fmt: skip
def test_rovsing_psoas_and_obturator_signs_are_examination_findings(
    appendicitis, request_, finding, says
):
    (exam,) = [e for e in play(appendicitis, [("exam", request_)]).events if e.kind == "exam"]
    assert exam.finding_ids == [finding] or tuple(exam.finding_ids) == (finding,)
    assert says in exam.text and "Bowel sounds" not in exam.text  # that sign, not the abdomen


def test_potassium_added_to_a_litre_keeps_the_fluid_its_rate_and_its_own_dose(dka):
    events = play(dka, [("treat", "0.9% NaCl 1 L over 2 hours with 40 mmol KCl")]).events
    given = [(e.code, e.dose, e.text) for e in events if e.kind == "treatment"]
    assert given == [
        ("iv-fluids-maintenance", "1000 ml", "IV maintenance fluids (1000 ml iv over 2 h): given."),
        (
            "potassium-replacement",
            "40 mmol",
            "Potassium replacement in IV fluids (40 mmol): given.",
        ),
    ]
    # A diluent's volume is still a diluent, not a fluid given.
    events = play(dka, [("treat", "ceftriaxone 2 g in 100 ml saline over 30 min")]).events
    assert [e.code for e in events if e.kind == "treatment"] == ["ceftriaxone"]


@pytest.mark.parametrize(
    ("plan", "harmful"),
    [
        ("Start ciprofloxacin 500 mg twice daily for 7 days and review.", True),
        ("Cough syrup and review in a week.", True),
        ("Sputum Xpert, HIV test. Start 2HRZE/4HR when Xpert confirms TB.", False),
        ("Avoid ciprofloxacin until TB is excluded.", False),
    ],
)
def test_a_harmful_treatment_in_the_written_plan_is_a_safety_issue(tb_case, plan, harmful):
    result = score(tb_case, play(tb_case, [("diagnose", ["pulmonary TB"]), ("plan", plan)]).events)
    issues = [i for i in result.safety if i.kind == "harmful"]
    assert bool(issues) is harmful
    if harmful:
        assert issues[0].description.startswith("In your plan (")
        assert result.cap == 50


def test_potassium_in_a_litre_running_over_hours_gives_the_fluid_too(dka):
    """JBDS 2021: after the first litre, 0.9% saline 1 L over 2 h with KCl 40 mmol/L; said with
    the potassium first, the litre is still given."""
    events = play(dka, [("treat", "KCl 40 mmol in 1 L 0.9% saline over 2 hours")]).events
    given = [(e.code, e.dose) for e in events if e.kind == "treatment"]
    assert given == [("potassium-replacement", "40 mmol"), ("iv-fluids-maintenance", "1000 ml")]
    events = play(dka, [("treat", "ceftriaxone 2 g IV in 100 ml normal saline")]).events
    assert [e.code for e in events if e.kind == "treatment"] == ["ceftriaxone"]


@pytest.mark.parametrize(
    ("case_id", "question", "item_id", "named"),
    [
        # GUI walk-through: "Partly done: not asked about no controller."
        ("acute-severe-asthma-adult", "do u have asthma before?", "history-risk-of-death",
         "controller"),
        ("diarrhoea-severe-dehydration-toddler", "how many times has he passed stool today",
         "history-diarrhoea", "blood in stool"),
    ],
)  # fmt: skip
def test_a_negative_fact_missed_is_named_by_what_it_is_about(case_id, question, item_id, named):
    case = bundled(case_id)
    events = play(case, [("ask", question)]).events
    item = score(case, events).item(item_id)
    assert item.status == "partial" and item.missing_names == (named,)


def test_the_asthma_triggers_item_needs_each_trigger_asked():
    # GUI walk-through: "any chest pain or fever" disclosed the cold and earned the whole of
    # "Asked about triggers - work exposure, infection, smoking." (2/2), kiln and bidis unasked.
    case = bundled("acute-severe-asthma-adult")
    events = play(case, [("ask", "any chest pain or fever")]).events
    item = score(case, events).item("history-triggers")
    assert item.status == "partial" and item.missing_names == ("kiln work", "smoking")
