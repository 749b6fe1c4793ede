"""Profiles, roles, passphrases, recovery, key rotation, export/restore, deletion, audit."""

from __future__ import annotations

import json
import time

import pytest
import sqlcipher3

from simdesk.core.errors import ProfileExists, ProfileNotFound, StoreError, WrongPassphrase
from simdesk.core.sim.session import Encounter
from simdesk.core.store.autolock import IdleLock
from simdesk.core.store.db import check_database
from simdesk.core.store.keys import KdfParams, new_data_key, unwrap_key, wrap_key
from simdesk.core.store.profiles import ProfileManager, UnlockDelayed, UnlockThrottle
from tests.conftest import FAST_KDF
from tests.core.store.conftest import INSTRUCTOR_PASS, PASS, tree_hashes


def _learner(profiles, instructor, name, tb_case=None, question="Do you smoke?"):
    store = profiles.create(name, PASS, instructor)
    if tb_case is not None:
        encounter = Encounter(tb_case)
        encounter.ask(question)
        attempt = store.start_attempt(tb_case.meta.id, tb_case.meta.version)
        store.append_events(attempt, encounter.events)
        store.end_attempt(attempt)
    store.close()


def test_attempt_round_trip(profiles, instructor, tb_case):
    _learner(profiles, instructor, "Amina K.", tb_case)
    reopened = profiles.unlock("Amina K.", PASS)
    [summary] = reopened.attempts()
    assert summary.case_id == tb_case.meta.id and summary.events == 2
    started, question = reopened.events(summary.id)
    assert (started.kind, started.case_id) == ("encounter_started", tb_case.meta.id)
    assert (question.text, question.fact_ids) == ("Do you smoke?", ("smoking",))
    reopened.close()


def test_first_run_has_no_profiles_and_learners_need_an_instructor(profiles):
    assert profiles.list() == [] and profiles.instructor() is None
    with pytest.raises(StoreError, match="No instructor"):
        profiles.unlock_instructor(INSTRUCTOR_PASS)
    profiles.setup_instructor("Teacher Tumi", INSTRUCTOR_PASS).close()
    with pytest.raises(StoreError, match="already has an instructor"):
        profiles.setup_instructor("Second Teacher", INSTRUCTOR_PASS)
    assert [(p.name, p.role) for p in profiles.list()] == [("Teacher Tumi", "instructor")]


def test_wrong_passphrase_is_refused_before_the_database_is_touched(profiles, instructor):
    _learner(profiles, instructor, "Baraka")
    folder = profiles.get("Baraka").folder
    before = tree_hashes(folder)
    with pytest.raises(WrongPassphrase, match="not correct"):
        profiles.unlock("Baraka", "wrong horse battery")
    assert tree_hashes(folder) == before


def test_profiles_are_listed_and_names_are_unique(profiles, instructor):
    _learner(profiles, instructor, "Dora")
    with pytest.raises(ProfileExists):
        profiles.create("dora", "another passphrase", instructor)
    assert [p.name for p in profiles.list()] == ["Dora", "Teacher Tumi"]
    with pytest.raises(ProfileNotFound):
        profiles.unlock("Nobody", PASS)


def test_short_passphrase_is_refused(profiles, instructor):
    with pytest.raises(StoreError, match="too short"):
        profiles.create("Eve", "short", instructor)
    assert [p.name for p in profiles.list()] == ["Teacher Tumi"]


def test_a_learner_cannot_read_another_learners_data(profiles, instructor, tb_case):
    _learner(profiles, instructor, "Amina", tb_case)
    _learner(profiles, instructor, "Baraka")
    with pytest.raises(WrongPassphrase):
        profiles.unlock("Baraka", "Amina's passphrase!")
    # Even holding Amina's data key, Baraka's database does not open with it.
    amina_key = unwrap_key(json.loads(profiles.get("Amina").wrap_path.read_text())["wrap"], PASS)
    with pytest.raises(StoreError, match="not a database"):
        check_database(profiles.get("Baraka").db_path, amina_key)
    # A learner's passphrase does not make an instructor session.
    with pytest.raises(WrongPassphrase):
        profiles.unlock_instructor(PASS)


