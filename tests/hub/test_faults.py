"""Sync under faults, on loopback: each case ends with 0 statements lost and 0 duplicated, counted
on the device (every statement sent, none pending) and on the hub (each id stored exactly once).
Every loop here is bounded."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from simdesk.core.sync.client import Connection
from simdesk.core.sync.outbox import PENDING, SENT, Outbox
from tests.hub.conftest import (
    Hub,
    cli,
    fill,
    hub_folder,
    sample_info,
    sample_result,
    start_postgres,
    stop_postgres,
)
from tests.hub.proxy import FaultProxy, Faults, flaky

ROUNDS = 25  # at most this many sync runs per case


def through(outbox: Outbox, proxy: FaultProxy) -> None:
    """Send this device's traffic through the proxy (the pin still applies end to end)."""
    outbox.device.set_setting("sync.url", f"https://127.0.0.1:{proxy.port}")


def sync_until_done(outbox: Outbox, **options) -> int:
    options = {"batch": 20, "tries": 3, "backoff": 0.05, "timeout": 10.0, **options}
    sent = 0
    for _ in range(ROUNDS):
        report = outbox.sync(**options)
        sent += report.sent
        if report.pending == 0:
            return sent
    pytest.fail(f"still pending after {ROUNDS} rounds: {outbox.status()}")


def queued_ids(outbox: Outbox) -> list[str]:
    with outbox.device.session("read") as session:
        from simdesk.core.store.device import OutboxRow

        return [r.statement_id for r in session.query(OutboxRow)]


def assert_each_once(hub: Hub, outbox: Outbox, expected: int) -> None:
    ids = queued_ids(outbox)
    assert len(ids) == expected and outbox.counts() == {SENT: expected}  # the device side
    engine = hub.engine()
    try:
        with engine.connect() as conn:
            rows, distinct = conn.execute(
                sa.text("SELECT count(*), count(DISTINCT id) FROM statements WHERE id = ANY(:ids)"),
                {"ids": ids},
            ).one()
    finally:
        engine.dispose()
    assert (rows, distinct) == (expected, expected)  # the hub side: all there, each once


@pytest.fixture
def enrolled(hub, device):
    outbox = Outbox(device)
    outbox.enrol(hub.enrol_token(site="Faults"))
    return outbox


def test_the_connection_cut_mid_batch(hub, enrolled):
    n = fill(enrolled, 20, key="cut") // 1
    proxy = FaultProxy(hub.port, lambda i: Faults(cut_after=2500) if i < 4 else Faults()).start()
    try:
        through(enrolled, proxy)
        assert sync_until_done(enrolled) == n
        assert proxy.cut == 4
    finally:
        proxy.stop()
    assert_each_once(hub, enrolled, n)


def test_the_acknowledgement_lost(hub, enrolled):
    n = fill(enrolled, 20, key="ack")
    proxy = FaultProxy(hub.port, lambda i: Faults(drop_reply=i < 3)).start()
    try:
        through(enrolled, proxy)
        sync_until_done(enrolled)
        assert proxy.dropped == 3  # three batches stored by the hub, then sent again
    finally:
        proxy.stop()
    assert_each_once(hub, enrolled, n)


def test_batches_replayed_and_reordered(hub, enrolled):
    n = fill(enrolled, 30, key="replay")
    statements = [json.loads(r.body) for r in enrolled.pending_batch(1000)]
    batches = [statements[i : i + 10] for i in range(0, len(statements), 10)]
    replay = batches + batches[::2]
    random.Random(15).shuffle(replay)
    conn = Connection(enrolled.endpoint())
    for batch in replay:  # out of order, some twice, behind the outbox's back
        conn.post_statements(random.Random(len(batch)).sample(batch, len(batch)))
    assert sync_until_done(enrolled) == n  # the outbox sends all again: stored once
    assert_each_once(hub, enrolled, n)


def test_a_flaky_proxy_that_delays_and_drops(hub, enrolled):
    n = fill(enrolled, 40, key="flaky")
    proxy = FaultProxy(hub.port, flaky(seed=15, p_cut=0.25, p_drop=0.25, max_delay=0.15)).start()
    try:
        through(enrolled, proxy)
        sync_until_done(enrolled, tries=6)
        assert proxy.cut > 0 and proxy.dropped > 0
    finally:
        proxy.stop()
    assert_each_once(hub, enrolled, n)


