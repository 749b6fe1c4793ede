"""Practice and exam (OSCE) modes around an encounter.

Practice: hints on request and nudges at trigger points (prescribing before asking about
allergies, diagnosing before examining, a critical time window running out); the debrief at any
time after the end. Exam: a timer, no hints or nudges, the debrief only after submission, and the
attempt locked once submitted (its log fingerprinted, further actions refused).

Authored hints and nudges come from the case's ``teaching`` section; built-in nudges (allergies
before prescribing, a critical window running out) apply to every case.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from simdesk.core.assess.debrief import Debrief, build_debrief
from simdesk.core.assess.diagnosis import warm_up as warm_up_diagnosis
from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.events import is_given, read_log
from simdesk.core.assess.model_text import Generate
from simdesk.core.assess.scoring import Score, score
from simdesk.core.cases.schema import Case, NudgeRule, Teaching
from simdesk.core.sim import events as ev
from simdesk.core.sim.events import dump_event

Mode = Literal["practice", "exam"]
WINDOW_WARNING = 0.75  # nudge when this share of a critical action's window has passed


@dataclass(frozen=True)
class Nudge:
    id: str
    message: str
    seq: int  # the event that triggered it


def teaching_of(case: Case) -> Teaching:
    """The case's authored teaching section (empty when the case has none)."""
    return case.teaching


def builtin_rules(case: Case) -> list[NudgeRule]:
    """Nudges every case gets, from its own facts and critical actions."""
    rules = []
    allergy_facts = [f.id for f in case.facts if f.category == "allergies"]
    if allergy_facts:
        rules.append(NudgeRule(
            id="allergies-before-prescribing", when_treatment=["*"], unless_facts=allergy_facts,
            message="Before you prescribe: have you asked about allergies?",
        ))  # fmt: skip
    windows = [a.within_minutes for a in case.answer_key.management.expected_actions
               if a.critical and a.within_minutes]  # fmt: skip
    if windows:
        rules.append(NudgeRule(
            id="time-critical", when_minute=WINDOW_WARNING * min(windows),
            message="This patient is unwell and time matters: what needs doing now?",
        ))  # fmt: skip
    return rules


def _done_before(rule: NudgeRule, log: list[ev.Event], seq: int) -> bool:
    for event in log:
        if event.seq >= seq:
            break
        if isinstance(event, ev.Question) and set(event.fact_ids) & set(rule.unless_facts):
            return True
        if isinstance(event, ev.Exam) and set(event.finding_ids) & set(rule.unless_exams):
            return True
        if isinstance(event, ev.Order) and event.code in rule.unless_tests:
            return True
    return False


def _trigger(rule: NudgeRule, log: list[ev.Event], critical_done: bool) -> ev.Event | None:
    for event in log:
        treated = is_given(event) and ({event.code, "*"} & set(rule.when_treatment))
        if treated or (isinstance(event, ev.Order) and event.code in rule.when_order):
            hit = event
        elif rule.when_minute is not None and event.sim_minute >= rule.when_minute:
            hit = None if critical_done else event
        else:
            continue
        if hit is not None and not _done_before(rule, log, hit.seq):
            return hit
    return None


def nudges(case: Case, events: Iterable[Any], shown: Iterable[str] = ()) -> list[Nudge]:
    """The nudges the log triggers that have not been shown yet (practice mode)."""
    log = read_log(events)
    shown = set(shown)
    critical = {c for a in case.answer_key.management.expected_actions if a.critical
                for c in a.any_of}  # fmt: skip
    critical_done = any(is_given(e) and e.code in critical for e in log)
    found = []
    for rule in [*builtin_rules(case), *teaching_of(case).nudges]:
        if rule.id in shown:
            continue
        event = _trigger(rule, log, critical_done)
        if event is not None:
            found.append(Nudge(rule.id, rule.message, event.seq))
    return found


GENERIC_HINTS = {
    "history": "Ask more about the story: when it started, what came with it, what was tried.",
    "examination": "You have not examined the patient yet: start with the general appearance.",
    "investigations": "Which simple test at this site would confirm what you suspect?",
    "management": "What does this patient need now, before the results are back?",
    "diagnosis": "When you are ready, give your diagnoses, most likely first.",
}


def fingerprint(events: Iterable[Any]) -> str:
    """A sha256 of the log's content (seq, kind, minute, data): what a locked attempt keeps."""
    content = [{k: v for k, v in dump_event(e).items() if k != "wall_time"}
               for e in read_log(events)]  # fmt: skip
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True)
class Submission:
    score: Score
    log_sha256: str
    elapsed_s: float
    overtime: bool


