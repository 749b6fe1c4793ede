"""One consultation, end to end, without any front end.

The engine decides *what* a question discloses; the transcript turns that into a prompt; the
model (run by whoever owns the backend) decides *how* the patient says it; the guard checks
the text released so far, a clause at a time, and falls back to the authored line. The GUI and
the terminal front ends both drive this class; examination, orders, treatment, waiting and
diagnosis go straight to ``consultation.encounter`` (they need no model).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import partial

from simdesk.core.cases.contradictions import never_says
from simdesk.core.cases.schema import Case, Fact
from simdesk.core.errors import SimdeskError
from simdesk.core.llm.guard import DECODING, GuardedStream, ReplyGuard, decoding_options
from simdesk.core.llm.prompt import (
    DEFAULT_CONTEXT,
    STOP,
    PatientTranscript,
    PromptFormat,
    TranscriptFormat,
)
from simdesk.core.sim import events as ev
from simdesk.core.sim.events import Event
from simdesk.core.sim.session import Encounter, Turn
from simdesk.core.sim.state import StateAnswer, contradiction, shown_now

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
    # Decoding options for the model request (constrained decoding: ``bias_words``, ``bias``,
    # ``only_words``); front ends pass them on to the backend as they are.
    options: dict = field(default_factory=dict)


# Until log schema 2 the window numbered notes from here up; the engine numbers them now.
PAGE_SEQ = 1_000_000


@dataclass(frozen=True)
class Replayed:
    """What :meth:`Consultation.replay` hands back to the front end."""

    notes: str  # the learner's latest notes ("" if none)


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
    context_tokens: int = DEFAULT_CONTEXT
    decoding: str = DECODING
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
        self._persona_words = [patient.name, *filter(None, [patient.occupation])]
        if patient.informant is not None:  # someone speaking for the patient names them
            self._persona_words += [patient.informant.name, patient.informant.relation, KINSHIP]

    def guard_for(
        self, facts: tuple[Fact, ...], question: str, state: StateAnswer | None = None
    ) -> ReplyGuard:
        """The guard a reply to ``question`` disclosing ``facts`` must pass, as ``ask`` builds it
        (``state``: the patient-now state the question is about, if any)."""
        return ReplyGuard(
            facts, persona_words=self._persona_words, forbidden_terms=self._forbidden,
            question=question,
            never_says=never_says(self.case.meta.id, {f.id for f in facts}),
            informant=self.case.patient.informant is not None,
            claims=partial(contradiction, state.trend) if state else None,
            other_facts=self.case.facts,
            shown_now=partial(shown_now, self.encounter.vitals, self.case.patient.age_years),
        )  # fmt: skip

    def use_model(self, prompt_format: PromptFormat, context_tokens: int) -> None:
        """Prompt the next questions for the model loaded now (it may load after the start).

        The transcript is rendered whole for every question, so the next prompt is in the new
        format; the model reads it once, then extends it turn by turn again."""
        self.prompt_format = self.transcript.format = prompt_format
        self.context_tokens = self.transcript.context_tokens = context_tokens

    def ask(self, question: str) -> PendingReply:
        turn = self.encounter.ask(question)
        guard = self.guard_for(turn.facts, turn.question, turn.state)
        prompt = self.transcript.prompt_for(turn.question, turn.facts) if turn.facts else None
        stream = GuardedStream(guard, turn.authored_reply)
        options = decoding_options(self.decoding, guard) if prompt is not None else {}
        return PendingReply(turn, prompt, stream, self.prompt_format.stop, options)

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

    def replay(self, stored: Iterable[Event]) -> Replayed:
        """Rebuild an unfinished encounter from its saved log (after a lock, quit or crash).

        ``stored`` are the saved events in any order. Each learner action is done again in its
        order; the engine is deterministic for the seed, so the clock, vitals, results and the
        log come back as they were (checked event by event). Replies are the ones shown then; a
        question whose reply was never saved (cut off by the crash) gets its authored line.
        Notes saved before the engine numbered them (seqs from ``PAGE_SEQ``) are not replayed;
        the latest notes come back in :class:`Replayed`. Only events made here need saving.
        """
        engine_events, legacy_notes = [], []
        for event in sorted(stored, key=lambda e: e.seq):
            (legacy_notes if event.seq >= PAGE_SEQ else engine_events).append(event)
        encounter, asked = self.encounter, {}
        for event in engine_events:
            if any(e.seq == event.seq for e in encounter.events):
                pass  # made by an earlier action (a result that arrived meanwhile)
            elif isinstance(event, ev.Question):
                asked[event.seq] = self.ask(event.text)
            elif isinstance(event, ev.Reply):
                pending = asked.pop(event.question_seq, None)
                if pending is not None:
                    encounter.record_reply(pending.turn, event.text,
                                           model_text_used=event.model_text_used,
                                           reason=event.guard)  # fmt: skip
                    self.transcript.append(pending.turn.question, pending.turn.facts, event.text)
            elif isinstance(event, ev.Exam):
                encounter.examine(event.request)
            elif isinstance(event, ev.Order):
                encounter.order(event.request)
            elif isinstance(event, ev.Treatment):
                if not event.part:  # one order logs an event per item it names
                    encounter.treat(event.request)
            elif isinstance(event, ev.Wait):
                encounter.wait(event.minutes)
            elif isinstance(event, ev.Note):
                encounter.note(event.text)
            elif isinstance(event, ev.Plan):
                encounter.plan(event.text)
            elif isinstance(event, ev.Diagnosis):
                encounter.diagnose(list(event.submitted))
            elif isinstance(event, ev.EncounterEnded | ev.Assessment):
                raise SimdeskError(
                    f"The attempt at {self.case.meta.id} was already ended.",
                    "Start a new attempt; the ended one is kept as it is.",
                )
            self._check_same(event)
        self._saved = len(encounter.events)
        for pending in asked.values():  # cut off mid-reply: the authored line stands
            self.finish(pending, voiced=False)
        notes = [e for e in (*engine_events, *legacy_notes) if isinstance(e, ev.Note)]
        return Replayed(notes[-1].text if notes else "")

    def _check_same(self, stored: Event) -> None:
        mine = next((e for e in self.encounter.events if e.seq == stored.seq), None)
        if mine is None or mine.kind != stored.kind:
            raise SimdeskError(
                f"The saved attempt at {self.case.meta.id} does not replay the same way "
                f"(event {stored.seq}: saved '{stored.kind}', now "
                f"'{mine.kind if mine else 'nothing'}'); the case file has probably changed.",
                "Start a new attempt; the saved one is kept unchanged.",
            )

    def unsaved_events(self) -> list[Event]:
        """Events logged since the last call: what a front end must persist next."""
        events = self.encounter.events[self._saved :]
        self._saved = len(self.encounter.events)
        return events
