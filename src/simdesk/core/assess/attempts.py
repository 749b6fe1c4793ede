"""An attempt's result as the learner model keeps it, and where it is kept.

The compact result (domain percents, each rubric item's status, safety) is appended to the
attempt's own event log in the learner store as one ``assessment`` event: no new table, encrypted
like every other event, and written with the rest of the attempt. The full breakdown with evidence
is recomputed from the log when needed (scoring is deterministic).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.scoring import Score
from simdesk.core.cases.schema import Case
from simdesk.core.sim import events as ev

RESULT_VERSION = 1


@dataclass(frozen=True)
class ItemOutcome:
    id: str
    domain: str
    description: str
    status: str  # met, partial, missed
    weight: float
    skills: tuple[str, ...]  # what the item practises, comparable across cases
    teaching_point: str


@dataclass(frozen=True)
class AttemptResult:
    """One scored attempt: enough for mastery, reviews, recommendations and reports."""

    case_id: str
    case_version: str
    specialty: str
    difficulty: str
    finished_at: datetime
    percent: float
    capped: bool
    domains: dict[str, float | None]
    items: tuple[ItemOutcome, ...]
    diagnosis: str  # the diagnosis outcome
    attempt_id: int | None = None
    learner: str = ""

    def to_dict(self) -> dict:
        data = asdict(self)
        data["finished_at"] = self.finished_at.isoformat()
        data["version"] = RESULT_VERSION
        return data

    @classmethod
    def from_dict(cls, data: dict) -> AttemptResult:
        try:
            fields = {k: v for k, v in data.items() if k != "version"}
            fields["finished_at"] = datetime.fromisoformat(data["finished_at"])
            fields["items"] = tuple(
                ItemOutcome(**{**i, "skills": tuple(i["skills"])}) for i in data["items"]
            )
            return cls(**fields)
        except (KeyError, TypeError, ValueError) as exc:
            raise AssessError(
                f"A stored assessment could not be read ({exc}).",
                "Score the attempt again from its events.",
            ) from exc


def item_skills(case: Case, item_id: str) -> tuple[str, ...]:
    """What a rubric item practises: treatment and test codes (shared by cases), else itself."""
    item = next(i for i in case.answer_key.rubric if i.id == item_id)
    actions = {a.id: a for a in case.answer_key.management.expected_actions}
    skills = {f"treat:{code}" for ref in item.actions if ref in actions
              for code in actions[ref].any_of}  # fmt: skip
    skills |= {f"test:{code}" for code in item.tests}
    if item.diagnosis:
        skills.add(f"diagnosis:{case.meta.id}")
    skills.add(f"item:{case.meta.id}:{item.id}")
    return tuple(sorted(skills))


def result_of(
    case: Case, score: Score, finished_at: datetime, *, attempt_id: int | None = None,
    learner: str = "",
) -> AttemptResult:  # fmt: skip
    """The compact result of a scored attempt."""
    items = tuple(
        ItemOutcome(i.id, i.domain, i.description, i.status, i.weight,
                    item_skills(case, i.id), i.teaching_point)
        for i in score.items
    )  # fmt: skip
    return AttemptResult(
        case.meta.id, case.meta.version, case.meta.specialty, case.meta.difficulty, finished_at,
        score.percent, score.cap is not None, {d.domain: d.percent for d in score.domains}, items,
        score.diagnosis.outcome, attempt_id, learner,
    )  # fmt: skip


def assessment_event(result: AttemptResult, seq: int, sim_minute: float) -> ev.Assessment:
    """The ``assessment`` event to append after an attempt's last event."""
    return ev.Assessment(seq=seq, sim_minute=sim_minute, result=result.to_dict())


def save_result(store, attempt_id: int, result: AttemptResult, after: ev.Event) -> None:
    """Append the result to the attempt's events in the (encrypted) learner store."""
    store.append_events(attempt_id, [assessment_event(result, after.seq + 1, after.sim_minute)])


def load_history(store, learner: str = "") -> list[AttemptResult]:
    """Every scored attempt in a learner store, oldest first (the last assessment of each)."""
    history = []
    for summary in store.attempts():
        found = [e for e in store.events(summary.id) if isinstance(e, ev.Assessment)]
        if found:
            data = {**found[-1].result, "attempt_id": summary.id, "learner": learner}
            history.append(AttemptResult.from_dict(data))
    return sorted(history, key=lambda r: r.finished_at)


def by_time(results: Iterable[AttemptResult]) -> list[AttemptResult]:
    return sorted(results, key=lambda r: (r.finished_at, r.attempt_id or 0))
