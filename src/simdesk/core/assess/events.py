"""The encounter log as assessment reads it: the engine's typed events, checked and in order.

Assessment reads :mod:`simdesk.core.sim.events` and nothing else: events as the engine logged
them, as the learner store gives them back, or serialised (``dump_event`` dicts, read with the
log's one loader). A malformed entry is an :class:`AssessError` naming it, never a silent skip.
Vitals are not logged at every event, so :func:`vitals_over_time` replays the case's physiology
with the treatments at the minutes they were given.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from simdesk.core.assess.errors import AssessError
from simdesk.core.cases.catalog import Catalog
from simdesk.core.cases.schema import Case
from simdesk.core.sim import events as ev
from simdesk.core.sim.orders import GIVING
from simdesk.core.sim.physiology import Physiology
from simdesk.core.sim.session import MINUTES_PER_TREATMENT


def read_log(events: Iterable[Any]) -> list[ev.Event]:
    """The log in ``seq`` order; an entry that is not an event is refused with its reason."""
    try:
        return ev.as_log(events)
    except ev.LogError as exc:
        raise AssessError(exc.what, exc.fix) from exc


def check_case(case: Case, log: list[ev.Event]) -> None:
    """Refuse a log that says it belongs to another case."""
    started = next((e for e in log if isinstance(e, ev.EncounterStarted)), None)
    if started is not None and started.case_id != case.meta.id:
        raise AssessError(
            f"This encounter log is of case {started.case_id!r}, not {case.meta.id!r}.",
            "Score the log against the case it was played on.",
        )


def given_minute(event: ev.Treatment) -> float:
    """When a treatment was ordered. Logs from before orders had intents logged it after the
    time the giving takes; they have no ``given_minute``."""
    if event.given_minute is not None:
        return event.given_minute
    return event.sim_minute - MINUTES_PER_TREATMENT


def test_name(code: str, case: Case, catalog: Catalog) -> str:
    """A test's name: the catalog's, or a case-local test's own; else its code."""
    entry = catalog.test(code)
    if entry is not None:
        return entry.name
    return next((r.name for r in case.investigations if r.code == code and r.name), code)


def order_words(event: ev.Order, case: Case, catalog: Catalog) -> str:
    """What an order is shown as: the learner's own words, or the test's name when the request
    is only its code (the Orders tab orders by code: "CT_HEAD" is shown "CT scan of the head")."""
    code = event.code or ""
    if not code or event.request.strip().casefold() != code.casefold():
        return event.request
    return test_name(code, case, catalog)


def is_given(event: ev.Event) -> bool:
    """Did this event put a treatment into the patient (not stopped, held or only planned)?"""
    return (
        isinstance(event, ev.Treatment) and bool(event.code)
        and event.intent in GIVING and not event.planned
    )  # fmt: skip


def replies_by_question(log: list[ev.Event]) -> dict[int, str]:
    """What was shown in reply to each question, by the question's ``seq``."""
    return {e.question_seq: e.text for e in log if isinstance(e, ev.Reply)}


def vitals_over_time(case: Case, log: list[ev.Event]) -> dict[int, dict[str, float]]:
    """The vitals at every event (by seq), replaying the physiology with the treatments given."""
    physiology = Physiology(case.vitals, list(case.physiology.rules))
    # A result that arrives while a treatment is being given is logged before the treatment.
    gives = sorted(
        (given_minute(e), e.seq, e.code)
        for e in log if is_given(e)
    )  # fmt: skip
    vitals: dict[int, dict[str, float]] = {}
    for event in log:
        while gives and gives[0][0] <= event.sim_minute:
            minute, _seq, code = gives.pop(0)
            physiology.advance_to(minute)
            physiology.give(code)
        physiology.advance_to(event.sim_minute)
        vitals[event.seq] = physiology.vitals()
    return vitals
