"""Sync benchmark: bytes per attempt, a busy clinic's month over a slow link, hub ingest rate.

A real hub (`simdesk hub serve`, embedded PostgreSQL) on loopback; a real device outbox.

1. Bytes per attempt: one attempt's three statements gzip-compressed alone, and what a month's
   batches cost per attempt on the wire (TLS, HTTP headers and replies included, counted by the
   proxy). Target <= 2 KB.
2. A busy clinic's month (20 learners x 60 attempts = 3,600 statements) through a proxy limited
   to 64 kbit/s with 600 ms round-trip latency. Target <= 120 s.
3. Hub ingest rate (statements/s: gzip batches of 250 POSTed over HTTPS, one after another, to
   one worker; validation, indexing, idempotence and the activity definitions included) against
   a plain bulk INSERT of the same rows (every column, computed beforehand) into a copy of the
   statements table with the same indexes, in the same PostgreSQL, same run. Target >= 0.3x.

    .venv/bin/python benchmarks/sync_bench.py [--learners 20] [--attempts 60] [--ingest 6000]
"""

from __future__ import annotations

import argparse
import gzip
import json
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from tests.hub.conftest import Hub, hub_folder, sample_result, stop_postgres  # noqa: E402
from tests.hub.proxy import FaultProxy  # noqa: E402

from simdesk.core.store.device import DeviceDb  # noqa: E402
from simdesk.core.sync.client import Connection  # noqa: E402
from simdesk.core.sync.outbox import Outbox  # noqa: E402
from simdesk.core.sync.statements import AttemptInfo, attempt_statements  # noqa: E402


def month(outbox: Outbox, learners: int, attempts: int) -> int:
    queued = 0
    start = datetime(2026, 11, 1, 8, 0)
    for learner in range(learners):
        for n in range(attempts):
            finished = start + timedelta(hours=12 * n + learner)
            result = sample_result(n, percent=35 + (7 * n + learner) % 60, finished=finished)
            info = AttemptInfo(f"bench-{learner}:{n}", "practice" if n % 3 else "exam",
                               finished - timedelta(minutes=20 + n % 15), finished,
                               60.0 + n, "gemma-3-270m-q4_k_m")  # fmt: skip
            queued += outbox.queue_attempt(f"learner-{learner}", result, info)
    return queued


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=20)
    parser.add_argument("--attempts", type=int, default=60)
    parser.add_argument("--ingest", type=int, default=6000, help="statements for the ingest test")
    args = parser.parse_args()
    folder = hub_folder()
    hub = Hub(folder / "data").start()
    work = Path(tempfile.mkdtemp(prefix="simdesk-sync-bench-"))
    try:
        device = DeviceDb(work / "device.db", work / "device.key", may_create=True)
        outbox = Outbox(device)
        outbox.enrol(hub.enrol_token(site="Bench clinic"))

        # 1. one attempt alone
        one = attempt_statements(sample_result(1), AttemptInfo(
            "one:1", "exam", datetime(2026, 11, 1, 8), datetime(2026, 11, 1, 8, 25), 80.0,
            "gemma-3-270m-q4_k_m"), "sd-" + "0" * 32, hub.url)  # fmt: skip
        one_raw = json.dumps(one, separators=(",", ":")).encode()
        one_gz = len(gzip.compress(one_raw, 9, mtime=0))

        # 2. a month over 64 kbit/s, 600 ms
        statements = month(outbox, args.learners, args.attempts)
        attempts = args.learners * args.attempts
        proxy = FaultProxy(hub.port, bits_per_s=64_000, latency=0.6).start()
        outbox.device.set_setting("sync.url", f"https://127.0.0.1:{proxy.port}")
        started = time.perf_counter()
        report = outbox.sync()
        month_s = time.perf_counter() - started
        proxy.stop()
        assert report.pending == 0 and report.sent == statements, report
        wire = (proxy.bytes_up + proxy.bytes_down) / attempts

        # 3. hub ingest vs a plain bulk insert into the same PostgreSQL
        fresh = []
        for k in range(args.ingest // 3):
            fresh += attempt_statements(sample_result(k), AttemptInfo(
                f"ingest:{k}", "exam", datetime(2026, 11, 2, 8), datetime(2026, 11, 2, 8, 30), 70.0,
                "m"), f"sd-{k:032x}", hub.url)  # fmt: skip
        key, secret = hub.credentials("bench")
        from simdesk.core.sync.client import Endpoint

        conn = Connection(Endpoint(hub.url, hub.fingerprint, key, secret))
        batch = 250
        bodies = [  # encoded before the clock starts: the hub's work is measured, not the client's
            gzip.compress(json.dumps(fresh[i : i + batch]).encode(), 6)
            for i in range(0, len(fresh), batch)
        ]
        headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
        started = time.perf_counter()
        for body in bodies:
            status, _ = conn.request("POST", hub.url + "/xapi/statements", body, headers)
            assert status == 200, status
        hub_s = time.perf_counter() - started
        # The same rows (every column the hub writes, computed beforehand) bulk-inserted into a
        # copy of the statements table (same indexes) in the same PostgreSQL, same batch size.
        from simdesk.hub import lrs

        now = datetime.now().astimezone()
        rows = []
        for s in fresh:
            full = {**s, "stored": lrs.iso(now), "authority": {}, "version": "1.0.0"}
            idx = lrs.index(full)
            rows.append({"id": s["id"], "body": json.dumps(full), "digest": "0" * 64, "stored": now,
                         "voided": False, "device": None, **idx})  # fmt: skip
        engine = hub.engine()
        with engine.begin() as db:
            db.exec_driver_sql("CREATE TABLE plain_insert (LIKE statements INCLUDING ALL)")
        insert = sa.text(
            "INSERT INTO plain_insert (id, body, digest, stored, verb, voided, ref, registration, "
            "agents, related_agents, activities, related_activities, device) VALUES (:id, "
            "CAST(:body AS jsonb), :digest, :stored, :verb, :voided, :ref, :registration, "
            ":agents, :related_agents, :activities, :related_activities, :device)"
        )
        started = time.perf_counter()
        for i in range(0, len(rows), batch):
            with engine.begin() as db:
                db.execute(insert, rows[i : i + batch])
        plain_s = time.perf_counter() - started
        engine.dispose()
        device.close()
    finally:
        hub.stop()
        stop_postgres(hub.data)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)

    hub_rate, plain_rate = len(fresh) / hub_s, len(fresh) / plain_s
    lines = [
        ("bytes per attempt, gzip alone", one_gz, "<=", 2048,
         f"3 statements, {len(one_raw)} B raw"),
        ("bytes per attempt, month on the wire", wire, "<=", 2048,
         f"TLS + HTTP both ways, {report.bytes / attempts:.0f} B gzip bodies"),
        (f"month {args.learners}x{args.attempts} at 64 kbit/s 600 ms (s)", month_s, "<=", 120.0,
         f"{statements} statements"),
        ("hub ingest / plain bulk insert", hub_rate / plain_rate, ">=", 0.3,
         f"{hub_rate:.0f} vs {plain_rate:.0f} statements/s"),
    ]  # fmt: skip
    print(f"{'measure':44} {'value':>9}    target   result  notes")
    failed = 0
    for name, value, op, target, note in lines:
        ok = value <= target if op == "<=" else value >= target
        failed += not ok
        print(f"{name:44} {value:9.2f}  {op} {target:<7g} {'PASS' if ok else 'FAIL':6}  {note}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
