"""Scoring an encounter: each rubric item with its evidence, domains, efficiency and safety.

Deterministic: the same case and event log always give the same score (no clock, no model unless
one is passed for an unsure diagnosis). Safety issues cap the overall result: a contraindicated
action at 40%, a harmful one at 50%, a missed time window of a critical action at 60%.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from simdesk.core.assess.diagnosis import DiagnosisResult, judge_differential
from simdesk.core.assess.events import (
    check_case,
    given_minute,
    order_words,
    read_log,
    replies_by_question,
    test_name,
)
from simdesk.core.assess.model_text import Generate
from simdesk.core.cases.catalog import Catalog, load_catalog
from simdesk.core.cases.schema import Case, RubricItem
from simdesk.core.sim import events as ev
from simdesk.core.sim.matching import TestMatcher
from simdesk.core.sim.orders import CONDITION_RE, GIVING, Dose, OrderReader, convert
from simdesk.core.sim.session import case_treatment_codes

DOMAINS = (
    "history", "examination", "investigations", "diagnosis", "management", "safety",
    "communication",
)  # fmt: skip
SAFETY_CAPS = {"contraindicated": 40.0, "harmful": 50.0, "missed_window": 60.0}
# Why each kind of issue caps the score, as the debrief says it.
CAP_REASONS = {
    "contraindicated": "a contraindicated treatment was given",
    "harmful": "a harmful action was taken",
    "missed_window": "a critical action was not done in its time window",
    "late": "a critical action was done after its time window",
}
GOOD_FROM, FAIR_FROM = 70.0, 50.0  # score bands: good (green), fair (amber), poor (red) below


def score_band(percent: float) -> str:
    """``good``, ``fair`` or ``poor``: how charts and reports colour a score."""
    return "good" if percent >= GOOD_FROM else "fair" if percent >= FAIR_FROM else "poor"


Status = Literal["met", "partial", "missed"]


@dataclass(frozen=True)
class EvidenceLine:
    """An event that satisfied (part of) a rubric item, with the transcript line it produced."""

    seq: int
    kind: str
    minute: float
    ref: str  # what it satisfied, e.g. "fact:fever", "test:GLUCOSE"
    text: str  # the learner's words
    response: str  # what the patient, the examination or the lab answered


@dataclass(frozen=True)
class ItemResult:
    id: str
    domain: str
    description: str
    weight: float
    earned: float
    status: Status
    evidence: tuple[EvidenceLine, ...]
    missing: tuple[str, ...]  # references not done, e.g. "fact:night-sweats"
    teaching_point: str
    # What the missing references are, in words ("night sweats", "Blood gas"); for a partly met
    # item, which part was not done.
    missing_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class DomainScore:
    domain: str
    earned: float
    out_of: float
    percent: float | None  # None: the case has no item in this domain


@dataclass(frozen=True)
class TestLine:
    code: str
    name: str
    cost_usd: float
    seq: int


@dataclass(frozen=True)
class Efficiency:
    sim_minutes: float
    questions: int
    questions_unanswered: int  # questions that disclosed no fact
    tests: tuple[TestLine, ...]
    cost_usd: float
    unnecessary_tests: tuple[TestLine, ...]  # not in the rubric and not authored for this patient


@dataclass(frozen=True)
class SafetyIssue:
    kind: Literal["contraindicated", "harmful", "missed_window", "late", "dose"]
    ref: str  # the harmful or expected action id
    description: str
    seq: int | None
    minute: float | None
    cap: float | None


@dataclass(frozen=True)
class Score:
    case_id: str
    case_version: str
    items: tuple[ItemResult, ...]
    domains: tuple[DomainScore, ...]
    diagnosis: DiagnosisResult
    efficiency: Efficiency
    safety: tuple[SafetyIssue, ...]
    raw_percent: float
    cap: float | None
    percent: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: plain dicts, lists, strings and numbers."""
        return _plain(asdict(self))

    def item(self, item_id: str) -> ItemResult:
        return next(i for i in self.items if i.id == item_id)

    def cap_reason(self) -> str:
        """The cap in one sentence: which issue put it there and what the score would have been;
        empty when nothing capped the score."""
        if self.cap is None:
            return ""
        issue = next(i for i in self.safety if i.cap == self.cap)
        what = issue.description.split(" - ")[0].split(". ")[0].rstrip(".")
        why = f"because {CAP_REASONS[issue.kind]}: {what}"
        if issue.minute is not None:
            why += f" (minute {issue.minute:g})"
        if self.raw_percent > self.cap:
            return f"Capped at {self.cap:g}% (from {self.raw_percent:g}%) {why}."
        return f"A safety issue limits the score to at most {self.cap:g}% {why}."


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


