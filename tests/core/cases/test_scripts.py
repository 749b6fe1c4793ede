"""Every bundled case has an expert script and a harmful script, run here without the model.

The expert script is what a competent clinician following the case's guideline does, typed the
way clinicians type: it must score at least 90 % in management with no safety issue and a correct
diagnosis. The harmful script must trigger every harmful action of the case. A catalog, matcher
or case change that marks correct care wrong (or lets harm pass) fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from simdesk.cli.play import read_script, run_script
from simdesk.core.cases.loader import load_case
from simdesk.core.paths import bundled_cases_dir

SCRIPTS = Path(__file__).parent / "scripts"
CASES = sorted(p.stem for p in bundled_cases_dir().glob("*.yaml"))


def play(case_id: str, kind: str) -> tuple:
    case = load_case(bundled_cases_dir() / f"{case_id}.yaml")
    path = SCRIPTS / f"{case_id}.{kind}.yaml"
    assert path.exists(), f"{case_id} has no {kind} script: write {path}"
    return case, run_script(case, read_script(path), None)


@pytest.mark.parametrize("case_id", CASES)
def test_the_expert_script_scores_well_and_safely(case_id):
    _case, report = play(case_id, "expert")
    score = report["score"]
    management = next(d for d in score["domains"] if d["domain"] == "management")
    missed = [i["id"] for i in score["items"] if i["status"] != "met"]
    assert management["percent"] >= 90, f"management {management['percent']}; missed {missed}"
    assert score["safety"] == [], [s["description"] for s in score["safety"]]
    assert report["diagnosis"]["correct"], report["diagnosis"]["reason"]
    unread = [s["input"] for s in report["steps"]
              if s["action"] == "treat" and "not" in s["reply"][:60].lower()
              and "understand" in s["reply"].lower()]  # fmt: skip
    assert unread == []


@pytest.mark.parametrize("case_id", CASES)
def test_the_harmful_script_triggers_every_harmful_action(case_id):
    case, report = play(case_id, "harmful")
    flagged = {s["ref"] for s in report["score"]["safety"]}
    harmful = {h.id for h in case.answer_key.management.harmful_actions}
    assert harmful <= flagged, f"not flagged: {sorted(harmful - flagged)}"
