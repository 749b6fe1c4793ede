"""Learner profiles on this device: each a folder with a key wrap and an encrypted database.

A profile folder holds ``wrap.json`` (the data key sealed by the passphrase) and ``learner.db``
(SQLCipher). Files are written atomically; a profile that fails to open is never recreated.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from simdesk.core.errors import ProfileExists, ProfileNotFound, StoreError
from simdesk.core.store.db import open_engine
from simdesk.core.store.keys import KdfParams, new_data_key, unwrap_key, wrap_key
from simdesk.core.store.repository import LearnerStore

MIN_PASSPHRASE = 8


def atomic_write(path: Path, data: bytes) -> None:
    """Write a file so that a crash leaves either the old or the new content, never half."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def profile_slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    if not slug:
        raise StoreError(
            f"{name!r} cannot be used as a profile name.", "Use letters or digits in the name."
        )
    return slug


@dataclass(frozen=True)
class Profile:
    name: str
    folder: Path

    @property
    def wrap_path(self) -> Path:
        return self.folder / "wrap.json"

    @property
    def db_path(self) -> Path:
        return self.folder / "learner.db"


class ProfileManager:
    """Create, list and unlock the learner profiles under one folder."""

    def __init__(self, root: Path, kdf: KdfParams | None = None) -> None:
        self.root = root
        self.kdf = kdf or KdfParams()

    def list(self) -> list[Profile]:
        if not self.root.is_dir():
            return []
        found = []
        for folder in sorted(self.root.iterdir()):
            wrap = folder / "wrap.json"
            if not folder.name.startswith(".") and wrap.is_file():
                try:
                    name = json.loads(wrap.read_text())["name"]
                except (OSError, ValueError, KeyError):
                    name = folder.name
                found.append(Profile(name, folder))
        return found

    def get(self, name: str) -> Profile:
        folder = self.root / profile_slug(name)
        if not (folder / "wrap.json").is_file():
            raise ProfileNotFound(
                f"There is no profile called {name!r} on this computer.",
                "Choose a listed profile, or create a new one.",
            )
        return Profile(name, folder)

    def create(self, name: str, passphrase: str) -> LearnerStore:
        if len(passphrase) < MIN_PASSPHRASE:
            raise StoreError(
                f"The passphrase is too short ({len(passphrase)} characters).",
                f"Use at least {MIN_PASSPHRASE} characters; a few words make a strong one.",
            )
        folder = self.root / profile_slug(name)
        self.root.mkdir(parents=True, exist_ok=True)
        if folder.exists():
            raise ProfileExists(
                f"A profile called {name!r} already exists.",
                "Choose it from the list and unlock it, or pick another name.",
            )
        # Build the profile in a hidden folder and move it into place in one step, so a
        # crash never leaves a half-made profile that looks real.
        staging = Path(tempfile.mkdtemp(dir=self.root, prefix=".creating-"))
        try:
            data_key = new_data_key()
            staged = Profile(name, staging)
            LearnerStore(open_engine(staged.db_path, data_key)).close()
            record = {"name": name, "wrap": wrap_key(data_key, passphrase, self.kdf)}
            atomic_write(staged.wrap_path, json.dumps(record, indent=1).encode())
            os.rename(staging, folder)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return LearnerStore(open_engine(Profile(name, folder).db_path, data_key))

    def unlock(self, name: str, passphrase: str) -> LearnerStore:
        """Unwrap the profile's key (a wrong passphrase stops here) and open its database."""
        profile = self.get(name)
        try:
            record = json.loads(profile.wrap_path.read_text())
        except (OSError, ValueError) as exc:
            raise StoreError(
                f"The key file {profile.wrap_path} cannot be read: {exc}",
                "It has not been changed. Restore the profile from a backup or ask your "
                "instructor.",
                path=profile.wrap_path,
            ) from exc
        data_key = unwrap_key(record["wrap"], passphrase, what=f"profile {name!r}")
        return LearnerStore(open_engine(profile.db_path, data_key))