# Catalog categories a written plan can carry out: where the patient goes, what they are told,
# and instructions to the ward (nil by mouth).
PLAN_CATEGORIES = frozenset({"disposition", "communication", "public-health", "nursing"})
# Which order intents carry out an expected action of each intent.
ACTION_INTENTS = {"give": GIVING, "hold": frozenset({"hold", "stop", "avoid"}),
                  "remove": frozenset({"remove", "stop"})}  # fmt: skip
_PLAN_SENTENCE = re.compile(r"(?:\n|;|(?<!\d)\.(?!\d)|\u2022)+")
# The parts of a plan sentence that may each name a test ("sputum Xpert, HIV test and CXR").
_PLAN_PART = re.compile(r"(?:,|\band\b|\bplus\b|\bthen\b|\+)+", re.IGNORECASE)
# A part that says a test is not wanted names no request.
_CONDITION = re.compile(CONDITION_RE.pattern, re.IGNORECASE)
_NOT_WANTED = re.compile(r"\b(?:no|not|don'?t|avoid|without|unnecessary|needless)\b", re.I)


@dataclass(frozen=True)
class _Done:
    """One thing the log shows was done (or decided in the plan) to a treatment code."""

    code: str
    intent: str
    minute: float
    event: ev.Treatment | ev.Plan
    words: str  # what the learner wrote
    response: str  # what the engine answered, or what the plan was read as
    in_plan: bool = False  # a treatment the written plan starts (not given in the encounter)
    conditional: bool = False  # the plan gives it only if something happens ("if fever")


class _Log:
    """The facts, findings, tests, treatments, plan and diagnosis an event log shows, with
    where."""

    def __init__(self, case: Case, log: list[ev.Event], catalog: Catalog) -> None:
        self.log = log
        replies = replies_by_question(log)
        self.first: dict[str, EvidenceLine] = {}
        self.done: list[_Done] = []
        self.ordered: list[ev.Order] = []
        reader = OrderReader(catalog, case_treatment_codes(case))
        tests = TestMatcher(catalog, case)
        for event in log:
            if isinstance(event, ev.Question):
                reply = replies.get(event.seq, "")
                for fact_id in event.fact_ids:
                    self._note(f"fact:{fact_id}", event, event.text, reply)
            elif isinstance(event, ev.Exam):
                for finding_id in event.finding_ids:
                    self._note(f"exam:{finding_id}", event, event.request, event.text)
            elif isinstance(event, ev.Order) and event.status == "pending":
                self.ordered.append(event)
                words = order_words(event, case, catalog)
                self._note(f"test:{event.code}", event, words, event.text)
            elif isinstance(event, ev.Treatment) and event.code and not event.planned:
                self.done.append(_Done(event.code, event.intent, given_minute(event), event,
                                       event.request, event.text))  # fmt: skip
            elif isinstance(event, ev.Treatment) and event.code:
                # a conditional order ("ORS once he can drink") is a plan, as in the written
                # plan: it carries out an expected action with no time window, nothing more
                self.done.append(_Done(event.code, event.intent, given_minute(event), event,
                                       event.request, event.text, in_plan=True,
                                       conditional=True))  # fmt: skip
            elif isinstance(event, ev.Plan):
                self.done += _plan_items(reader, catalog, event)
                for code, said in _plan_tests(tests, reader, event):
                    name = test_name(code, case, catalog)
                    what = f"In your plan: {name} (not ordered in the encounter, so no result"
                    what += " came back; the Orders tab orders a test at once)"
                    self._note(f"test:{code}", event, said, what)
        self.late_lines: dict[str, EvidenceLine] = {}  # actions done after their window
        self.given = [
            (d.code, d.minute, d.event) for d in self.done if d.intent in GIVING and not d.in_plan
        ]
        # What the written plan starts outright: a harmful one is the learner's decision too.
        self.plan_given = [
            d for d in self.done if d.in_plan and d.intent in GIVING and not d.conditional
        ]
        for action in case.answer_key.management.expected_actions:
            done = self._doing(action.any_of, action)
            if done and action.and_any_of:
                also = self._doing(action.and_any_of, action)
                done = [max(done[0], also[0], key=lambda d: d.minute)] if also else []
            if done:
                self._note(f"action:{action.id}", done[0].event, done[0].words, done[0].response)
            elif action.within_minutes is not None and (late := self.late(action)):
                first = late[0]  # done, but after its window: the debrief shows when
                self.late_lines[f"action:{action.id}"] = EvidenceLine(
                    first.event.seq, first.event.kind, first.minute, f"action:{action.id}",
                    first.words, f"{first.response} Given at minute {first.minute:g} (simulated), "
                    f"after the {action.within_minutes}-minute window.".lstrip(),
                )  # fmt: skip
        diagnoses = [e for e in log if isinstance(e, ev.Diagnosis)]
        self.diagnosis: ev.Diagnosis | None = diagnoses[-1] if diagnoses else None

    def result_minutes(self, codes: list[str]) -> float | None:
        """When the first result of any of ``codes`` came back; None if none did."""
        minutes = [e.sim_minute for e in self.log if isinstance(e, ev.Result) and e.code in codes]
        return min(minutes, default=None)

    def _note(self, ref: str, event: ev.Event, said: str, response: str) -> None:
        if ref not in self.first:
            minute = given_minute(event) if isinstance(event, ev.Treatment) else event.sim_minute
            self.first[ref] = EvidenceLine(event.seq, event.kind, minute, ref, said, response)

    def _doing(self, codes: list[str], action) -> list[_Done]:
        return [
            d for d in self.done
            if d.code in codes and d.intent in ACTION_INTENTS[action.intent]
            and _in_time(action.within_minutes, d.minute)
            and not (d.in_plan and action.within_minutes is not None)
        ]  # fmt: skip

    def late(self, action) -> list[_Done]:
        return [
            d
            for d in self.done
            if d.code in action.any_of
            and d.intent in ACTION_INTENTS[action.intent]
            and not d.in_plan
        ]


