"""The learner model: mastery per competency, difficulty that follows performance, progress over
time, and the recommended next case with a one-line reason.

Pure functions of the attempt history (:class:`AttemptResult`, oldest first) and the case
library. A competency is a rubric domain in a specialty. Mastery is the mean of a Beta
distribution over the item outcomes in that competency, older evidence decayed, so it follows
recent performance; its standard deviation is the uncertainty (wide with little evidence).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from simdesk.core.assess.attempts import AttemptResult, by_time, item_skills
from simdesk.core.assess.review import ReviewItem, due, schedule
from simdesk.core.cases.schema import Case

DECAY = 0.85  # weight kept by earlier evidence each time the competency is practised again
CREDIT = {"met": 1.0, "partial": 0.5, "missed": 0.0}
LEVELS = ("foundation", "intermediate", "advanced")
STEP_UP, STEP_DOWN = 80.0, 50.0  # percent at or above which the level rises; below which it falls


@dataclass(frozen=True)
class Mastery:
    domain: str
    specialty: str
    mean: float  # 0..1
    sd: float  # uncertainty
    evidence: float  # decayed number of item outcomes behind the estimate
    attempts: int


class _BetaTracker:
    """Beta(alpha, beta) per competency, updated attempt by attempt with decay."""

    def __init__(self) -> None:
        self.alpha: dict[tuple[str, str], float] = defaultdict(lambda: 1.0)
        self.beta: dict[tuple[str, str], float] = defaultdict(lambda: 1.0)
        self.attempts: Counter[tuple[str, str]] = Counter()

    def update(self, result: AttemptResult) -> None:
        outcomes: dict[tuple[str, str], list[float]] = defaultdict(list)
        for item in result.items:
            outcomes[(item.domain, result.specialty)].append(CREDIT[item.status])
        for key, credits in outcomes.items():
            self.alpha[key] = 1.0 + (self.alpha[key] - 1.0) * DECAY + sum(credits)
            self.beta[key] = 1.0 + (self.beta[key] - 1.0) * DECAY + len(credits) - sum(credits)
            self.attempts[key] += 1

    def mean(self, key: tuple[str, str]) -> float:
        return self.alpha[key] / (self.alpha[key] + self.beta[key])

    def estimate(self, key: tuple[str, str]) -> Mastery:
        a, b = self.alpha[key], self.beta[key]
        sd = math.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        return Mastery(key[0], key[1], a / (a + b), sd, a + b - 2, self.attempts[key])


def mastery(history: Sequence[AttemptResult]) -> dict[tuple[str, str], Mastery]:
    """Mastery per (domain, specialty) after every attempt in the history."""
    tracker = _BetaTracker()
    for result in by_time(history):
        tracker.update(result)
    return {key: tracker.estimate(key) for key in tracker.alpha}


def difficulty_levels(history: Sequence[AttemptResult]) -> dict[str, str]:
    """The difficulty to offer next in each specialty: up after a strong safe attempt, down after
    a weak or unsafe one, starting at foundation."""
    level: dict[str, int] = defaultdict(int)
    for result in by_time(history):
        now = level[result.specialty]
        if result.percent >= STEP_UP and not result.capped:
            now = min(now + 1, len(LEVELS) - 1)
        elif result.percent < STEP_DOWN or result.capped:
            now = max(now - 1, 0)
        level[result.specialty] = now
    return {specialty: LEVELS[n] for specialty, n in level.items()}


@dataclass(frozen=True)
class ProgressPoint:
    finished_at: datetime
    case_id: str
    specialty: str
    percent: float
    domains: dict[str, float | None]
    overall_mastery: float  # mean mastery over all competencies seen so far


def progress(history: Sequence[AttemptResult]) -> list[ProgressPoint]:
    """One point per attempt, oldest first, with the mastery reached after it."""
    points = []
    tracker = _BetaTracker()
    for result in by_time(history):
        tracker.update(result)
        means = [tracker.mean(k) for k in tracker.alpha]
        points.append(ProgressPoint(result.finished_at, result.case_id, result.specialty,
                                    result.percent, result.domains,
                                    round(sum(means) / len(means), 3)))  # fmt: skip
    return points


@dataclass(frozen=True)
class Recommendation:
    case_id: str
    title: str
    reason: str
    score: float


def _case_skills(case: Case) -> dict[str, str]:
    """Each skill a case practises -> the description of the rubric item that practises it."""
    skills: dict[str, str] = {}
    for item in case.answer_key.rubric:
        for skill in item_skills(case, item.id):
            skills.setdefault(skill, item.description)
    return skills


def _short(description: str) -> str:
    text = description.rstrip(".")
    return text[0].lower() + text[1:] if text else text


_TIMES = {1: "once", 2: "twice"}


def recommend(
    history: Sequence[AttemptResult], cases: Sequence[Case], now: datetime, *, top: int = 3,
    deck: list[ReviewItem] | None = None,
) -> list[Recommendation]:  # fmt: skip
    """The next cases to play, best first, each with a one-line reason."""
    ordered = by_time(history)
    missed: Counter[str] = Counter()
    # skill -> the missed items as the learner saw them in a debrief, in order
    seen: dict[str, list[str]] = {}
    for result in ordered[-50:]:  # recent attempts say what is still weak
        for item in result.items:
            if item.status != "met":
                missed.update(item.skills)
                for skill in item.skills:
                    seen.setdefault(skill, []).append(item.description)
    due_keys = {r.key for r in due(deck if deck is not None else schedule(ordered), now)}
    estimates = mastery(ordered)
    levels = difficulty_levels(ordered)
    played = Counter(r.case_id for r in ordered)
    last = ordered[-1].case_id if ordered else None
    ranked = []
    for case in cases:
        meta = case.meta
        skills = _case_skills(case)
        reasons: list[tuple[float, str]] = []
        practised = [(missed[s], s) for s in skills if missed[s]]
        if practised:
            count, skill = max(practised, key=lambda p: (p[0], p[1]))
            # Quoted from the debrief the learner saw, never from this (maybe unplayed) case's
            # answer key. Items of other cases can practise the same skill ("arranged transfer
            # to acute care", "kept him under observation": both admit): each is named, never
            # one of them said to be missed as often as the skill was.
            said = list(dict.fromkeys(reversed(seen[skill])))  # the latest first
            if len(said) == 1:
                times = _TIMES.get(count, f"{count} times")
                what = f"you missed '{_short(said[0])}' {times}; this case practises it"
            else:
                more = f" and {len(said) - 2} more" if len(said) > 2 else ""
                what = (f"you missed '{_short(said[0])}' and '{_short(said[1])}'{more}; "
                        "this case practises the same")  # fmt: skip
            reasons.append((2.0 * count, what))
        due_here = [k for k in due_keys if k.startswith(f"{meta.id}:")]
        if due_here:
            what = f"{len(due_here)} item(s) you missed here are due for review"
            reasons.append((1.5 * min(len(due_here), 3), what))
        domains = {i.domain for i in case.answer_key.rubric}
        weak = [
            (m.mean, m.domain) for (domain, specialty), m in estimates.items()
            if specialty == meta.specialty and domain in domains
        ]  # fmt: skip
        if weak:
            mean, domain = min(weak)
            why = f"your {domain} score in {meta.specialty} is {round(100 * mean)}%; "
            reasons.append((3.0 * (1 - mean), why + "this case exercises it"))
        elif not played[meta.id]:
            reasons.append((1.0, f"you have not tried {meta.specialty} yet"))
        target = LEVELS.index(levels.get(meta.specialty, LEVELS[0]))
        fit = -1.0 * abs(LEVELS.index(meta.difficulty) - target)
        repeat = -3.0 if meta.id == last else -0.2 * played[meta.id]
        # The strongest reason decides; the others only break ties.
        weights = sorted((w for w, _ in reasons), reverse=True) or [0.0]
        total = weights[0] + 0.25 * sum(weights[1:]) + fit + repeat
        reason = max(reasons)[1] if reasons else f"a {meta.difficulty} {meta.specialty} case"
        ranked.append(Recommendation(meta.id, meta.title, reason, round(total, 3)))
    ranked.sort(key=lambda r: (-r.score, r.case_id))
    return ranked[:top]
