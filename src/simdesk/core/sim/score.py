"""A first, deterministic reading of an encounter against the answer key.

Diagnosis: the submitted names against the primary diagnosis and its aliases, after simple
normalisation (case, punctuation, spacing). Rubric: each item met or missed from the event log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simdesk.core.cases.catalog import normalise
from simdesk.core.cases.schema import Case, RubricItem
from simdesk.core.sim.session import Event


@dataclass(frozen=True)
class DiagnosisCheck:
    submitted: list[str]
    correct: bool  # the first-ranked diagnosis is the primary (or an alias)
    matched: str | None  # the submitted name that matched, at any rank

    def as_dict(self) -> dict:
        return {"submitted": self.submitted, "correct": self.correct, "matched": self.matched}


def _diagnosis_key(name: str) -> str:
    """Case, punctuation and spacing aside; "T.B." reads as "TB"."""
    return normalise(re.sub(r"(?<=\w)\.(?=\w)|\.$", "", name.strip()))


def check_diagnosis(case: Case, submitted: list[str]) -> DiagnosisCheck:
    key = case.answer_key.diagnosis
    accepted = {_diagnosis_key(name) for name in (key.primary, *key.aliases)}
    hits = [name for name in submitted if _diagnosis_key(name) in accepted]
    first_ok = bool(submitted) and _diagnosis_key(submitted[0]) in accepted
    return DiagnosisCheck(submitted, first_ok, hits[0] if hits else None)


def last_diagnosis(events: list[Event]) -> list[str]:
    found = [e.data["submitted"] for e in events if e.kind == "diagnosis"]
    return found[-1] if found else []


@dataclass(frozen=True)
class Evidence:
    """What the learner did, read from the event log."""

    facts: set[str]
    exams: set[str]
    tests: set[str]
    actions: set[str]
    diagnosis_correct: bool

    @classmethod
    def from_events(cls, case: Case, events: list[Event]) -> Evidence:
        facts = {f for e in events if e.kind == "question" for f in e.data["fact_ids"]}
        exams = {f for e in events if e.kind == "exam" for f in e.data["finding_ids"]}
        tests = {
            e.data["code"] for e in events if e.kind == "order" and e.data["status"] == "pending"
        }
        given = [(e.data["code"], e.sim_minute) for e in events if e.kind == "treatment"]
        actions = {
            a.id
            for a in case.answer_key.management.expected_actions
            if any(
                code in a.any_of and (a.within_minutes is None or minute <= a.within_minutes)
                for code, minute in given
            )
        }
        correct = check_diagnosis(case, last_diagnosis(events)).correct
        return cls(facts, exams, tests, actions, correct)

    def met(self, item: RubricItem) -> bool:
        checks = [ref in self.facts for ref in item.facts]
        checks += [ref in self.exams for ref in item.exams]
        checks += [ref in self.tests for ref in item.tests]
        checks += [ref in self.actions for ref in item.actions]
        if item.diagnosis:
            checks.append(self.diagnosis_correct)
        return bool(checks) and (all(checks) if item.require == "all" else any(checks))


def score(case: Case, events: list[Event]) -> dict:
    """Rubric items met and missed, and the weighted total, as plain data."""
    evidence = Evidence.from_events(case, events)
    met, missed = [], []
    for item in case.answer_key.rubric:
        (met if evidence.met(item) else missed).append(item)
    total = sum(i.weight for i in case.answer_key.rubric)
    got = sum(i.weight for i in met)
    return {
        "points": got,
        "out_of": total,
        "percent": round(100 * got / total, 1) if total else 0.0,
        "met": [i.id for i in met],
        "missed": [{"id": i.id, "teaching_point": i.teaching_point} for i in missed],
    }
