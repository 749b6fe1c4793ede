"""The model backend: one ``llama_cpp.Llama`` owned by one worker thread.

One Llama instance is not safe for concurrent calls, so every request goes through a queue to
the worker. Requests carry an id; every event out carries it too, so a front end can drop
tokens from a request it no longer waits for. Cancellation is a flag checked per token.
Listeners are called on the worker thread: front ends must hand events to their own thread.
"""

from __future__ import annotations

import itertools
import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from simdesk.core.errors import ModelCorrupt, ModelError, SimdeskError
from simdesk.core.llm.model_files import check_gguf_header


@dataclass(frozen=True)
class ModelLoading:
    path: Path


@dataclass(frozen=True)
class ModelReady:
    path: Path
    load_seconds: float


@dataclass(frozen=True)
class ModelFailed:
    error: SimdeskError


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


@dataclass(frozen=True)
class ReplyFailed:
    request_id: int
    error: SimdeskError


ModelEvent = (
    ModelLoading | ModelReady | ModelFailed | ReplyReading | ReplyToken | ReplyDone | ReplyFailed
)


@dataclass(frozen=True)
class GenerationRequest:
    request_id: int
    prompt: str
    stop: tuple[str, ...]
    max_tokens: int = 64
    temperature: float = 0.7
    top_p: float = 0.9
    seed: int = 0


def default_threads() -> int:
    """Worker threads for llama.cpp: the CPUs this process may use, at most 8."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(8, available))


_SHUTDOWN = object()


class ModelBackend:
    """Loads a GGUF model on its own thread and serves generation requests one at a time."""

    def __init__(
        self,
        model_path: Callable[[], Path] | Path,
        listener: Callable[[ModelEvent], None],
        *,
        n_ctx: int = 2048,
        n_threads: int | None = None,
    ) -> None:
        self._model_path = model_path
        self._listener = listener
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self._queue: queue.Queue[object] = queue.Queue()
        self._ids = itertools.count(1)
        self._cancelled: set[int] = set()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="simdesk-model", daemon=True)
        self.llama = None
        self.ready = threading.Event()

    def start(self) -> None:
        self._thread.start()

    def submit(self, prompt: str, *, stop: tuple[str, ...] = (), **options: object) -> int:
        """Queue a generation; returns its request id at once."""
        request_id = next(self._ids)
        self._queue.put(GenerationRequest(request_id, prompt, tuple(stop), **options))
        return request_id

    def cancel(self, request_id: int) -> None:
        """Stop a request: before it starts, or within one decoded token."""
        with self._lock:
            self._cancelled.add(request_id)

    def shutdown(self, timeout: float = 10.0) -> None:
        if self._thread.is_alive():
            self._queue.put(_SHUTDOWN)
            self._thread.join(timeout)

    def _is_cancelled(self, request_id: int) -> bool:
        with self._lock:
            return request_id in self._cancelled

    def _emit(self, event: ModelEvent) -> None:
        self._listener(event)

    def _load(self) -> bool:
        try:
            path = self._model_path() if callable(self._model_path) else self._model_path
        except SimdeskError as exc:
            self._emit(ModelFailed(exc))
            return False
        self._emit(ModelLoading(path))
        started = time.perf_counter()
        try:
            self.llama = load_llama(path, n_ctx=self.n_ctx, n_threads=self.n_threads)
        except SimdeskError as exc:
            self._emit(ModelFailed(exc))
            return False
        self.ready.set()
        self._emit(ModelReady(path, time.perf_counter() - started))
        return True

    def _run(self) -> None:
        loaded = self._load()
        while True:
            item = self._queue.get()
            if item is _SHUTDOWN:
                break
            assert isinstance(item, GenerationRequest)
            if not loaded:
                self._emit(
                    ReplyFailed(item.request_id, ModelError("No model is loaded.", "See above."))
                )
                continue
            self._generate(item)
        self.llama = None

    def _generate(self, request: GenerationRequest) -> None:
        rid = request.request_id
        if self._is_cancelled(rid):
            self._emit(ReplyDone(rid, "", True, 0, 0, 0.0))
            return
        self._emit(ReplyReading(rid))
        started = time.perf_counter()
        first = 0.0
        pieces: list[str] = []
        cancelled = False
        try:
            stream = self.llama.create_completion(
                request.prompt,
                max_tokens=request.max_tokens,
                temperature=request.temperature,
                top_p=request.top_p,
                stop=list(request.stop),
                seed=request.seed,
                stream=True,
            )
            for chunk in stream:
                text = chunk["choices"][0]["text"]
                if not first:
                    first = time.perf_counter() - started
                if self._is_cancelled(rid):
                    cancelled = True
                    stream.close()
                    break
                if text:
                    pieces.append(text)
                    self._emit(ReplyToken(rid, text))
        except Exception as exc:  # llama.cpp errors surface as plain exceptions
            self._emit(
                ReplyFailed(
                    rid, ModelError(f"The model failed while answering: {exc}", "Try again.")
                )
            )
            return
        finally:
            with self._lock:
                self._cancelled.discard(rid)
        self._emit(
            ReplyDone(
                rid, "".join(pieces), cancelled, len(self.llama.tokenize(request.prompt.encode())),
                len(pieces), first,
            )
        )  # fmt: skip


def load_llama(path: Path, *, n_ctx: int, n_threads: int):
    """Load a GGUF model on the CPU, turning llama.cpp's failures into :class:`ModelCorrupt`."""
    check_gguf_header(path)
    import llama_cpp

    try:
        return llama_cpp.Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_gpu_layers=0,
            use_mmap=True, verbose=False,
        )  # fmt: skip
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelCorrupt(
            f"llama.cpp could not load the model file {path}: {exc}",
            "The file may be truncated or damaged, or made for a newer llama.cpp. "
            "Copy it again, or choose another model.",
            path=path,
        ) from exc
