from pathlib import Path

import pytest
import yaml

from simdesk.core.cases import load_case, load_library
from simdesk.core.errors import CaseError
from simdesk.core.paths import bundled_cases_dir


def test_every_bundled_case_loads():
    entries = load_library(bundled_cases_dir())
    assert entries, "no bundled cases found"
    assert [e.error for e in entries if not e.ok] == []


def _write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data) if not isinstance(data, str) else data)
    return path


def test_unknown_key_is_reported_with_its_path(tmp_path, tb_case):
    data = tb_case.model_dump(mode="json")
    data["patient"]["favourite_colour"] = "blue"
    path = _write(tmp_path, "typo.yaml", data)
    with pytest.raises(CaseError) as info:
        load_case(path)
    assert str(path) in str(info.value)
    assert "patient.favourite_colour" in str(info.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = _write(tmp_path, "bad.yaml", "schema_version: 1\nmeta: [unclosed\n")
    with pytest.raises(CaseError, match=r"line \d+"):
        load_case(path)


def test_impossible_vitals_are_rejected(tmp_path, tb_case):
    data = tb_case.model_dump(mode="json")
    data["vitals"]["diastolic_bp"] = 130
    with pytest.raises(CaseError, match="diastolic_bp 130 must be below systolic_bp"):
        load_case(_write(tmp_path, "bp.yaml", data))


def test_duplicate_fact_ids_are_rejected(tmp_path, tb_case):
    data = tb_case.model_dump(mode="json")
    data["facts"].append(dict(data["facts"][0]))
    with pytest.raises(CaseError, match="duplicate id 'cough-duration'"):
        load_case(_write(tmp_path, "dup.yaml", data))


def test_one_broken_case_does_not_stop_the_library(tmp_path, tb_case):
    _write(tmp_path, "a-good.yaml", tb_case.model_dump(mode="json"))
    _write(tmp_path, "b-broken.yaml", "schema_version: 1\n")
    entries = load_library(tmp_path)
    assert [e.ok for e in entries] == [True, False]
    assert "b-broken.yaml" in str(entries[1].error)


def test_patient_view_holds_no_answer_key(tb_case):
    view = tb_case.patient_view().model_dump_json().lower()
    assert "answer_key" not in view
    assert tb_case.answer_key.diagnosis.primary.lower() not in view
