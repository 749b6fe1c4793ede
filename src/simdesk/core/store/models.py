"""Tables of a learner's database: attempts at cases, their events, the profile's identity.

The schema is made by the Alembic revisions in ``migrations/versions``; a change here needs a new
revision (``tests/core/store/test_migrations.py`` checks that they agree).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Attempt(Base):
    __tablename__ = "attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[str] = mapped_column(String(200), index=True)
    case_version: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    mode: Mapped[str] = mapped_column(String(20), default="practice", server_default="practice")
    seed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Seconds of the exam clock used so far (kept while the attempt is unfinished: resume).
    elapsed_s: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    events: Mapped[list[AttemptEvent]] = relationship(
        back_populates="attempt", order_by="AttemptEvent.seq"
    )


class AttemptEvent(Base):
    __tablename__ = "attempt_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attempt_id: Mapped[int] = mapped_column(ForeignKey("attempts.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    sim_minute: Mapped[float] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(DateTime)
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    attempt: Mapped[Attempt] = relationship(back_populates="events")


class ProfileIdentity(Base):
    """One row: who this copy of the profile is for sync. A restored copy gets new ids."""

    __tablename__ = "profile_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sync_id: Mapped[str] = mapped_column(String(36))
    device_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    restored_from: Mapped[str | None] = mapped_column(String(36), nullable=True)