def test_instructor_reads_progress_and_resets_a_forgotten_passphrase(profiles, instructor, tb_case):
    _learner(profiles, instructor, "Amina", tb_case)
    [attempt] = profiles.progress(instructor, "Amina")
    assert attempt.case_id == tb_case.meta.id and attempt.ended_at is not None
    profiles.reset_passphrase(instructor, "Amina", "a brand new passphrase")
    with pytest.raises(WrongPassphrase):
        profiles.unlock("Amina", PASS)
    store = profiles.unlock("Amina", "a brand new passphrase")
    assert len(store.attempts()) == 1
    store.close()


def test_change_passphrase_rewraps_and_keeps_data(profiles, instructor, tb_case):
    _learner(profiles, instructor, "Amina", tb_case)
    db_before = profiles.get("Amina").db_path.read_bytes()
    profiles.change_passphrase("Amina", PASS, "a second passphrase")
    assert profiles.get("Amina").db_path.read_bytes() == db_before  # only the wrap changed
    with pytest.raises(WrongPassphrase):
        profiles.unlock("Amina", PASS)
    store = profiles.unlock("Amina", "a second passphrase")
    assert len(store.attempts()) == 1
    store.close()
    # The recovery wrap still follows the key.
    assert len(profiles.progress(instructor, "Amina")) == 1
    # The instructor's own passphrase change keeps their instructor key.
    profiles.change_passphrase("Teacher Tumi", INSTRUCTOR_PASS, "new instructor words")
    again = profiles.unlock_instructor("new instructor words")
    assert again.private_key == instructor.private_key


def _data_key(profiles, name, passphrase=PASS):
    return unwrap_key(json.loads(profiles.get(name).wrap_path.read_text())["wrap"], passphrase)


def test_rotate_key_reencrypts_and_is_verified(profiles, instructor, tb_case):
    _learner(profiles, instructor, "Amina", tb_case)
    old_key = _data_key(profiles, "Amina")
    profiles.rotate_key("Amina", PASS)
    new_key = _data_key(profiles, "Amina")
    assert new_key != old_key
    db = profiles.get("Amina").db_path
    check_database(db, new_key)
    with pytest.raises(StoreError):
        check_database(db, old_key)
    assert len(profiles.progress(instructor, "Amina")) == 1  # recovery wrap re-sealed
    store = profiles.unlock("Amina", PASS)
    assert len(store.attempts()) == 1
    store.close()
    profiles.rotate_key("Teacher Tumi", INSTRUCTOR_PASS)
    assert profiles.unlock_instructor(INSTRUCTOR_PASS).private_key == instructor.private_key


@pytest.mark.parametrize("rekeyed", [False, True])
def test_a_rotation_cut_short_settles_on_the_key_that_opens(profiles, instructor, rekeyed):
    """A crash after the pending wrap is written, before or after the rekey: nothing is lost."""
    from simdesk.core.store.db import open_engine, rekey

    _learner(profiles, instructor, "Amina")
    profile = profiles.get("Amina")
    old_key = _data_key(profiles, "Amina")
    new_key = new_data_key()
    profiles._write_wrap(profile, new_key, PASS, pending=True)
    if rekeyed:
        rekey(open_engine(profile.db_path, old_key), profile.db_path, new_key).dispose()
    store = profiles.unlock("Amina", PASS)
    store.close()
    record = json.loads(profile.wrap_path.read_text())
    assert "pending" not in record
    assert unwrap_key(record["wrap"], PASS) == (new_key if rekeyed else old_key)


