"""The model in its own process, for real: killed mid-reply, dying idle, hanging or crashing
while loading, and the restart limit. Every signal here is a real one sent to the real child."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from simdesk.core.errors import ModelCorrupt, ModelCrashed
from simdesk.core.llm.backend import (
    ModelBackend,
    ModelCrash,
    ModelFailed,
    ModelReady,
    ReplyDone,
    ReplyFailed,
    ReplyToken,
)
from simdesk.core.llm.prompt import STOP
from simdesk.core.llm.registry import ModelEntry, ResolvedModel, resolve_file
from tests.core.llm.test_backend import PROMPT, Recorder

pytestmark = pytest.mark.model

LONG = "Once upon a time"


def started(model, **options) -> ModelBackend:
    recorder = Recorder()
    backend = ModelBackend(model, recorder, n_ctx=1024, **options)
    backend.recorder = recorder
    backend.start()
    return backend


@pytest.fixture
def backend(default_model: Path):
    backend = started(default_model)
    backend.recorder.until(ModelReady)
    yield backend
    backend.shutdown()


def kill_mid_reply(backend: ModelBackend, signum: int) -> tuple[int, list]:
    """Ask for a long reply, kill the child with ``signum`` after its first token."""
    rid = backend.submit(LONG, max_tokens=200, temperature=0.8)
    backend.recorder.until(ReplyToken)
    pid = backend.child_pid
    assert pid is not None and pid != os.getpid()
    os.kill(pid, signum)
    failed, seen = backend.recorder.until(ReplyFailed)
    assert failed.request_id == rid and isinstance(failed.error, ModelCrashed)
    crash, _ = backend.recorder.until(ModelCrash)
    return pid, [failed, crash, *seen]


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGILL])
def test_a_child_killed_mid_reply_fails_that_reply_and_the_next_question_is_answered(
    backend, signum
):
    pid, (failed, crash, *_) = kill_mid_reply(backend, signum)
    name = signal.Signals(signum).name
    assert name in failed.error.what and "restarts at your next question" in failed.error.fix
    assert crash.restarts_left == backend.max_restarts - 0
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    rid = backend.submit(PROMPT, stop=STOP, max_tokens=8)
    done, seen = backend.recorder.until(ReplyDone)
    assert done.request_id == rid and not done.cancelled and done.text
    assert any(isinstance(e, ModelReady) for e in seen)  # a new process loaded the model
    assert backend.child_pid not in (None, pid) and backend.restarts == 1


def test_a_child_that_dies_while_idle_is_restarted_for_the_next_question(backend):
    pid = backend.child_pid
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.2)
    rid = backend.submit(PROMPT, stop=STOP, max_tokens=8)
    done, _ = backend.recorder.until(ReplyDone)
    assert done.request_id == rid and done.text and backend.child_pid != pid


def test_past_the_restart_limit_every_question_gets_the_authored_line_at_once(default_model):
    backend = started(default_model, max_restarts=1)
    try:
        backend.recorder.until(ModelReady)
        _, (_, first, *_) = kill_mid_reply(backend, signal.SIGKILL)
        assert first.restarts_left == 1
        _, (failed, last, *_) = kill_mid_reply(backend, signal.SIGKILL)
        assert last.restarts_left == 0 and "authored lines" in failed.error.fix
        started_at = time.perf_counter()
        rid = backend.submit(PROMPT, stop=STOP, max_tokens=8)
        refused, _ = backend.recorder.until(ReplyFailed)
        assert refused.request_id == rid and isinstance(refused.error, ModelCrashed)
        assert time.perf_counter() - started_at < 1.0  # no new process was tried
        assert backend.child_pid is None and backend.restarts == 1
    finally:
        backend.shutdown()


def fifo_model(default_model: Path, tmp_path: Path) -> ResolvedModel:
    """The real model's description, but its file is a FIFO: llama.cpp's open() blocks forever."""
    real = resolve_file(default_model, context=1024)
    fifo = tmp_path / "hangs.gguf"
    os.mkfifo(fifo)
    entry = ModelEntry(name="hangs", file=fifo.name, sha256="")
    return ResolvedModel(entry, fifo, real.info, real.kind, 1024)


def test_a_loader_that_hangs_is_stopped_and_named(default_model, tmp_path):
    backend = started(fifo_model(default_model, tmp_path), load_timeout=3)
    try:
        failed, _ = backend.recorder.until(ModelFailed, timeout=30)
        assert isinstance(failed.error, ModelCorrupt)
        assert "did not finish loading within 3 s" in failed.error.what
        assert "hangs.gguf" in failed.error.what and failed.error.fix
        rid = backend.submit(PROMPT)
        assert backend.recorder.until(ReplyFailed)[0].request_id == rid  # nothing hangs
    finally:
        backend.shutdown()


def test_a_loader_that_crashes_is_reported_not_fatal(default_model, tmp_path):
    backend = started(fifo_model(default_model, tmp_path), load_timeout=60)
    try:
        deadline = time.monotonic() + 30
        while not backend.variant and time.monotonic() < deadline:  # past the CPU backend
            time.sleep(0.05)
        os.kill(backend.child_pid, signal.SIGSEGV)  # the loader, stuck in open(), crashes
        failed, _ = backend.recorder.until(ModelFailed, timeout=30)
        assert isinstance(failed.error, ModelCorrupt) and "SIGSEGV" in failed.error.what
        assert "while loading the model file" in failed.error.what
    finally:
        backend.shutdown()


def test_cancel_reaches_the_child_within_a_token(backend):
    rid = backend.submit(LONG, max_tokens=200, temperature=0.8)
    backend.recorder.until(ReplyToken)
    threading.Thread(target=backend.cancel, args=(rid,)).start()  # from another thread, as Qt does
    done, _ = backend.recorder.until(ReplyDone)
    assert done.cancelled and done.completion_tokens <= 3


def test_run_script_survives_its_model_process_killed(tmp_path, default_model):
    """``kill -9`` of the model process mid-run: every step still gets a reply, exit 0."""
    questions = [
        "How long have you had the cough?", "Do you smoke?", "Any fever?", "Any weight loss?",
        "What work do you do?", "Any night sweats?", "Anyone at home coughing?",
        "Are you coughing anything up?", "Any blood in it?", "Any medicines?",
    ]  # fmt: skip
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"steps": [{"ask": q} for q in questions]}))
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    run = subprocess.Popen(
        [sys.executable, "-m", "simdesk.cli", "run-script", "pulmonary-tb-miner", str(script),
         "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )  # fmt: skip
    killed = None
    deadline = time.monotonic() + 120
    while killed is None and time.monotonic() < deadline and run.poll() is None:
        children = psutil.Process(run.pid).children()
        # Wait until the model process has answered at least one question (it has been busy).
        if children and children[0].cpu_times().user > 2.5:
            killed = children[0].pid
            os.kill(killed, signal.SIGKILL)
        time.sleep(0.05)
    out, err = run.communicate(timeout=300)
    assert killed is not None, "the model process finished before it could be killed"
    assert run.returncode == 0, err
    report = json.loads(out)
    replies = [step["reply"] for step in report["steps"]]
    assert len(replies) == len(questions) and all(r.strip() for r in replies)
    assert "The language model stopped" in err and "SIGKILL" in err


def test_a_child_killed_while_loading_is_started_again(default_model, tmp_path):
    """A kill from outside (out of memory, the task manager) says nothing about the file."""
    backend = started(fifo_model(default_model, tmp_path), load_timeout=60)
    try:
        deadline = time.monotonic() + 30
        while not backend.variant and time.monotonic() < deadline:
            time.sleep(0.05)
        first = backend.child_pid
        os.kill(first, signal.SIGKILL)  # while the loader is stuck on the FIFO
        crash, seen = backend.recorder.until(ModelCrash, timeout=30)
        assert "while loading" in crash.error.what and "SIGKILL" in crash.error.what
        assert crash.restarts_left == backend.max_restarts - 1
        assert not any(isinstance(e, ModelFailed) for e in seen)
        while backend.child_pid in (None, first) and time.monotonic() < deadline:
            time.sleep(0.05)
        second = backend.child_pid
        assert second not in (None, first) and backend.restarts == 1  # loading again
    finally:
        backend.shutdown()
    time.sleep(1)
    assert backend.child_pid is None and not psutil.pid_exists(second)  # none started after


def test_a_model_process_whose_app_has_gone_exits_quietly(tmp_path):
    """The app quit (or was killed) while the model loaded: no traceback, exit 0."""
    child = subprocess.Popen(
        [sys.executable, "-m", "simdesk.core.llm.model_process", str(tmp_path / "m.gguf"), "512",
         "1"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    child.stdin.close()
    child.stdout.close()  # the parent's ends are gone before the child says anything
    err = child.stderr.read().decode()
    child.stderr.close()
    assert child.wait(60) == 0 and "Traceback" not in err, err
