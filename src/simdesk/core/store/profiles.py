"""Profiles on this device: roles, passphrases, recovery, export and restore, deletion.

Each profile is a folder under the profiles root holding ``wrap.json`` (the data key wrapped under
the passphrase; for a learner also the recovery wrap to the instructor; for the instructor their
private key sealed under their data key) and ``learner.db`` (SQLCipher). The device database
(:mod:`simdesk.core.store.device`) lists the profiles and keeps the audit log.

Roles: the *instructor*, set up at a site's first run, creates learner profiles, resets a
learner's passphrase through the recovery wrap, reads learners' progress and the audit log. A
*learner* holds only their own key. A wrong passphrase is caught by the unwrap, before any
database is touched; repeated failures make the next try wait longer (never deletion).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TypeVar

from cryptography.exceptions import InvalidTag

from simdesk.core.clock import utc_now
from simdesk.core.errors import ProfileExists, ProfileNotFound, StoreError, WrongPassphrase
from simdesk.core.files import atomic_write, fsync_folder
from simdesk.core.paths import Locations
from simdesk.core.store import backup
from simdesk.core.store.db import check_database, export_copy, open_engine, rekey, translate_errors
from simdesk.core.store.device import AuditEntry, DeviceDb, ProfileRow
from simdesk.core.store.keys import (
    KdfParams,
    new_data_key,
    new_keypair,
    open_sealed,
    seal,
    seal_to,
    unseal,
    unwrap_key,
    wrap_key,
)
from simdesk.core.store.repository import AttemptSummary, LearnerStore

T = TypeVar("T")

MIN_PASSPHRASE = 8
LEARNER, INSTRUCTOR = "learner", "instructor"
DEFAULT_AUTO_LOCK_MINUTES = 10


class UnlockDelayed(StoreError):
    """Too many wrong passphrases in a row: the next try must wait ``seconds``."""

    def __init__(self, name: str, seconds: float) -> None:
        self.seconds = seconds
        super().__init__(
            f"Too many wrong passphrases for profile {name!r}: wait {seconds:.0f} seconds "
            "before the next try.",
            "Nothing has been deleted. Take your time; an instructor can reset a forgotten "
            "passphrase.",
        )


@dataclass(frozen=True)
class UnlockThrottle:
    """After ``free_tries`` wrong passphrases in a row, each further try waits twice as long."""

    free_tries: int = 3
    first_delay: float = 5.0
    max_delay: float = 15 * 60.0

    def delay(self, failures: int) -> float:
        if failures < self.free_tries:
            return 0.0
        return min(self.first_delay * 2 ** (failures - self.free_tries), self.max_delay)


def profile_slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not slug:
        raise StoreError(
            f"{name!r} cannot be used as a profile name.", "Use letters or digits in the name."
        )
    return slug


def check_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise StoreError(
            f"The passphrase is too short ({len(passphrase)} characters).",
            f"Use at least {MIN_PASSPHRASE} characters; a few words make a strong one.",
        )


@dataclass(frozen=True)
class Profile:
    name: str
    role: str
    folder: Path

    @property
    def wrap_path(self) -> Path:
        return self.folder / "wrap.json"

    @property
    def db_path(self) -> Path:
        return self.folder / "learner.db"


@dataclass(frozen=True)
class InstructorSession:
    """Proof that the instructor's passphrase was typed: their private key, in memory only."""

    name: str
    private_key: bytes = field(repr=False)


