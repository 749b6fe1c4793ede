"""Orders for a case's own tests: the names learners use for a record's test name."""

import pytest

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.schema import InvestigationResult
from simdesk.core.sim import matching


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _matcher(catalog, tb_case, *names: str) -> matching.TestMatcher:
    local = [
        InvestigationResult(code=name.upper().replace(" ", "_"), name=name, report="Normal.")
        for name in names
    ]
    case = tb_case.model_copy(update={"investigations": [*tb_case.investigations, *local]})
    return matching.TestMatcher(catalog, case)


@pytest.mark.parametrize(
    ("order", "code"),
    [
        ("MRI head", "MRI_BRAIN"),
        ("mri brain please", "MRI_BRAIN"),
        ("CT chest and abdomen", "CT_SCAN_THORAX_AND_ABDOMEN"),
        ("brain MRI", "MRI_BRAIN"),
    ],
)
def test_a_case_local_test_is_ordered_by_its_body_parts_usual_names(catalog, tb_case, order, code):
    matcher = _matcher(catalog, tb_case, "MRI Brain", "CT Scan Thorax and Abdomen")
    assert matcher.match(order).code == code


def test_another_modality_of_the_same_part_is_not_the_local_test(catalog, tb_case):
    got = _matcher(catalog, tb_case, "MRI Brain").match("CT head")
    assert got is None or got.code != "MRI_BRAIN"
