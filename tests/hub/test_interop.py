"""Interoperability: the device sends to an independent, conformant LRS - Ralph (ralph-malph, from
PyPI), in its own virtualenv (its pins differ from simdesk's). Ralph fails on gzip bodies (500),
so the client falls back to plain JSON and remembers it; a full resend stores nothing twice."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from simdesk.core.store.device import OutboxRow
from simdesk.core.sync.outbox import PENDING, SENT, Outbox
from tests.hub.conftest import fill

RALPH_PYTHON = os.environ.get("SIMDESK_RALPH_PYTHON", "/opt/ralph/bin/python")
USER, SECRET = "simdesk", "interop secret 15"
INSTALL = ("python3 -m venv /opt/ralph && /opt/ralph/bin/pip install "
           "'ralph-malph[cli,lrs,backend-fs]' requests (.ci/run does this)")  # fmt: skip


@pytest.fixture(scope="module")
def ralph():
    usable = (
        Path(RALPH_PYTHON).exists()
        and subprocess.run(
            [RALPH_PYTHON, "-c", "import ralph.conf, bcrypt, uvicorn"],
            capture_output=True,
            timeout=120,
        ).returncode
        == 0
    )
    if not usable:
        pytest.skip(f"Ralph is not installed: {INSTALL}")
    folder = Path(tempfile.mkdtemp(prefix="simdesk-ralph-"))
    made = subprocess.run(
        [RALPH_PYTHON, "-c", "import bcrypt, sys; print(bcrypt.hashpw(sys.argv[1].encode(), "
         "bcrypt.gensalt()).decode())", SECRET], capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    (folder / "auth.json").write_text(json.dumps([{
        "agent": {"account": {"name": USER, "homePage": "https://simdesk.org"}},
        "scopes": ["all"], "hash": made.stdout.strip(), "username": USER}]))  # fmt: skip
    (folder / "store").mkdir()
    env = {**os.environ, "RALPH_AUTH_FILE": str(folder / "auth.json"),
           "RALPH_APP_DIR": str(folder / "app"), "RALPH_RUNSERVER_BACKEND": "fs",
           "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(folder / "store")}  # fmt: skip
    log = folder / "ralph.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [RALPH_PYTHON, "-m", "uvicorn", "ralph.api:app", "--host", "127.0.0.1", "--port",
             "0"], cwd=folder, env=env, stdout=out, stderr=out, start_new_session=True)  # fmt: skip
    port = None
    for _ in range(300):  # bounded: 60 s
        found = re.search(r"Uvicorn running on http://127\.0\.0\.1:(\d+)", log.read_text())
        if found:
            port = int(found.group(1))
            break
        if process.poll() is not None:
            break
        time.sleep(0.2)
    if port is None:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail(f"Ralph did not start: {log.read_text()[-1500:]}")
    yield f"http://127.0.0.1:{port}/xAPI"
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)
    shutil.rmtree(folder, ignore_errors=True)


def _held(xapi: str) -> tuple[int, int]:
    auth = base64.b64encode(f"{USER}:{SECRET}".encode()).decode()
    request = urllib.request.Request(f"{xapi}/statements?limit=1000", headers={
        "Authorization": f"Basic {auth}", "X-Experience-API-Version": "1.0.3"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as reply:
        ids = [s["id"] for s in json.load(reply)["statements"]]
    return len(ids), len(set(ids))


def test_a_device_sends_to_ralph_each_statement_once(ralph, device):
    outbox = Outbox(device)
    outbox.use_lrs(ralph, USER, SECRET, compress=True)
    n = fill(outbox, 10, key="ralph")
    report = outbox.sync(sleep=lambda s: None)
    assert (report.sent, report.pending, report.problem) == (n, 0, "")
    assert device.setting("sync.compress") == "0"  # Ralph failed on gzip; plain from now on
    assert _held(ralph) == (n, n)
    with device.session() as session:  # resend everything, as after a lost acknowledgement
        for row in session.query(OutboxRow):
            row.state = PENDING
    again = outbox.sync(sleep=lambda s: None)
    assert again.pending == 0 and outbox.counts() == {SENT: n}
    assert _held(ralph) == (n, n)
