"""The default model, for real, on the CPU: streaming, stopping, prefix reuse, bad model files."""

from __future__ import annotations

import hashlib
import queue
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from simdesk.core import background
from simdesk.core.consultation import Consultation
from simdesk.core.errors import ModelCorrupt, ModelMissing
from simdesk.core.llm.backend import (
    ModelBackend,
    ModelFailed,
    ModelReady,
    ReplyDone,
    ReplyFailed,
    ReplyReading,
    ReplyToken,
)
from simdesk.core.llm.gguf_info import CHAT_TEMPLATE_KEY, read_gguf_info
from simdesk.core.llm.model_files import ensure_default_model
from simdesk.core.llm.prompt import STOP
from simdesk.core.llm.registry import ModelEntry, ResolvedModel, effective_kind

pytestmark = pytest.mark.model


class Recorder:
    def __init__(self) -> None:
        self.events: queue.Queue = queue.Queue()

    def __call__(self, event) -> None:
        self.events.put(event)

    def until(self, kind, timeout: float = 120.0):
        seen = []
        while True:
            event = self.events.get(timeout=timeout)
            seen.append(event)
            if isinstance(event, kind):
                return event, seen


@pytest.fixture
def backend(default_model: Path):
    recorder = Recorder()
    backend = ModelBackend(default_model, recorder, n_ctx=1024)
    backend.recorder = recorder
    backend.start()
    yield backend
    backend.shutdown()


PROMPT = (
    "Doctor: How long have you had the cough?\nNote: Cough for six weeks.\nPatient: Six weeks.\n\n"
    "Doctor: Do you smoke?\nNote: Smokes ten cigarettes a day.\nPatient:"
)


def test_reply_streams_token_by_token(backend):
    backend.recorder.until(ModelReady)
    rid = backend.submit(PROMPT, stop=STOP, max_tokens=24)
    done, seen = backend.recorder.until(ReplyDone)
    tokens = [e for e in seen if isinstance(e, ReplyToken)]
    assert done.request_id == rid and not done.cancelled
    assert len(tokens) >= 2
    assert all(t.request_id == rid for t in tokens)
    assert "".join(t.text for t in tokens) == done.text
    assert "\nDoctor:" not in done.text  # the stop string ends the turn


def test_background_work_waits_while_a_request_is_served(backend):
    """Work nobody waits for yet (the terminology's build) steps aside from the first event of
    a reply to its last: it would take a core from the model and the GIL from its tokens."""
    backend.recorder.until(ModelReady)
    assert background.replies_in_flight() == 0
    in_flight: list[tuple[type, int, float]] = []
    listener = backend._listener

    def noting(event) -> None:
        in_flight.append((type(event), background.replies_in_flight(), time.monotonic()))
        listener(event)

    backend._listener = noting
    resumed: list[float] = []
    rid = backend.submit(PROMPT, stop=STOP, max_tokens=24)
    backend.recorder.until(ReplyToken)
    waiter = threading.Thread(target=lambda: (background.pause_for_replies(),
                                              resumed.append(time.monotonic())))  # fmt: skip
    waiter.start()
    done, _ = backend.recorder.until(ReplyDone)
    waiter.join(10)
    assert done.request_id == rid
    assert [n for kind, n, _ in in_flight if kind in (ReplyReading, ReplyToken, ReplyDone)]
    assert all(n == 1 for _, n, _ in in_flight)
    done_at = next(at for kind, _, at in in_flight if kind is ReplyDone)
    assert resumed and resumed[0] >= done_at  # the waiting work went on only after the reply
    assert background.replies_in_flight() == 0


def test_an_idle_model_has_the_request_when_submit_returns(backend):
    """The request is on its way to the model's process before ``submit`` returns: the caller's
    next work (a window drawing the question) holds the GIL, and the supervisor thread that
    sends the request waited for it (up to the switch interval, 5 ms at a time) while the model
    sat idle. Background work steps aside from then on too."""
    backend.recorder.until(ModelReady)
    deadline = time.monotonic() + 10
    while not backend._idle and time.monotonic() < deadline:  # back to waiting for requests
        time.sleep(0.01)
    rid = backend.submit(PROMPT, stop=STOP, max_tokens=8)
    sent, in_flight = backend._current, background.replies_in_flight()  # no GIL given up between
    done, _ = backend.recorder.until(ReplyDone)
    assert (sent, in_flight) == (rid, 1)
    assert done.request_id == rid and not done.cancelled
    # Behind a running request, submit does not wait for it.
    running = backend.submit("Once upon a time", max_tokens=40, temperature=0.0)
    backend.recorder.until(ReplyToken)
    started = time.perf_counter()
    queued = backend.submit(PROMPT, stop=STOP, max_tokens=8)
    assert time.perf_counter() - started < 0.01 and backend._current == running
    backend.recorder.until(ReplyDone)
    done, _ = backend.recorder.until(ReplyDone)
    assert done.request_id == queued


