"""Crashes, damaged files, full and read-only disks, plaintext leaks: nothing lost or revealed."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from simdesk.core.errors import StoreError
from simdesk.core.sim.events import Question
from simdesk.core.store.db import check_database, open_engine
from simdesk.core.store.keys import new_data_key
from simdesk.core.store.repository import LearnerStore
from tests.core.store.conftest import CANARY, INSTRUCTOR_PASS, PASS, tree_hashes
from tests.core.store.crash_writer import EVENTS_PER_BATCH

ROOT = Path(__file__).resolve().parents[3]
KILLS = 50


def _batches(engine) -> dict[int, int]:
    with engine.connect() as conn:
        rows = conn.execute(
            # the writer numbers its events batch * EVENTS_PER_BATCH + i
            text(f"SELECT seq / {EVENTS_PER_BATCH}, count(*) FROM attempt_events GROUP BY 1")
        )
        return dict(rows.all())


def _integrity(engine) -> tuple[list, list]:
    with engine.connect() as conn:
        return (
            conn.exec_driver_sql("PRAGMA integrity_check").scalars().all(),
            conn.exec_driver_sql("PRAGMA cipher_integrity_check").scalars().all(),
        )


def test_sigkill_during_writes_loses_at_most_the_transaction_in_flight(tmp_path):
    key, path = new_data_key(), tmp_path / "learner.db"
    store = LearnerStore(open_engine(path, key, create=True))
    store.start_attempt("crash-case", "1")
    store.close()
    rng = random.Random(20261121)
    acknowledged: set[int] = set()
    next_batch = 0
    for _ in range(KILLS):
        child = subprocess.Popen(
            [sys.executable, "-m", "tests.core.store.crash_writer", str(path)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        child.stdin.write(f"{key.hex()}\n{next_batch}\n")
        child.stdin.close()
        assert child.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.0, 0.08))
        child.send_signal(signal.SIGKILL)
        acknowledged.update(int(line) for line in child.stdout.read().split())
        child.stdout.close()
        child.wait()

        check_database(path, key)  # page HMACs and structure, read-only
        engine = open_engine(path, key)
        assert _integrity(engine) == (["ok"], [])
        present = _batches(engine)
        engine.dispose()
        assert set(present.values()) <= {EVENTS_PER_BATCH}, "a batch was half-written"
        assert acknowledged <= set(present), "a committed batch was lost"
        in_flight = set(present) - acknowledged
        assert len(in_flight) <= 1 and all(b > max(acknowledged, default=-1) for b in in_flight)
        acknowledged |= in_flight
        next_batch = max(present, default=-1) + 1
    assert len(acknowledged) > KILLS  # the kills really landed among the writes


def _fill(profiles, instructor, name, events=40, question="Do you smoke?"):
    store = profiles.create(name, PASS, instructor)
    attempt = store.start_attempt("case", "1")
    store.append_events(
        attempt,
        [Question(seq=i, sim_minute=0.0, text=f"{question} {i} " + "x" * 500, fact_ids=())
         for i in range(events)],
    )  # fmt: skip
    store.close()
    return profiles.get(name)


def _expect_refusal(profiles, profile, *fragments):
    """Unlocking fails with a message naming the file and the options; no byte changes."""
    before = tree_hashes(profile.folder)
    with pytest.raises(StoreError) as info:
        profiles.unlock(profile.name, PASS)
    message = str(info.value)
    assert str(profile.db_path) in message and "backup" in message and "try again" in message
    for fragment in fragments:
        assert fragment in message
    assert tree_hashes(profile.folder) == before
    return message


def test_wrong_key_is_refused_and_the_file_left_unchanged(profiles, instructor):
    amina = _fill(profiles, instructor, "Amina")
    baraka = _fill(profiles, instructor, "Baraka")
    # Baraka's key file over Amina's: the passphrase unwraps, but the key is not Amina's.
    shutil.copy(baraka.wrap_path, amina.wrap_path)
    _expect_refusal(profiles, amina, "wrong key")


def test_a_damaged_first_page_is_refused_and_the_file_left_unchanged(profiles, instructor):
    profile = _fill(profiles, instructor, "Chidi")
    data = bytearray(profile.db_path.read_bytes())
    data[100:164] = bytes(64)
    profile.db_path.write_bytes(bytes(data))
    _expect_refusal(profiles, profile)


@pytest.mark.parametrize("cut", [1000, 4096])
def test_a_truncated_file_is_refused_and_never_recreated(profiles, instructor, cut):
    profile = _fill(profiles, instructor, "Dora")
    data = profile.db_path.read_bytes()
    assert len(data) > 2 * 4096
    profile.db_path.write_bytes(data[: len(data) - cut])
    _expect_refusal(profiles, profile)


def test_a_missing_database_is_reported_never_recreated(profiles, instructor):
    profile = _fill(profiles, instructor, "Eve")
    profile.db_path.unlink()
    _expect_refusal(profiles, profile, "missing")
    assert not profile.db_path.exists()


def test_flipped_bytes_inside_a_page_are_detected_and_reported(profiles, instructor):
    profile = _fill(profiles, instructor, "Femi", events=200)
    data = bytearray(profile.db_path.read_bytes())
    page = len(data) // 4096 - 2
    data[page * 4096 + 1234] ^= 0x5A
    profile.db_path.write_bytes(bytes(data))
    message = _expect_refusal(profiles, profile, "damaged pages")
    assert f"page {page + 1}" in message


CANARY_CHILD = textwrap.dedent(
    """
    import logging, sys, time
    from pathlib import Path
    from simdesk.core.paths import locations
    from simdesk.core.sim.events import Question
    from simdesk.core.store.profiles import ProfileManager
    from tests.conftest import FAST_KDF

    where = locations().ensure()
    logging.basicConfig(filename=where.logs / "simdesk.log", level=logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    canary, passphrase, instructor_pass = sys.argv[1:4]
    manager = ProfileManager.for_locations(where, kdf=FAST_KDF)
    manager.setup_instructor("Teacher", instructor_pass).close()
    store = manager.create("Amina", passphrase, manager.unlock_instructor(instructor_pass))
    attempt = store.start_attempt("case", "1")
    for batch in range(30):
        store.append_events(attempt, [
            Question(seq=batch * 20 + i, sim_minute=0.0, text=f"{canary} {i}" * 20, fact_ids=())
            for i in range(20)
        ])
    try:  # an error on the way must not echo the learner's text either
        store.append_events(
            attempt + 99, [Question(seq=0, sim_minute=0.0, text=canary, fact_ids=())]
        )
    except Exception as exc:
        logging.exception("expected failure: %s", exc)
    assert len(store.events(attempt)) == 600
    manager.export("Amina", passphrase, Path(sys.argv[4]))
    print("written", flush=True)
    sys.stdin.readline()  # the parent scans the files while the database is open
    store.close()
    manager.close()
    """
)


def test_canary_never_in_plaintext_in_db_wal_shm_temp_exports_or_logs(simdesk_home, tmp_path):
    temp = tmp_path / "tmp"
    temp.mkdir()
    export = tmp_path / "amina.simdesk-profile"
    env = {**os.environ, "TMPDIR": str(temp), "SQLITE_TMPDIR": str(temp)}
    child = subprocess.Popen(
        [sys.executable, "-c", CANARY_CHILD, CANARY, PASS, INSTRUCTOR_PASS, str(export)],
        cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert child.stdout.readline() == "written\n", child.stderr.read()
    needles = [CANARY.encode(), CANARY.encode("utf-16-le"), b"zebra-canary"]

    def scan() -> set[str]:
        names = set()
        for folder in (simdesk_home, temp, tmp_path):
            for path in folder.rglob("*"):
                if path.is_file():
                    names.add(path.name)
                    data = path.read_bytes()
                    assert not any(n in data for n in needles), f"plaintext canary in {path}"
        return names

    names = scan()
    assert {"learner.db-wal", "learner.db-shm", "simdesk.log", export.name} <= names
    out, err = child.communicate("\n", timeout=60)
    assert child.returncode == 0, err
    assert "zebra-canary" not in out + err
    scan()
    log = (simdesk_home / "logs" / "simdesk.log").read_text()
    assert "INSERT INTO attempt_events" in log  # the SQL was logged, its parameters were not


@pytest.fixture
def small_disk(tmp_path):
    """A real 1 MiB file system (tmpfs) to fill up and to make read-only."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode:
        pytest.skip(f"cannot mount a small tmpfs here (needs root): {done.stderr.decode()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=True)


def _manager_on(folder):
    from simdesk.core.store.profiles import ProfileManager
    from tests.conftest import FAST_KDF

    manager = ProfileManager(folder / "profiles", folder / "device.key", kdf=FAST_KDF)
    manager.setup_instructor("Teacher", INSTRUCTOR_PASS).close()
    return manager, manager.unlock_instructor(INSTRUCTOR_PASS)


def _append_until_refused(store, attempt) -> tuple[int, StoreError]:
    for batch in range(10_000):
        try:
            store.append_events(
                attempt,
                [Question(seq=batch * 5 + i, sim_minute=0.0, text="x" * 2000, fact_ids=())
                 for i in range(5)],
            )  # fmt: skip
        except StoreError as exc:
            return batch, exc
    raise AssertionError("the small disk never filled up")


def test_disk_full_gives_a_clear_message_and_keeps_earlier_data(small_disk):
    manager, instructor = _manager_on(small_disk)
    store = manager.create("Amina", PASS, instructor)
    attempt = store.start_attempt("case", "1")
    saved, error = _append_until_refused(store, attempt)
    assert saved > 5
    assert "disk is full" in str(error) and "Free some disk space" in error.fix
    assert str(store.path) in str(error) and "intact" in str(error)
    assert len(store.events(attempt)) == saved * 5
    store.close()
    manager.close()
    assert check_database(store.path, _data_key(manager)) is None
    store = LearnerStore(open_engine(store.path, _data_key(manager)))
    assert len(store.events(attempt)) == saved * 5 and _integrity(store.engine) == (["ok"], [])
    store.close()


def _data_key(manager):
    from simdesk.core.store.keys import unwrap_key

    return unwrap_key(json.loads(manager.get("Amina").wrap_path.read_text())["wrap"], PASS)


def test_read_only_folder_gives_a_clear_message_and_keeps_earlier_data(small_disk):
    manager, instructor = _manager_on(small_disk)
    store = manager.create("Amina", PASS, instructor)
    attempt = store.start_attempt("case", "1")
    store.append_events(attempt, [Question(seq=0, sim_minute=0.0, text="kept", fact_ids=())])
    store.close()
    manager.close()
    before = tree_hashes(small_disk)
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    with pytest.raises(StoreError) as info:
        manager.unlock("Amina", PASS)
    assert "cannot be written" in info.value.fix and str(small_disk) in str(info.value)
    subprocess.run(["mount", "-o", "remount,rw", str(small_disk)], check=True)
    assert tree_hashes(small_disk) == before
    store = manager.unlock("Amina", PASS)
    assert [e.text for e in store.events(attempt)] == ["kept"]
    store.close()
    manager.close()