def test_export_and_restore_gets_a_new_identity(profiles, instructor, tb_case, tmp_path):
    _learner(profiles, instructor, "Amina", tb_case)
    store = profiles.unlock("Amina", PASS)
    original = store.identity()
    store.close()
    export = profiles.export("Amina", PASS, tmp_path / "amina.simdesk-profile")
    with pytest.raises(StoreError, match="already exists"):
        profiles.export("Amina", PASS, export)
    with pytest.raises(ProfileExists):
        profiles.restore(export, PASS)
    with pytest.raises(WrongPassphrase):
        profiles.restore(export, "not the passphrase", name="Amina Again")
    restored = profiles.restore(export, PASS, name="Amina Again")
    store = profiles.unlock(restored.name, PASS)
    copy = store.identity()
    assert [a.case_id for a in store.attempts()] == [tb_case.meta.id]
    store.close()
    assert copy.sync_id != original.sync_id and copy.device_id != original.device_id
    assert copy.restored_from == original.sync_id
    assert _data_key(profiles, "Amina Again") != _data_key(profiles, "Amina")
    assert len(profiles.progress(instructor, "Amina Again")) == 1


def test_a_truncated_export_is_refused_and_nothing_is_made(profiles, instructor, tmp_path):
    _learner(profiles, instructor, "Amina")
    export = profiles.export("Amina", PASS, tmp_path / "amina.simdesk-profile")
    export.write_bytes(export.read_bytes()[:-100])
    with pytest.raises(StoreError, match="truncated") as info:
        profiles.restore(export, PASS, name="Amina Again")
    assert str(export) in str(info.value)
    assert [p.name for p in profiles.list()] == ["Amina", "Teacher Tumi"]


def test_delete_removes_the_database_and_the_wraps(profiles, instructor, tb_case):
    _learner(profiles, instructor, "Amina", tb_case)
    _learner(profiles, instructor, "Baraka")
    folder = profiles.get("Amina").folder
    with pytest.raises(WrongPassphrase):
        profiles.delete("Amina", passphrase="not the passphrase")
    assert folder.is_dir()
    profiles.delete("Amina", passphrase=PASS)
    profiles.delete("Baraka", instructor=instructor)
    assert not folder.exists() and [p.name for p in profiles.list()] == ["Teacher Tumi"]
    assert sorted(p.name for p in profiles.root.iterdir() if p.is_dir()) == ["teacher-tumi"]
    with pytest.raises(StoreError, match="instructor's profile"):
        profiles.delete("Teacher Tumi", instructor=instructor)


def test_repeated_failures_grow_the_delay_and_never_delete(simdesk_home, profiles, instructor):
    now = [1000.0]
    throttle = UnlockThrottle(free_tries=2, first_delay=10, max_delay=40)
    manager = ProfileManager(
        profiles.root, profiles.key_file, kdf=FAST_KDF, throttle=throttle, clock=lambda: now[0]
    )
    _learner(manager, instructor, "Amina")
    for _ in range(2):
        with pytest.raises(WrongPassphrase):
            manager.unlock("Amina", "wrong passphrase")
    with pytest.raises(UnlockDelayed) as info:
        manager.unlock("Amina", PASS)  # even the right passphrase waits
    assert info.value.seconds == pytest.approx(10) and "Nothing has been deleted" in info.value.fix
    now[0] += 10
    with pytest.raises(WrongPassphrase):
        manager.unlock("Amina", "wrong passphrase")
    now[0] += 19
    with pytest.raises(UnlockDelayed):
        manager.unlock("Amina", PASS)
    assert [throttle.delay(n) for n in range(1, 7)] == [0, 10, 20, 40, 40, 40]
    now[0] += 1
    manager.unlock("Amina", PASS).close()  # the wait is over; the profile is whole
    with pytest.raises(WrongPassphrase):
        manager.unlock("Amina", "wrong passphrase")  # and the count starts again
    manager.close()


