"""The importer keeps the records' clinical values: vital signs under every key spelling the 107
MedQA records use, lab values with their units, no generated normal beside a record's value, no
default that contradicts the record, and a report line for whatever it had to fill in."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.schema import Case
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.session import Encounter
from simdesk.importers.agentclinic import CatalogIndex, ImportReport, record_to_case
from simdesk.importers.agentclinic.examination import vital_for_key
from simdesk.importers.agentclinic.labvalues import convert, read_value

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "agentclinic"
RECORDS = FIXTURES / "agentclinic_medqa.jsonl"
CATALOG = bundled_cases_dir() / "catalog" / "investigations.yaml"


LABELS = {
    "temperature_c": "temperature", "heart_rate": "heart rate", "resp_rate": "respiratory rate",
    "spo2": "oxygen saturation", "blood_pressure": "blood pressure",
}  # fmt: skip


@cache
def _index() -> CatalogIndex:
    return CatalogIndex(CATALOG)


def _records() -> list[dict]:
    return [json.loads(line) for line in RECORDS.read_text().splitlines() if line.strip()]


def _imported(number: int) -> tuple[Case, ImportReport]:
    report = ImportReport()
    record = _records()[number - 1]
    return Case.model_validate(record_to_case(record, number, _index(), report)), report


def _vital_signs(record: dict) -> dict:
    return record["OSCE_Examination"]["Physical_Examination_Findings"].get("Vital_Signs") or {}


def test_record_78_keeps_its_oxygen_saturation_of_80_percent():
    """Record 78's "SO2": "80%" was shown as a green 98, and the import said only "1 imported,
    0 skipped"."""
    case, report = _imported(78)
    assert case.vitals.spo2 == 80
    assert (case.vitals.temperature_c, case.vitals.resp_rate, case.vitals.heart_rate) == (
        38.7, 22, 70,
    )  # fmt: skip
    assert (case.vitals.systolic_bp, case.vitals.diastolic_bp) == (120, 60)
    assert not [line for line in report.defaults if line.startswith("record 78:")]


def test_every_vital_sign_key_of_the_107_records_is_read_kept_or_reported():
    """Survey: each Vital_Signs key gives a vital, is kept as a finding (weight, height, BMI),
    or is named in the report; a vital the record gives no number for is named with what the
    case uses instead."""
    seen: dict[str, str] = {}
    for number, record in enumerate(_records(), start=1):
        case, report = _imported(number)
        said = "\n".join(report.defaults)
        sources = {f.source for f in case.examination.findings}
        for key in _vital_signs(record):
            vital = vital_for_key(key)
            seen[key] = vital or "finding"
            if vital is None:
                kept = f"Physical_Examination_Findings/Vital_Signs/{key}" in sources
                assert kept or f"Vital_Signs/{key}" in said, (number, key)
        for vital in ("temperature_c", "heart_rate", "resp_rate", "spo2", "blood_pressure"):
            keys = [k for k in _vital_signs(record) if vital_for_key(k) == vital]
            lines = [ln for ln in report.defaults if ln.startswith(f"record {number}: ")]
            if not keys:  # absent: the report says so, and what was used
                label = LABELS[vital]
                assert any(label in ln and "used" in ln for ln in lines), (number, vital)
    assert seen["SO2"] == seen["Oxygen_Saturation"] == "spo2"
    assert seen["Pulse"] == seen["Heart_Rate"] == "heart_rate"
    assert seen["Respirations"] == "resp_rate"
    assert seen["Blood_Pressure_Right_Upper_Extremity"] == "blood_pressure"
    assert {k for k, v in seen.items() if v == "finding"} == {
        "Weight", "Height", "BMI", "Within_Normal_Limits",
    }  # fmt: skip


def test_a_number_the_record_gives_is_the_number_the_case_shows():
    for number, record in enumerate(_records(), start=1):
        case, _report = _imported(number)
        for key, value in _vital_signs(record).items():
            if vital_for_key(key) == "spo2" and (m := re.search(r"(\d+)\s*%", str(value))):
                assert case.vitals.spo2 == int(m[1]), (number, key, value)
            if vital_for_key(key) == "resp_rate" and (m := re.search(r"\d+", str(value))):
                assert case.vitals.resp_rate == int(m[0]), (number, key, value)


