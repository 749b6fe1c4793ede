"""Work off the GUI thread: one database executor and a bridge to the model thread.

Results come back to the GUI thread through queued Qt signals. Like Anki's task manager, all
database work goes through a single worker, so writes keep their order.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Signal

from simdesk.core.errors import SimdeskError
from simdesk.core.llm.backend import (
    ModelEvent,
    ModelFailed,
    ModelLoading,
    ModelReady,
    ReplyDone,
    ReplyFailed,
    ReplyReading,
    ReplyToken,
)


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
        self.pending: set[Future] = set()

    def run(
        self,
        work: Callable[[], Any],
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> Future:
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
        self._pool.shutdown(wait=True)


class ModelBridge(QObject):
    """Turns the model thread's events into Qt signals, delivered on the GUI thread."""

    loading = Signal(str)
    ready = Signal(str, float)
    failed = Signal(object)
    reading = Signal(int)
    token = Signal(int, str)
    done = Signal(object)
    reply_failed = Signal(int, object)

    def listener(self, event: ModelEvent) -> None:
        """Called on the model thread; emitting from there queues delivery to the GUI thread."""
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


def describe_error(exc: BaseException) -> str:
    if isinstance(exc, SimdeskError):
        return str(exc)
    return f"Unexpected error: {exc!r}. Please report it to your instructor."
