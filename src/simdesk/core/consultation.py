"""One consultation, end to end, without any front end.

The engine decides *what* a question discloses; the transcript turns that into a prompt; the
model (run by whoever owns the backend) decides *how* the patient says it; the guard checks
each streamed word and falls back to the authored line. The GUI and the terminal front ends
both drive this class; examination, orders, treatment, waiting and diagnosis go straight to
``consultation.encounter`` (they need no model).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simdesk.core.cases.schema import Case
from simdesk.core.llm.guard import GuardedStream, ReplyGuard
from simdesk.core.llm.prompt import STOP, PatientTranscript, PromptFormat, TranscriptFormat
from simdesk.core.sim.session import Encounter, Event, Turn

# Words for family members: an informant may call the patient "my grandson" or "the baby".
KINSHIP = """son daughter grandson granddaughter child children baby boy girl husband wife mother
father grandmother grandfather brother sister family"""


@dataclass
class PendingReply:
    """A question waiting for its reply. ``prompt`` is None when there is nothing to voice."""

    turn: Turn
    prompt: str | None
    stream: GuardedStream
    stop: tuple[str, ...] = STOP


@dataclass(frozen=True)
class FinishedReply:
    """The reply shown for a turn. ``released`` is what reached the learner while it streamed;
    ``text`` always starts with it (released text is never taken back)."""

    text: str
    model_text_used: bool
    reason: str
    released: str = ""


@dataclass
class Consultation:
    case: Case
    seed: int = 0
    prompt_format: PromptFormat = field(default_factory=TranscriptFormat)
    context_tokens: int = 2048
    _saved: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.encounter = Encounter(self.case, seed=self.seed)
        self.transcript = PatientTranscript(
            self.case.patient_view(), self.prompt_format, context_tokens=self.context_tokens
        )
        key = self.case.answer_key.diagnosis
        self._forbidden = [key.primary, *key.aliases, *key.acceptable_differentials,
                           *key.must_not_miss]  # fmt: skip
        patient = self.case.patient
        self._persona_words = [patient.name, patient.occupation]
        if patient.informant is not None:  # someone speaking for the patient names them
            self._persona_words += [patient.informant.name, patient.informant.relation, KINSHIP]

    def ask(self, question: str) -> PendingReply:
        turn = self.encounter.ask(question)
        guard = ReplyGuard(
            turn.facts, persona_words=self._persona_words, forbidden_terms=self._forbidden,
            question=turn.question,
        )  # fmt: skip
        prompt = self.transcript.prompt_for(turn.question, turn.facts) if turn.facts else None
        stream = GuardedStream(guard, turn.authored_reply)
        return PendingReply(turn, prompt, stream, self.prompt_format.stop)

    def finish(
        self, pending: PendingReply, *, stopped: bool = False, voiced: bool = True
    ) -> FinishedReply:
        """Decide what is shown for the turn, log it, and extend the transcript.

        ``voiced=False``: no model ran (``--no-model``); the authored line is shown.
        """
        if pending.prompt is None:
            result = FinishedReply(pending.turn.authored_reply, False, "no fact disclosed")
        elif not voiced:
            result = FinishedReply(pending.turn.authored_reply, False, "no model: authored line")
        elif stopped:
            partial = pending.stream.released_text
            result = FinishedReply(partial or "…", bool(partial), "stopped by the learner", partial)
        else:
            released = pending.stream.released_text
            result = FinishedReply(*pending.stream.finish(), released=released)
        self.encounter.record_reply(
            pending.turn, result.text, model_text_used=result.model_text_used, reason=result.reason
        )
        self.transcript.append(pending.turn.question, pending.turn.facts, result.text)
        return result

    def unsaved_events(self) -> list[Event]:
        """Events logged since the last call: what a front end must persist next."""
        events = self.encounter.events[self._saved :]
        self._saved = len(self.encounter.events)
        return events
