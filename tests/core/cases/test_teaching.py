"""A case's teaching section: validated references, nudges that fire in practice mode."""

from __future__ import annotations

import yaml

from simdesk.core.assess.modes import nudges
from simdesk.core.cases.validate import check_case_file
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.session import Encounter


def test_authored_nudges_fire_once_at_their_trigger(tb_case):
    assert tb_case.teaching.hints and tb_case.teaching.nudges
    encounter = Encounter(tb_case)
    encounter.ask("How long have you had the cough?")
    encounter.treat("start HRZE")  # before any sputum test
    fired = [n.id for n in nudges(tb_case, encounter.events)]
    assert "confirm-before-treating" in fired
    assert "hiv-status" not in fired  # only 20 minutes in

    tested = Encounter(tb_case)
    tested.order("GeneXpert")
    tested.treat("start HRZE")
    assert "confirm-before-treating" not in [n.id for n in nudges(tb_case, tested.events)]


def test_dangling_nudge_references_are_reported_with_their_path(tmp_path):
    data = yaml.safe_load((bundled_cases_dir() / "pulmonary-tb-miner.yaml").read_text())
    data["teaching"]["nudges"][0]["when_treatment"] = ["unicorn-tears"]
    data["teaching"]["nudges"][2]["unless_facts"] = ["no-such-fact"]
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    _case, problems = check_case_file(path)
    text = "\n".join(str(p) for p in problems)
    assert "teaching.nudges[0].when_treatment[0]" in text and "unicorn-tears" in text
    assert "teaching.nudges[2].unless_facts[0]" in text and "no-such-fact" in text
