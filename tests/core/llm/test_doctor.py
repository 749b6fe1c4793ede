"""``simdesk doctor``: machine, models, database, cases, and the loaded model's time and memory."""

from __future__ import annotations

import re

import pytest

from simdesk.cli import main
from simdesk.core.llm.registry import import_model
from simdesk.core.paths import locations


@pytest.mark.model
def test_doctor_reports_the_machine_and_the_running_model(default_model, capsys):
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^CPU .*\d+ physical cores", out, re.MULTILINE)
    assert re.search(r"^RAM .*MB free of", out, re.MULTILINE)
    assert "gemma-3-270m: ok" in out and re.search(r"^cases +\d+ valid, 0 broken", out, re.M)
    assert re.search(r"^database +0 profile", out, re.MULTILINE)
    load = re.search(
        r"^load .*\(base, context 2048, \d threads\) in ([\d.]+) s, \+(\d+) MB", out, re.M
    )
    assert load and float(load.group(1)) > 0 and int(load.group(2)) > 50
    assert re.search(r"^reply .*[\d.]+ tokens/s; process memory \d+ MB", out, re.MULTILINE)


@pytest.mark.model
def test_doctor_names_a_damaged_model_and_fails(default_model, instruct_gguf, capsys):
    import_model(instruct_gguf, locations(), name="stick-model")
    copy = locations().models / instruct_gguf.name
    copy.write_bytes(copy.read_bytes()[:-10])
    assert main(["doctor", "--no-load"]) == 1
    out = capsys.readouterr().out
    assert "stick-model: PROBLEM" in out and str(copy) in out
