"""Blocking text generation on the local model, for judgements and narratives after an attempt.

Assessment runs on a worker thread (or the command line), after the learner has submitted, so it
may wait for the model. This wraps the project's :class:`ModelBackend` (one ``Llama`` on its own
thread) in a call that returns the generated text. These prompts are separate from the patient's
transcript: the patient's prompt never sees them.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from simdesk.core.errors import ModelError, SimdeskError
from simdesk.core.llm.backend import ModelBackend, ModelEvent, ModelFailed, ReplyDone, ReplyFailed

# ``generate(prompt, stop, max_tokens) -> text``: what assessment needs from a model.
Generate = Callable[[str, tuple[str, ...], int], str]


class BlockingModel:
    """A model backend whose :meth:`generate` waits for the whole reply (greedy decoding)."""

    def __init__(self, model_path: Path, *, n_ctx: int = 1024, timeout_s: float = 120.0) -> None:
        self.timeout_s = timeout_s
        self._done: dict[int, ReplyDone | ReplyFailed] = {}
        self._arrived = threading.Condition()
        self._load_error: SimdeskError | None = None
        self._backend = ModelBackend(model_path, self._on_event, n_ctx=n_ctx)
        self._backend.start()

    @classmethod
    def default(cls, **options: float) -> BlockingModel:
        """The default model, assembled into the user's models folder on first use."""
        from simdesk.core.llm.model_files import ensure_default_model
        from simdesk.core.paths import locations

        return cls(ensure_default_model(locations().ensure().models), **options)

    def _on_event(self, event: ModelEvent) -> None:
        with self._arrived:
            if isinstance(event, ModelFailed):
                self._load_error = event.error
            elif isinstance(event, ReplyDone | ReplyFailed):
                self._done[event.request_id] = event
            self._arrived.notify_all()

    def generate(self, prompt: str, stop: tuple[str, ...], max_tokens: int) -> str:
        request = self._backend.submit(prompt, stop=stop, max_tokens=max_tokens, temperature=0.0)
        with self._arrived:
            if not self._arrived.wait_for(lambda: request in self._done, self.timeout_s):
                self._backend.cancel(request)
                raise ModelError(
                    f"The model did not answer within {self.timeout_s:.0f} s.",
                    "The machine may be busy; the deterministic result is used instead.",
                )
            result = self._done.pop(request)
        if isinstance(result, ReplyFailed):
            raise self._load_error or result.error
        return result.text

    def close(self) -> None:
        self._backend.shutdown()

    def __enter__(self) -> BlockingModel:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