def _plan_items(reader: OrderReader, catalog: Catalog, plan: ev.Plan) -> list[_Done]:
    """What a written plan decides about where the patient goes, what they are told, and which
    medicines are held, each with the words it was read from; and the treatments it starts
    ("start 2HRZE/4HR when Xpert confirms TB"), which carry out an expected action that has no
    time window (one with a window must be done in the encounter)."""
    found = []
    for sentence in _PLAN_SENTENCE.split(plan.text):
        if not sentence.strip():
            continue
        for item in reader.read(sentence).items:
            entry = catalog.treatment(item.code)
            planned = entry is not None and entry.category in PLAN_CATEGORIES
            said = item.words or sentence.strip()
            if not item.planned and (planned or item.intent in ACTION_INTENTS["hold"]):
                found.append(_Done(item.code, item.intent, plan.sim_minute, plan, said,
                                   f"Plan: {item.describe()} (from \"{said}\")"))  # fmt: skip
            elif planned and item.intent in GIVING:
                # a referral or advice on a condition ("refer ... and dialysis if AKI": the
                # reader gives the whole sentence its condition) is planned, as a conditional
                # treatment is: it carries out an expected action with no time window
                found.append(_Done(item.code, item.intent, plan.sim_minute, plan, said,
                                   f"Plan: {item.describe()} (from \"{said}\")",
                                   in_plan=True, conditional=True))  # fmt: skip
            elif item.intent in GIVING and not planned:
                found.append(_Done(item.code, item.intent, plan.sim_minute, plan, said,
                                   f"In your plan: {item.describe()} (from \"{said}\")",
                                   in_plan=True, conditional=item.planned))  # fmt: skip
    return found


def _plan_tests(tests: TestMatcher, reader: OrderReader, plan: ev.Plan):
    """``(code, words)`` of each test a written plan asks for ("Send sputum for Xpert MTB/RIF"):
    not a test named only in a condition ("return if blood in the stool"), one said not to be
    wanted, or a word of a treatment order ("10% glucose", "magnesium 4 g IV")."""
    for sentence in _PLAN_SENTENCE.split(plan.text):
        for part in _PLAN_PART.split(_CONDITION.sub("", sentence)):
            if not part.strip() or _NOT_WANTED.search(part) or reader.read(part).items:
                continue
            entry = tests.match(part)
            if entry is not None:
                yield entry.code, part.strip()


def _in_time(within: int | None, minute: float) -> bool:
    return within is None or minute <= within


def _refs(item: RubricItem) -> list[str]:
    return (
        [f"fact:{r}" for r in item.facts] + [f"exam:{r}" for r in item.exams]
        + [f"test:{r}" for r in item.tests] + [f"action:{r}" for r in item.actions]
    )  # fmt: skip


