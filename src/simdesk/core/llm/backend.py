"""The model backend: llama.cpp in a supervised child process, served one request at a time.

Native code that crashes (an illegal instruction on an old CPU, a malformed model file, running
out of memory, a user ending it in the task manager) takes down the process it runs in, so the
model runs in a child (:mod:`simdesk.core.llm.model_process`) that this backend spawns and
watches from one supervisor thread. Requests carry an id and every event out carries it too, so a
front end can drop tokens of a request it no longer waits for. A cancel is a message the child's
sampling loop polls for before every token, so a cancelled reply stops within one token;
reading the prompt (``ReplyReading``) is one llama.cpp call and cannot be interrupted. The KV
cache lives in the child and keeps the last prompt, so a prompt that extends it evaluates only its
new tokens.

If the child dies or hangs, the request in flight fails with :class:`ModelCrashed` (front ends
show the authored line), one :class:`ModelCrash` event says what happened and what to do, and a
new child is started at the next request; after ``max_restarts`` restarts the backend stays down
and every request fails at once, so front ends stay on authored lines. A child killed by an
illegal instruction has its CPU variant recorded, so the restart uses a lower one.
Listeners are called on the supervisor thread: front ends must hand events to their own thread.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path

from simdesk.core.background import replying
from simdesk.core.errors import ModelCorrupt, ModelCrashed, ModelError, SimdeskError
from simdesk.core.llm.machine import physical_cores
from simdesk.core.llm.prompt import (
    DEFAULT_CONTEXT,
    REPLY_TOKENS,
    PromptFormat,
    TranscriptFormat,
    prompt_format_for,
)
from simdesk.core.llm.registry import ResolvedModel, resolve_file

MAX_RESTARTS = 3
# How long ``submit`` waits for an idle supervisor to hand the request to the model's process.
# It takes a fraction of a millisecond; the cap only bounds a machine too busy to run the thread.
HANDOVER_S = 0.02


@dataclass(frozen=True)
class ModelLoading:
    path: Path


@dataclass(frozen=True)
class ModelReady:
    path: Path
    load_seconds: float
    memory_mb: float = 0.0
    kind: str = "base"
    n_ctx: int = 0
    n_threads: int = 0
    variant: str = ""  # the CPU backend library llama.cpp runs on
    start_seconds: float = 0.0  # from spawning the process to ready


@dataclass(frozen=True)
class ModelFailed:
    error: SimdeskError


@dataclass(frozen=True)
class ModelCrash:
    """The model's process died or hung. ``restarts_left`` 0 means: authored lines from now on."""

    error: ModelCrashed
    restarts_left: int


@dataclass(frozen=True)
class ReplyReading:
    """The prompt is being read (cannot be interrupted); tokens follow."""

    request_id: int


@dataclass(frozen=True)
class ReplyToken:
    request_id: int
    text: str


@dataclass(frozen=True)
class ReplyDone:
    request_id: int
    text: str
    cancelled: bool
    prompt_tokens: int
    completion_tokens: int
    first_token_seconds: float
    evaluated_tokens: int = 0  # prompt tokens llama.cpp had to read (the rest came from cache)
    decode_seconds: float = 0.0  # from the first token to the last


@dataclass(frozen=True)
class ReplyFailed:
    request_id: int
    error: SimdeskError


ModelEvent = (
    ModelLoading | ModelReady | ModelFailed | ModelCrash | ReplyReading | ReplyToken | ReplyDone
    | ReplyFailed
)  # fmt: skip


@dataclass(frozen=True)
class GenerationRequest:
    request_id: int
    prompt: str
    stop: tuple[str, ...]
    max_tokens: int = REPLY_TOKENS
    temperature: float = 0.7
    top_p: float = 0.9
    seed: int = 0
    # Constrained decoding (empty: none). ``bias_words``: words whose token gets ``bias`` added
    # to its logit (the child tokenizes them; words of several tokens are left alone);
    # ``only_words``: the reply may use only the tokens of these words, punctuation, digits and
    # the end of the line.
    bias_words: tuple[str, ...] = ()
    bias: float = 0.0
    only_words: tuple[str, ...] = ()


_SHUTDOWN = object()
ModelSource = Path | ResolvedModel