def test_a_vital_given_in_words_is_reported_and_not_shown_as_normal_when_it_is_not():
    case, report = _imported(97)  # "Respiratory_Rate": "Elevated"
    [line] = [ln for ln in report.defaults if "Respiratory_Rate" in ln]
    assert line.startswith("record 97: ") and "'Elevated'" in line and "above the normal" in line
    from simdesk.core.sim.bands import bands_for

    assert case.vitals.resp_rate > bands_for(case.patient.age_years)["resp_rate"].high


def test_record_78_blood_count_shows_the_records_values_and_nothing_generated_beside_them():
    case, report = _imported(78)
    fbc = next(t for t in case.investigations if t.code == "FBC")
    values = {r.analyte: r.value for r in fbc.results}
    # 12,000/mm3 = 12 x10^9/L; 82 % of 12 = 9.84 x10^9/L; 270,000/mm3 = 270 x10^9/L
    assert values == {"wbc": 12.0, "neutrophils": 9.84, "lymphocytes": 1.8, "platelets": 270.0}
    assert "Hemoglobin: 14 mg/dL" in fbc.report  # the record's text, not converted
    [units] = [ln for ln in report.units if ln.startswith("record 78:")]
    assert "Hemoglobin" in units and "mg/dL" in units and "g/dL" in units
    # The lab's table: the record's values, flagged; no generated haemoglobin or MCV beside them.
    encounter = Encounter(case, seed=3)
    encounter.order("full blood count")
    [result] = encounter.wait(120)
    shown = {v.key: (v.value, v.flag) for v in result.values}
    assert shown == {
        "wbc": (12.0, "H"), "neutrophils": (9.84, "H"), "lymphocytes": (1.8, ""),
        "platelets": (270.0, ""),
    }  # fmt: skip


def test_no_imported_test_generates_a_value_beside_the_records_own():
    """Survey of the 107 records: before, 163 generated normal values sat beside the record's
    value for the same analyte (WBC 7.5 above "leukocytes 12,000/mm3")."""
    catalog = load_catalog()
    in_table = 0
    for number in range(1, len(_records()) + 1):
        case, _report = _imported(number)
        for test in case.investigations:
            entry = catalog.test(test.code)
            if entry is not None and entry.analytes:
                assert test.others_normal is False, (number, test.code)
                in_table += len(test.results)
    assert in_table >= 130  # the records' values read into the tables: 131 (47 before)


def test_implausible_units_are_reported_never_converted():
    index = _index()
    haemoglobin = read_value("14 mg/dL")
    assert convert("haemoglobin", "g/dL", haemoglobin, "Hemoglobin") == (
        None, "mg/dL is not a unit of haemoglobin (the catalog gives g/dL)",
    )  # fmt: skip
    assert convert("wbc", "x10^9/L", read_value("12,000/mm3"), "Leukocyte_count") == (12.0, "")
    assert convert("wbc", "x10^9/L", read_value("6,200 /μL"), "WBC") == (6.2, "")
    assert convert("creatinine", "umol/L", read_value("1.0 mg/dL"), "Creatinine")[0] == 88.4
    assert convert("urea", "mmol/L", read_value("18 mg/dL"), "Urea_Nitrogen")[0] == 6.43
    assert convert("urea", "mmol/L", read_value("18 mg/dL"), "Urea")[0] is None  # not BUN
    assert convert("platelets", "x10^9/L", read_value("700,000 cells/m3"), "Platelets")[0] is None
    assert index.panel_analyte("Leukocyte_count", "FBC") == "wbc"
    assert index.panel_analyte("Bilirubin_total", "LFT") == "bilirubin"
    assert index.panel_analyte("K", "UE") == "potassium"
    assert index.analyte("K") is None  # a lone "K" names no test
    flagged = []
    for number in range(1, len(_records()) + 1):
        flagged += _imported(number)[1].units
    assert any("record 66:" in ln and "Albumin" in ln for ln in flagged)
    assert any("record 78:" in ln and "Hemoglobin" in ln for ln in flagged)


@pytest.mark.parametrize("number", [78, 70, 43])
def test_general_appearance_default_never_contradicts_the_record(number):
    """The catalog's "Alert, comfortable at rest, well perfused ..." was shown for a febrile,
    tachypnoeic, hypoxic patient (78), a confused one (70) and a jaundiced one (43)."""
    case, _report = _imported(number)
    text = Encounter(case).examine("general appearance").text
    assert "comfortable" not in text and "not jaundiced" not in text
    if number == 70:  # "General_Appearance": "The patient appears confused."
        assert text.endswith("inspection: The patient appears confused.")
    if number == 78:
        assert "temperature 38.7 °C" in text and "respiratory rate 22/min" in text
        assert "oxygen saturation 80%" in text


