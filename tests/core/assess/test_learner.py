"""The learner model, spaced repetition and keeping results in the encrypted store."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from simdesk.core.assess.attempts import AttemptResult, load_history, result_of, save_result
from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.learner import difficulty_levels, mastery, progress, recommend
from simdesk.core.assess.review import due, schedule, update_deck
from simdesk.core.assess.scoring import score
from tests.core.store.conftest import PASS

from .conftest import GOOD_STEPS, play
from .seeded import bundled_cases, seeded_history

T0 = datetime(2026, 10, 1, 9, 0)


@pytest.fixture(scope="module")
def cases():
    return bundled_cases()


@pytest.fixture(scope="module")
def history(cases):
    return seeded_history(cases, 40)


def _result(malaria_case, steps, when, attempt_id=1) -> AttemptResult:
    encounter = play(malaria_case, steps)
    return result_of(malaria_case, score(malaria_case, encounter.events), when,
                     attempt_id=attempt_id)  # fmt: skip


def test_a_missed_item_is_due_again_sooner_than_one_met_later(malaria_case):
    missed = _result(malaria_case, GOOD_STEPS[:1], T0)
    deck = schedule([missed])
    keys = {r.key for r in deck}
    assert "cerebral-malaria-child:mgmt-artesunate" in keys
    # Only the fever was asked: the item is partly met (a Hard review, not a lapse).
    partly = "cerebral-malaria-child:history-fever-fits"
    assert partly in keys and {r.key: r for r in deck}[partly].item.status == "partial"
    assert all(r.lapses == (r.key != partly) for r in deck)
    assert {r.key for r in due(deck, T0 + timedelta(days=1))} == keys
    # Met at the next attempt: the card moves days ahead; missed again: it stays close.
    good = _result(malaria_case, GOOD_STEPS, T0 + timedelta(days=1), 2)
    bad = _result(malaria_case, GOOD_STEPS[:1], T0 + timedelta(days=1), 2)
    after_good = {r.key: r for r in schedule([missed, good])}
    after_bad = {r.key: r for r in schedule([missed, bad])}
    key = "cerebral-malaria-child:mgmt-artesunate"
    assert after_good[key].due > after_bad[key].due + timedelta(hours=12)
    assert after_bad[key].lapses == 2


def test_the_schedule_is_the_same_for_the_same_history(history):
    first = [(r.key, r.due, r.card.stability) for r in schedule(history)]
    assert first == [(r.key, r.due, r.card.stability) for r in schedule(list(history))]
    assert all(r.due.tzinfo == timezone.utc for r in schedule(history))


def test_mastery_rises_with_success_and_carries_its_uncertainty(malaria_case):
    weak = [_result(malaria_case, GOOD_STEPS[:2], T0)]
    strong = [_result(malaria_case, GOOD_STEPS, T0 + timedelta(days=d), d) for d in range(4)]
    key = ("history", "paediatrics")
    one, many = mastery(weak)[key], mastery(weak + strong)[key]
    assert many.mean > one.mean
    assert many.sd < one.sd
    assert many.attempts == 5


def test_difficulty_follows_performance(malaria_case):
    played = replace(_result(malaria_case, GOOD_STEPS, T0), percent=74.0)
    assert difficulty_levels([played])["paediatrics"] == "foundation"  # 74%: stays
    strong = replace(played, percent=85.0)
    assert difficulty_levels([strong])["paediatrics"] == "intermediate"
    assert difficulty_levels([strong, replace(strong, finished_at=T0 + timedelta(1))]) == {
        "paediatrics": "advanced"
    }
    unsafe = replace(strong, capped=True, finished_at=T0 + timedelta(2))
    assert difficulty_levels([strong, unsafe])["paediatrics"] == "foundation"


def test_progress_has_one_point_per_attempt_in_time_order(history):
    points = progress(list(reversed(history)))
    assert len(points) == len(history)
    assert [p.finished_at for p in points] == sorted(p.finished_at for p in points)
    early = sum(p.percent for p in points[:10]) / 10
    late = sum(p.percent for p in points[-10:]) / 10
    assert late > early  # the seeded learner improves


def test_recommendation_names_what_was_missed_and_avoids_the_last_case(malaria_case, cases):
    missed = [_result(malaria_case, GOOD_STEPS[:1], T0 + timedelta(days=d), d) for d in range(2)]
    picks = recommend(missed, cases, T0 + timedelta(days=3))
    assert len(picks) == 3
    assert all(p.reason for p in picks)
    assert picks[0].case_id != "cerebral-malaria-child"  # just played twice
    assert any("twice; this case practises it" in p.reason for p in picks), picks


def test_two_different_items_of_one_skill_are_not_one_item_missed_twice(malaria_case, cases):
    # Walk-through 2026-12-07: the asthma case's "Arranged transfer to acute care." and the
    # diarrhoea case's "Kept him under observation." (both practise admission) were shown as
    # "you missed 'arranged transfer to acute care' twice".
    first = _result(malaria_case, GOOD_STEPS[:1], T0, 1)
    item = first.items[0]
    transfer = replace(item, description="Arranged transfer to acute care.", status="missed",
                       skills=("treat:admit",))  # fmt: skip
    observe = replace(transfer, description="Kept him under observation.")
    history = [
        replace(first, items=(observe,)),
        replace(first, items=(transfer,), finished_at=T0 + timedelta(days=1), attempt_id=2),
    ]
    reasons = [p.reason for p in recommend(history, cases, T0 + timedelta(days=2), top=30)]
    about = [r for r in reasons if "acute care" in r]
    assert about and all("twice" not in r for r in about), about
    assert all("kept him under observation" in r for r in about), about


def test_recommendations_for_a_new_learner_start_at_foundation(cases):
    picks = recommend([], cases, T0, top=len(cases))
    assert {p.case_id for p in picks} == {c.meta.id for c in cases}
    first = next(c for c in cases if c.meta.id == picks[0].case_id)
    assert first.meta.difficulty == "foundation"
    assert "you have not tried" in picks[0].reason


def test_results_round_trip_through_the_encrypted_store(profiles, instructor, malaria_case):
    store = profiles.create("Amina", PASS, instructor)
    try:
        encounter = play(malaria_case, GOOD_STEPS)
        attempt = store.start_attempt(malaria_case.meta.id, malaria_case.meta.version)
        store.append_events(attempt, encounter.events)
        store.end_attempt(attempt)
        result = _result(malaria_case, GOOD_STEPS, T0, attempt)
        save_result(store, attempt, result, encounter.events[-1])
        loaded = load_history(store, learner="Amina")
    finally:
        store.close()
    assert loaded == [replace(result, learner="Amina")]
    database = profiles.get("Amina").db_path.read_bytes()
    assert b"mgmt-artesunate" not in database  # never in plaintext


def test_a_damaged_stored_result_is_a_clear_error():
    with pytest.raises(AssessError, match="could not be read") as info:
        AttemptResult.from_dict({"case_id": "x"})
    assert "again" in info.value.fix


def test_a_kept_deck_updated_attempt_by_attempt_equals_a_full_replay(history):
    deck: dict = {}
    for result in history:
        update_deck(deck, [result])
    kept = sorted((r.key, r.due, r.lapses) for r in deck.values())
    assert kept == sorted((r.key, r.due, r.lapses) for r in schedule(history))


def test_a_recommendation_quotes_only_what_the_learner_saw_in_a_debrief(malaria_case, cases):
    """Never an item of a case not yet played: that would show its answer key."""
    missed = [_result(malaria_case, GOOD_STEPS[:1], T0 + timedelta(days=d), d) for d in range(2)]
    seen = {i.description.rstrip(".").lower() for r in missed for i in r.items
            if i.status != "met"}  # fmt: skip
    quoted = 0
    for pick in recommend(missed, cases, T0 + timedelta(days=3), top=len(cases)):
        if "; this case practises it" in pick.reason:
            quote = re.search(r"missed '(.*)' (?:once|twice|\d+ times)", pick.reason)[1].lower()
            assert quote in seen, (pick.case_id, quote)
            quoted += 1
    assert quoted >= 1


def test_a_weak_domain_reason_reads_as_a_sentence(malaria_case, cases):
    # GUI walk-through: "your investigations in respiratory is at 33%" (a plural domain name)
    missed = [_result(malaria_case, GOOD_STEPS[:1], T0, 0)]
    reasons = [p.reason for p in recommend(missed, cases, T0 + timedelta(days=1), top=len(cases))]
    weak = [r for r in reasons if "this case exercises it" in r]
    assert weak and all(re.match(r"your \w+ score in [\w ]+ is \d+%; ", r) for r in weak), weak
