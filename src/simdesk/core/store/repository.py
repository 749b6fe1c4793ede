"""Reads and writes of one unlocked learner database. Call from a worker thread, never the GUI."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from simdesk.core.sim.session import Event
from simdesk.core.store.models import Attempt, AttemptEvent, Base


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


@dataclass(frozen=True)
class StoredEvent:
    seq: int
    kind: str
    sim_minute: float
    text: str
    data: dict


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    case_id: str
    started_at: datetime
    ended_at: datetime | None
    events: int


class LearnerStore:
    """The learner's attempts and their events, in the profile's encrypted database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        Base.metadata.create_all(engine)

    def close(self) -> None:
        self.engine.dispose()

    def start_attempt(self, case_id: str, case_version: str) -> int:
        with Session(self.engine) as session, session.begin():
            attempt = Attempt(case_id=case_id, case_version=case_version, started_at=_now())
            session.add(attempt)
            session.flush()
            return attempt.id

    def append_events(self, attempt_id: int, events: list[Event]) -> None:
        """Store engine events in one transaction: all of them or, after a crash, none."""
        with Session(self.engine) as session, session.begin():
            session.add_all(
                AttemptEvent(
                    attempt_id=attempt_id, seq=event.seq, kind=event.kind,
                    sim_minute=event.sim_minute,
                    at=datetime.fromtimestamp(event.wall_time, timezone.utc).replace(tzinfo=None),
                    text=str(event.data.get("text", "")),
                    data={k: v for k, v in event.data.items() if k != "text"},
                )
                for event in events
            )  # fmt: skip

    def end_attempt(self, attempt_id: int) -> None:
        with Session(self.engine) as session, session.begin():
            session.get_one(Attempt, attempt_id).ended_at = _now()

    def attempts(self) -> list[AttemptSummary]:
        with Session(self.engine) as session:
            rows = session.scalars(select(Attempt).order_by(Attempt.id)).all()
            return [
                AttemptSummary(a.id, a.case_id, a.started_at, a.ended_at, len(a.events))
                for a in rows
            ]

    def events(self, attempt_id: int) -> list[StoredEvent]:
        with Session(self.engine) as session:
            rows = session.scalars(
                select(AttemptEvent)
                .where(AttemptEvent.attempt_id == attempt_id)
                .order_by(AttemptEvent.seq)
            ).all()
            return [StoredEvent(r.seq, r.kind, r.sim_minute, r.text, dict(r.data)) for r in rows]