def test_the_case_leaves_out_an_occupation_the_record_does_not_state():
    case, _report = _imported(78)  # "Occupation and hobbies not specified."
    assert case.patient.occupation is None
    from simdesk.core.llm.prompt import persona_header

    header = persona_header(case.patient_view())
    assert "not stated" not in header and "male." in header
    assert _imported(1)[0].patient.occupation == "graphic designer"  # "Works as a graphic ..."
    assert _imported(5)[0].patient.occupation == "retired school teacher"


def test_a_finding_whose_key_names_no_manoeuvre_is_never_beside_a_default_that_contradicts_it():
    """Record 22 (reactive arthritis) files "Musculoskeletal_Examination/Right_Knee" and
    "Ophthalmologic_Examination/Eyes": the key names no manoeuvre. "MSK exam" said the catalog's
    "No joint swelling or deformity ... Full range of movement" beside "Tender, erythematous,
    swollen, limited range of motion", and "look at his eyes" said "Conjunctivae pink, sclerae
    white" for a bilateral conjunctivitis (and the debrief marked the eyes not examined)."""
    case, _report = _imported(22)
    encounter = Encounter(case)
    msk = encounter.examine("MSK exam")
    assert "Tender, erythematous, swollen" in msk.text
    assert all(line.finding is not None for line in msk.lines), msk.text
    assert "Full range of movement" not in msk.text
    palpated = encounter.examine("palpate the knee").text
    assert "Tender, erythematous" in palpated and "No joint tenderness" not in palpated
    eyes = encounter.examine("look at his eyes")
    assert eyes.text.endswith(": Bilateral inflammation of the conjunctiva"), eyes.text
    assert [ln.finding.id for ln in eyes.lines] == ["ophthalmologic-examination-eyes"]
    assert "Conjunctivae pink" not in encounter.examine("Eyes: whole region").text


def test_a_record_that_names_the_manoeuvre_keeps_the_defaults_of_the_others():
    """A key that names its manoeuvre ("Abdominal_Examination/Palpation") is that manoeuvre's
    finding only: the other manoeuvres of the region say the catalog's normal, as before."""
    for number in range(1, len(_records()) + 1):
        case, _report = _imported(number)
        named = [
            f
            for f in case.examination.findings
            if f.region == "abdomen" and f.manoeuvre == "palpation" and not f.any_manoeuvre
        ]
        others = [
            f
            for f in case.examination.findings
            if f.region == "abdomen" and f.manoeuvre != "palpation"
        ]
        if named and not others:
            lines = Encounter(case).examine("Abdomen: auscultate").lines
            assert lines and all(line.finding is None for line in lines)
            return
    raise AssertionError("no record names the palpation of the abdomen alone")


def test_a_targeted_work_up_is_not_marked_down_for_the_records_routine_normal_tests():
    """Record 22 (reactive arthritis): every test of the record was an item, so a work-up of a
    blood count, an ESR and a knee aspirate was marked down for 'Ordered Urea Nitrogen' and
    'Ordered Blood glucose (capillary)' (normal results), and the aspirate, the record's 8th
    test, was no item at all. The items are the tests whose result is abnormal."""
    from simdesk.core.assess.scoring import score

    case, _report = _imported(22)
    tests = [r.tests[0] for r in case.answer_key.rubric if r.domain == "investigations"]
    assert tests == ["FBC", "ESR", "ARTHROCENTESIS_OF_RIGHT_KNEE"]
    encounter = Encounter(case)
    for order in ("FBC", "ESR", "arthrocentesis of right knee", "blood glucose"):
        assert encounter.order(order).status == "pending", order
    result = score(case, encounter.events)
    investigations = next(d for d in result.domains if d.domain == "investigations")
    assert investigations.percent == 100.0
    assert not result.efficiency.unnecessary_tests  # the glucose is the record's: never needless


@pytest.mark.parametrize(
    ("number", "code"),
    [(49, "HEMATOLOGIC"), (13, "PELVIC_X_RAY"), (21, "CD4")],
)
def test_a_key_test_read_from_the_records_words_or_numbers_stays_an_item(number, code):
    """Hemophilia's 'Partial Thromboplastin Time: 60 sec' (above the catalog's APTT range), a
    film that says 'No fractures ..., but alignment suggests posterior dislocation', a CD4 of
    36/mm3."""
    case, _report = _imported(number)
    assert any(code in r.tests for r in case.answer_key.rubric), case.answer_key.rubric
