"""What the library and the dashboard show about a learner, computed on the database thread.

Reads the learner's attempts and scored results from their store and runs the assessment
package's learner model (mastery, FSRS reviews, recommendations) over them. No Qt here beyond
the plain data classes the pages take.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from simdesk.core.assess.attempts import AttemptResult, load_history
from simdesk.core.assess.learner import mastery, recommend
from simdesk.core.assess.review import due, schedule
from simdesk.core.assess.scoring import DOMAINS
from simdesk.core.cases.schema import Case
from simdesk.core.clock import utc_now
from simdesk.core.store.repository import AttemptSummary, LearnerStore
from simdesk.ui.case_list import DONE, IN_PROGRESS, CaseStatus, Suggestion
from simdesk.ui.progress_page import PastAttempt, ProgressView, ReviewRow


@dataclass(frozen=True)
class LearnerOverview:
    statuses: dict[str, CaseStatus]
    suggestions: list[Suggestion]
    progress: ProgressView
    history: list[AttemptResult]
    unfinished: dict[str, AttemptSummary]  # case id -> the attempt to resume (newest)


def overview(store: LearnerStore, cases: list[Case], name: str) -> LearnerOverview:
    """Case statuses, recommendations and the dashboard's figures for one learner."""
    history = load_history(store, name)
    titles = {c.meta.id: c.meta.title for c in cases}
    statuses: dict[str, CaseStatus] = {}
    best: dict[str, float] = {}
    for result in history:
        best[result.case_id] = max(result.percent, best.get(result.case_id, 0.0))
    unfinished: dict[str, AttemptSummary] = {}
    for summary in store.unfinished():  # newest first: an exam outranks a practice attempt
        kept = unfinished.get(summary.case_id)
        if kept is None or (kept.mode != "exam" and summary.mode == "exam"):
            unfinished[summary.case_id] = summary
    for case_id in {*best, *unfinished}:
        paused = unfinished.get(case_id)
        statuses[case_id] = CaseStatus(IN_PROGRESS if paused else DONE, best.get(case_id),
                                       paused.mode if paused else None)  # fmt: skip
    now = utc_now()
    deck = schedule(history)
    suggestions = [
        Suggestion(r.case_id, r.title, r.reason) for r in recommend(history, cases, now, deck=deck)
    ]
    estimates = mastery(history)
    domain_mastery = []
    for domain in DOMAINS:
        means = [m.mean for (d, _), m in estimates.items() if d == domain]
        if means:
            domain_mastery.append((domain, 100 * sum(means) / len(means)))
    competencies = [
        (m.specialty, m.domain, 100 * m.mean, 100 * m.sd, m.attempts)
        for m in sorted(estimates.values(), key=lambda m: (m.specialty, m.domain))
    ]
    reviews = [
        ReviewRow(r.case_id, titles.get(r.case_id, r.case_id), r.item.description,
                  r.item.teaching_point, r.lapses)
        for r in due(deck, now)
    ]  # fmt: skip
    percents = [r.percent for r in history]
    past = [
        PastAttempt(r.attempt_id, r.case_id, titles.get(r.case_id, r.case_id),
                    f"{r.finished_at:%Y-%m-%d %H:%M}", r.percent)
        for r in reversed(history) if r.attempt_id is not None
    ]  # fmt: skip
    view = ProgressView(
        attempts=len(history),
        mean_percent=sum(percents) / len(percents) if percents else None,
        percents=percents,
        domain_mastery=domain_mastery,
        competencies=competencies,
        reviews=reviews,
        past=past,
    )
    return LearnerOverview(statuses, suggestions, view, history, unfinished)


@dataclass(frozen=True)
class CohortRow:
    name: str
    attempts: int
    unfinished: int
    last: str
    scored: int
    mean: str
    best: str
    cases: int


def cohort_rows(profiles, instructor) -> list[CohortRow]:
    """Every learner's attempts, read through the recovery wrap (each read is audited)."""
    rows = []
    for profile in profiles.learners():

        def read(store, name=profile.name):
            return store.attempts(), load_history(store, name)

        attempts, history = profiles.read_learner(instructor, profile.name, read)
        percents = [r.percent for r in history]
        last = max((a.started_at for a in attempts), default=None)
        rows.append(CohortRow(
            profile.name, len(attempts), sum(not a.finished for a in attempts),
            f"{last:%Y-%m-%d %H:%M}" if last else "never", len(history),
            f"{sum(percents) / len(percents):.0f}%" if percents else "-",
            f"{max(percents):.0f}%" if percents else "-", len({r.case_id for r in history}),
        ))  # fmt: skip
    return rows


def learner_progress(profiles, instructor, name: str, cases: list[Case]) -> ProgressView:
    """One learner's dashboard figures, for the instructor (read through the recovery wrap)."""
    return profiles.read_learner(instructor, name, lambda s: overview(s, cases, name).progress)


@dataclass(frozen=True)
class PastDebrief:
    debrief: object
    score: object
    mode: str
    plan: str
    notes: str
    finished_at: datetime | None = None  # naive UTC: when it was submitted


def past_debrief(store: LearnerStore, attempt_id: int, case: Case) -> PastDebrief:
    """A finished attempt's debrief again, rescored from its saved log (scoring is
    deterministic), with the plan and notes that were saved with it."""
    from simdesk.core.assess.debrief import build_debrief
    from simdesk.core.assess.scoring import score
    from simdesk.core.consultation import PAGE_SEQ

    saved = store.events(attempt_id)
    # Logs saved before the engine numbered notes and the plan kept them from PAGE_SEQ up.
    engine = [e for e in saved if e.seq < PAGE_SEQ and e.kind != "assessment"]
    result = score(case, engine)
    attempt = next((a for a in store.attempts() if a.id == attempt_id), None)
    mode = attempt.mode if attempt is not None else "practice"
    plans = [e.text for e in saved if e.kind == "plan"]
    notes = [e.text for e in saved if e.kind == "note"]
    return PastDebrief(build_debrief(case, result, engine), result, mode,
                       plans[-1] if plans else "", notes[-1] if notes else "",
                       attempt.ended_at if attempt is not None else None)  # fmt: skip
