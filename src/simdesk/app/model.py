"""The model as the application uses it: resolved, owned, described, and waited on in one place.

:class:`ModelService` resolves the model (the active one from the registry, or a given file),
owns its :class:`~simdesk.core.llm.backend.ModelBackend` and passes the backend's events on to
the front end's listener, with one change: the backend's ``ModelReady`` reaches the listener as
:class:`ModelDescribed`, carrying the :class:`ModelDescription` (prompt format, context size)
an encounter must be built with. Front ends take the description from that event, never from
the backend's attributes, so a case started while the model loads cannot keep the wrong format.

:meth:`ModelService.run` is the one blocking adapter (the terminal's streamed replies, the
debrief's narrative, an unsure diagnosis): it submits a request and waits for its end on the
calling thread; that request's events go to the caller, not to the listener.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from simdesk.core.errors import Cancelled, ModelError, SimdeskError
from simdesk.core.llm.backend import (
    ModelBackend,
    ModelEvent,
    ModelFailed,
    ModelReady,
    ReplyDone,
    ReplyFailed,
    ReplyToken,
)
from simdesk.core.llm.prompt import PromptFormat, prompt_format_for
from simdesk.core.llm.registry import (
    DEFAULT_CONTEXT,
    ResolvedModel,
    resolve_active_model,
    resolve_file,
)
from simdesk.core.paths import Locations

POLL_S = 0.1
CANCEL_GRACE_S = 5.0  # how long a cancelled request may take to end before it is left behind


@dataclass(frozen=True)
class ModelDescription:
    """What an encounter needs to know about the loaded model."""

    name: str
    path: Path
    kind: str  # base or instruct
    prompt_format: PromptFormat
    n_ctx: int
    n_threads: int


@dataclass(frozen=True)
class ModelDescribed:
    """The model is ready: the backend's ``ModelReady`` with the model's description."""

    description: ModelDescription
    ready: ModelReady


def describe(resolved: ResolvedModel, ready: ModelReady) -> ModelDescription:
    """The description of a resolved model as the backend loaded it."""
    info = resolved.info
    prompt_format = prompt_format_for(
        resolved.kind, info.chat_template, info.token("bos") or "", info.token("eos") or ""
    )
    return ModelDescription(resolved.entry.name, resolved.path, resolved.kind, prompt_format,
                            ready.n_ctx or DEFAULT_CONTEXT, ready.n_threads)  # fmt: skip


Source = Callable[[], ResolvedModel]


class ModelService:
    """One model for the application: start it, describe it, ask it and wait for the answer."""

    def __init__(
        self,
        source: Source | Path,
        listener: Callable[[object], None] = lambda _event: None,
        *,
        n_ctx: int | None = None,
        n_threads: int | None = None,
    ) -> None:
        if isinstance(source, Path):
            path = source
            source = lambda: resolve_file(path, context=n_ctx or DEFAULT_CONTEXT)  # noqa: E731
        self._source = source
        self._listener = listener
        self._resolved: ResolvedModel | None = None
        self._lock = threading.Lock()
        self._waiters: dict[int, queue.Queue] = {}
        self.description: ModelDescription | None = None
        self.failed: SimdeskError | None = None  # why the model could not load
        self.backend = ModelBackend(self._resolve, self._on_event, n_ctx=n_ctx,
                                    n_threads=n_threads)  # fmt: skip
        self.ready = self.backend.ready  # set once the model is loaded

    @classmethod
    def active(
        cls, locations: Locations, listener: Callable[[object], None] = lambda _e: None,
        **options: int | None,
    ) -> ModelService:  # fmt: skip
        """The model chosen with ``simdesk models use`` (the default model otherwise)."""
        return cls(lambda: resolve_active_model(locations), listener, **options)

    def _resolve(self) -> ResolvedModel:
        self._resolved = self._source()
        return self._resolved

    def _on_event(self, event: ModelEvent) -> None:
        """On the backend's thread: a waited-for request's events go to its waiter."""
        request_id = getattr(event, "request_id", None)
        with self._lock:
            waiter = self._waiters.get(request_id) if request_id is not None else None
        if waiter is not None:
            waiter.put(event)
            return
        if isinstance(event, ModelFailed):
            self.failed = event.error
        if isinstance(event, ModelReady) and self._resolved is not None:
            self.description = describe(self._resolved, event)
            event = ModelDescribed(self.description, event)
        self._listener(event)

    # -- the backend's life and requests --------------------------------------------------------

    def start(self) -> ModelService:
        self.backend.start()
        return self

    def shutdown(self) -> None:
        self.backend.shutdown()

    def submit(self, prompt: str, *, stop: tuple[str, ...], **options: object) -> int:
        """Queue a request whose events go to the listener (a front end's streamed reply)."""
        return self.backend.submit(prompt, stop=stop, **options)

    def cancel(self, request_id: int) -> None:
        self.backend.cancel(request_id)

    def wait_ready(self, timeout_s: float = 180.0) -> ModelDescription:
        """Block until the model is loaded; its load error, or a timeout, is raised."""
        deadline = time.monotonic() + timeout_s
        while self.description is None:
            if self.failed is not None:
                raise self.failed
            if time.monotonic() > deadline:
                raise ModelError(f"The model did not load within {timeout_s:.0f} s.",
                                 "Try again, or run with --no-model.")  # fmt: skip
            time.sleep(POLL_S)
        return self.description

    # -- the one blocking adapter ----------------------------------------------------------------

    def run(
        self,
        prompt: str,
        *,
        stop: tuple[str, ...],
        max_tokens: int,
        temperature: float = 0.7,
        on_token: Callable[[str], None] | None = None,
        cancelled: Callable[[], bool] = lambda: False,
        timeout_s: float = 180.0,
        cancel_grace_s: float = CANCEL_GRACE_S,
        **options: object,
    ) -> ReplyDone:
        """Generate and wait for the end, calling ``on_token`` on this thread as text streams.

        ``cancelled()`` is polled; once true the request is cancelled and its ``ReplyDone``
        (``cancelled=True``) returned, or :class:`Cancelled` raised if it does not end within
        ``cancel_grace_s`` (a hung model; 0: do not wait for it). A failed request raises its
        error; no end within ``timeout_s`` cancels it and raises :class:`ModelError`. Other
        ``options`` (constrained decoding) go to the request as they are.
        """
        events: queue.Queue = queue.Queue()
        with self._lock:  # no event of the request can arrive before its waiter is in place
            request_id = self.backend.submit(prompt, stop=stop, max_tokens=max_tokens,
                                             temperature=temperature, **options)  # fmt: skip
            self._waiters[request_id] = events
        deadline = time.monotonic() + timeout_s
        stopped_at: float | None = None
        try:
            while True:
                try:
                    event = events.get(timeout=POLL_S)
                except queue.Empty:
                    event = None
                if event is None or isinstance(event, ReplyToken):  # checked after every token
                    if stopped_at is None and (cancelled() or time.monotonic() > deadline):
                        stopped_at = time.monotonic()
                        self.backend.cancel(request_id)
                        if not cancelled():
                            raise ModelError(
                                f"The model did not answer within {timeout_s:.0f} s.",
                                "The machine may be busy; the written text is used instead.",
                            ) from None
                    elif stopped_at is not None and time.monotonic() - stopped_at >= cancel_grace_s:
                        raise Cancelled() from None
                if event is None:
                    continue
                if isinstance(event, ReplyToken) and on_token is not None and stopped_at is None:
                    on_token(event.text)
                elif isinstance(event, ReplyDone):
                    return event
                elif isinstance(event, ReplyFailed):
                    raise event.error
        finally:
            with self._lock:
                self._waiters.pop(request_id, None)

    def generate(
        self, prompt: str, stop: tuple[str, ...], max_tokens: int,
        cancelled: Callable[[], bool] = lambda: False,
    ) -> str:  # fmt: skip
        """``generate(prompt, stop, max_tokens) -> text`` (greedy): what assessment needs.

        Refused while the model is not loaded (the caller then uses its written text)."""
        if not self.ready.is_set():
            raise ModelError("The model is not loaded yet.", "The written text is used instead.")
        done = self.run(prompt, stop=stop, max_tokens=max_tokens, temperature=0.0,
                        cancelled=cancelled, cancel_grace_s=0.0)  # fmt: skip
        if done.cancelled and cancelled():
            raise Cancelled()
        return done.text

    def __enter__(self) -> ModelService:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.shutdown()