def _once(lines: list[EvidenceLine]) -> list[EvidenceLine]:
    """One line per event: a question that disclosed three facts is one piece of evidence."""
    seen: dict[int, EvidenceLine] = {}
    for line in lines:
        if line.seq in seen:
            first = seen[line.seq]
            seen[line.seq] = EvidenceLine(
                first.seq,
                first.kind,
                first.minute,
                f"{first.ref}, {line.ref}",
                first.text,
                first.response,
            )
        else:
            seen[line.seq] = line
    return list(seen.values())


def ref_name(ref: str, catalog: Catalog) -> str:
    """A reference in words: a test by its catalog name, anything else by its id
    (``fact:night-sweats`` -> "night sweats")."""
    kind, _, key = ref.partition(":")
    if kind == "test":
        entry = catalog.test(key)
        return entry.name if entry else key
    if kind == "diagnosis" or not key:
        return "the diagnosis"
    name = key.replace("-", " ").replace("_", " ")
    if kind in ("fact", "exam"):
        # a negative finding is named by what it is about: "not asked about blood in stool",
        # "cough or ear", not "not asked about no blood in stool"
        name = re.sub(r"\s+no\s+", " or ", re.sub(r"^(?:no|not|never)\s+", "", name))
    return name


def _score_item(
    item: RubricItem, log: _Log, diagnosis: DiagnosisResult, catalog: Catalog
) -> ItemResult:
    refs = _refs(item)
    evidence = _once([log.first[r] for r in refs if r in log.first])
    evidence += [log.late_lines[r] for r in refs if r not in log.first and r in log.late_lines]
    missing = [r for r in refs if r not in log.first]
    checks = [r in log.first for r in refs]
    credit = 0.0
    if checks:
        # "all": each part done earns its share (fever and night sweats asked, weight loss not:
        # two thirds), so what was asked is credited and the debrief names the part missed.
        credit = sum(checks) / len(checks) if item.require == "all" else float(any(checks))
    if item.diagnosis:
        if log.diagnosis is not None:
            said = log.diagnosis
            evidence.append(EvidenceLine(said.seq, said.kind, said.sim_minute, "diagnosis",
                                         said.text, diagnosis.reason))  # fmt: skip
        diagnosis_credit = diagnosis.credit
        if not diagnosis.correct:
            missing.append("diagnosis")
        if checks and item.require == "all":
            credit = min(credit, diagnosis_credit)
        else:
            credit = max(credit, diagnosis_credit)
    status: Status = "met" if credit >= 1 else "partial" if credit > 0 else "missed"
    return ItemResult(
        item.id, item.domain, item.description, item.weight, round(item.weight * credit, 3),
        status, tuple(sorted(evidence, key=lambda e: e.seq)), tuple(missing), item.teaching_point,
        tuple(ref_name(r, catalog) for r in missing),
    )  # fmt: skip


def _efficiency(case: Case, catalog: Catalog, log: _Log) -> Efficiency:
    expected = {t for item in case.answer_key.rubric for t in item.tests}
    authored = {r.code for r in case.investigations}
    tests = []
    for order in log.ordered:
        code = order.code or ""
        entry = catalog.test(code)
        name = entry.name if entry else code
        tests.append(TestLine(code, name, entry.cost_usd if entry else 0.0, order.seq))
    unnecessary = tuple(t for t in tests if t.code not in expected | authored)
    questions = [e for e in log.log if isinstance(e, ev.Question)]
    return Efficiency(
        sim_minutes=max((e.sim_minute for e in log.log), default=0.0),
        questions=len(questions),
        questions_unanswered=sum(1 for q in questions if not q.fact_ids),
        tests=tuple(tests),
        cost_usd=round(sum(t.cost_usd for t in tests), 2),
        unnecessary_tests=unnecessary,
    )


def _dose_issues(case: Case, log: _Log, catalog: Catalog) -> list[SafetyIssue]:
    """Orders whose typed dose is outside the case's range, or whose route is not listed."""
    management = case.answer_key.management
    issues = []
    for rule in management.doses:
        for given in log.log:
            if not isinstance(given, ev.Treatment) or given.code != rule.treatment:
                continue
            if given.intent not in GIVING:
                continue
            problems = []
            if given.dose:
                value, _, unit = given.dose.partition(" ")
                amount = convert(Dose(float(value), unit), rule.unit, management.weight_kg)
                if amount is not None and not rule.low * 0.95 <= amount <= rule.high * 1.05:
                    problems.append(
                        f"{given.dose} is {amount:.3g} {rule.unit}; "
                        f"expected {rule.low:g}-{rule.high:g} {rule.unit}"
                    )
            if given.route and rule.routes and given.route not in rule.routes:
                problems.append(f"route {given.route}; expected {' or '.join(rule.routes)}")
            if problems:
                entry = catalog.treatment(rule.treatment)
                name = entry.name if entry else rule.treatment
                what = f"{name}: {'; '.join(problems)}. {rule.teaching_point}"
                issues.append(
                    SafetyIssue("dose", rule.id, what, given.seq, given_minute(given), None)
                )
    return issues