def test_cancel_stops_within_a_token(backend):
    backend.recorder.until(ModelReady)
    rid = backend.submit("Once upon a time", max_tokens=200, temperature=0.8)
    first, _ = backend.recorder.until(ReplyToken)
    backend.cancel(rid)
    done, seen = backend.recorder.until(ReplyDone)
    assert done.cancelled
    assert done.completion_tokens <= 3  # the token in flight when Stop came, at most
    # The backend still serves the next request.
    rid2 = backend.submit(PROMPT, stop=STOP, max_tokens=8)
    done2, _ = backend.recorder.until(ReplyDone)
    assert done2.request_id == rid2 and not done2.cancelled


def test_stop_strings_end_the_reply(backend):
    rid = backend.submit("1, 2, 3, 4, 5,", stop=(", 9",), max_tokens=40, temperature=0.0)
    done, _ = backend.recorder.until(ReplyDone)
    assert done.request_id == rid and not done.cancelled
    assert "8" in done.text and "9" not in done.text  # greedy counting, cut before ", 9"


def test_second_turn_evaluates_only_the_new_tokens(backend):
    backend.recorder.until(ModelReady)
    backend.submit(PROMPT, stop=STOP, max_tokens=12, temperature=0.0)
    first, _ = backend.recorder.until(ReplyDone)
    assert first.evaluated_tokens == first.prompt_tokens  # a cold cache reads everything
    follow_up = PROMPT + first.text + "\n\nDoctor: Any fever at night?\nNote: No fever.\nPatient:"
    backend.submit(follow_up, stop=STOP, max_tokens=12, temperature=0.0)
    second, _ = backend.recorder.until(ReplyDone)
    new_tokens = second.prompt_tokens - first.prompt_tokens
    assert 0 < second.evaluated_tokens <= new_tokens  # the shared prefix came from the cache


def test_a_request_while_another_runs_waits_its_turn(backend):
    backend.recorder.until(ModelReady)
    running = backend.submit("Once upon a time", max_tokens=20, temperature=0.0)
    backend.recorder.until(ReplyToken)
    queued = backend.submit(PROMPT, stop=STOP, max_tokens=8)
    done_a, seen_a = backend.recorder.until(ReplyDone)
    done_b, seen_b = backend.recorder.until(ReplyDone)
    assert (done_a.request_id, done_b.request_id) == (running, queued)
    assert not any(getattr(e, "request_id", None) == queued for e in seen_a)  # nothing interleaved
    assert isinstance(seen_b[0], ReplyReading) and seen_b[0].request_id == queued


def test_a_request_cancelled_while_queued_never_runs(backend):
    backend.recorder.until(ModelReady)
    running = backend.submit("Once upon a time", max_tokens=20, temperature=0.0)
    queued = backend.submit(PROMPT, stop=STOP, max_tokens=8)
    backend.cancel(queued)
    backend.recorder.until(ReplyDone)
    done, seen = backend.recorder.until(ReplyDone)
    assert done.request_id == queued and done.cancelled and done.text == ""
    assert not any(isinstance(e, ReplyToken) for e in seen) and running != queued


def test_two_requests_back_to_back_are_answered_in_order(backend):
    first = backend.submit(PROMPT, stop=STOP, max_tokens=8)
    second = backend.submit(PROMPT + " Ten a day.\n\nDoctor: Any fever?\nPatient:", max_tokens=8)
    done_a, _ = backend.recorder.until(ReplyDone)
    done_b, _ = backend.recorder.until(ReplyDone)
    assert (done_a.request_id, done_b.request_id) == (first, second)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_not_a_gguf_file_is_reported_and_left_alone(tmp_path):
    bogus = tmp_path / "model.gguf"
    bogus.write_bytes(b"<html>404 not found</html>" * 100)
    before = _sha(bogus)
    recorder = Recorder()
    backend = ModelBackend(bogus, recorder)
    backend.start()
    failed, _ = recorder.until(ModelFailed)
    assert isinstance(failed.error, ModelCorrupt)
    assert str(bogus) in str(failed.error) and "GGUF" in str(failed.error)
    rid = backend.submit("hello")
    reply_failed, _ = recorder.until(ReplyFailed)  # requests fail cleanly; nothing hangs
    assert reply_failed.request_id == rid
    backend.shutdown()
    assert _sha(bogus) == before


def test_truncated_model_file_is_reported(tmp_path, assembled_model):
    truncated = tmp_path / "truncated.gguf"
    with assembled_model.open("rb") as src:
        truncated.write_bytes(src.read(5_000_000))
    recorder = Recorder()
    backend = ModelBackend(truncated, recorder)
    backend.start()
    failed, _ = recorder.until(ModelFailed)
    backend.shutdown()
    assert isinstance(failed.error, ModelCorrupt)
    assert str(truncated) in str(failed.error) and "truncated" in failed.error.what


