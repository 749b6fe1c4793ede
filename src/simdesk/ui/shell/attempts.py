"""An attempt from start to debrief: starting or resuming a case, saving its log as it goes,
keeping the clock on lock and quit, submitting, the model's debrief summary, past debriefs."""

from __future__ import annotations

import time
from functools import partial

from simdesk.core.clock import utc_now
from simdesk.core.errors import SimdeskError
from simdesk.ui.operations import ATTEMPT_CLOSED, ATTEMPT_FINISHED
from simdesk.ui.workers import Cancelled, describe_error

NARRATIVE_SECONDS = 10  # the model's debrief summary is offered only if ready by then


class AttemptsMixin:
    """The attempt in play is the session's (``session.attempt``); its saves are store ops
    queued in order, so none waits for the attempt's id."""

    def _build_attempts(self) -> None:
        self._current = None  # (entry, mode) of the last encounter
        self._narrative_task = None

    def start_case(self, entry, mode: str = "practice") -> None:
        """Start a case, or resume its unfinished attempt.

        An unfinished exam is always resumed (locking or quitting never restarts an exam
        fresh); an unfinished practice attempt is resumed when practice is asked for.
        """
        if self.store is None:
            self.show_error("Unlock your profile before starting a case.")
            return
        case = entry.case
        unfinished = self.overview.unfinished.get(case.meta.id) if self.overview else None
        if unfinished is not None and (unfinished.mode == "exam" or mode == "practice"):
            if unfinished.mode != mode:
                self.statusBar().showMessage(
                    "Your exam on this case is unfinished: it resumes where you left it.", 10_000
                )
            self._resume(entry, unfinished)
            return
        self._current = (entry, mode)
        self.ops.store(self.session.new_attempt(case, mode).start)
        self.encounter.start(case, self.model, self.persist_events, mode=mode,
                             model=self.model.description)  # fmt: skip
        self.message_bar.hide()
        self.pages.setCurrentWidget(self.encounter)

    def _resume(self, entry, attempt) -> None:
        """Read the attempt's saved events (store thread), then replay them on the page."""
        store = self.store

        def replay(saved) -> None:
            if self.store is not store:
                return  # locked meanwhile
            # In play from here: whatever the replay saves goes to this attempt.
            self.session.resumed_attempt(attempt.id, attempt.case_id, entry.case.meta.version,
                                         attempt.mode, attempt.seed)  # fmt: skip
            try:
                self.encounter.start(entry.case, self.model, self.persist_events,
                                     mode=attempt.mode, seed=attempt.seed, saved=saved,
                                     elapsed_s=attempt.elapsed_s,
                                     model=self.model.description)  # fmt: skip
            except SimdeskError as exc:
                self.session.attempt = None
                # Kept as saved, closed so that the case can be played again.
                self.ops.store(lambda store: store.end_attempt(attempt.id),
                               changed=ATTEMPT_CLOSED)  # fmt: skip
                self.show_error(exc)
                return
            self._current = (entry, attempt.mode)
            self.overview.unfinished.pop(attempt.case_id, None)
            self.message_bar.hide()
            self.pages.setCurrentWidget(self.encounter)
            self.statusBar().showMessage("Resumed where you left off.", 10_000)

        self.ops.store(lambda store: store.events(attempt.id), success=replay)

    def persist_events(self, events) -> None:
        attempt, played = self.session.attempt, self.encounter.session
        elapsed = played.elapsed_s() if played is not None and played.mode == "exam" else None
        self.ops.store(lambda store: attempt.record(store, events, elapsed_s=elapsed))

    def _suspend_encounter(self) -> None:
        """Lock or quit mid-encounter: save everything, stop the exam clock, keep it open."""
        if not self.encounter.running:
            return
        used = self.encounter.suspend()
        attempt = self.session.attempt
        if self.store is not None and attempt is not None:
            self.ops.store(lambda store: attempt.save_elapsed(store, used))

    def _submitted(self, outcome) -> None:
        """Score the attempt and keep its result in one store op, then show the debrief.

        Not on the GUI thread: judging the diagnosis waits for the terminology when it is still
        being built (a 10.4 s frozen window was measured when it ran here). Scoring and keeping
        are one op on the store thread, so a lock or a quit meanwhile closes the store only
        after the result is kept. A failure leaves the attempt's saved log as it was and the
        page offers Score again (a result scored before the failure is reused).
        """
        session, attempt, name = self.session, self.session.attempt, self.profile_name
        described = self.model.description  # the model that voiced this attempt, if loaded
        model_id = described.path.stem if described else "none"
        signed_in = self.store

        def score_and_keep(store):
            from simdesk.core.assess.debrief import build_debrief

            played = outcome.session
            submission = played.submission or played.submit(outcome.events)
            result = attempt.finish(store, outcome.case, submission.score,
                                    outcome.events[-1], name)  # fmt: skip
            session.queue_or_note(store, attempt, result, model_id)
            return submission, build_debrief(outcome.case, submission.score, outcome.events)

        def scored(value) -> None:
            self.encounter.scored()
            if self.store is not signed_in:  # locked meanwhile: kept, shown from Progress
                return
            submission, debrief = value
            self._show_scored(outcome, submission.score, debrief)

        def failed(exc: Exception) -> None:
            self.encounter.scoring_failed(describe_error(exc))
            self.show_error(exc)

        self.ops.store(score_and_keep, success=scored, failure=failed, changed=ATTEMPT_FINISHED)

    def _show_scored(self, outcome, score, debrief) -> None:
        """Show the debrief of a scored attempt; let the model write the narrative."""
        from simdesk.core.assess.debrief import model_narrative

        name = self.profile_name
        self.debrief.show_debrief(debrief, score, age_years=outcome.case.patient.age_years,
                                  plan=outcome.plan, notes=outcome.notes, mode=outcome.mode,
                                  learner=name, when=utc_now())  # fmt: skip
        self.message_bar.hide()
        self.pages.setCurrentWidget(self.debrief)
        model = self.model
        if not model.ready.is_set():
            return
        deadline = time.monotonic() + NARRATIVE_SECONDS

        def late() -> bool:
            return time.monotonic() > deadline

        def write(_report, cancelled):
            stop = lambda: cancelled() or late()  # noqa: E731
            return model_narrative(score, partial(model.generate, cancelled=stop))

        def written(result) -> None:
            self.debrief.set_narrative_busy(False)
            text, note = result
            if text is None and late():
                note = f"the model's summary was not ready within {NARRATIVE_SECONDS} s"
            if text is not None:
                self.debrief.show_narrative(text, by_model=True)
            else:
                self.debrief.show_narrative(debrief.narrative, by_model=False, note=note)
            self.debrief.narrative_done = True

        def failed(exc: Exception) -> None:
            self.debrief.set_narrative_busy(False)
            self.debrief.narrative_done = True
            if late():  # not offered: the written summary stays
                note = f"the model's summary was not ready within {NARRATIVE_SECONDS} s"
                self.debrief.show_narrative(debrief.narrative, by_model=False, note=note)
            elif not isinstance(exc, Cancelled):
                self.show_error(exc)

        self.debrief.narrative_done = False
        self.debrief.set_narrative_busy(True)
        self._narrative_task = self.ops.background(write, success=written, failure=failed)

    def open_past_debrief(self, attempt_id: int, case_id: str) -> None:
        """Reopen a finished attempt's debrief from Progress (read on the store thread)."""
        from simdesk.ui.learner_view import past_debrief

        entry = next((e for e in self.entries if e.case is not None
                      and e.case.meta.id == case_id), None)  # fmt: skip
        if entry is None or self.store is None:
            self.show_error(f"The case '{case_id}' of that attempt is no longer in the library.")
            return
        case, name = entry.case, self.profile_name

        def show(past) -> None:
            self._current = (entry, "practice")
            self.debrief.show_debrief(past.debrief, past.score, age_years=case.patient.age_years,
                                      plan=past.plan, notes=past.notes, mode=past.mode,
                                      learner=name, when=past.finished_at)  # fmt: skip
            self.debrief.set_narrative_busy(False)
            self.message_bar.hide()
            self.pages.setCurrentWidget(self.debrief)

        self.ops.store(lambda store: past_debrief(store, attempt_id, case), success=show)

    def _cancel_narrative(self) -> None:
        if self._narrative_task is not None:
            self._narrative_task.cancel()

    def _retry(self) -> None:
        if self._current is not None:
            self.start_case(*self._current)

    def _next_case(self) -> None:
        suggestions = self.overview.suggestions if self.overview else []
        current = self._current[0].case.meta.id if self._current else None
        for suggestion in suggestions:
            if suggestion.case_id != current:
                self.navigate("cases")
                self.case_list.select_case(suggestion.case_id)
                return
        self.navigate("cases")

    def _practise(self, case_id: str) -> None:
        self.navigate("cases")
        self.case_list.select_case(case_id)
        self.case_list.list.setFocus()
