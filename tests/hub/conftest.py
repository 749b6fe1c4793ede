"""A real hub for the tests: `simdesk hub serve` in a child process, HTTPS on loopback, its own
embedded PostgreSQL (pgserver) in a tmp folder. Device-side helpers enrol and fill outboxes."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from simdesk.core.assess.attempts import AttemptResult, ItemOutcome
from simdesk.core.store.device import DeviceDb
from simdesk.core.sync.outbox import Outbox
from simdesk.core.sync.statements import AttemptInfo
from simdesk.hub import db as hubdb

ROOT = Path(__file__).resolve().parents[2]
START_TIMEOUT = 60.0


def cli(
    *args: str, data: Path | None = None, env: dict | None = None, stdin: str = ""
) -> subprocess.CompletedProcess:
    """Run `simdesk ...` in a child process with this checkout's sources first on the path."""
    full_env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), **(env or {})}
    command = [sys.executable, "-W", "ignore", "-m", "simdesk.cli", *args]
    if data is not None:
        command += ["--data", str(data)]
    return subprocess.run(
        command, input=stdin, capture_output=True, text=True, env=full_env, timeout=120, check=False
    )


@dataclass
class Hub:
    data: Path
    port: int = 0
    process: subprocess.Popen | None = None
    url: str = ""
    fingerprint: str = ""
    extra: list[str] = field(default_factory=list)
    log: Path | None = None

    def start(self) -> Hub:
        self.log = self.data.parent / f"{self.data.name}.log"
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-W",
                    "ignore",
                    "-m",
                    "simdesk.cli",
                    "hub",
                    "serve",
                    "--data",
                    str(self.data),
                    "--port",
                    str(self.port),
                    *self.extra,
                ],
                stdout=subprocess.PIPE,
                stderr=handle,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            line = self.process.stdout.readline().decode()
            if line.startswith("https://"):
                self.url = line.strip()
                self.port = int(self.url.rsplit(":", 1)[1])
                break
            if "sha256" in line:
                self.fingerprint = line.split()[-1]
            if not line and self.process.poll() is not None:
                raise RuntimeError(f"the hub did not start: {self.log.read_text()[-2000:]}")
        else:
            raise RuntimeError("the hub did not print its URL in time")
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        if self.process is not None:
            self.process.stdout.close()
        self.process = None

    def enrol_token(self, site: str = "Kisumu East", cohort: str = "2026-11") -> str:
        done = cli("hub", "enrol-code", "--site", site, "--cohort", cohort, data=self.data)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def credentials(self, name: str = "analyst") -> tuple[str, str]:
        done = cli("hub", "credentials", name, data=self.data)
        assert done.returncode == 0, done.stderr
        key, secret = done.stdout.strip().splitlines()[-1].split()
        return key, secret

    def engine(self) -> sa.Engine:
        return hubdb.make_engine(hubdb.embedded_url(self.data.resolve()))

    def counts(self) -> tuple[int, int]:
        """(rows, distinct ids) of statements stored by the hub."""
        engine = self.engine()
        try:
            with engine.connect() as conn:
                return tuple(
                    conn.execute(
                        sa.text("SELECT count(*), count(DISTINCT id) FROM statements")
                    ).one()
                )
        finally:
            engine.dispose()


def hub_folder() -> Path:
    """A folder the embedded PostgreSQL can reach when the tests run as root (pytest's own tmp
    folders are closed to other users; pgserver runs PostgreSQL as its own user then)."""
    folder = Path(tempfile.mkdtemp(prefix="simdesk-hub-test-"))
    folder.chmod(0o711)
    return folder


def stop_postgres(data: Path) -> None:
    """Stop the embedded PostgreSQL of a hub's data folder, if it still runs (bounded wait)."""
    pid_file = data / "postgres" / "postmaster.pid"
    try:
        pid = int(pid_file.read_text().split()[0])
        os.kill(pid, signal.SIGINT)  # fast shutdown
    except (OSError, ValueError, IndexError):
        return
    for _ in range(100):
        if not pid_file.exists():
            return
        time.sleep(0.1)


def start_postgres(data: Path) -> None:
    """Start the embedded PostgreSQL of a hub's data folder again (as the hub would)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import pgserver

    pgserver.get_server(data.resolve() / "postgres", cleanup_mode=None)


@pytest.fixture(scope="module")
def hub() -> Hub:
    folder = hub_folder()
    running = Hub(folder / "data").start()
    yield running
    running.stop()
    stop_postgres(running.data)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def device(simdesk_home) -> DeviceDb:
    home = Path(simdesk_home)
    db = DeviceDb(
        home / "data" / "profiles" / "device.db", home / "config" / "device.key", may_create=True
    )
    yield db
    db.close()


def sample_result(
    n: int = 0,
    percent: float = 72.5,
    case_id: str = "pulmonary-tb-miner",
    finished: datetime | None = None,
) -> AttemptResult:
    items = tuple(
        ItemOutcome(
            f"item-{k}",
            "history",
            "Asked about cough",
            "met" if k % 2 else "missed",
            1.0,
            (),
            "Ask early",
        )
        for k in range(12)
    )
    return AttemptResult(
        case_id,
        "1.0.0",
        "respiratory",
        "core",
        finished or datetime(2026, 11, 30, 14, 37) + timedelta(minutes=n),
        percent,
        False,
        {"history": 60.0, "examination": 80.0, "diagnosis": 100.0, "management": None},
        items,
        "correct",
        n,
        "",
    )


def sample_info(n: int, result: AttemptResult, key: str = "device-a") -> AttemptInfo:
    return AttemptInfo(
        f"{key}:{n}",
        "exam",
        result.finished_at - timedelta(minutes=23),
        result.finished_at,
        95.0,
        "gemma-3-270m-q4_k_m",
    )


def fill(outbox: Outbox, attempts: int, learners: int = 3, key: str = "device-a") -> int:
    """Queue ``attempts`` attempts spread over ``learners`` learners; returns statements queued."""
    total = 0
    for n in range(attempts):
        result = sample_result(n, percent=40 + (n * 7) % 60)
        total += outbox.queue_attempt(
            f"learner-{n % learners}", result, sample_info(n, result, key)
        )
    return total
