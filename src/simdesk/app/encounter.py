"""An encounter as both front ends play it: the consultation, its log saved as it goes.

:class:`EncounterService` wraps :class:`~simdesk.core.consultation.Consultation`: every action
goes to the engine and then the events it logged go to ``save`` (the learner store, or nowhere
for the command line's practice runs). The model's description, when it arrives, decides how
the patient's prompts are written (:meth:`use_model`). :meth:`voice` is the blocking way to
have the model say a reply (the terminal, scripts, benchmarks); the window streams replies
through its own signals instead and calls :meth:`finish` the same way.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from simdesk.app.model import ModelDescription, ModelService
from simdesk.core.cases.schema import Case
from simdesk.core.consultation import Consultation, FinishedReply, PendingReply, Replayed
from simdesk.core.errors import SimdeskError
from simdesk.core.llm.prompt import REPLY_TOKENS
from simdesk.core.sim import events as ev
from simdesk.core.sim.session import ExamResult, OrderOutcome, TestResult, TreatmentOutcome

Save = Callable[[list[ev.Event]], None]


def stream_reply(pending: PendingReply, model: ModelService, show: Callable[[str], None]) -> None:
    """Run the model on a question's prompt, feeding its guard and showing what it releases.

    Decoding stops once nothing more can be shown. A model that fails or crashes leaves the
    guard's verdict on what came before it (``Consultation.finish`` then decides)."""
    if pending.prompt is None:
        return

    def token(text: str) -> None:
        released = pending.stream.feed(text)
        if released:
            show(released)

    with contextlib.suppress(SimdeskError):
        model.run(pending.prompt, stop=pending.stop, max_tokens=REPLY_TOKENS, on_token=token,
                  cancelled=lambda: pending.stream.done, **pending.options)  # fmt: skip


@dataclass
class EncounterService:
    """One case played by one learner; ``save`` receives each batch of new events in order."""

    case: Case
    seed: int = 0
    save: Save = lambda _events: None  # noqa: E731
    model: ModelDescription | None = None

    def __post_init__(self) -> None:
        self.consultation = Consultation(self.case, seed=self.seed)
        if self.model is not None:
            self.use_model(self.model)

    @property
    def encounter(self):
        return self.consultation.encounter

    @property
    def events(self) -> list[ev.Event]:
        return self.consultation.encounter.events

    def use_model(self, description: ModelDescription) -> None:
        """Write the next prompts for this model (it may finish loading after the start)."""
        self.model = description
        self.consultation.use_model(description.prompt_format, description.n_ctx)

    def _saved(self, value):
        events = self.consultation.unsaved_events()
        if events:
            self.save(events)
        return value

    # -- history --------------------------------------------------------------------------------

    def ask(self, question: str) -> PendingReply:
        """Log the question (saved at once) and prepare its prompt, guard and authored line."""
        return self._saved(self.consultation.ask(question))

    def finish(
        self, pending: PendingReply, *, stopped: bool = False, voiced: bool = True
    ) -> FinishedReply:
        return self._saved(self.consultation.finish(pending, stopped=stopped, voiced=voiced))

    def voice(
        self, pending: PendingReply, model: ModelService, show: Callable[[str], None]
    ) -> FinishedReply:
        """Have the model say the reply, releasing each guarded piece to ``show``; blocking."""
        stream_reply(pending, model, show)
        return self.finish(pending)

    def say(
        self, question: str, model: ModelService | None, show: Callable[[str], None] = print
    ) -> FinishedReply:
        """Ask and wait for the reply: the model's if there is one, else the authored line."""
        pending = self.ask(question)
        if model is None:
            return self.finish(pending, voiced=False)
        return self.voice(pending, model, show)

    # -- everything else goes to the engine and is saved -----------------------------------------

    def examine(self, request: str) -> ExamResult:
        return self._saved(self.encounter.examine(request))

    def order(self, request: str) -> OrderOutcome:
        return self._saved(self.encounter.order(request))

    def treat(self, request: str) -> TreatmentOutcome:
        return self._saved(self.encounter.treat(request))

    def wait(self, minutes: float) -> list[TestResult]:
        return self._saved(self.encounter.wait(minutes))

    def note(self, text: str) -> ev.Note:
        return self._saved(self.encounter.note(text))

    def plan(self, text: str) -> ev.Plan:
        return self._saved(self.encounter.plan(text))

    def diagnose(self, ranked: list[str]) -> ev.Diagnosis:
        return self._saved(self.encounter.diagnose(ranked))

    def end(self) -> ev.EncounterEnded:
        return self._saved(self.encounter.end())

    def replay(self, stored: Iterable[ev.Event]) -> Replayed:
        """Resume from a saved log; only what the replay adds is saved."""
        return self._saved(self.consultation.replay(stored))
