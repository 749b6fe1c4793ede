"""Adding cases from the app (simdesk.app.case_import): a case file is checked and copied, never
over another case; AgentClinic records are converted; anything else is refused by name."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from simdesk.app.case_import import import_cases
from simdesk.core.cases.library import load_library
from simdesk.core.errors import CaseError
from simdesk.core.paths import bundled_cases_dir

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "tests" / "fixtures" / "agentclinic" / "agentclinic_medqa_sample.jsonl"
TB = bundled_cases_dir() / "pulmonary-tb-miner.yaml"


def own_case(tmp_path: Path, case_id: str = "tb-miner-copy") -> Path:
    data = yaml.safe_load(TB.read_text(encoding="utf-8"))
    data["meta"]["id"] = case_id
    path = tmp_path / "incoming" / f"{case_id}-from-usb.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_a_case_file_is_checked_and_copied_under_its_id(tmp_path):
    folder = tmp_path / "cases"
    result = import_cases(own_case(tmp_path), folder)
    assert result.case_ids == ["tb-miner-copy"] and not result.skipped
    entries = load_library(folder)
    assert [e.case.meta.id for e in entries if e.ok] == ["tb-miner-copy"]
    assert result.summary() == "Imported 1 case from tb-miner-copy-from-usb.yaml."
    again = import_cases(own_case(tmp_path), folder)  # the same file twice: nothing new
    assert again.case_ids == [] and "already in the library" in again.skipped[0]


def test_a_different_case_under_a_taken_id_is_refused(tmp_path):
    folder = tmp_path / "cases"
    import_cases(own_case(tmp_path), folder)
    other = own_case(tmp_path)
    other.write_text(other.read_text(encoding="utf-8").replace("gold miner", "coal miner"),
                     encoding="utf-8")  # fmt: skip
    with pytest.raises(CaseError, match="already in your cases") as error:
        import_cases(other, folder)
    assert "another meta.id" in error.value.fix
    with pytest.raises(CaseError, match="comes with simdesk"):
        import_cases(own_case(tmp_path, "pulmonary-tb-miner"), folder)


def test_a_broken_case_file_is_refused_with_its_first_problem(tmp_path):
    broken = own_case(tmp_path)
    data = yaml.safe_load(broken.read_text(encoding="utf-8"))
    del data["patient"]
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CaseError, match="is not a playable case") as error:
        import_cases(broken, tmp_path / "cases")
    assert "patient" in error.value.what and "simdesk cases validate" in error.value.fix
    assert not (tmp_path / "cases").exists() or not list((tmp_path / "cases").iterdir())


def test_agentclinic_records_become_cases(tmp_path):
    folder = tmp_path / "cases"
    result = import_cases(SAMPLE, folder)
    playable = {e.case.meta.id for e in load_library(folder) if e.ok}
    assert len(result.case_ids) >= 10 and set(result.case_ids) == playable


def test_another_kind_of_file_is_refused_by_name(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a case", encoding="utf-8")
    with pytest.raises(CaseError, match=r"notes\.txt is neither a case file"):
        import_cases(notes, tmp_path / "cases")
