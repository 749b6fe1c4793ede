"""``simdesk run-script`` on the TB case: the JSON report, with and without the model."""

import json

import pytest

from simdesk.cli import main

SCRIPT = {
    "steps": [
        {"ask": "How long have you had the cough?"},
        {"ask": "What's your favourite football team?"},
        {"exam": "listen to the chest"},
        {"order": "cbc pls"},
        {"order": "CXR"},
        {"treat": "start HRZE"},
        {"wait": 60},
        {"diagnose": ["pulmonary TB", "pneumonia"]},
    ]
}
STEP_KEYS = {"action", "input", "reply", "facts", "sources", "sim_minutes", "vitals",
             "model_text_used"}  # fmt: skip


def _run(tmp_path, capsys, *flags):
    script = tmp_path / "script.json"
    script.write_text(json.dumps(SCRIPT))
    assert main(["run-script", "pulmonary-tb-miner", str(script), "--json", *flags]) == 0
    return json.loads(capsys.readouterr().out)


def test_run_script_json_without_the_model(tmp_path, capsys):
    report = _run(tmp_path, capsys, "--no-model")
    assert report["case_id"] == "pulmonary-tb-miner"
    steps = report["steps"]
    assert [s["action"] for s in steps] == [next(iter(s)) for s in SCRIPT["steps"]]
    assert all(set(s) >= STEP_KEYS for s in steps)
    assert steps[0]["facts"] == ["cough-duration"]
    assert steps[0]["reply"].startswith("I have had this cough for about six weeks")
    assert steps[1]["facts"] == [] and not steps[1]["model_text_used"]
    assert [s["released"] for s in steps[:2]] == ["", ""]  # nothing streamed without a model
    assert "released" not in steps[2]
    # the guard's reason for each reply (no model: the authored line; nothing disclosed)
    assert [s["guard"] for s in steps[:2]] == ["no model: authored line", "no fact disclosed"]
    assert "guard" not in steps[2]
    assert steps[2]["facts"] == ["chest-auscultation"]
    assert "ordered" in steps[4]["reply"]
    assert "cavity" in steps[6]["reply"] and "CXR" in steps[6]["results"]  # after its turnaround
    assert steps[6]["results"] == ["FBC", "CXR"] and "Haemoglobin: 12.1" in steps[6]["reply"]
    minutes = [s["sim_minutes"] for s in steps]
    assert minutes == sorted(minutes) and minutes[-1] >= 60
    assert set(steps[0]["vitals"]) == {"heart_rate", "systolic_bp", "diastolic_bp",
                                       "resp_rate", "spo2", "temperature_c"}  # fmt: skip
    diagnosis = report["diagnosis"]
    assert diagnosis["submitted"] == ["pulmonary TB", "pneumonia"]
    assert (diagnosis["correct"], diagnosis["matched"]) == (True, "pulmonary tuberculosis")
    status = {item["id"]: item["status"] for item in report["score"]["items"]}
    for met in ("duration-of-cough", "chest-exam", "treatment-plan", "diagnosis"):
        assert status[met] == "met", met
    met_item = next(i for i in report["score"]["items"] if i["id"] == "duration-of-cough")
    assert met_item["evidence"] and met_item["evidence"][0]["kind"] == "question"


def test_run_script_accepts_yaml_and_names_a_bad_step(tmp_path, capsys):
    script = tmp_path / "script.yaml"
    script.write_text("steps:\n  - ask: Do you smoke?\n  - examine: chest\n")
    assert main(["run-script", "pulmonary-tb-miner", str(script), "--no-model"]) == 2
    assert "Step 2" in capsys.readouterr().err


def test_unknown_case_id_lists_the_known_ones(tmp_path, capsys):
    script = tmp_path / "s.json"
    script.write_text('{"steps": []}')
    assert main(["run-script", "no-such-case", str(script), "--no-model"]) == 2
    assert "pulmonary-tb-miner" in capsys.readouterr().err


@pytest.mark.model
def test_run_script_json_with_the_model(tmp_path, capsys, default_model):
    report = _run(tmp_path, capsys)
    asked = [s for s in report["steps"] if s["action"] == "ask"]
    assert asked[0]["facts"] == ["cough-duration"]
    authored = "I have had this cough for about six weeks now, and it brings up yellow phlegm."
    # Either the guarded model text or the authored line; never anything else unflagged.
    assert asked[0]["model_text_used"] or asked[0]["reply"] == authored
    assert not asked[1]["model_text_used"]  # nothing disclosed: the authored "not sure" line
    for step in asked:  # what streamed is never taken back: the reply starts with it
        assert step["reply"].startswith(step["released"])
        assert step["released"] == "" or step["model_text_used"]
        # the guard says why: passed, cut short at a checked clause, or refused (and why)
        passed = step["guard"] == "model text passed the guard"
        assert passed or step["guard"].startswith("stopped") or not step["model_text_used"]
        assert step["guard"] and (step["model_text_used"] or not passed)
    assert report["diagnosis"]["correct"] is True
