"""The debrief, and practice and exam modes, on encounters played on the real engine."""

from __future__ import annotations

import pytest

from simdesk.core.assess.debrief import build_debrief, template_narrative
from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.modes import AssessedSession, nudges
from simdesk.core.assess.scoring import score

from .conftest import GOOD_STEPS, play


def test_the_debrief_lists_what_went_well_what_was_missed_and_why(malaria_case):
    events = play(malaria_case, GOOD_STEPS).events
    debrief = build_debrief(malaria_case, score(malaria_case, events), events)
    assert "history-fever-fits" in {p.item_id for p in debrief.went_well}
    missed = {p.item_id: p.why for p in debrief.missed}
    assert "trauma" in missed["history-alternatives"]
    assert debrief.key_points[0].startswith("Fever plus convulsions")
    assert not set(debrief.key_points) & set(debrief.expected_approach)  # each said once
    assert debrief.narrative == template_narrative(score(malaria_case, events))
    assert not debrief.narrative_by_model


def test_the_timeline_shows_each_step_with_its_answer_and_vitals(malaria_case):
    encounter = play(malaria_case, GOOD_STEPS)
    events = encounter.events
    debrief = build_debrief(malaria_case, score(malaria_case, events), events)
    first = debrief.timeline[0]
    assert (first.kind, first.text) == ("question", "how long has he had the fever")
    assert "hot for three days" in first.response
    assert first.vitals["heart_rate"] == malaria_case.vitals.heart_rate
    kinds = [e.kind for e in debrief.timeline]
    assert "reply" not in kinds and {"exam", "order", "result", "treatment"} <= set(kinds)
    assert debrief.timeline[-1].vitals == encounter.vitals


def test_a_narrative_that_fails_the_guard_falls_back_to_the_template(malaria_case):
    events = play(malaria_case, GOOD_STEPS).events
    result = score(malaria_case, events)
    invented = build_debrief(malaria_case, result, events,
                             lambda *a: "You gave insulin for diabetic ketoacidosis.")  # fmt: skip
    assert not invented.narrative_by_model
    assert invented.narrative == template_narrative(result)
    assert "not in the fact" in invented.narrative_note
    line = "You did well: established the fever and the convulsions."
    echoed = build_debrief(malaria_case, result, events, lambda *a: line)
    assert echoed.narrative_by_model
    assert echoed.narrative == line


@pytest.mark.model
def test_the_real_model_narrative_is_guarded(malaria_case, default_model):
    from simdesk.app.model import ModelService

    events = play(malaria_case, GOOD_STEPS).events
    result = score(malaria_case, events)
    with ModelService(default_model, n_ctx=1024).start() as model:
        model.wait_ready()
        debrief = build_debrief(malaria_case, result, events, model.generate)
    assert debrief.narrative
    assert debrief.narrative_note
    if not debrief.narrative_by_model:
        assert debrief.narrative == template_narrative(result)


def test_practice_nudges_prescribing_before_asking_about_allergies(malaria_case):
    early = play(malaria_case, [("ask", "has he had any fits"), ("treat", "IV artesunate")])
    found = nudges(malaria_case, early.events)
    assert [n.id for n in found] == ["allergies-before-prescribing"]
    asked = play(malaria_case, [("ask", "any allergies"), ("treat", "IV artesunate")])
    assert nudges(malaria_case, asked.events) == []


def test_practice_nudges_once_each_and_when_the_window_is_running_out(malaria_case):
    session = AssessedSession(malaria_case, "practice")
    late = play(malaria_case, [("wait", 30), ("treat", "paracetamol")])
    assert {n.id for n in session.nudges(late.events)} == {
        "allergies-before-prescribing", "time-critical",
    }  # fmt: skip
    assert session.nudges(late.events) == []  # shown already


def test_practice_hints_come_on_request(malaria_case):
    session = AssessedSession(malaria_case, "practice")
    asked = play(malaria_case, [("ask", "any allergies")])
    assert "examined" in session.hint(asked.events)


def test_exam_mode_has_no_hints_no_nudges_and_a_timer(malaria_case):
    now = [1000.0]
    session = AssessedSession(malaria_case, "exam", time_limit_s=600, clock=lambda: now[0])
    events = play(malaria_case, [("treat", "IV artesunate")]).events
    with pytest.raises(AssessError, match="No hints in exam mode"):
        session.hint(events)
    assert session.nudges(events) == []
    now[0] += 300
    assert session.remaining_s() == 300
    now[0] += 400
    with pytest.raises(AssessError, match="time is up"):
        session.check_open()


def test_exam_debrief_only_after_submission_and_the_attempt_is_locked(malaria_case):
    session = AssessedSession(malaria_case, "exam", time_limit_s=900)
    events = play(malaria_case, GOOD_STEPS).events
    with pytest.raises(AssessError, match="only after the attempt is submitted"):
        session.debrief(events)
    submission = session.submit(events)
    assert submission.score.diagnosis.correct and not submission.overtime
    with pytest.raises(AssessError, match="locked"):
        session.check_open()
    with pytest.raises(AssessError, match="already submitted"):
        session.submit(events)
    assert session.debrief(events).percent == submission.score.percent
    tampered = play(malaria_case, GOOD_STEPS[:3]).events
    assert not session.verify(tampered)
    with pytest.raises(AssessError, match="differs from the submitted"):
        session.debrief(tampered)


def test_a_timer_in_practice_or_an_unknown_mode_is_refused(malaria_case):
    with pytest.raises(AssessError, match="no timer"):
        AssessedSession(malaria_case, "practice", time_limit_s=60)
    with pytest.raises(AssessError, match="Unknown mode"):
        AssessedSession(malaria_case, "osce")


def test_the_narrative_does_not_say_the_teaching_points_lead_twice():
    # GUI walk-through: "Most important to work on: started IV rehydration by Plan C - Plan C -
    # Ringer's lactate 100 ml/kg ..."
    from simdesk.core.cases.loader import load_case
    from simdesk.core.paths import bundled_cases_dir

    case = load_case(bundled_cases_dir() / "diarrhoea-severe-dehydration-toddler.yaml")
    events = play(case, [("exam", "skin pinch"), ("diagnose", "severe dehydration")]).events
    text = template_narrative(score(case, events))
    assert "Plan C - Plan C" not in text
    assert "by Plan C - Ringer's lactate 100 ml/kg" in text
