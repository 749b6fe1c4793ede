"""Validation names the file, the line, the YAML path and a plain reason for every problem."""

from pathlib import Path

import pytest

from simdesk.cli import main
from simdesk.core.cases import load_case, load_library
from simdesk.core.cases.validate import CaseInvalid, check_case_file
from simdesk.core.paths import bundled_cases_dir

TB_TEXT = (bundled_cases_dir() / "pulmonary-tb-miner.yaml").read_text()


def _edit(tmp_path: Path, *replacements: tuple[str, str], name="case.yaml") -> Path:
    text = TB_TEXT
    for old, new in replacements:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path = tmp_path / name
    path.write_text(text)
    return path


def _line_of(path: Path, snippet: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if snippet in line)


def _problems(path: Path) -> dict[str, str]:
    return {p.where: f"{p.line}: {p.reason}" for p in check_case_file(path)[1] if not p.warning}


def test_unknown_key_names_line_path_and_the_likely_key(tmp_path):
    path = _edit(tmp_path, ("  occupation: underground", "  ocupation: underground"))
    problems = _problems(path)
    line = _line_of(path, "ocupation:")
    assert problems["patient.ocupation"].startswith(f"{line}: unknown key 'ocupation'")
    assert "did you mean 'occupation'" in problems["patient.ocupation"]
    assert "patient.occupation" not in problems  # optional: left out when not known


def test_every_cross_reference_problem_is_reported_at_once(tmp_path):
    path = _edit(
        tmp_path,
        ("facts: [cough-duration]\n      teaching_point: A cough",
         "facts: [cough-durration]\n      teaching_point: A cough"),
        ("any_of: [contact-tracing]", "any_of: [contact-tracin]"),
        ("- code: ESR", "- code: ESRR"),
        ("{analyte: mcv, value: 84, unit: fL}", "{analyte: mcv, value: 84, unit: pL}"),
        ("{analyte: platelets, value: 452", "{analyte: plates, value: 452"),
        ("  - id: chest-percussion", "  - id: smoking"),
    )  # fmt: skip
    problems = _problems(path)
    assert (
        "unknown fact 'cough-durration' - did you mean 'cough-duration'?"
        in (problems["answer_key.rubric[0].facts[0]"])
    )
    assert (
        "unknown treatment code 'contact-tracin'"
        in (problems["answer_key.management.expected_actions[1].any_of[0]"])
    )
    assert "unknown test code 'ESRR'" in problems["investigations[5].code"]
    assert (
        "unit 'pL' does not match the catalog's unit 'fL'"
        in (problems["investigations[4].results[5].unit"])
    )
    assert "unknown analyte of FBC 'plates'" in problems["investigations[4].results[4].analyte"]
    assert "duplicate id 'smoking' (also at facts[13])" in problems["examination.findings[2].id"]
    assert "unknown exam 'chest-percussion'" in problems["answer_key.rubric[6].exams[1]"]
    assert problems["answer_key.rubric[0].facts[0]"].startswith(
        f"{_line_of(path, 'facts: [cough-durration]')}:"
    )
    with pytest.raises(CaseInvalid) as info:
        load_case(path)
    assert len(info.value.problems) == 7
    assert f"{path}:{_line_of(path, '- code: ESRR')}: investigations[5].code" in str(info.value)


def test_vitals_outside_physiological_range_and_missing_rubric(tmp_path):
    start = TB_TEXT.index("  rubric:\n")
    end = TB_TEXT.index("  key_points:")
    path = _edit(tmp_path, ("heart_rate: 96", "heart_rate: 300"), (TB_TEXT[start:end], ""))
    problems = _problems(path)
    assert "300 is outside the physiological range 20 to 250" in problems["vitals.heart_rate"]
    assert "no rubric" in problems["answer_key.rubric"]


def test_physiology_rules_must_name_catalog_treatments(tmp_path):
    rules = (
        "physiology:\n  rules:\n"
        "    - {id: sick, kind: drift, every_minutes: 15, change: {heart_rate: 5},"
        " unless_given: [tb-treatment-hrze, magic-beans]}\n"
        "    - {id: better, kind: response, treatment: unicorn, change: {heart_rate: -5}}\n"
    )
    path = _edit(tmp_path, ("\nexamination:\n", f"\n{rules}examination:\n"))
    problems = _problems(path)
    assert "unknown treatment code 'magic-beans'" in problems["physiology.rules[0].unless_given[1]"]
    assert "unknown treatment code 'unicorn'" in problems["physiology.rules[1].treatment"]


def test_validate_command_prints_file_line_path_reason_and_fails(tmp_path, capsys):
    good = _edit(tmp_path, name="good.yaml")
    bad = _edit(tmp_path, ("- code: ESR", "- code: ESRR"), name="bad.yaml")
    assert main(["cases", "validate", str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    line = _line_of(bad, "- code: ESRR")
    assert f"{bad}:{line}: investigations[5].code: unknown test code 'ESRR'" in out
    assert "1 valid, 1 broken" in out


def test_a_broken_case_is_listed_with_its_reason_and_the_rest_load(tmp_path):
    _edit(tmp_path, name="a-good.yaml")
    _edit(tmp_path, ("any_of: [counselling]", "any_of: [hugs]"), name="b-bad.yaml")
    entries = load_library(tmp_path)
    assert [e.ok for e in entries] == [True, False]
    assert "unknown treatment code 'hugs'" in str(entries[1].error)


def test_bundled_cases_have_no_errors():
    for path in sorted(bundled_cases_dir().glob("*.yaml")):
        errors = [p for p in check_case_file(path)[1] if not p.warning]
        assert errors == [], path
