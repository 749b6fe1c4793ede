"""The command line and the app build the same things: the model chosen with ``models use``,
with its context and prompt format, voices ``run-script`` and ``play`` as it does the window."""

from __future__ import annotations

import json
import os

import pytest

from simdesk.app.model import ModelService
from simdesk.cli import main
from simdesk.core.paths import locations

pytestmark = pytest.mark.model

SCRIPT = {"steps": [{"ask": "How long have you had the cough?"}, {"exam": "chest"}]}


def test_play_and_run_script_use_the_active_model_as_the_window_does(
    default_model, tmp_path, capsys, monkeypatch
):
    clinic = tmp_path / "clinic-model.gguf"
    os.link(default_model, clinic)  # the clinic's "larger" model: a copy under another name
    assert main(["models", "import", str(clinic), "--use"]) == 0
    capsys.readouterr()
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT))

    assert main(["run-script", "pulmonary-tb-miner", str(script), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    # The window's model: the service MainWindow._new_model builds.
    with ModelService.active(locations()).start() as window_model:
        described = window_model.wait_ready()
    assert report["model"] == {
        "name": described.name, "kind": described.kind, "n_ctx": described.n_ctx,
        "prompt_format": type(described.prompt_format).__name__,
    }  # fmt: skip
    assert described.name == "clinic-model" and described.n_ctx != 2048  # not the default's
    assert report["steps"][0]["facts"] == ["cough-duration"] and report["steps"][0]["reply"]

    answers = iter(["How long have you had the cough?", "end"])
    monkeypatch.setattr("builtins.input", lambda _prompt="": next(answers))
    assert main(["play", "pulmonary-tb-miner"]) == 0
    out = capsys.readouterr().out
    assert "Score:" in out  # played to the end on the active model
    assert main(["run-script", "pulmonary-tb-miner", str(script), "--json", "--no-model"]) == 0
    assert json.loads(capsys.readouterr().out)["model"] is None
