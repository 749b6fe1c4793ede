"""The device database: device settings, the profile list and the audit log. No learner content.

It is a SQLCipher database like the profiles', so that a copy of the data folder alone (a backup,
a USB stick) does not reveal who uses the computer or when. Its key is a random 256-bit key kept
in a separate file in the config folder, readable only by the computer's user (mode 0600): the
app must list profiles and record failed unlocks before anyone has typed a passphrase, so this key
cannot depend on one. Someone with the whole user account can read the device database - which is
why it holds names, settings and the audit trail, and never learner content. The sync outbox lives
here too (so that sync runs with nobody signed in): it holds only anonymised statements - a
pseudonym, case ids, scores and rubric outcomes, never a name or anything a learner typed.

The audit log is append-only: triggers refuse UPDATE and DELETE, and each entry carries the hash
of the one before it, so a removed or altered entry breaks the chain (:meth:`verify_audit`).
"""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import DateTime, Float, Integer, String, Text, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from simdesk.core.clock import utc_now
from simdesk.core.errors import StoreError
from simdesk.core.files import atomic_write
from simdesk.core.store.db import open_engine, translate_errors
from simdesk.core.store.keys import new_data_key
from simdesk.core.store.migrate import upgrade

GENESIS = "0" * 64


class DeviceBase(DeclarativeBase):
    pass


class Setting(DeviceBase):
    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class ProfileRow(DeviceBase):
    """One profile on this computer. An instructor's row also holds their public key."""

    __tablename__ = "profiles"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    failed_unlocks: Mapped[int] = mapped_column(Integer, default=0)
    last_failed_at: Mapped[float | None] = mapped_column(Float, nullable=True)
    public_key: Mapped[str | None] = mapped_column(String(64), nullable=True)


class AuditRow(DeviceBase):
    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    profile: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxRow(DeviceBase):
    """One anonymised xAPI statement waiting to be sent, sent, or quarantined (with why)."""

    __tablename__ = "sync_outbox"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    statement_id: Mapped[str] = mapped_column(String(36), unique=True)
    body: Mapped[str] = mapped_column(Text)
    queued_at: Mapped[datetime] = mapped_column(DateTime)
    state: Mapped[str] = mapped_column(String(12), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    problem: Mapped[str | None] = mapped_column(Text, nullable=True)


class PseudonymRow(DeviceBase):
    """A learner's random pseudonym in one programme (never derived from the name)."""

    __tablename__ = "sync_pseudonyms"

    slug: Mapped[str] = mapped_column(String(120), primary_key=True)
    programme: Mapped[str] = mapped_column(String(300), primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(40), unique=True)


@dataclass(frozen=True)
class AuditEntry:
    at: datetime
    actor: str
    action: str
    profile: str
    detail: str


def _entry_hash(prev_hash: str, entry: AuditEntry) -> str:
    fields = [prev_hash, entry.at.isoformat(), entry.actor, entry.action, entry.profile]
    return hashlib.sha256("\x1f".join([*fields, entry.detail]).encode()).hexdigest()


def _read_key(key_file: Path) -> bytes:
    try:
        return bytes.fromhex(key_file.read_text().strip())
    except (OSError, ValueError) as exc:
        raise StoreError(
            f"The device key file {key_file} cannot be read: {exc}",
            "It has not been changed. Restore it from a backup of the config folder, or ask "
            "your instructor; learner profiles themselves are not affected.",
            path=key_file,
        ) from exc


class DeviceDb:
    """The open device database."""

    def __init__(self, path: Path, key_file: Path, *, may_create: bool) -> None:
        self.path = path
        self.key_file = key_file
        if path.exists():
            engine = open_engine(path, _read_key(key_file))
        elif not may_create:
            raise StoreError(
                f"The device database {path} is missing, but profiles exist beside it.",
                "Restore it from a backup of the data folder. simdesk will not make a new one "
                "over existing profiles.",
                path=path,
            )
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            key_file.parent.mkdir(parents=True, exist_ok=True)
            if not key_file.exists():
                atomic_write(key_file, new_data_key().hex().encode(), mode=0o600)
            engine = open_engine(path, _read_key(key_file), create=True)
        self.engine = engine
        with translate_errors(path, "update the schema of"):
            upgrade(engine, "device")
        if self.setting("device_id") is None:
            self.set_setting("device_id", str(uuid.uuid4()))

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def session(self, doing: str = "save to") -> Iterator[Session]:
        with translate_errors(self.path, doing), Session(self.engine) as session, session.begin():
            yield session

    # -- settings ---------------------------------------------------------------------------

    def setting(self, key: str) -> str | None:
        with self.session("read") as session:
            row = session.get(Setting, key)
            return None if row is None else row.value

    def set_setting(self, key: str, value: str) -> None:
        with self.session() as session:
            session.merge(Setting(key=key, value=value))

    # -- profiles ---------------------------------------------------------------------------

    def profiles(self) -> list[ProfileRow]:
        with self.session("read") as session:
            rows = session.scalars(select(ProfileRow).order_by(ProfileRow.name)).all()
            session.expunge_all()
            return list(rows)

    def profile(self, slug: str) -> ProfileRow | None:
        with self.session("read") as session:
            row = session.get(ProfileRow, slug)
            if row is not None:
                session.expunge(row)
            return row

    def update_profile(self, slug: str, **values) -> None:
        with self.session() as session:
            row = session.get_one(ProfileRow, slug)
            for field, value in values.items():
                setattr(row, field, value)

    # -- audit ------------------------------------------------------------------------------

    def audit(self, actor: str, action: str, profile: str = "", detail: str = "") -> None:
        """Append one entry to the audit log, chained to the one before."""
        entry = AuditEntry(utc_now(), actor, action, profile, detail)
        for _attempt in range(5):
            try:
                with self.session() as session:
                    last = session.scalar(select(AuditRow.hash).order_by(AuditRow.id.desc()))
                    prev = last or GENESIS
                    session.add(
                        AuditRow(**entry.__dict__, prev_hash=prev, hash=_entry_hash(prev, entry))
                    )
                return
            except IntegrityError:  # another process appended first; chain onto its entry
                continue
        raise StoreError(
            f"Could not append to the audit log in {self.path}.",
            "Close other copies of simdesk and try again.",
            path=self.path,
        )

    def audit_entries(self) -> list[AuditEntry]:
        with self.session("read") as session:
            rows = session.scalars(select(AuditRow).order_by(AuditRow.id)).all()
            return [AuditEntry(r.at, r.actor, r.action, r.profile, r.detail) for r in rows]

    def verify_audit(self) -> list[str]:
        """Breaks in the hash chain, as readable lines; empty when the log is whole."""
        problems, prev = [], GENESIS
        with self.session("read") as session:
            for row in session.scalars(select(AuditRow).order_by(AuditRow.id)):
                entry = AuditEntry(row.at, row.actor, row.action, row.profile, row.detail)
                if row.prev_hash != prev or row.hash != _entry_hash(prev, entry):
                    problems.append(f"entry {row.id} ({row.at:%Y-%m-%d %H:%M}) does not chain")
                prev = row.hash
        return problems
