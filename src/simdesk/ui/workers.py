"""Work off the GUI thread: one database executor and a bridge to the model thread.

Results come back to the GUI thread through queued Qt signals. Like Anki's task manager, all
database work goes through a single worker, so writes keep their order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal

from simdesk.core.errors import ModelError, SimdeskError

if TYPE_CHECKING:
    from simdesk.core.llm.backend import ModelEvent, ReplyDone, ReplyFailed


class _Relay(QObject):
    """Carries a callback and its argument from a worker thread to the GUI thread."""

    deliver = Signal(object, object)

    def __init__(self) -> None:
        super().__init__()
        self.deliver.connect(self._call)

    @staticmethod
    def _call(callback: Callable[[Any], None], value: Any) -> None:
        callback(value)


class DbExecutor:
    """Runs store operations one at a time on a worker thread; reports back on the GUI thread."""

    def __init__(self, on_error: Callable[[Exception], None]) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="simdesk-db")
        self._relay = _Relay()
        self._on_error = on_error
        self._closed = False
        self.pending: set[Future] = set()

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> Future:
        if self._closed:  # the window closed; a late refresh has nothing left to read
            future: Future = Future()
            future.cancel()
            return future
        future = self._pool.submit(work)
        self.pending.add(future)

        def _finished(fut: Future) -> None:
            self.pending.discard(fut)
            exc = fut.exception()
            if exc is not None:
                self._relay.deliver.emit(on_error or self._on_error, exc)
            elif on_done is not None:
                self._relay.deliver.emit(on_done, fut.result())

        future.add_done_callback(_finished)
        return future

    def idle(self) -> bool:
        return not self.pending

    def shutdown(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True)


@dataclass
class _Waiter:
    request_id: int = 0
    event: threading.Event = None  # type: ignore[assignment]
    result: ReplyDone | ReplyFailed | None = None


class ModelBridge(QObject):
    """Turns the model thread's events into Qt signals, delivered on the GUI thread.

    A worker thread may instead wait for one request's end (:meth:`wait_for`): its events are
    then not emitted as signals.
    """

    loading = Signal(str)
    ready = Signal(str, float)
    failed = Signal(object)
    crashed = Signal(object, int)  # the error, restarts left
    reading = Signal(int)
    token = Signal(int, str)
    done = Signal(object)
    reply_failed = Signal(int, object)

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._waiters: dict[int, _Waiter] = {}

    def wait_for(self, submit: Callable[[], int]) -> _Waiter:
        """Submit a request and register a waiter for it atomically (no event can slip by)."""
        with self._lock:
            waiter = _Waiter(event=threading.Event())
            waiter.request_id = submit()
            self._waiters[waiter.request_id] = waiter
        return waiter

    def listener(self, event: ModelEvent) -> None:
        """Called on the model thread; emitting from there queues delivery to the GUI thread."""
        from simdesk.core.llm.backend import (
            ModelCrash,
            ModelFailed,
            ModelLoading,
            ModelReady,
            ReplyDone,
            ReplyFailed,
            ReplyReading,
            ReplyToken,
        )

        request_id = getattr(event, "request_id", None)
        with self._lock:
            waiter = self._waiters.get(request_id) if request_id is not None else None
            if waiter is not None and isinstance(event, ReplyDone | ReplyFailed):
                del self._waiters[request_id]
        if waiter is not None:
            if isinstance(event, ReplyDone | ReplyFailed):
                waiter.result = event
                waiter.event.set()
            return
        if isinstance(event, ReplyToken):
            self.token.emit(event.request_id, event.text)
        elif isinstance(event, ReplyReading):
            self.reading.emit(event.request_id)
        elif isinstance(event, ReplyDone):
            self.done.emit(event)
        elif isinstance(event, ReplyFailed):
            self.reply_failed.emit(event.request_id, event.error)
        elif isinstance(event, ModelLoading):
            self.loading.emit(str(event.path))
        elif isinstance(event, ModelReady):
            self.ready.emit(event.path.name, event.load_seconds)
        elif isinstance(event, ModelFailed):
            self.failed.emit(event.error)
        elif isinstance(event, ModelCrash):
            self.crashed.emit(event.error, event.restarts_left)


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, SimdeskError):
        return str(exc)
    return f"Unexpected error: {exc!r}. Please report it to your instructor."


class Cancelled(SimdeskError):
    """A long task stopped because the user pressed Cancel."""

    def __init__(self, what: str = "Cancelled.") -> None:
        super().__init__(what, "Nothing was changed. Start it again when you are ready.")


class Task(QObject):
    """One cancellable background job (a model import, a debrief) reporting on the GUI thread.

    ``work(report, cancelled)`` runs on its own thread; ``report(done, total)`` reaches
    ``on_progress``; ``cancelled()`` says whether the user asked to stop (the work then raises
    :class:`Cancelled` at its next check). Exactly one of ``on_done`` / ``on_error`` follows.
    """

    _progress = Signal(int, int)
    _done = Signal(object)
    _error = Signal(object)

    def __init__(
        self,
        work: Callable[[Callable[[int, int], None], Callable[[], bool]], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[Exception], None],
        on_progress: Callable[[int, int], None] | None = None,
    ) -> None:
        super().__init__()
        self._work = work
        self._cancel = threading.Event()
        self._thread = threading.Thread(target=self._run, name="simdesk-task", daemon=True)
        # Slots of an object owned by the GUI thread: emits from the worker arrive queued.
        self._progress.connect(self._relay_progress)
        self._done.connect(self._relay_done)
        self._error.connect(self._relay_error)
        self._callbacks = (on_done, on_error, on_progress)

    def start(self) -> Task:
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def wait(self, timeout: float) -> bool:
        """Block until the work has returned (at most ``timeout`` s); whether it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        try:
            result = self._work(self._progress.emit, self._cancel.is_set)
        except Exception as exc:  # reported on the GUI thread, never swallowed
            self._error.emit(exc)
            return
        if self._cancel.is_set():
            self._error.emit(Cancelled())
        else:
            self._done.emit(result)

    def _relay_progress(self, done: int, total: int) -> None:
        if self._callbacks[2] is not None:
            self._callbacks[2](done, total)

    def _relay_done(self, result: object) -> None:
        self._callbacks[0](result)

    def _relay_error(self, exc: Exception) -> None:
        self._callbacks[1](exc)


class ModelGenerate:
    """``generate(prompt, stop, max_tokens) -> text`` on the app's one model thread.

    For assessment work (narrative, unsure diagnosis) run on a :class:`Task` thread: it queues a
    request on the backend and waits for its ``ReplyDone``, which the bridge hands over.
    """

    def __init__(self, bridge: ModelBridge, backend, cancelled: Callable[[], bool] = lambda: False):
        self.bridge = bridge
        self.backend = backend
        self.cancelled = cancelled

    def __call__(self, prompt: str, stop: tuple[str, ...], max_tokens: int) -> str:
        if not self.backend.ready.is_set():
            raise ModelError("The model is not loaded yet.", "The written summary is used instead.")
        waiter = self.bridge.wait_for(
            lambda: self.backend.submit(prompt, stop=stop, max_tokens=max_tokens, temperature=0.0)
        )
        while not waiter.event.wait(0.1):
            if self.cancelled():
                self.backend.cancel(waiter.request_id)
                raise Cancelled()
        from simdesk.core.llm.backend import ReplyFailed

        if isinstance(waiter.result, ReplyFailed):
            raise waiter.result.error
        return waiter.result.text
