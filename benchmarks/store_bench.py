"""Encrypted store benchmark: event appends and unlock, against plain SQLite in the same run.

The same workload - ``LearnerStore.append_events`` of two events per transaction (a question and
its reply), same SQLAlchemy code, same pragmas (WAL, synchronous=FULL) - runs on a SQLCipher
database and on a plain SQLite one; the table reports p50/p99 of each and their ratio. Unlock is
the real ``ProfileManager.unlock`` with the default Argon2id parameters (key derivation, page
checks, schema check).

Targets: encrypted append p99 < 10 ms; encrypted/plain <= 2x; unlock 0.2-0.5 s.

    .venv/bin/python benchmarks/store_bench.py [--appends 1000] [--unlocks 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, event

from simdesk.core.sim.events import Event, Question, Reply
from simdesk.core.store.db import open_engine, set_pragmas
from simdesk.core.store.keys import KdfParams, new_data_key
from simdesk.core.store.profiles import ProfileManager
from simdesk.core.store.repository import LearnerStore

PASSPHRASE = "a benchmark passphrase"


def _percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _turn(turn: int) -> list[Event]:
    return [
        Question(seq=2 * turn, sim_minute=turn, text=f"Question {turn} " * 6, fact_ids=()),
        Reply(seq=2 * turn + 1, sim_minute=turn, question_seq=2 * turn,
              text=f"Reply {turn} " * 20, guard="ok", model_text_used=True),
    ]  # fmt: skip


def append_times(stores: list[LearnerStore], appends: int) -> list[list[float]]:
    """Each store's append times, the stores taking turns so that the disk's slow spells
    (fsync on a shared machine comes and goes) fall on all of them alike."""
    attempts = [store.start_attempt("bench-case", "1") for store in stores]
    times: list[list[float]] = [[] for _ in stores]
    for turn in range(appends):
        events = _turn(turn)
        for store, attempt, samples in zip(stores, attempts, times, strict=True):
            started = time.perf_counter()
            store.append_events(attempt, events)
            samples.append(time.perf_counter() - started)
    return times


def plain_store(path: Path) -> LearnerStore:
    engine = create_engine(f"sqlite:///{path}")
    event.listen(engine, "connect", set_pragmas)
    return LearnerStore(engine)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=1000)
    parser.add_argument("--unlocks", type=int, default=7)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="simdesk-store-bench-"))

    encrypted = LearnerStore(open_engine(work / "encrypted.db", new_data_key(), create=True))
    plain = plain_store(work / "plain.db")
    append_times([encrypted, plain], 50)  # warm both up
    enc, raw = append_times([encrypted, plain], args.appends)
    encrypted.close()
    plain.close()

    manager = ProfileManager(work / "profiles", work / "device.key")
    instructor_pass = "the instructor passphrase"
    manager.setup_instructor("Teacher", instructor_pass).close()
    manager.create("Learner", PASSPHRASE, manager.unlock_instructor(instructor_pass)).close()
    unlocks, opens, derives = [], [], []
    for _ in range(args.unlocks):
        started = time.perf_counter()
        KdfParams().derive(PASSPHRASE, bytes(16))
        derives.append(time.perf_counter() - started)
        started = time.perf_counter()
        manager.unlock("Learner", PASSPHRASE).close()
        unlocks.append(time.perf_counter() - started)
        started = time.perf_counter()
        plain_store(work / "plain.db").close()
        opens.append(time.perf_counter() - started)
    manager.close()

    ms = 1000.0
    rows = [
        ("append p50 (ms)", _percentile(enc, 0.5) * ms, _percentile(raw, 0.5) * ms),
        ("append p99 (ms)", _percentile(enc, 0.99) * ms, _percentile(raw, 0.99) * ms),
        ("append mean (ms)", statistics.fmean(enc) * ms, statistics.fmean(raw) * ms),
        ("unlock / open median (s)", statistics.median(unlocks), statistics.median(opens)),
    ]
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; Argon2id alone "
          f"{statistics.median(derives):.3f} s of the unlock")  # fmt: skip
    print(f"store benchmark: {args.appends} appends of 2 events, {args.unlocks} unlocks")
    print(f"{'measure':26} {'SQLCipher':>11} {'plain SQLite':>13} {'ratio':>7}")
    for label, encrypted_value, plain_value in rows:
        ratio = encrypted_value / plain_value
        print(f"{label:26} {encrypted_value:11.3f} {plain_value:13.3f} {ratio:7.2f}")
    p99 = _percentile(enc, 0.99) * ms
    overhead = _percentile(enc, 0.5) / _percentile(raw, 0.5)
    unlock = statistics.median(unlocks)
    checks = [
        (f"encrypted append p99 {p99:.2f} ms < 10 ms", p99 < 10),
        (f"append overhead (p50 ratio) {overhead:.2f}x <= 2x", overhead <= 2),
        (f"unlock {unlock:.3f} s within 0.2-0.5 s", 0.2 <= unlock <= 0.5),
    ]
    for label, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {label}")
    return 0 if all(ok for _, ok in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
