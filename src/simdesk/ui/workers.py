"""The model thread's events as Qt signals, and how an error is worded for the message bar.

The window's other work off the GUI thread runs as ops: :mod:`simdesk.ui.operations`.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from simdesk.core.errors import Cancelled, SimdeskError

__all__ = ["Cancelled", "ModelBridge", "describe_error"]


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