def _safety(case: Case, log: _Log) -> list[SafetyIssue]:
    issues: list[SafetyIssue] = []
    management = case.answer_key.management
    for harm in management.harmful_actions:
        for code, minute, step in log.given:
            if code != harm.treatment:
                continue
            reason = harm.reason
            if harm.before_results:
                back = log.result_minutes(harm.before_results)
                if back is not None and back <= minute:
                    continue  # given once the result was known
                reason += f" Given at minute {minute:g} (simulated), before the result was back."
            issues.append(SafetyIssue(harm.severity, harm.id, reason, step.seq, minute,
                                      SAFETY_CAPS[harm.severity]))  # fmt: skip
            break
        else:
            planned = next((d for d in log.plan_given if d.code == harm.treatment), None)
            if planned is not None:
                reason = f'In your plan ("{planned.words}"): {harm.reason}'
                issues.append(SafetyIssue(harm.severity, harm.id, reason, planned.event.seq,
                                          planned.minute, SAFETY_CAPS[harm.severity]))  # fmt: skip
    end = max((e.sim_minute for e in log.log), default=0.0)
    for action in management.expected_actions:
        if action.within_minutes is None or f"action:{action.id}" in log.first:
            continue
        late = log.late(action)
        if late:
            minute, step = late[0].minute, late[0].event
            what = f"{action.description} Done at minute {minute:g}, after the "
            what += f"{action.within_minutes}-minute window."
            cap = SAFETY_CAPS["missed_window"] if action.critical else None
            issues.append(SafetyIssue("late", action.id, what, step.seq, minute, cap))
        elif action.critical or end > action.within_minutes:
            what = f"{action.description} Not done within {action.within_minutes} minutes."
            cap = SAFETY_CAPS["missed_window"] if action.critical else None
            issues.append(SafetyIssue("missed_window", action.id, what, None, None, cap))
    return issues


def score(
    case: Case,
    events: Iterable[Any],
    *,
    catalog: Catalog | None = None,
    generate: Generate | None = None,
) -> Score:
    """Score an encounter's event log against the case's answer key."""
    events = read_log(events)
    check_case(case, events)
    catalog = catalog or load_catalog()
    log = _Log(case, events, catalog)
    submitted = list(log.diagnosis.submitted) if log.diagnosis else []
    diagnosis = judge_differential(submitted, case.answer_key.diagnosis, generate, case)
    items = tuple(_score_item(item, log, diagnosis, catalog) for item in case.answer_key.rubric)
    domains = []
    for domain in DOMAINS:
        mine = [i for i in items if i.domain == domain]
        out_of = sum(i.weight for i in mine)
        earned = round(sum(i.earned for i in mine), 3)
        percent = round(100 * earned / out_of, 1) if out_of else None
        domains.append(DomainScore(domain, earned, out_of, percent))
    total = sum(i.weight for i in items)
    raw = round(100 * sum(i.earned for i in items) / total, 1) if total else 0.0
    safety = tuple(_safety(case, log) + _dose_issues(case, log, catalog))
    caps = [i.cap for i in safety if i.cap is not None]
    cap = min(caps) if caps else None
    if cap is not None:
        # The safety bar never says more than the cap a safety issue put on the whole score.
        domains = [
            DomainScore(d.domain, d.earned, d.out_of, min(d.percent, cap))
            if d.domain == "safety" and d.percent is not None else d
            for d in domains
        ]  # fmt: skip
    return Score(
        case.meta.id, case.meta.version, items, tuple(domains), diagnosis,
        _efficiency(case, catalog, log), safety, raw, cap, min(raw, cap) if cap else raw,
    )  # fmt: skip


def score_attempt(case: Case, events: Iterable[Any], **options: Any) -> dict[str, Any]:
    """The full score breakdown with evidence, JSON-ready (for ``run-script --json``)."""
    return score(case, events, **options).to_dict()
