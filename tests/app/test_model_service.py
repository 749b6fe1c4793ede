"""The application's model service on the real default model: described when ready, one
blocking adapter, and an encounter started while the model loads prompted for the model loaded."""

from __future__ import annotations

import queue

import pytest

from simdesk.app.encounter import EncounterService
from simdesk.app.model import ModelDescribed, ModelService
from simdesk.core.errors import Cancelled, ModelError
from simdesk.core.llm.backend import DEFAULT_CONTEXT, ReplyToken
from simdesk.core.llm.prompt import TranscriptFormat

pytestmark = pytest.mark.model


def test_an_encounter_started_while_the_model_loads_is_prompted_for_the_loaded_model(
    default_model, tb_case
):
    """The case-start race: the encounter takes the model's description from its ready event."""
    events: queue.Queue = queue.Queue()
    model = ModelService(default_model, events.put, n_ctx=1024)
    encounter = EncounterService(tb_case)  # started before the model is even asked to load
    assert encounter.consultation.transcript.context_tokens == DEFAULT_CONTEXT
    with model.start():
        while not isinstance(event := events.get(timeout=180), ModelDescribed):
            pass
        description = event.description
        assert (description.name, description.n_ctx) == (default_model.stem, 1024)
        assert description.path == default_model and description.kind == "base"
        assert isinstance(description.prompt_format, TranscriptFormat)  # no chat template
        encounter.use_model(description)
        pending = encounter.ask("How long have you had the cough?")
        assert encounter.consultation.transcript.context_tokens == 1024
        assert pending.stop == description.prompt_format.stop
        reply = encounter.voice(pending, model, lambda _text: None)
        assert reply.text and encounter.events[-1].kind == "reply"


def test_the_blocking_adapter_waits_streams_and_cancels_without_the_listener(default_model):
    seen: list[object] = []
    with ModelService(default_model, seen.append).start() as model:
        with pytest.raises(ModelError, match="not loaded yet"):
            model.generate("Patient:", ("\n",), 8)  # asked before the model is ready
        model.wait_ready()
        text = model.generate("The capital of France is", ("\n",), 8)
        assert text.strip() and text == model.generate("The capital of France is", ("\n",), 8)
        tokens: list[str] = []
        done = model.run("Once upon a time", stop=(), max_tokens=40, on_token=tokens.append,
                         cancelled=lambda: len(tokens) >= 3)  # fmt: skip
        assert done.cancelled and 3 <= len(tokens) < 40
        with pytest.raises(Cancelled):
            model.generate("Once upon a time", (), 40, cancelled=lambda: True)
    # The waited-for requests' events never reached the front end's listener.
    assert not [e for e in seen if isinstance(e, ReplyToken)]
    assert sum(isinstance(e, ModelDescribed) for e in seen) == 1
