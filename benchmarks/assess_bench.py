"""Assessment speed against a plain loop over the same data, in the same run.

1. Scoring a 200-event attempt (played on the real engine over the bundled cerebral malaria case):
   ``simdesk.core.assess.scoring.score`` with cold diagnosis caches, against a plain loop that
   only collects the fact ids, finding ids, test and treatment codes from the events.
2. Recommendations over 500 scored attempts (a seeded learner over all bundled cases):
   ``recommend`` (mastery, difficulty, due reviews, ranking of every case) with the FSRS deck kept
   up to date as the app keeps it, and again replaying every FSRS review from scratch, against a
   plain loop that counts missed items per case.

    .venv/bin/python benchmarks/assess_bench.py [--runs 30]

Targets: scoring < 50 ms; recommendations < 100 ms (medians). Exit status 1 if one is missed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.core.assess.conftest import GOOD_STEPS  # noqa: E402
from tests.core.assess.seeded import bundled_cases, play_script, seeded_history  # noqa: E402

from simdesk.core.assess import diagnosis  # noqa: E402
from simdesk.core.assess.learner import recommend  # noqa: E402
from simdesk.core.assess.review import schedule, update_deck  # noqa: E402
from simdesk.core.assess.scoring import score  # noqa: E402
from simdesk.core.cases.catalog import load_catalog  # noqa: E402

SCORING_TARGET_MS = 50.0
RECOMMEND_TARGET_MS = 100.0


def median_ms(fn, runs: int, before=None) -> float:
    times = []
    for _ in range(runs):
        if before:
            before()
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def plain_event_loop(events) -> tuple[set, set, set, set]:
    facts, exams, tests, given = set(), set(), set(), set()
    for event in events:
        if event.kind == "question":
            facts.update(event.fact_ids)
        elif event.kind == "exam":
            exams.update(event.finding_ids)
        elif event.kind == "order":
            tests.add(event.code)
        elif event.kind == "treatment":
            given.add(event.code)
    return facts, exams, tests, given


def plain_attempt_loop(history) -> list[tuple[int, str]]:
    missed: Counter[str] = Counter()
    for result in history:
        for item in result.items:
            if item.status != "met":
                missed[result.case_id] += 1
    return missed.most_common(3)


def clear_caches() -> None:
    diagnosis.compare.cache_clear()
    diagnosis.canonical_forms.cache_clear()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    cases = bundled_cases()
    case = next(c for c in cases if c.meta.id == "cerebral-malaria-child")
    catalog = load_catalog()
    steps = [s for s in GOOD_STEPS if s[0] != "diagnose"]
    events = play_script(case, [*steps, GOOD_STEPS[-1]], catalog=catalog).events
    while len(events) < 200:  # repeat the encounter's actions until the log has 200 events
        steps.append(GOOD_STEPS[len(steps) % (len(GOOD_STEPS) - 1)])
        events = play_script(case, [*steps, GOOD_STEPS[-1]], catalog=catalog).events

    scoring = median_ms(lambda: score(case, events, catalog=catalog), args.runs, clear_caches)
    scoring_base = median_ms(lambda: plain_event_loop(events), args.runs)

    history = seeded_history(cases, 500)
    now = history[-1].finished_at + timedelta(days=1)
    deck = schedule(history[:-1])
    kept = list(update_deck({r.key: r for r in deck}, history[-1:]).values())
    recommending = median_ms(lambda: recommend(history, cases, now, deck=kept), args.runs)
    from_scratch = median_ms(lambda: recommend(history, cases, now), args.runs)
    recommending_base = median_ms(lambda: plain_attempt_loop(history), args.runs)

    rows = [
        (f"score a {len(events)}-event attempt", scoring, scoring_base, SCORING_TARGET_MS),
        (f"recommend over {len(history)} attempts", recommending, recommending_base,
         RECOMMEND_TARGET_MS),
        ("  same, replaying all FSRS reviews", from_scratch, recommending_base, None),
    ]  # fmt: skip
    print(f"{'measure':<34}{'simdesk ms':>12}{'plain loop ms':>15}{'ratio':>9}{'target ms':>11}"
          f"{'ok':>5}")  # fmt: skip
    ok = True
    for name, ours, base, target in rows:
        passed = target is None or ours < target
        ok &= passed
        goal = f"{target:>11.0f}{'yes' if passed else 'NO':>5}" if target else f"{'-':>11}{'':>5}"
        print(f"{name:<34}{ours:>12.2f}{base:>15.3f}{ours / base:>9.0f}{goal}")
    print(
        f"(medians of {args.runs} runs; scoring with cold diagnosis caches; the app keeps the "
        "FSRS deck and updates it after each attempt, so a full replay happens once per unlock)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
