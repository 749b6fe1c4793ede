"""The encounter log: one typed event per thing that happened, in one serialised form.

Every event is a pydantic model keyed by ``kind`` (a discriminated union, :data:`LogEvent`). The
engine (:class:`simdesk.core.sim.session.Encounter`) makes them and numbers them (``seq``), notes
and the plan included; the learner store saves :func:`dump_event`'s dict as it is; assessment, the
debrief, reports and sync read these classes and nothing else. :func:`load_event` reads every form
ever saved: schema ``v`` 1 (until simdesk 0.1: ``text`` kept beside the other data, no ``v``) is
migrated on reading; a newer schema is refused with the fix.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from simdesk.core.errors import SimdeskError

LOG_SCHEMA_VERSION = 2


class LogError(SimdeskError):
    """An encounter log entry that cannot be read."""


class Event(BaseModel):
    """Fields every event has. ``sim_minute`` is simulated time; ``wall_time`` is epoch seconds."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    seq: int
    sim_minute: float
    wall_time: float = Field(default_factory=time.time)

    @property
    def at(self) -> datetime:
        """``wall_time`` as naive UTC, the form the store and reports keep times in."""
        return datetime.fromtimestamp(self.wall_time, timezone.utc).replace(tzinfo=None)


class EncounterStarted(Event):
    kind: Literal["encounter_started"] = "encounter_started"
    case_id: str
    version: str


class Question(Event):
    kind: Literal["question"] = "question"
    text: str
    fact_ids: tuple[str, ...]
    scores: tuple[float, ...] = ()
    sources: tuple[str, ...] = ()


class Reply(Event):
    """What was shown for the question ``question_seq``; ``guard`` says why (model or authored)."""

    kind: Literal["reply"] = "reply"
    question_seq: int
    text: str
    model_text_used: bool
    guard: str
    fact_ids: tuple[str, ...] = ()


class Exam(Event):
    kind: Literal["exam"] = "exam"
    request: str
    text: str
    finding_ids: tuple[str, ...]
    region: str | None = None
    manoeuvre: str | None = None
    sources: tuple[str, ...] = ()


class Order(Event):
    kind: Literal["order"] = "order"
    request: str
    code: str | None
    status: str  # pending, unavailable, not_applicable, duplicate, unrecognised
    text: str = ""
    ready_minute: float | None = None


class Result(Event):
    kind: Literal["result"] = "result"
    code: str
    text: str = ""
    source: str | None = None
    authored: bool = False
    ordered_minute: float | None = None


class Treatment(Event):
    """One item of an order (``code`` None: not understood, with ``suggestions``).

    ``given_minute`` is when it was ordered; logs from before orders had intents lack it (and
    ``intent``): the engine logged those after the time the giving took, as a "give".
    """

    kind: Literal["treatment"] = "treatment"
    request: str
    part: int = 0  # an order naming several treatments logs one event per item: 0, 1, ...
    code: str | None
    text: str = ""
    intent: str = "give"  # give, stop, hold, remove, reduce, continue, avoid
    planned: bool = False  # conditional or as-needed: recorded, not given
    condition: str | None = None
    dose: str | None = None
    route: str | None = None
    frequency: str | None = None
    regimen: str | None = None
    words: str = ""  # the learner's words this item was read from
    given_minute: float | None = None
    suggestions: tuple[str, ...] = ()


class Wait(Event):
    kind: Literal["wait"] = "wait"
    minutes: float


class Diagnosis(Event):
    kind: Literal["diagnosis"] = "diagnosis"
    submitted: tuple[str, ...]
    text: str = ""


class Note(Event):
    """The learner's notes as they stood (each save is a new event; the last one counts)."""

    kind: Literal["note"] = "note"
    text: str


class Plan(Event):
    kind: Literal["plan"] = "plan"
    text: str


class EncounterEnded(Event):
    kind: Literal["encounter_ended"] = "encounter_ended"
    vitals: dict[str, float] = {}


class Assessment(Event):
    """The attempt's compact result (``AttemptResult.to_dict()``), appended after it ends."""

    kind: Literal["assessment"] = "assessment"
    result: dict[str, Any]


LogEvent = Annotated[
    EncounterStarted | Question | Reply | Exam | Order | Result | Treatment | Wait | Diagnosis
    | Note | Plan | EncounterEnded | Assessment,
    Field(discriminator="kind"),
]  # fmt: skip
EVENT_TYPES: tuple[type[Event], ...] = (
    EncounterStarted, Question, Reply, Exam, Order, Result, Treatment, Wait, Diagnosis, Note,
    Plan, EncounterEnded, Assessment,
)  # fmt: skip
KINDS: dict[str, type[Event]] = {cls.model_fields["kind"].default: cls for cls in EVENT_TYPES}
_ADAPTER: TypeAdapter[LogEvent] = TypeAdapter(LogEvent)


def dump_event(event: Event) -> dict[str, Any]:
    """The one serialised form: JSON-ready, with the schema version ``v``."""
    return {"v": LOG_SCHEMA_VERSION, **event.model_dump(mode="json")}


def load_event(data: Mapping[str, Any], *, where: str = "the encounter log") -> Event:
    """An event from its serialised form (any schema version simdesk has written)."""
    if not isinstance(data, Mapping):
        raise LogError(
            f"An entry of {where} is not an event: {data!r:.80}.",
            "Pass events as the engine logs them or as the store gives them back.",
        )
    version = data.get("v", 1)
    if version == 1:
        data = _from_v1(data)
    elif version != LOG_SCHEMA_VERSION:
        raise LogError(
            f"An event in {where} was saved by a newer simdesk (log schema {version!r}; this "
            f"version reads up to {LOG_SCHEMA_VERSION}).",
            "Update simdesk to read this attempt.",
        )
    fields = {k: v for k, v in data.items() if k != "v"}
    try:
        return _ADAPTER.validate_python(fields)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'][1:]) or e['loc'][0]}: {e['msg']}"
            for e in exc.errors()
        )
        raise LogError(
            f"Event {data.get('seq', '?')} ({data.get('kind', 'no kind')}) of {where} is not "
            f"valid: {problems}.",
            "The log was changed or damaged after it was saved; play the case again to score it.",
        ) from exc


def _from_v1(data: Mapping[str, Any]) -> dict[str, Any]:
    """Schema 1: ``{seq, kind, sim_minute, wall_time|at, text, data: {...}}`` or the data inline.

    Attempts saved before the typed log kept ``text`` beside the other fields (the store's
    column) and the rest in ``data``; kinds without text kept an empty one.
    """
    fields = dict(data.get("data") or {})
    fields.update({k: v for k, v in data.items() if k not in ("data", "text", "at", "v")})
    text = data.get("text", fields.pop("text", None))
    kind = KINDS.get(str(fields.get("kind")))
    if kind is not None and "text" in kind.model_fields and text is not None:
        fields["text"] = text
    at = data.get("at")
    if "wall_time" not in fields and isinstance(at, datetime):
        fields["wall_time"] = at.replace(tzinfo=timezone.utc).timestamp()
    return fields


def as_log(events: Iterable[Any], *, where: str = "the encounter log") -> list[Event]:
    """The log in ``seq`` order; serialised entries (dicts) are read with :func:`load_event`."""
    log = [e if isinstance(e, Event) else load_event(e, where=where) for e in events]
    return sorted(log, key=lambda e: e.seq)
