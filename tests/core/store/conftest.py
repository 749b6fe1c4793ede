"""Fixtures for the encrypted store: a profile manager on fast Argon2id settings, an instructor."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from simdesk.core.paths import locations
from simdesk.core.store.profiles import InstructorSession, ProfileManager
from tests.conftest import FAST_KDF

INSTRUCTOR_PASS = "the instructor passphrase"
PASS = "correct horse battery"
CANARY = "zebra-canary-7731 my secret question"


@pytest.fixture
def profiles(simdesk_home) -> ProfileManager:
    manager = ProfileManager.for_locations(locations().ensure(), kdf=FAST_KDF)
    yield manager
    manager.close()


@pytest.fixture
def instructor(profiles) -> InstructorSession:
    profiles.setup_instructor("Teacher Tumi", INSTRUCTOR_PASS).close()
    return profiles.unlock_instructor(INSTRUCTOR_PASS)


def tree_hashes(folder: Path) -> dict[Path, bytes]:
    return {p: hashlib.sha256(p.read_bytes()).digest() for p in folder.rglob("*") if p.is_file()}
