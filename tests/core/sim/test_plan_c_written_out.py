"""IMCI Plan C written out in ml for the child's weight is Plan C: the trainee's walk-through typed
"ringers lactate 250ml iv over 30 mins then 580 ml over 2.5 hrs" for the 8.3 kg toddler (exactly
the case's own 30 ml/kg then 70 ml/kg) and was scored as a 250 ml bolus, Plan C missed and capped
at 60 %, while the child went into shock on the monitor."""

import json

import pytest

from simdesk.cli import main
from simdesk.core.cases.catalog import load_catalog
from simdesk.core.sim.orders import OrderReader

CASE = "diarrhoea-severe-dehydration-toddler"


@pytest.fixture(scope="module")
def reader():
    return OrderReader(load_catalog())


@pytest.mark.parametrize(
    ("text", "total"),
    [
        ("ringers lactate 250ml iv over 30 mins then 580 ml over 2.5 hrs", 830),  # from 12 months
        ("RL 165 ml over 1 hour then 385 ml over 5 hours", 550),  # under 12 months
    ],
)
def test_plan_c_in_ml_with_its_timings_is_plan_c(reader, text, total):
    (item,) = reader.read(text).items
    want = ("iv-fluids-plan-c", "plan_c", f"{total} ml")
    assert (item.code, item.regimen, str(item.dose)) == want


@pytest.mark.parametrize(
    "text",
    [
        "RL 500 ml over 30 min then 1 L over 8 hours",  # a bolus, then maintenance
        "RL 250 ml over 30 min then 250 ml over 2.5 h",  # Plan C's timings, not its 30:70 split
    ],
)
def test_two_phases_without_plan_c_shape_are_not_plan_c(reader, text):
    assert all(i.code != "iv-fluids-plan-c" for i in reader.read(text).items)


def _play(tmp_path, capsys, fluids):
    script = tmp_path / "script.json"
    steps = [{"treat": "IV cannula"}, {"treat": fluids}, {"wait": 120}]
    script.write_text(json.dumps({"steps": steps}))
    assert main(["run-script", CASE, str(script), "--json", "--no-model"]) == 0
    return json.loads(capsys.readouterr().out)


def test_plan_c_in_ml_is_credited_and_rehydrates(tmp_path, capsys):
    written_out = "ringers lactate 250ml iv over 30 mins then 580 ml over 2.5 hrs"
    report = _play(tmp_path, capsys, written_out)
    status = {item["id"]: item["status"] for item in report["score"]["items"]}
    assert status["mgmt-plan-c"] == "met"
    assert not any(s["kind"] == "missed_window" for s in report["score"]["safety"])
    start, end = report["steps"][0]["vitals"], report["steps"][-1]["vitals"]
    assert end["heart_rate"] < start["heart_rate"] and end["systolic_bp"] > start["systolic_bp"]