def test_the_device_clock_skewed_by_days(hub, enrolled):
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    n = 0
    for k, skew in enumerate((timedelta(days=4), timedelta(days=-9), timedelta(days=30))):
        result = sample_result(k, finished=now + skew)
        n += enrolled.queue_attempt(f"skew-{k}", result, sample_info(k, result, "skew"))
    assert sync_until_done(enrolled) == n
    assert_each_once(hub, enrolled, n)
    engine = hub.engine()
    with engine.connect() as conn:  # the hub orders by its own clock (stored), not the device's
        stored = conn.execute(
            sa.text("SELECT max(stored) - min(stored) FROM statements WHERE id = ANY(:ids)"),
            {"ids": queued_ids(enrolled)},
        ).scalar_one()
    engine.dispose()
    assert stored < timedelta(minutes=5)


def test_a_revoked_device_loses_nothing(hub, enrolled):
    n = fill(enrolled, 2, key="revoked")
    assert enrolled.sync().sent == n
    assert (
        cli("hub", "revoke", enrolled.device.setting("sync.device"), data=hub.data).returncode == 0
    )
    n += enrolled.queue(
        [s for k in range(2, 6) for s in enrolled.preview("l", *_attempt(k, "revoked"))]
    )
    refused = enrolled.sync()
    assert refused.sent == 0 and refused.pending == 12 and "revoked" in refused.problem
    enrolled.enrol(hub.enrol_token(site="Faults"))
    sync_until_done(enrolled)
    assert_each_once(hub, enrolled, n)


def _attempt(n: int, key: str):
    result = sample_result(n)
    return result, sample_info(n, result, key)


@pytest.fixture
def own_hub():
    """A hub of the test's own, on a fixed port, to be restarted."""
    folder = hub_folder()
    running = Hub(folder / "data").start()
    yield running
    running.stop()
    stop_postgres(running.data)
    shutil.rmtree(folder, ignore_errors=True)


def _sync_in_background(outbox_factory, results: list) -> threading.Thread:
    def run() -> None:
        outbox = outbox_factory()
        try:
            results.append(sync_until_done(outbox, tries=8, backoff=0.5, batch=10))
        finally:
            outbox.device.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _reopen(device):
    from simdesk.core.store.device import DeviceDb

    return lambda: Outbox(DeviceDb(device.path, Path(device.key_file), may_create=False))


def test_the_hub_restarted_mid_sync(own_hub, device):
    outbox = Outbox(device)
    outbox.enrol(own_hub.enrol_token(site="Restart"))
    n = fill(outbox, 60, key="restart")
    proxy = FaultProxy(own_hub.port, lambda i: Faults(delay=0.3)).start()  # slow: time to restart
    try:
        through(outbox, proxy)
        results: list[int] = []
        worker = _sync_in_background(_reopen(device), results)
        for _ in range(100):  # wait until some batches went through
            if outbox.counts().get(SENT, 0) >= 20:
                break
            time.sleep(0.1)
        assert 0 < outbox.counts().get(SENT, 0) < n
        own_hub.stop()
        own_hub.start()  # same port, same data
        worker.join(timeout=240)
        assert not worker.is_alive() and results
    finally:
        proxy.stop()
    assert outbox.counts() == {SENT: n}
    assert_each_once(own_hub, outbox, n)


def test_the_database_restarted_mid_sync(own_hub, device):
    outbox = Outbox(device)
    outbox.enrol(own_hub.enrol_token(site="Database"))
    n = fill(outbox, 60, key="database")
    proxy = FaultProxy(own_hub.port, lambda i: Faults(delay=0.3)).start()
    try:
        through(outbox, proxy)
        results: list[int] = []
        worker = _sync_in_background(_reopen(device), results)
        for _ in range(100):
            if outbox.counts().get(SENT, 0) >= 20:
                break
            time.sleep(0.1)
        pid_file = own_hub.data / "postgres" / "postmaster.pid"
        postmaster = int(pid_file.read_text().split()[0])
        os.kill(postmaster, signal.SIGINT)  # PostgreSQL's fast shutdown
        for _ in range(100):
            if not pid_file.exists():
                break
            time.sleep(0.1)
        assert not pid_file.exists() and outbox.counts().get(PENDING, 0) > 0
        time.sleep(1.0)  # the device meets 503s meanwhile and backs off
        start_postgres(own_hub.data)
        worker.join(timeout=240)
        assert not worker.is_alive() and results
    finally:
        proxy.stop()
    assert_each_once(own_hub, outbox, n)
