"""An encounter with one case: a simulated clock and an append-only log of what happened."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any

from simdesk.core.cases.schema import Case, Fact
from simdesk.core.sim.disclosure import Disclosure, FactMatcher

MINUTES_PER_QUESTION = 1


@dataclass(frozen=True)
class Event:
    """One entry of the encounter log. ``sim_minute`` is simulated time; ``wall_time`` is real."""

    seq: int
    kind: str
    sim_minute: float
    wall_time: float
    data: dict[str, Any]


@dataclass(frozen=True)
class Turn:
    """A question, what it disclosed, and the authored line to fall back on."""

    seq: int
    question: str
    disclosure: Disclosure
    authored_reply: str

    @property
    def facts(self) -> tuple[Fact, ...]:
        return self.disclosure.facts


@dataclass
class Encounter:
    """A learner's session over one case. Deterministic for a given seed."""

    case: Case
    seed: int = 0
    sim_minute: float = 0.0
    events: list[Event] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._matcher = FactMatcher(self.case.facts)
        self._log("encounter_started", case_id=self.case.meta.id, version=self.case.meta.version)

    def _log(self, kind: str, **data: Any) -> Event:
        event = Event(len(self.events), kind, self.sim_minute, time.time(), data)
        self.events.append(event)
        return event

    def ask(self, question: str) -> Turn:
        """Log a question and decide which facts it discloses. Takes a simulated minute."""
        question = " ".join(question.split())
        self.sim_minute += MINUTES_PER_QUESTION
        disclosure = self._matcher.match(question)
        if disclosure.empty:
            authored = self._rng.choice(self.case.patient.unsure_lines)
        else:
            authored = " ".join(f.patient_says for f in disclosure.facts)
        event = self._log(
            "question", text=question, fact_ids=[f.id for f in disclosure.facts],
            scores=list(disclosure.scores),
        )  # fmt: skip
        return Turn(event.seq, question, disclosure, authored)

    def record_reply(self, turn: Turn, text: str, *, model_text_used: bool, reason: str) -> Event:
        """Log the reply that was shown for a turn, and whether it was model text."""
        return self._log(
            "reply", question_seq=turn.seq, text=text, model_text_used=model_text_used,
            guard=reason, fact_ids=[f.id for f in turn.facts],
        )  # fmt: skip
