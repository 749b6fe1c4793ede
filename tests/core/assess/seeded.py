"""A seeded learner history: encounters played on the real engine over the bundled cases, with a
learner who does more of what the rubric asks as time goes on, each scored for real."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from simdesk.core.assess.attempts import AttemptResult, result_of
from simdesk.core.assess.scoring import score
from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.library import load_library
from simdesk.core.cases.schema import Case
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.session import Encounter

START = datetime(2026, 9, 1, 8, 0)


def bundled_cases() -> list[Case]:
    return [entry.case for entry in load_library(bundled_cases_dir()) if entry.ok]


def script_for(case: Case, rng: random.Random, skill: float) -> list[tuple[str, object]]:
    """Steps a learner of this skill (0..1) might take: each expected step with that chance."""
    key = case.answer_key
    findings = {f.id: f for f in case.examination.findings}
    actions = {a.id: a for a in key.management.expected_actions}
    steps: list[tuple[str, object]] = []
    for item in key.rubric:
        for fact_id in item.facts:
            if rng.random() < skill:
                steps.append(("ask", case.fact(fact_id).cues[0]))
        for finding_id in item.exams:
            if rng.random() < skill and findings[finding_id].cues:
                steps.append(("exam", findings[finding_id].cues[0]))
        for code in item.tests:
            if rng.random() < skill:
                steps.append(("order", code))
        for action_id in item.actions:
            if action_id in actions and rng.random() < skill:
                steps.append(("treat", actions[action_id].any_of[0]))
    if key.management.harmful_actions and rng.random() < (1 - skill) / 3:
        steps.append(("treat", key.management.harmful_actions[0].treatment))
    if rng.random() < (1 - skill) / 2:
        steps.append(("order", "TROPONIN"))
    right = rng.random() < skill
    steps.append(("diagnose", [key.diagnosis.primary if right else "viral gastroenteritis"]))
    return steps


def play_script(case: Case, steps, seed: int = 0, catalog=None) -> Encounter:
    """Play steps on the real engine (no model: replies are the authored lines), then end."""
    encounter = Encounter(case, seed=seed, catalog=catalog)
    for action, value in steps:
        if action == "ask":
            turn = encounter.ask(value)
            encounter.record_reply(turn, turn.authored_reply, model_text_used=False, reason="seed")
        elif action == "exam":
            encounter.examine(value)
        elif action == "order":
            encounter.order(value)
        elif action == "treat":
            encounter.treat(value)
        elif action == "wait":
            encounter.wait(value)
        elif action == "diagnose":
            encounter.diagnose(value)
        elif action == "plan":
            encounter.plan(value)
    encounter.end()
    return encounter


def seeded_history(
    cases: list[Case], attempts: int, *, seed: int = 7, learner: str = "learner",
    start_skill: float = 0.35, gain: float = 0.5,
) -> list[AttemptResult]:  # fmt: skip
    """``attempts`` scored attempts, one a day, skill rising from ``start_skill`` by ``gain``."""
    rng = random.Random(f"{seed}:{learner}")
    catalog = load_catalog()
    history = []
    for n in range(attempts):
        case = cases[rng.randrange(len(cases))]
        skill = min(0.95, start_skill + gain * n / max(attempts - 1, 1))
        encounter = play_script(case, script_for(case, rng, skill), seed=n, catalog=catalog)
        result = score(case, encounter.events, catalog=catalog)
        when = START + timedelta(days=n, minutes=rng.randrange(600))
        history.append(result_of(case, result, when, attempt_id=n + 1, learner=learner))
    return history