class _ChildGone(Exception):
    """The child process died (``code``: its exit status) or stopped answering (``None``)."""

    def __init__(self, how: str, code: int | None = None) -> None:
        super().__init__(how)
        self.how = how
        self.sigill = code == -signal.SIGILL
        # Killed from outside (out of memory, the task manager): nothing to do with the file.
        self.killed = code in (-signal.SIGKILL, -signal.SIGTERM)


class ModelBackend:
    """Runs a GGUF model in a child process and serves generation requests one at a time."""

    def __init__(
        self,
        model: Callable[[], ModelSource] | ModelSource,
        listener: Callable[[ModelEvent], None],
        *,
        n_ctx: int | None = None,
        n_threads: int | None = None,
        max_restarts: int = MAX_RESTARTS,
        load_timeout: float = 120.0,
        reply_timeout: float = 120.0,
    ) -> None:
        self._model = model
        self._listener = listener
        self.n_ctx = n_ctx or DEFAULT_CONTEXT
        self._n_ctx_override = n_ctx
        self.n_threads = n_threads or physical_cores()
        self.prompt_format: PromptFormat = TranscriptFormat()
        self.max_restarts = max_restarts
        self.load_timeout = load_timeout
        self.reply_timeout = reply_timeout
        self.restarts = 0
        self.variant = ""
        self._failed_variants: set[str] = set()  # died with SIGILL while loading, this run
        self.ready = threading.Event()
        self._send_lock = threading.Lock()  # the supervisor and cancel() both write to the child
        self._queue: queue.Queue[object] = queue.Queue()
        self._ids = itertools.count(1)
        self._cancelled: set[int] = set()
        self._current: int | None = None  # the request the child is serving
        self._idle = False  # the supervisor waits for a request (the model is loaded)
        self._taken = threading.Condition()
        self._taken_id = 0  # requests up to this one are taken up: sent to the child, or ended
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="simdesk-model", daemon=True)
        self._resolved: ResolvedModel | None = None
        self._process: subprocess.Popen | None = None
        self._conn: Connection | None = None  # the child's messages
        self._requests: Connection | None = None  # to the child
        self._down: SimdeskError | None = None  # set when no model will answer any more
        self._closing = False

    # ---- the front end's side -------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def submit(self, prompt: str, *, stop: tuple[str, ...] = (), **options: object) -> int:
        """Queue a generation; returns its request id.

        When the model is idle, this returns once the request is on its way to the model's
        process (a fraction of a millisecond): the supervisor thread needs the GIL to send it,
        and a caller that went on with its own work (a window drawing the question) would hold
        the GIL meanwhile, up to the interpreter's switch interval (5 ms) at a time, while the
        model sat idle. Behind another request it returns at once."""
        request_id = next(self._ids)
        idle = self._idle
        self._queue.put(GenerationRequest(request_id, prompt, tuple(stop), **options))
        if idle:
            with self._taken:
                self._taken.wait_for(lambda: self._taken_id >= request_id, HANDOVER_S)
        return request_id

    def cancel(self, request_id: int) -> None:
        """Stop a request: before it starts, or within one decoded token."""
        with self._lock:
            self._cancelled.add(request_id)
            in_flight = request_id == self._current
        if in_flight:
            self._send(("cancel", request_id))

    def shutdown(self, timeout: float = 10.0) -> None:
        self._closing = True  # no process is started again from here on
        if self._thread.is_alive():
            self._queue.put(_SHUTDOWN)
            self._thread.join(timeout)
        self._stop_child()

    @property
    def child_pid(self) -> int | None:
        """The model process's id while it runs (for tests and ``simdesk doctor``)."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    # ---- the supervisor thread ------------------------------------------------------------
    def _emit(self, event: ModelEvent) -> None:
        self._listener(event)

    def _is_cancelled(self, request_id: int) -> bool:
        with self._lock:
            return request_id in self._cancelled

    def _resolve(self) -> ResolvedModel:
        source = self._model() if callable(self._model) else self._model
        if isinstance(source, ResolvedModel):
            return source
        return resolve_file(source, context=self.n_ctx)

    def _run(self) -> None:
        try:
            self._resolved = self._resolve()
        except SimdeskError as exc:
            self._down = exc
            self._emit(ModelFailed(exc))
        else:
            self.n_ctx = self._n_ctx_override or self._resolved.n_ctx
            info = self._resolved.info
            self.prompt_format = prompt_format_for(
                self._resolved.kind, info.chat_template, info.token("bos") or "",
                info.token("eos") or "",
            )  # fmt: skip
            self._start_child(first=True)
        while True:
            self._idle = self.ready.is_set() and self._queue.empty()
            item = self._queue.get()
            self._idle = False
            if item is _SHUTDOWN:
                break
            assert isinstance(item, GenerationRequest)
            self._serve(item)
        self._stop_child()

    def _serve(self, request: GenerationRequest) -> None:
        with replying():  # background work waits meanwhile (simdesk.core.background)
            self._serve_now(request)

    def _serve_now(self, request: GenerationRequest) -> None:
        rid = request.request_id
        try:
            if self._is_cancelled(rid):
                self._taken_up(rid)
                self._emit(ReplyDone(rid, "", True, 0, 0, 0.0))
                return
            if self._down is None and not self._child_alive():
                self._taken_up(rid)  # a restart takes seconds: the caller does not wait for it
                self._restart()
            if self._down is not None:
                self._taken_up(rid)
                self._emit(ReplyFailed(rid, _no_model(self._down)))
                return
            self._generate(request)
        finally:
            self._taken_up(rid)
            with self._lock:
                self._cancelled.discard(rid)

    def _taken_up(self, request_id: int) -> None:
        """The request is sent to the child or ended: a ``submit`` waiting for it returns.
        (Before any event of it is emitted: a listener may wait for the caller's lock.)"""
        with self._taken:
            if request_id > self._taken_id:
                self._taken_id = request_id
                self._taken.notify_all()

    def _generate(self, request: GenerationRequest) -> None:
        rid = request.request_id
        fields = {k: getattr(request, k) for k in GenerationRequest.__dataclass_fields__}
        with self._lock:
            self._current = rid
        try:
            self._send(("generate", fields))
            self._taken_up(rid)
            if self._is_cancelled(rid):  # a Stop that came while the request was being sent
                self._send(("cancel", rid))
            while True:
                message = self._receive(self.reply_timeout)
                kind = message[0]
                if kind == "reading":
                    self._emit(ReplyReading(rid))
                elif kind == "token":
                    self._emit(ReplyToken(rid, message[2]))
                elif kind == "done":
                    self._emit(ReplyDone(rid, **message[2]))
                    return
                elif kind == "failed":
                    self._emit(ReplyFailed(rid, ModelError(message[2], message[3])))
                    return
        except _ChildGone as gone:
            self._crashed(gone, rid)
        finally:
            with self._lock:
                self._current = None

    def _crashed(self, gone: _ChildGone, rid: int | None) -> None:
        """The child died mid-request (or was found dead): fail the request, say so once."""
        self._stop_child()
        if gone.sigill and self.variant:
            from simdesk.core.llm.cpu import record_crash

            record_crash(self.variant)
        left = max(0, self.max_restarts - self.restarts)
        if left:
            fix = "The patient's authored line is shown; the model restarts at your next question."
        else:
            fix = (
                f"The model stopped {self.restarts + 1} times, so the patient answers with "
                "authored lines for the rest of this session. Restart simdesk to try again; "
                "if it keeps happening, run 'simdesk doctor'."
            )
        error = ModelCrashed(f"The language model stopped: {gone.how}.", fix)
        if not left:
            self._down = error
        if rid is not None:
            self._emit(ReplyFailed(rid, error))
        self._emit(ModelCrash(error, left))

    def _restart(self) -> None:
        if self.restarts >= self.max_restarts:
            self._down = ModelCrashed(
                "The language model stopped too often.",
                "The patient answers with authored lines; restart simdesk to try again.",
            )
            return
        self.restarts += 1
        self._start_child(first=False)

    def _send(self, message: tuple) -> None:
        with self._send_lock:
            requests = self._requests
            if requests is None:
                return
            # If the child is gone, the supervisor finds out from its exit code.
            with contextlib.suppress(OSError, ValueError):
                requests.send(message)

    def _start_child(self, *, first: bool) -> bool:
        """Start the model process and wait until it has loaded; report failures."""
        model = self._resolved
        self._emit(ModelLoading(model.path))
        started = time.perf_counter()
        args = [str(model.path), str(self.n_ctx), str(self.n_threads)]
        process = subprocess.Popen(
            child_command(args), stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True
        )
        self._conn = Connection(os.dup(process.stdout.fileno()), writable=False)
        with self._send_lock:
            self._requests = Connection(os.dup(process.stdin.fileno()), readable=False)
        process.stdout.close()
        process.stdin.close()
        self._process = process
        try:
            while True:
                message = self._receive(self.load_timeout, loading=True)
                if message[0] == "variant":
                    self.variant = message[1]
                elif message[0] == "load_failed":
                    error = ModelCorrupt(message[1], message[2], path=model.path)
                    break
                elif message[0] == "loaded":
                    info = message[1]
                    self.ready.set()
                    self._emit(
                        ModelReady(
                            model.path, info["load_seconds"], info["memory_mb"], model.kind,
                            self.n_ctx, self.n_threads, info["variant"],
                            time.perf_counter() - started,
                        )
                    )  # fmt: skip
                    return True
        except _ChildGone as gone:
            if gone.sigill and self.variant and self.variant not in self._failed_variants:
                from simdesk.core.llm.cpu import record_crash

                record_crash(self.variant)  # the next start takes a lower variant: try it now
                self._failed_variants.add(self.variant)
                self._stop_child()
                return self._start_child(first=first)
            if gone.killed and self.restarts < self.max_restarts and not self._closing:
                self.restarts += 1
                self._stop_child()
                crashed = ModelCrashed(
                    f"The language model stopped while loading: {gone.how}.",
                    "simdesk started it again; authored lines are shown until it is ready.",
                )
                self._emit(ModelCrash(crashed, self.max_restarts - self.restarts))
                return self._start_child(first=first)
            error = ModelCorrupt(
                f"llama.cpp {gone.how} while loading the model file {model.path}.",
                "The file may be damaged or too large for this computer's memory. Copy it "
                "again or choose another model; 'simdesk doctor' tells more.",
                path=model.path,
            )
        self._stop_child()
        if first:
            self._down = error
            self._emit(ModelFailed(error))
        else:
            self._crashed(_ChildGone(error.what), None)
        return False

    def _receive(self, timeout: float, loading: bool = False) -> tuple:
        """The child's next message, or :class:`_ChildGone` if it died or said nothing in time."""
        conn, process = self._conn, self._process
        if not wait([conn], timeout=timeout):
            process.kill()
            process.wait()
            what = "finish loading" if loading else "answer"
            raise _ChildGone(f"did not {what} within {timeout:.0f} s and was stopped")
        try:
            return conn.recv()
        except (EOFError, OSError):  # its end of the pipe closed: the process is ending
            pass
        try:
            code = process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            code = process.wait()
        raise _ChildGone(_describe_exit(code), code)

    def _child_alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _stop_child(self) -> None:
        process, conn = self._process, self._conn
        if process is None:
            return
        if process.poll() is None:
            self._send(("shutdown",))
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        with self._send_lock:
            requests, self._requests = self._requests, None
        self._process = self._conn = None
        for end in (conn, requests):
            if end is not None:
                end.close()


def child_command(args: list[str]) -> list[str]:
    """How to start the model process: a fresh interpreter on the model module."""
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the app binary takes a flag
        return [sys.executable, "--model-process", *args]
    return [sys.executable, "-m", "simdesk.core.llm.model_process", *args]


def _describe_exit(code: int) -> str:
    if code >= 0:
        return f"exited with code {code}"
    try:
        name = signal.Signals(-code).name
    except ValueError:
        name = f"signal {-code}"
    meaning = {
        "SIGILL": " (an illegal instruction: this CPU lacks something the library used)",
        "SIGKILL": " (killed: out of memory, or ended from the task manager)",
        "SIGSEGV": " (a memory fault in llama.cpp)",
    }.get(name, "")
    return f"was ended by {name}{meaning}"


def _no_model(reason: SimdeskError) -> ModelError:
    if isinstance(reason, ModelCrashed):
        return reason
    return ModelError(
        "No model is loaded, so the patient cannot answer in their own words.",
        "See the model error shown earlier; authored replies are used meanwhile.",
    )