def test_missing_model_file_is_reported_with_its_path(tmp_path):
    recorder = Recorder()
    backend = ModelBackend(tmp_path / "absent.gguf", recorder)
    backend.start()
    failed, _ = recorder.until(ModelFailed)
    backend.shutdown()
    assert isinstance(failed.error, ModelMissing)
    assert "absent.gguf" in failed.error.what and failed.error.fix


def test_damaged_default_model_is_named_with_the_fix_and_not_overwritten(default_model):
    default_model.unlink()  # break the hard link before changing bytes
    with open(default_model.with_name(default_model.name + ".verified"), "w") as stamp:
        stamp.write("{}")
    default_model.write_bytes(b"GGUF" + b"\0" * 1000)
    before = _sha(default_model)
    with pytest.raises(ModelCorrupt) as info:
        ensure_default_model(default_model.parent)
    assert str(default_model) in str(info.value)
    assert "Delete" in info.value.fix
    assert _sha(default_model) == before


def test_missing_default_model_is_assembled_on_first_use(tmp_path):
    path = ensure_default_model(tmp_path / "models")
    assert path.is_file() and path.stat().st_size > 200_000_000
    assert not list(path.parent.glob("*.partial"))


def test_a_prompt_longer_than_the_context_fails_with_a_reason(backend):
    rid = backend.submit("Doctor: Any cough?\n" * 400, stop=STOP, max_tokens=8)
    failed, _ = backend.recorder.until(ReplyFailed)
    assert failed.request_id == rid and "context of 1024 tokens" in failed.error.what
    backend.submit(PROMPT, stop=STOP, max_tokens=4)  # and the backend still answers
    assert not backend.recorder.until(ReplyDone)[0].cancelled


GEMMA_STYLE = (
    "{{ bos_token }}{% for m in messages %}<start_of_turn>"
    "{{ 'model' if m.role == 'assistant' else 'user' }}\n{{ m.content }}<end_of_turn>\n"
    "{% endfor %}{% if add_generation_prompt %}<start_of_turn>model\n{% endif %}"
)


def test_an_instruction_model_is_prompted_through_its_chat_template(default_model, tb_case):
    info = read_gguf_info(default_model, read_vocabulary=True)
    templated = replace(info, metadata={**info.metadata, CHAT_TEMPLATE_KEY: GEMMA_STYLE})
    entry = ModelEntry(name="templated", file=default_model.name, sha256="")
    model = ResolvedModel(entry, default_model, templated, effective_kind(entry, templated), 1024)
    recorder = Recorder()
    backend = ModelBackend(model, recorder)
    backend.start()
    try:
        ready, _ = recorder.until(ModelReady)
        assert ready.kind == "instruct" and backend.prompt_format.kind == "instruct"
        consultation = Consultation(tb_case, prompt_format=backend.prompt_format)
        pending = consultation.ask("Do you smoke?")
        assert pending.prompt.startswith("<start_of_turn>user\nA consultation")  # BOS left out
        rid = backend.submit(pending.prompt, stop=pending.stop, max_tokens=16)
        done, _ = recorder.until((ReplyDone, ReplyFailed))  # a doubled BOS would warn: fail
        assert isinstance(done, ReplyDone) and done.request_id == rid
        assert "<eos>" in pending.stop and "<end_of_turn>" not in done.text
    finally:
        backend.shutdown()


def test_constrained_decoding_keeps_the_reply_to_the_words_given(backend):
    from simdesk.core.text import words

    backend.recorder.until(ModelReady)
    allowed = ("i", "i'm", "smoke", "ten", "cigarettes", "a", "day", "every")
    backend.submit(PROMPT, stop=STOP, max_tokens=16, temperature=0.0)
    free, _ = backend.recorder.until(ReplyDone)
    backend.submit(PROMPT, stop=STOP, max_tokens=16, temperature=0.0, only_words=allowed)
    only, _ = backend.recorder.until(ReplyDone)
    said = {w for w in words(only.text) if not w.isdigit()}  # digits are always allowed
    assert said and said <= set(allowed), only.text
    assert set(words(free.text)) - set(allowed), free.text  # the limit made the difference
    # A bias raises a word's chance: pushed hard enough, greedy decoding says it.
    backend.submit(PROMPT, stop=STOP, max_tokens=16, temperature=0.0,
                   bias_words=("cigarettes",), bias=30.0)  # fmt: skip
    biased, _ = backend.recorder.until(ReplyDone)
    assert "cigarettes" in biased.text.lower() and "cigarettes" not in free.text.lower()