class ProfileManager:
    """Every profile operation on this device. Blocking: call from a worker thread, not the GUI.

    Nothing touches the disk until the first operation, so constructing one is free.
    """

    def __init__(
        self,
        root: Path,
        key_file: Path,
        *,
        kdf: KdfParams | None = None,
        throttle: UnlockThrottle | None = None,
        clock=time.time,
    ) -> None:
        self.root = root
        self.key_file = key_file
        self.kdf = kdf or KdfParams()
        self.throttle = throttle or UnlockThrottle()
        self.clock = clock
        self._device: DeviceDb | None = None

    @classmethod
    def for_locations(cls, where: Locations, **options) -> ProfileManager:
        """Profiles in the data folder; the device key in the config folder."""
        return cls(where.profiles, where.config / "device.key", **options)

    @property
    def device(self) -> DeviceDb:
        if self._device is None:
            db_path = self.root / "device.db"
            self.root.mkdir(parents=True, exist_ok=True)
            for leftover in self.root.glob(".creating-*"):  # a crash mid-create: never listed
                shutil.rmtree(leftover, ignore_errors=True)
            for leftover in self.root.glob(".deleting-*"):  # a crash mid-delete: finish it
                shutil.rmtree(leftover, ignore_errors=True)
            may_create = not db_path.exists() and not any(self.root.glob("*/wrap.json"))
            self._device = DeviceDb(db_path, self.key_file, may_create=may_create)
        return self._device

    def close(self) -> None:
        if self._device is not None:
            self._device.close()
            self._device = None

    # -- listing ----------------------------------------------------------------------------

    def _profile(self, row: ProfileRow) -> Profile:
        return Profile(row.name, row.role, self.root / row.slug)

    def list(self) -> list[Profile]:
        return [self._profile(row) for row in self.device.profiles()]

    def instructor(self) -> Profile | None:
        return next((p for p in self.list() if p.role == INSTRUCTOR), None)

    def get(self, name: str) -> Profile:
        row = self.device.profile(profile_slug(name))
        if row is None:
            raise ProfileNotFound(
                f"There is no profile called {name!r} on this computer.",
                "Choose a listed profile (`simdesk profiles list`), or ask your instructor to "
                "create one.",
            )
        return self._profile(row)

    # -- creating ---------------------------------------------------------------------------

    def setup_instructor(self, name: str, passphrase: str) -> LearnerStore:
        """The site's first run: the instructor's profile, with the key pair for recovery."""
        if self.instructor() is not None:
            raise StoreError(
                f"This computer already has an instructor ({self.instructor().name}).",
                "Sign in as that instructor to create learner profiles.",
            )
        store, _ = self._make_profile(name, passphrase, INSTRUCTOR, actor=name)
        return store

    def create(self, name: str, passphrase: str, instructor: InstructorSession) -> LearnerStore:
        """A new learner profile, made by the instructor (the learner types the passphrase)."""
        store, _ = self._make_profile(name, passphrase, LEARNER, actor=instructor.name)
        return store

    def _make_profile(
        self,
        name: str,
        passphrase: str,
        role: str,
        *,
        actor: str,
        restore_from: tuple[bytes, bytes] | None = None,
    ) -> tuple[LearnerStore, Profile]:
        """Build a profile in a hidden folder and move it into place in one step.

        ``restore_from`` is (database bytes, their key) of an export to restore.
        """
        check_passphrase(passphrase)
        slug = profile_slug(name)
        folder = self.root / slug
        if self.device.profile(slug) is not None or folder.exists():
            raise ProfileExists(
                f"A profile called {name!r} already exists.",
                "Choose it from the list and unlock it, or pick another name.",
            )
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".creating-"))
        data_key = new_data_key()
        profile = Profile(name, role, folder)
        staged = Profile(name, role, staging)
        public_key = private_key = None
        try:
            with translate_errors(staging, "create the profile in"):
                if restore_from is None:
                    engine = open_engine(staged.db_path, data_key, create=True)
                    LearnerStore(engine).close()
                else:
                    database, source_key = restore_from
                    staged.db_path.write_bytes(database)
                    engine = rekey(
                        open_engine(staged.db_path, source_key), staged.db_path, data_key
                    )
                    restored = LearnerStore(engine)
                    restored.take_new_identity()
                    restored.close()
                if role == INSTRUCTOR:
                    private_key, public_key = new_keypair()
                self._write_wrap(staged, data_key, passphrase, private_key=private_key)
                os.rename(staging, folder)
                fsync_folder(self.root)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        try:
            with self.device.session() as session:
                session.add(
                    ProfileRow(
                        slug=slug, name=name, role=role, created_at=utc_now(), failed_unlocks=0,
                        public_key=public_key.hex() if public_key else None,
                    )
                )  # fmt: skip
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self.device.audit(actor, "restore" if restore_from else f"create {role}", name)
        return LearnerStore(open_engine(profile.db_path, data_key)), profile

    # -- wraps ------------------------------------------------------------------------------

    def _read_wrap(self, profile: Profile) -> dict:
        try:
            return json.loads(profile.wrap_path.read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"The key file {profile.wrap_path} cannot be read: {exc}",
                "It has not been changed. Restore the profile from a backup "
                "(`simdesk profiles import`) or ask your instructor.",
                path=profile.wrap_path,
            ) from exc

    def _wrap_fields(
        self, profile: Profile, data_key: bytes, passphrase: str, private_key: bytes | None
    ) -> dict:
        fields = {"name": profile.name, "role": profile.role}
        fields["wrap"] = wrap_key(data_key, passphrase, self.kdf)
        instructor = self.instructor() if profile.role == LEARNER else None
        if instructor is not None:
            public_key = self.device.profile(profile_slug(instructor.name)).public_key
            fields["recovery"] = seal_to(bytes.fromhex(public_key), data_key)
        if private_key is not None:
            fields["private_key"] = seal(data_key, private_key, "instructor-key")
        return fields

    def _write_wrap(
        self,
        profile: Profile,
        data_key: bytes,
        passphrase: str,
        *,
        private_key: bytes | None = None,
        pending: bool = False,
    ) -> None:
        """Write ``wrap.json`` atomically. ``pending`` keeps the current wrap and adds the new
        one beside it, for a key rotation that a crash may interrupt."""
        fields = self._wrap_fields(profile, data_key, passphrase, private_key)
        record = {**self._read_wrap(profile), "pending": fields} if pending else fields
        with translate_errors(profile.wrap_path, "write"):
            atomic_write(profile.wrap_path, json.dumps(record, indent=1).encode())

    def _unwrap(self, profile: Profile, passphrase: str) -> bytes:
        """The profile's data key from its passphrase, with the failed-unlock delay and audit."""
        slug = profile_slug(profile.name)
        row = self.device.profile(slug)
        if row.failed_unlocks and row.last_failed_at is not None:
            wait = row.last_failed_at + self.throttle.delay(row.failed_unlocks) - self.clock()
            if wait > 0:
                raise UnlockDelayed(profile.name, wait)
        record = self._read_wrap(profile)
        try:
            data_key = unwrap_key(record["wrap"], passphrase, what=f"profile {profile.name!r}")
        except WrongPassphrase:
            failures = row.failed_unlocks + 1
            self.device.update_profile(slug, failed_unlocks=failures, last_failed_at=self.clock())
            self.device.audit(
                "unknown", "failed unlock", profile.name, f"wrong passphrase, {failures} in a row"
            )
            raise
        if row.failed_unlocks:
            self.device.update_profile(slug, failed_unlocks=0, last_failed_at=None)
        if "pending" in record:
            data_key = self._settle_rotation(profile, record, data_key, passphrase)
        return data_key

    def _settle_rotation(
        self, profile: Profile, record: dict, current_key: bytes, passphrase: str
    ) -> bytes:
        """Finish a key rotation a crash interrupted: keep whichever key opens the database."""
        pending = record["pending"]
        new_key = unwrap_key(pending["wrap"], passphrase, what=f"profile {profile.name!r}")
        try:
            check_database(profile.db_path, new_key)
        except StoreError:
            record.pop("pending")  # the rekey never happened: the current key stays
            data_key = current_key
        else:
            record = pending
            data_key = new_key
        with translate_errors(profile.wrap_path, "write"):
            atomic_write(profile.wrap_path, json.dumps(record, indent=1).encode())
        return data_key

    # -- signing in -------------------------------------------------------------------------

    def unlock(self, name: str, passphrase: str) -> LearnerStore:
        """Unwrap the profile's key (a wrong passphrase stops here) and open its database."""
        profile = self.get(name)
        store = LearnerStore(open_engine(profile.db_path, self._unwrap(profile, passphrase)))
        self.device.audit(profile.name, "unlock", profile.name)
        return store

    def unlock_instructor(self, passphrase: str) -> InstructorSession:
        profile = self.instructor()
        if profile is None:
            raise StoreError(
                "No instructor is set up on this computer.",
                "Set one up first: start simdesk, or run `simdesk profiles setup`.",
            )
        data_key = self._unwrap(profile, passphrase)
        try:
            private_key = unseal(
                data_key, self._read_wrap(profile)["private_key"], "instructor-key"
            )
        except (InvalidTag, KeyError):
            raise StoreError(
                f"The instructor key in {profile.wrap_path} is damaged.",
                "Restore the instructor's profile folder from a backup.",
                path=profile.wrap_path,
            ) from None
        self.device.audit(profile.name, "instructor unlock", profile.name)
        return InstructorSession(profile.name, private_key)

    # -- passphrases and keys ----------------------------------------------------------------

    def _instructor_private_key(self, profile: Profile, data_key: bytes) -> bytes | None:
        if profile.role != INSTRUCTOR:
            return None
        return unseal(data_key, self._read_wrap(profile)["private_key"], "instructor-key")

    def change_passphrase(self, name: str, old: str, new: str) -> None:
        check_passphrase(new)
        profile = self.get(name)
        data_key = self._unwrap(profile, old)
        private_key = self._instructor_private_key(profile, data_key)
        self._write_wrap(profile, data_key, new, private_key=private_key)
        self.device.audit(profile.name, "passphrase change", profile.name)

    def _learner(self, name: str) -> Profile:
        profile = self.get(name)
        if profile.role != LEARNER:
            raise StoreError(
                f"{name!r} is the instructor's profile, not a learner's.",
                "The instructor changes their own passphrase with `simdesk profiles passwd`.",
            )
        return profile

    def _recovered_key(self, instructor: InstructorSession, profile: Profile) -> bytes:
        record = self._read_wrap(profile)
        if "recovery" not in record:
            raise StoreError(
                f"Profile {profile.name!r} has no instructor recovery wrap.",
                "It was restored before an instructor was set up; its owner can export and "
                "re-import it to add one.",
            )
        return open_sealed(
            instructor.private_key, record["recovery"], what=f"profile {profile.name!r}"
        )

    def reset_passphrase(self, instructor: InstructorSession, name: str, new: str) -> None:
        """Recovery: the instructor sets a new passphrase on a learner's profile."""
        check_passphrase(new)
        profile = self._learner(name)
        data_key = self._recovered_key(instructor, profile)
        check_database(profile.db_path, data_key)  # never re-wrap a key that does not fit
        self._write_wrap(profile, data_key, new)
        self.device.update_profile(profile_slug(name), failed_unlocks=0, last_failed_at=None)
        self.device.audit(instructor.name, "recovery", profile.name, "passphrase reset")

    def rotate_key(self, name: str, passphrase: str) -> None:
        """Re-encrypt the profile's database under a new data key (``PRAGMA rekey``, verified).

        The new wrap is written beside the old one first, so a crash at any point leaves a key
        that opens the database (settled at the next unlock).
        """
        profile = self.get(name)
        old_key = self._unwrap(profile, passphrase)
        private_key = self._instructor_private_key(profile, old_key)
        new_key = new_data_key()
        engine = open_engine(profile.db_path, old_key)
        self._write_wrap(profile, new_key, passphrase, private_key=private_key, pending=True)
        rekey(engine, profile.db_path, new_key).dispose()
        self._settle_rotation(profile, self._read_wrap(profile), old_key, passphrase)
        self.device.audit(profile.name, "key rotation", profile.name)

    # -- export, restore, delete -------------------------------------------------------------

    def export(self, name: str, passphrase: str, target: Path) -> Path:
        """Write the profile to one encrypted file, opened later by the same passphrase."""
        profile = self.get(name)
        if target.exists():
            raise StoreError(
                f"{target} already exists.", "Choose a new file name; nothing was overwritten.",
                path=target,
            )  # fmt: skip
        engine = open_engine(profile.db_path, self._unwrap(profile, passphrase))
        export_key = new_data_key()
        copy = profile.folder / f".export-{uuid.uuid4().hex}.db"
        try:
            export_copy(engine, profile.db_path, copy, export_key)
            header = {
                "name": profile.name,
                "exported_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "wrap": wrap_key(export_key, passphrase, self.kdf, purpose="export-key"),
            }
            with translate_errors(target, "write the export"):
                backup.write_export(target, header, copy.read_bytes())
        finally:
            engine.dispose()
            copy.unlink(missing_ok=True)
        self.device.audit(profile.name, "export", profile.name, f"to {target}")
        return target

    def restore(self, source: Path, passphrase: str, name: str | None = None) -> Profile:
        """A profile from an export file, as a learner profile with a new device and sync id."""
        header, database = backup.read_export(source)
        export_key = unwrap_key(
            header["wrap"], passphrase, what=f"the export {source}", purpose="export-key"
        )
        name = name or header["name"]
        store, profile = self._make_profile(
            name, passphrase, LEARNER, actor=name, restore_from=(database, export_key)
        )
        store.close()
        return profile

    def delete(
        self,
        name: str,
        *,
        passphrase: str | None = None,
        instructor: InstructorSession | None = None,
    ) -> None:
        """Delete a learner profile: its database and its wraps (the key is gone with them).

        Allowed to the instructor, or to the learner with their passphrase.
        """
        profile = self._learner(name)
        if instructor is None:
            self._unwrap(profile, passphrase or "")
        gone = self.root / f".deleting-{profile.folder.name}-{uuid.uuid4().hex[:8]}"
        with translate_errors(profile.folder, "delete"):
            os.rename(profile.folder, gone)
            fsync_folder(self.root)
        with self.device.session() as session:
            session.delete(session.get_one(ProfileRow, profile_slug(name)))
        shutil.rmtree(gone, ignore_errors=True)
        actor = instructor.name if instructor else profile.name
        self.device.audit(actor, "deletion", profile.name)

    # -- instructor views and settings -------------------------------------------------------

    def read_learner(
        self, instructor: InstructorSession, name: str, read: Callable[[LearnerStore], T]
    ) -> T:
        """Run ``read`` on a learner's store, opened by the instructor through the recovery wrap.

        Audited as a progress report. The learner's passphrase is not needed and not changed.
        """
        profile = self._learner(name)
        store = LearnerStore(open_engine(profile.db_path, self._recovered_key(instructor, profile)))
        try:
            result = read(store)
        finally:
            store.close()
        self.device.audit(instructor.name, "progress report", profile.name)
        return result

    def progress(self, instructor: InstructorSession, name: str) -> list[AttemptSummary]:
        """A learner's attempts, read by the instructor through the recovery wrap."""
        return self.read_learner(instructor, name, LearnerStore.attempts)

    def learners(self) -> list[Profile]:
        return [p for p in self.list() if p.role == LEARNER]

    def audit_log(self, instructor: InstructorSession) -> tuple[list[AuditEntry], list[str]]:
        """Every audit entry, oldest first, and any breaks found in its hash chain."""
        self.device.audit(instructor.name, "audit read")
        return self.device.audit_entries(), self.device.verify_audit()

    def auto_lock_minutes(self) -> float:
        value = self.device.setting("auto_lock_minutes")
        return DEFAULT_AUTO_LOCK_MINUTES if value is None else float(value)

    def set_auto_lock_minutes(self, instructor: InstructorSession, minutes: float) -> None:
        self.device.set_setting("auto_lock_minutes", str(minutes))
        self.device.audit(instructor.name, "setting", "", f"auto-lock after {minutes} minutes")