def test_audit_log_records_every_sensitive_action(profiles, instructor, tmp_path):
    _learner(profiles, instructor, "Amina")
    profiles.unlock("Amina", PASS).close()
    with pytest.raises(WrongPassphrase):
        profiles.unlock("Amina", "wrong passphrase")
    profiles.change_passphrase("Amina", PASS, "second passphrase")
    profiles.reset_passphrase(instructor, "Amina", PASS)
    profiles.export("Amina", PASS, tmp_path / "a.simdesk-profile")
    profiles.delete("Amina", instructor=instructor)
    entries, problems = profiles.audit_log(instructor)
    assert problems == []
    actions = [(e.actor, e.action, e.profile) for e in entries]
    for expected in [
        ("Amina", "unlock", "Amina"),
        ("unknown", "failed unlock", "Amina"),
        ("Amina", "passphrase change", "Amina"),
        ("Teacher Tumi", "recovery", "Amina"),
        ("Amina", "export", "Amina"),
        ("Teacher Tumi", "deletion", "Amina"),
    ]:
        assert expected in actions
    assert all(e.at.year >= 2024 for e in entries)


def test_audit_log_is_append_only_and_tampering_is_detected(profiles, instructor):
    device = profiles.device
    with device.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.exec_driver_sql("DELETE FROM audit WHERE id = 1")
    with device.engine.begin() as conn, pytest.raises(Exception, match="append-only"):
        conn.exec_driver_sql("UPDATE audit SET actor = 'someone' WHERE id = 1")
    assert device.verify_audit() == []
    with device.engine.begin() as conn:  # someone who drops the trigger to rewrite history
        conn.exec_driver_sql("DROP TRIGGER audit_no_update")
        conn.exec_driver_sql("UPDATE audit SET actor = 'someone' WHERE id = 1")
    [problem] = device.verify_audit()
    assert problem.startswith("entry 1 (") and problem.endswith("does not chain")


def test_device_database_is_encrypted_and_holds_no_learner_content(
    profiles, instructor, tb_case, simdesk_home
):
    from tests.core.store.conftest import CANARY

    _learner(profiles, instructor, "Amina", tb_case, question=CANARY)
    device_db = profiles.root / "device.db"
    assert not device_db.read_bytes().startswith(b"SQLite format 3")
    assert (
        profiles.key_file.parent != device_db.parent
        and profiles.key_file.stat().st_mode & 0o077 == 0
    )
    conn = sqlcipher3.connect(device_db)
    conn.execute(f"PRAGMA key = \"x'{profiles.key_file.read_text().strip()}'\"")
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    dump = repr([conn.execute(f"SELECT * FROM {table}").fetchall() for table in tables])
    conn.close()
    assert tables == {"alembic_version", "settings", "profiles", "audit", "sync_outbox",
                      "sync_pseudonyms"}  # fmt: skip
    assert "Amina" in dump and CANARY not in dump


def test_missing_device_key_is_reported_never_replaced(profiles, instructor, simdesk_home):
    _learner(profiles, instructor, "Amina")
    profiles.close()
    key = profiles.key_file.read_bytes()
    profiles.key_file.unlink()
    before = tree_hashes(profiles.root)
    with pytest.raises(StoreError, match="device key file") as info:
        profiles.list()
    assert str(profiles.key_file) in str(info.value)
    assert tree_hashes(profiles.root) == before and not profiles.key_file.exists()
    profiles.key_file.write_bytes(key)
    assert [p.name for p in profiles.list()] == ["Amina", "Teacher Tumi"]


def test_idle_lock_expires_after_idle_minutes_only():
    now = [0.0]
    lock = IdleLock(2, clock=lambda: now[0])
    now[0] = 100
    assert not lock.expired and lock.seconds_left() == 20
    lock.touch()
    now[0] = 219
    assert not lock.expired
    now[0] = 220
    assert lock.expired
    assert not IdleLock(0, clock=lambda: 1e9).expired  # 0 turns it off


def test_key_wrap_with_default_argon2id_parameters():
    key = new_data_key()
    started = time.perf_counter()
    record = wrap_key(key, "a long passphrase", KdfParams())
    elapsed = time.perf_counter() - started
    assert unwrap_key(record, "a long passphrase") == key
    assert (record["iterations"], record["memory_kib"]) == (3, 128 * 1024)
    with pytest.raises(WrongPassphrase):
        unwrap_key(record, "a long passphrasf")
    assert elapsed < 5  # a sanity bound; the unlock-time target is measured by the benchmark
