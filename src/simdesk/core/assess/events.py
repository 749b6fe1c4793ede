"""The encounter log as assessment reads it, from any of the forms it is kept in.

The engine logs :class:`simdesk.core.sim.session.Event` (``text`` inside ``data``); the learner
store gives back :class:`StoredEvent` (``text`` beside ``data``); ``run-script --json`` and tests
use plain dicts. All become :class:`Step`. A malformed entry is an :class:`AssessError` naming its
position, never a silent skip. Vitals are not logged at every event, so :func:`vitals_over_time`
replays the case's physiology with the treatments at the minutes they were given.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from simdesk.core.assess.errors import AssessError
from simdesk.core.cases.schema import Case
from simdesk.core.sim.orders import GIVING
from simdesk.core.sim.physiology import Physiology
from simdesk.core.sim.session import MINUTES_PER_TREATMENT

# The data keys each kind must carry for assessment to read it.
REQUIRED = {
    "question": ("fact_ids",),
    "exam": ("finding_ids",),
    "order": ("code", "status"),
    "treatment": ("code",),
    "diagnosis": ("submitted",),
    "result": ("code",),
}


@dataclass(frozen=True)
class Step:
    seq: int
    kind: str
    minute: float
    text: str
    data: dict[str, Any]


def _fields(event: Any) -> tuple[int, str, float, str | None, dict]:
    if isinstance(event, dict):
        return (event.get("seq"), event.get("kind"), event.get("sim_minute"), event.get("text"),
                event.get("data", {}))  # fmt: skip
    return (getattr(event, "seq", None), getattr(event, "kind", None),
            getattr(event, "sim_minute", None), getattr(event, "text", None),
            getattr(event, "data", None))  # fmt: skip


def read_steps(events: Iterable[Any]) -> list[Step]:
    """The log as steps in order, checked: every entry needs seq, kind, sim_minute and data."""
    steps: list[Step] = []
    for position, event in enumerate(events):
        seq, kind, minute, text, data = _fields(event)
        if not isinstance(kind, str) or not isinstance(data, dict):
            raise AssessError(
                f"Entry {position} of the encounter log has no kind or data: {event!r:.80}.",
                "Pass the encounter's events as logged by the engine or read from the store.",
            )
        if not isinstance(seq, int) or not isinstance(minute, int | float):
            raise AssessError(
                f"Entry {position} ({kind}) of the encounter log has no seq or sim_minute.",
                "Pass the encounter's events as logged by the engine or read from the store.",
            )
        missing = [k for k in REQUIRED.get(kind, ()) if k not in data]
        if missing:
            raise AssessError(
                f"Event {seq} ({kind}) lacks {', '.join(missing)}, so it cannot be scored.",
                "The log may come from an older simdesk; replay the encounter to score it.",
            )
        text = text if text is not None else data.get("text", "")
        steps.append(Step(seq, kind, float(minute), str(text or ""), data))
    return sorted(steps, key=lambda s: s.seq)


def check_case(case: Case, steps: list[Step]) -> None:
    """Refuse a log that says it belongs to another case."""
    started = next((s for s in steps if s.kind == "encounter_started"), None)
    if started is not None and started.data.get("case_id") not in (None, case.meta.id):
        raise AssessError(
            f"This encounter log is of case {started.data['case_id']!r}, not {case.meta.id!r}.",
            "Score the log against the case it was played on.",
        )


def given_minute(step: Step) -> float:
    """When a treatment was ordered. Logs before orders had intents logged it after the time
    the giving takes; they have no ``given_minute``."""
    if "given_minute" in step.data:
        return float(step.data["given_minute"])
    return step.minute - MINUTES_PER_TREATMENT


def intent(step: Step) -> str:
    """What a treatment step did: give (older logs), stop, hold, remove, reduce, continue,
    avoid."""
    return str(step.data.get("intent") or "give")


def is_given(step: Step) -> bool:
    """Did this step put a treatment into the patient (not stopped, held or only planned)?"""
    return (
        step.kind == "treatment" and bool(step.data.get("code"))
        and intent(step) in GIVING and not step.data.get("planned")
    )  # fmt: skip


def vitals_over_time(case: Case, steps: list[Step]) -> dict[int, dict[str, float]]:
    """The vitals at every step (by seq), replaying the physiology with the treatments given."""
    physiology = Physiology(case.vitals, list(case.physiology.rules))
    # A result that arrives while a treatment is being given is logged before the treatment.
    gives = sorted(
        (given_minute(s), s.seq, s.data["code"])
        for s in steps if is_given(s)
    )  # fmt: skip
    vitals: dict[int, dict[str, float]] = {}
    for step in steps:
        while gives and gives[0][0] <= step.minute:
            minute, _seq, code = gives.pop(0)
            physiology.advance_to(minute)
            physiology.give(code)
        physiology.advance_to(step.minute)
        vitals[step.seq] = physiology.vitals()
    return vitals
