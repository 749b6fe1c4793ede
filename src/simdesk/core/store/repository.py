"""Reads and writes of one unlocked learner database. Call from a worker thread, never the GUI."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from simdesk.core.clock import utc_now
from simdesk.core.errors import StoreError
from simdesk.core.sim.events import Event, LogError, dump_event, load_event
from simdesk.core.store.db import translate_errors
from simdesk.core.store.migrate import upgrade
from simdesk.core.store.models import Attempt, AttemptEvent, ProfileIdentity


@dataclass(frozen=True)
class AttemptSummary:
    id: int
    case_id: str
    started_at: datetime
    ended_at: datetime | None
    events: int
    mode: str = "practice"
    seed: int = 0
    elapsed_s: float = 0.0

    @property
    def finished(self) -> bool:
        return self.ended_at is not None


@dataclass(frozen=True)
class Identity:
    sync_id: str
    device_id: str
    restored_from: str | None


def _load_row(row: AttemptEvent, where: str) -> Event:
    data = dict(row.data or {})
    if "v" not in data:  # log schema 1: text in its column, the other fields in data
        data = {"seq": row.seq, "kind": row.kind, "sim_minute": row.sim_minute, "at": row.at,
                "text": row.text, "data": data}  # fmt: skip
    try:
        return load_event(data, where=where)
    except LogError as exc:
        raise StoreError(exc.what, exc.fix) from exc


class LearnerStore:
    """The learner's attempts and their events, in the profile's encrypted database.

    Opening brings the schema up to date with the packaged migrations. Every failure of the
    database or the disk is raised as a :class:`StoreError` naming the file.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.path = Path(engine.url.database or "")
        with translate_errors(self.path, "update the schema of"):
            upgrade(engine, "learner")

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def _session(self, doing: str) -> Iterator[Session]:
        """A transaction whose database errors come out as a :class:`StoreError`."""
        with translate_errors(self.path, doing), Session(self.engine) as session, session.begin():
            yield session

    def start_attempt(
        self, case_id: str, case_version: str, *, mode: str = "practice", seed: int = 0
    ) -> int:
        with self._session("save to") as session:
            attempt = Attempt(case_id=case_id, case_version=case_version, started_at=utc_now(),
                              mode=mode, seed=seed, elapsed_s=0.0)  # fmt: skip
            session.add(attempt)
            session.flush()
            return attempt.id

    def append_events(
        self, attempt_id: int, events: list[Event], *, elapsed_s: float | None = None
    ) -> None:
        """Store engine events as they are (their one serialised form, in ``data``) in one
        transaction: all of them or, after a crash, none. ``seq``, ``kind``, ``sim_minute`` and
        ``at`` are copied into columns for queries; ``text`` stays empty (it is in ``data``).

        ``elapsed_s``: the exam clock used so far, saved in the same transaction.
        """
        with self._session("save to") as session:
            if elapsed_s is not None:
                session.get_one(Attempt, attempt_id).elapsed_s = elapsed_s
            session.add_all(
                AttemptEvent(
                    attempt_id=attempt_id, seq=event.seq, kind=event.kind,
                    sim_minute=event.sim_minute, at=event.at, text="", data=dump_event(event),
                )
                for event in events
            )  # fmt: skip

    def end_attempt(self, attempt_id: int) -> None:
        with self._session("save to") as session:
            session.get_one(Attempt, attempt_id).ended_at = utc_now()

    def save_elapsed(self, attempt_id: int, elapsed_s: float) -> None:
        """Keep how much of the exam clock is used (on lock, quit and while playing)."""
        with self._session("save to") as session:
            session.get_one(Attempt, attempt_id).elapsed_s = elapsed_s

    def unfinished(self, case_id: str | None = None) -> list[AttemptSummary]:
        """Attempts not yet submitted, newest first: what can be resumed."""
        return [a for a in reversed(self.attempts())
                if not a.finished and (case_id is None or a.case_id == case_id)]  # fmt: skip

    def attempts(self) -> list[AttemptSummary]:
        with self._session("read") as session:
            rows = session.scalars(select(Attempt).order_by(Attempt.id)).all()
            return [
                AttemptSummary(
                    a.id,
                    a.case_id,
                    a.started_at,
                    a.ended_at,
                    len(a.events),
                    a.mode,
                    a.seed,
                    a.elapsed_s,
                )  # fmt: skip
                for a in rows
            ]

    def events(self, attempt_id: int) -> list[Event]:
        """The attempt's log as typed events, whichever log schema saved them."""
        with self._session("read") as session:
            rows = session.scalars(
                select(AttemptEvent)
                .where(AttemptEvent.attempt_id == attempt_id)
                .order_by(AttemptEvent.seq)
            ).all()
            where = f"attempt {attempt_id} in {self.path.name}"
            return [_load_row(r, where) for r in rows]

    def identity(self) -> Identity:
        with self._session("read") as session:
            row = session.get_one(ProfileIdentity, 1)
            return Identity(row.sync_id, row.device_id, row.restored_from)

    def take_new_identity(self) -> Identity:
        """Give this copy new sync and device ids (after a restore), remembering the old one."""
        with self._session("save to") as session:
            row = session.get_one(ProfileIdentity, 1)
            row.restored_from = row.sync_id
            row.sync_id, row.device_id = str(uuid.uuid4()), str(uuid.uuid4())
        return self.identity()