@dataclass
class AssessedSession:
    """The mode rules of one attempt. Call :meth:`check_open` before every learner action."""

    case: Case
    mode: Mode = "practice"
    time_limit_s: float | None = None  # exam only
    clock: Callable[[], float] = time.monotonic
    elapsed_before_s: float = 0.0  # time used before a pause (a resumed attempt)
    _started: float = field(init=False)
    _paused: bool = field(init=False, default=False)
    _hints_given: int = field(init=False, default=0)
    _shown: set[str] = field(init=False, default_factory=set)
    submission: Submission | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        warm_up_diagnosis()  # the terminology loads while the learner works, not at the end
        if self.mode not in ("practice", "exam"):
            raise AssessError(f"Unknown mode {self.mode!r}.", "Choose 'practice' or 'exam'.")
        if self.mode == "practice" and self.time_limit_s is not None:
            raise AssessError("Practice mode has no timer.", "Use exam mode for a timed attempt.")
        self._started = self.clock()

    @property
    def locked(self) -> bool:
        return self.submission is not None

    def elapsed_s(self) -> float:
        """Time used on this attempt, pauses excluded."""
        running = 0.0 if self._paused else self.clock() - self._started
        return self.elapsed_before_s + running

    def pause(self) -> float:
        """Stop the clock (the profile is locking); returns the time used so far."""
        if not self._paused:
            self.elapsed_before_s = self.elapsed_s()
            self._paused = True
        return self.elapsed_before_s

    def resume(self) -> None:
        if self._paused:
            self._started = self.clock()
            self._paused = False

    def remaining_s(self) -> float | None:
        if self.time_limit_s is None:
            return None
        return max(0.0, self.time_limit_s - self.elapsed_s())

    def check_open(self) -> None:
        if self.locked:
            raise AssessError(
                f"This attempt at {self.case.meta.id} was submitted and is locked.",
                "Start a new attempt to play the case again.",
            )
        if self.remaining_s() == 0.0:
            raise AssessError(
                "The exam time is up.", "Submit the attempt; it will be scored as it stands."
            )

    def _practice_only(self, what: str) -> None:
        if self.mode == "exam":
            raise AssessError(f"No {what} in exam mode.", "Switch to practice mode for help.")

    def hint(self, events: Iterable[Any]) -> str:
        """The next hint: authored hints in order, then one for the first untouched domain."""
        self._practice_only("hints")
        self.check_open()
        authored = teaching_of(self.case).hints
        if self._hints_given < len(authored):
            self._hints_given += 1
            return authored[self._hints_given - 1]
        done = {e.kind for e in read_log(events)}
        kinds = {"history": "question", "examination": "exam", "investigations": "order",
                 "management": "treatment", "diagnosis": "diagnosis"}  # fmt: skip
        for domain, kind in kinds.items():
            if kind not in done:
                return GENERIC_HINTS[domain]
        return "Review what you have found so far, and what could still kill this patient."

    def nudges(self, events: Iterable[Any]) -> list[Nudge]:
        """New nudges since the last call (practice); always none in exam mode."""
        if self.mode == "exam" or self.locked:
            return []
        found = nudges(self.case, events, self._shown)
        self._shown.update(n.id for n in found)
        return found

    def submit(self, events: Iterable[Any], **score_options: Any) -> Submission:
        """Score and lock the attempt. A second submission is refused."""
        if self.locked:
            raise AssessError("This attempt was already submitted.", "Start a new attempt.")
        events = list(events)
        elapsed = self.elapsed_s()
        overtime = self.time_limit_s is not None and elapsed > self.time_limit_s
        self.submission = Submission(score(self.case, events, **score_options),
                                     fingerprint(events), elapsed, overtime)  # fmt: skip
        return self.submission

    def verify(self, events: Iterable[Any]) -> bool:
        """Whether a log is the one that was submitted, unchanged."""
        return self.submission is not None and fingerprint(events) == self.submission.log_sha256

    def debrief(self, events: Iterable[Any], generate: Generate | None = None) -> Debrief:
        """The debrief: after submission (exam), or of the log so far (practice)."""
        events = list(events)
        if self.mode == "exam":
            if not self.locked:
                raise AssessError(
                    "The exam debrief is shown only after the attempt is submitted.",
                    "Submit the attempt first.",
                )
            if not self.verify(events):
                raise AssessError(
                    "This log differs from the submitted attempt.",
                    "Debrief the log that was submitted.",
                )
        result = self.submission.score if self.locked else score(self.case, events)
        return build_debrief(self.case, result, events, generate)
