"""Work off the GUI thread: one database executor and a bridge to the model thread.

Results come back to the GUI thread through queued Qt signals. Like Anki's task manager, all
database work goes through a single worker, so writes keep their order.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from simdesk.core.errors import Cancelled, SimdeskError

__all__ = ["Cancelled", "DbExecutor", "ModelBridge", "Task", "describe_error"]


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


class ModelBridge(QObject):
    """Turns the model service's events into Qt signals, delivered on the GUI thread.

    Requests a worker waits for (:meth:`simdesk.app.model.ModelService.run`) never reach it.
    """

    loading = Signal(str)
    ready = Signal(str, float)
    described = Signal(object)  # the ModelDescription an encounter is prompted for
    failed = Signal(object)
    crashed = Signal(object, int)  # the error, restarts left
    reading = Signal(int)
    token = Signal(int, str)
    done = Signal(object)
    reply_failed = Signal(int, object)

    def listener(self, event: object) -> None:
        """Called on the model thread; emitting from there queues delivery to the GUI thread."""
        from simdesk.app.model import ModelDescribed
        from simdesk.core.llm.backend import (
            ModelCrash,
            ModelFailed,
            ModelLoading,
            ReplyDone,
            ReplyFailed,
            ReplyReading,
            ReplyToken,
        )

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
        elif isinstance(event, ModelDescribed):
            self.described.emit(event.description)
            self.ready.emit(event.description.name, event.ready.load_seconds)
        elif isinstance(event, ModelFailed):
            self.failed.emit(event.error)
        elif isinstance(event, ModelCrash):
            self.crashed.emit(event.error, event.restarts_left)


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, SimdeskError):
        return str(exc)
    return f"Unexpected error: {exc!r}. Please report it to your instructor."


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
