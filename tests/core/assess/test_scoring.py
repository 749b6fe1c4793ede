"""Scoring an encounter played on the real engine: evidence, domains, efficiency, safety caps."""

from __future__ import annotations

import json

import pytest

from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.events import read_log, vitals_over_time
from simdesk.core.assess.scoring import SAFETY_CAPS, score, score_attempt
from simdesk.core.sim.events import dump_event

from .conftest import GOOD_STEPS, play


def test_met_items_carry_the_events_and_lines_that_satisfied_them(malaria_case):
    result = score(malaria_case, play(malaria_case, GOOD_STEPS).events)
    fever_fits = result.item("history-fever-fits")
    assert fever_fits.status == "met"
    assert [e.ref for e in fever_fits.evidence] == ["fact:fever", "fact:convulsions"]
    assert fever_fits.evidence[0].text == "how long has he had the fever"
    assert "hot for three days" in fever_fits.evidence[0].response  # the reply shown
    glucose = result.item("test-glucose")
    assert glucose.status == "met" and glucose.evidence[0].kind == "order"
    assert result.item("mgmt-artesunate").status == "met"
    assert result.item("diagnosis").status == "met"
    assert result.diagnosis.outcome == "correct"


def test_missed_items_name_what_was_not_done_and_teach(malaria_case):
    result = score(malaria_case, play(malaria_case, GOOD_STEPS).events)
    prior = result.item("history-alternatives")
    assert prior.status == "missed"
    assert prior.missing == ("fact:no-injury-no-poison",)
    assert prior.evidence == ()
    assert "trauma" in prior.teaching_point


def test_domain_scores_add_up_to_the_total(malaria_case):
    result = score(malaria_case, play(malaria_case, GOOD_STEPS).events)
    earned = sum(d.earned for d in result.domains)
    out_of = sum(d.out_of for d in result.domains)
    assert out_of == sum(i.weight for i in malaria_case.answer_key.rubric)
    assert result.raw_percent == round(100 * earned / out_of, 1)
    assert 50 < result.percent < 100
    assert result.cap is None


def test_the_same_log_always_gives_the_same_score(malaria_case):
    events = play(malaria_case, GOOD_STEPS).events
    first = json.dumps(score_attempt(malaria_case, events), sort_keys=True)
    again = json.dumps(score_attempt(malaria_case, list(events)), sort_keys=True)
    replayed = json.dumps(score_attempt(malaria_case, play(malaria_case, GOOD_STEPS).events),
                          sort_keys=True)  # fmt: skip
    assert first == again == replayed


def test_serialised_events_score_the_same_as_engine_events(malaria_case):
    events = play(malaria_case, GOOD_STEPS).events
    as_json = json.loads(json.dumps([dump_event(e) for e in events]))
    assert score_attempt(malaria_case, as_json) == score_attempt(malaria_case, events)


def test_unnecessary_tests_are_named_and_costed(malaria_case):
    steps = [*GOOD_STEPS[:-1], ("order", "troponin"), GOOD_STEPS[-1]]
    result = score(malaria_case, play(malaria_case, steps).events)
    assert [t.code for t in result.efficiency.unnecessary_tests] == ["TROPONIN"]
    assert result.efficiency.cost_usd == pytest.approx(0.5 + 0.8 + 10.0)
    assert result.efficiency.sim_minutes > 30


def test_a_contraindicated_action_caps_the_overall_result(malaria_case):
    steps = [*GOOD_STEPS[:-1], ("treat", "dexamethasone"), GOOD_STEPS[-1]]
    result = score(malaria_case, play(malaria_case, steps).events)
    issue = next(i for i in result.safety if i.ref == "no-steroids")
    assert issue.kind == "contraindicated" and "Corticosteroids" in issue.description
    assert result.cap == SAFETY_CAPS["contraindicated"]
    assert result.percent == min(result.raw_percent, 40.0) == 40.0


def test_a_missed_time_window_is_a_safety_issue(malaria_case):
    late = [("ask", "how long has he had the fever"), ("wait", 90), ("treat", "IV artesunate"),
            ("treat", "10% dextrose"), ("diagnose", ["cerebral malaria"])]  # fmt: skip
    result = score(malaria_case, play(malaria_case, late).events)
    kinds = {i.ref: i.kind for i in result.safety}
    assert kinds == {"give-artesunate": "late", "correct-hypoglycaemia": "late"}
    assert result.item("mgmt-artesunate").status == "missed"
    assert result.cap == SAFETY_CAPS["missed_window"]


def test_an_empty_encounter_scores_zero_with_every_item_missed(malaria_case):
    result = score(malaria_case, play(malaria_case, []).events)
    assert result.raw_percent == 0.0
    assert {i.status for i in result.items} == {"missed"}
    assert result.diagnosis.outcome == "not_submitted"


def test_score_attempt_is_json_ready_with_evidence(malaria_case):
    report = score_attempt(malaria_case, play(malaria_case, GOOD_STEPS).events)
    text = json.dumps(report)
    assert json.loads(text) == report
    assert {"items", "domains", "diagnosis", "efficiency", "safety", "percent"} <= set(report)
    assert report["items"][0]["evidence"][0]["seq"] >= 1


def test_a_log_of_another_case_or_a_broken_log_is_refused(malaria_case, tb_case):
    events = play(malaria_case, GOOD_STEPS).events
    with pytest.raises(AssessError, match="not 'pulmonary-tb-miner'"):
        score(tb_case, events)
    broken = [{"v": 2, "seq": 1, "kind": "question", "sim_minute": 1, "text": "hi"}]
    with pytest.raises(AssessError, match=r"Event 1 \(question\).*fact_ids: Field req") as info:
        score(malaria_case, broken)
    assert info.value.fix
    with pytest.raises(AssessError, match="is not an event"):
        score(malaria_case, ["not an event"])
    with pytest.raises(AssessError, match="saved by a newer simdesk"):
        score(malaria_case, [{**broken[0], "v": 99}])


def test_replayed_vitals_match_what_the_engine_showed(malaria_case):
    encounter = play(malaria_case, GOOD_STEPS)
    log = read_log(encounter.events)
    vitals = vitals_over_time(malaria_case, log)
    assert vitals[log[-1].seq] == encounter.vitals
    untreated = play(malaria_case, [("wait", 60)])
    assert vitals_over_time(malaria_case, read_log(untreated.events))[2] == untreated.vitals
