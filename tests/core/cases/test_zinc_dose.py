"""The toddler with severe dehydration gets zinc 20 mg a day (IMCI: 20 mg from 6 months, 10 mg
under 6 months). In the GUI walk-through 'zinc 10mg od for 10 days' - the infant's dose - was
credited in full with nothing said; it is now flagged with the teaching point."""

import json

import pytest

from simdesk.cli import main

CASE = "diarrhoea-severe-dehydration-toddler"


def _dose_issues(tmp_path, capsys, order):
    script = tmp_path / "script.json"
    script.write_text(json.dumps({"steps": [{"treat": order}]}))
    assert main(["run-script", CASE, str(script), "--json", "--no-model"]) == 0
    report = json.loads(capsys.readouterr().out)
    return [s for s in report["score"]["safety"] if s["kind"] == "dose"]


@pytest.mark.parametrize("order", ["zinc 10mg od for 10 days", "zinc 40 mg daily"])
def test_a_zinc_dose_other_than_20_mg_is_flagged(tmp_path, capsys, order):
    (issue,) = _dose_issues(tmp_path, capsys, order)
    assert "20 mg once a day" in json.dumps(issue)


@pytest.mark.parametrize("order", ["zinc 20 mg daily for 10 days", "zinc 20mg PO od x 14 days"])
def test_zinc_20_mg_by_mouth_is_not_flagged(tmp_path, capsys, order):
    assert _dose_issues(tmp_path, capsys, order) == []
