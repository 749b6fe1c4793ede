"""The model backend: one ``llama_cpp.Llama`` owned by one worker thread.

One Llama instance is not safe for concurrent calls, so every request goes through a queue to
the worker. Requests carry an id; every event out carries it too, so a front end can drop
tokens from a request it no longer waits for. Cancellation is a flag that llama.cpp's sampling
loop checks before every token, so a cancelled reply stops within one token; reading the prompt
(``ReplyReading``) is one llama.cpp call and cannot be interrupted. The KV cache keeps the last
prompt, so a prompt that extends it evaluates only its new tokens.
Listeners are called on the worker thread: front ends must hand events to their own thread.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from simdesk.core.errors import ModelCorrupt, ModelError, SimdeskError
from simdesk.core.llm.machine import physical_cores, rss_mb
from simdesk.core.llm.prompt import PromptFormat, TranscriptFormat, prompt_format_for
from simdesk.core.llm.registry import ResolvedModel, resolve_file


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
    evaluated_tokens: int = 0  # prompt tokens llama.cpp had to read (the rest came from cache)
    decode_seconds: float = 0.0  # from the first token to the last


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


_SHUTDOWN = object()
ModelSource = Path | ResolvedModel


class ModelBackend:
    """Loads a GGUF model on its own thread and serves generation requests one at a time."""

    def __init__(
        self,
        model: Callable[[], ModelSource] | ModelSource,
        listener: Callable[[ModelEvent], None],
        *,
        n_ctx: int | None = None,
        n_threads: int | None = None,
    ) -> None:
        self._model = model
        self._listener = listener
        self.n_ctx = n_ctx or 2048
        self._n_ctx_override = n_ctx
        self.n_threads = n_threads or physical_cores()
        self.prompt_format: PromptFormat = TranscriptFormat()
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

    def _resolve(self) -> ResolvedModel:
        source = self._model() if callable(self._model) else self._model
        if isinstance(source, ResolvedModel):
            return source
        return resolve_file(source, context=self.n_ctx)

    def _load(self) -> bool:
        try:
            model = self._resolve()
        except SimdeskError as exc:
            self._emit(ModelFailed(exc))
            return False
        self.n_ctx = self._n_ctx_override or model.n_ctx
        info = model.info
        self.prompt_format = prompt_format_for(
            model.kind, info.chat_template, info.token("bos") or "", info.token("eos") or ""
        )
        self._emit(ModelLoading(model.path))
        before = rss_mb()
        started = time.perf_counter()
        try:
            self.llama = load_llama(model.path, n_ctx=self.n_ctx, n_threads=self.n_threads)
        except SimdeskError as exc:
            self._emit(ModelFailed(exc))
            return False
        seconds = time.perf_counter() - started
        self.ready.set()
        self._emit(
            ModelReady(
                model.path, seconds, rss_mb() - before, model.kind, self.n_ctx, self.n_threads
            )
        )
        return True

    def _run(self) -> None:
        loaded = self._load()
        while True:
            item = self._queue.get()
            if item is _SHUTDOWN:
                break
            assert isinstance(item, GenerationRequest)
            if not loaded:
                error = ModelError(
                    "No model is loaded, so the patient cannot answer in their own words.",
                    "See the model error shown earlier; authored replies are used meanwhile.",
                )
                self._emit(ReplyFailed(item.request_id, error))
                continue
            self._generate(item)
        if self.llama is not None:
            self.llama.close()
        self.llama = None

    def _generate(self, request: GenerationRequest) -> None:
        rid = request.request_id
        try:
            if self._is_cancelled(rid):
                self._emit(ReplyDone(rid, "", True, 0, 0, 0.0))
                return
            self._emit(ReplyReading(rid))
            self._stream(request)
        except SimdeskError as exc:
            self._emit(ReplyFailed(rid, exc))
        except Exception as exc:  # llama.cpp errors surface as plain exceptions
            error = ModelError(f"The model failed while answering: {exc}", "Ask again.")
            self._emit(ReplyFailed(rid, error))
        finally:
            with self._lock:
                self._cancelled.discard(rid)

    def _stream(self, request: GenerationRequest) -> None:
        import llama_cpp

        rid = request.request_id
        llama = self.llama
        prompt_tokens = len(llama.tokenize(request.prompt.encode(), add_bos=True, special=True))
        if prompt_tokens + 8 > self.n_ctx:
            raise ModelError(
                f"The conversation ({prompt_tokens} tokens) no longer fits the model's context "
                f"of {self.n_ctx} tokens.",
                "End this encounter and start the case again.",
            )
        sampled = 0

        def stop_if_cancelled(_ids, _logits) -> bool:
            nonlocal sampled
            sampled += 1
            return self._is_cancelled(rid)

        llama_cpp.llama_perf_context_reset(llama.ctx)
        started = time.perf_counter()
        first = last = 0.0
        pieces: list[str] = []
        stream = llama.create_completion(
            request.prompt, max_tokens=request.max_tokens, temperature=request.temperature,
            top_p=request.top_p, stop=list(request.stop), seed=request.seed, stream=True,
            stopping_criteria=llama_cpp.StoppingCriteriaList([stop_if_cancelled]),
        )  # fmt: skip
        for chunk in stream:
            text = chunk["choices"][0]["text"]
            if text:
                last = time.perf_counter() - started
                first = first or last
                pieces.append(text)
                self._emit(ReplyToken(rid, text))
        # llama.cpp's own count of the prompt tokens it read (it reports at least 1).
        evaluated = llama_cpp.llama_perf_context(llama.ctx).n_p_eval
        self._emit(
            ReplyDone(
                rid, "".join(pieces), self._is_cancelled(rid), prompt_tokens, sampled, first,
                evaluated, last - first,
            )
        )  # fmt: skip


def load_llama(path: Path, *, n_ctx: int, n_threads: int):
    """Load a GGUF model on the CPU (memory-mapped), turning failures into :class:`ModelCorrupt`."""
    import llama_cpp

    try:
        return llama_cpp.Llama(
            model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, n_threads_batch=n_threads,
            n_gpu_layers=0, use_mmap=True, verbose=False,
        )  # fmt: skip
    except (ValueError, RuntimeError, OSError) as exc:
        raise ModelCorrupt(
            f"llama.cpp could not load the model file {path}: {exc}",
            "The file may be damaged, or made for a newer llama.cpp. "
            "Copy it again, or choose another model.",
            path=path,
        ) from exc
