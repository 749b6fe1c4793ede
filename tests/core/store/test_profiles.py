"""The encrypted learner store: profiles, passphrases, no plaintext on disk."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path

import pytest

from simdesk.core.errors import ProfileExists, StoreError, WrongPassphrase
from simdesk.core.paths import locations
from simdesk.core.sim.session import Encounter
from simdesk.core.store.keys import KdfParams, new_data_key, unwrap_key, wrap_key
from simdesk.core.store.profiles import ProfileManager
from tests.conftest import FAST_KDF

CANARY = "zebra-canary-7731 my secret question"


@pytest.fixture
def profiles(simdesk_home) -> ProfileManager:
    return ProfileManager(locations().ensure().profiles, kdf=FAST_KDF)


def _tree_bytes(folder: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_attempt_round_trip(profiles, tb_case):
    store = profiles.create("Amina K.", "correct horse battery")
    encounter = Encounter(tb_case)
    encounter.ask("Do you smoke?")
    attempt = store.start_attempt(tb_case.meta.id, tb_case.meta.version)
    store.append_events(attempt, encounter.events)
    store.close()
    reopened = profiles.unlock("Amina K.", "correct horse battery")
    [summary] = reopened.attempts()
    assert summary.case_id == tb_case.meta.id and summary.events == 2
    assert [e.text for e in reopened.events(attempt)] == ["", "Do you smoke?"]
    reopened.close()


def test_canary_never_in_plaintext_on_disk(profiles, tb_case, simdesk_home):
    store = profiles.create("Canary", "correct horse battery")
    encounter = Encounter(tb_case)
    encounter.ask(CANARY)
    attempt = store.start_attempt(tb_case.meta.id, tb_case.meta.version)
    store.append_events(attempt, encounter.events)
    # Scan while the database is open, so the WAL and shm files hold the fresh write.
    files = _tree_bytes(simdesk_home)
    assert any(p.name.endswith("-wal") for p in files), "expected a WAL file"
    needles = [CANARY.encode(), CANARY.encode("utf-16-le"), b"zebra-canary"]
    for path, data in files.items():
        for needle in needles:
            assert needle not in data, f"plaintext canary in {path}"
    assert all(not data.startswith(b"SQLite format 3") for data in files.values())
    store.close()


def test_wrong_passphrase_is_refused_before_the_database_is_touched(profiles, simdesk_home):
    profiles.create("Baraka", "correct horse battery").close()
    before = {p: hashlib.sha256(b).hexdigest() for p, b in _tree_bytes(simdesk_home).items()}
    with pytest.raises(WrongPassphrase, match="not correct"):
        profiles.unlock("Baraka", "wrong horse battery")
    after = {p: hashlib.sha256(b).hexdigest() for p, b in _tree_bytes(simdesk_home).items()}
    assert after == before


def test_damaged_database_is_reported_and_left_unchanged(profiles):
    profiles.create("Chidi", "correct horse battery").close()
    db = profiles.get("Chidi").db_path
    data = bytearray(db.read_bytes())
    data[100:164] = bytes(64)  # zero part of the first page
    db.write_bytes(bytes(data))
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    with pytest.raises(StoreError) as info:
        profiles.unlock("Chidi", "correct horse battery")
    assert str(db) in str(info.value) and "backup" in info.value.fix
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


def test_profiles_are_listed_and_names_are_unique(profiles):
    profiles.create("Dora", "correct horse battery").close()
    with pytest.raises(ProfileExists):
        profiles.create("dora", "another passphrase")
    assert [p.name for p in profiles.list()] == ["Dora"]


def test_short_passphrase_is_refused(profiles):
    with pytest.raises(StoreError, match="too short"):
        profiles.create("Eve", "short")
    assert profiles.list() == []


def test_key_wrap_with_default_argon2id_parameters():
    key = new_data_key()
    started = time.perf_counter()
    record = wrap_key(key, "a long passphrase", KdfParams())
    elapsed = time.perf_counter() - started
    assert unwrap_key(record, "a long passphrase") == key
    with pytest.raises(WrongPassphrase):
        unwrap_key(record, "a long passphrasf")
    assert elapsed < 5  # a sanity bound; the unlock-time target is measured by the benchmark
