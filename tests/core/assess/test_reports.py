"""Progress and cohort reports' rows and CSV, from a seeded history of real, scored encounters
(the HTML pages are tests/app/test_reports.py)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest

from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.reports import ATTEMPT_HEADER, cohort_csv, export, learner_csv

from .seeded import bundled_cases, seeded_history


@pytest.fixture(scope="module")
def cases():
    return bundled_cases()


@pytest.fixture(scope="module")
def cohort(cases):
    return {
        name: seeded_history(cases, n, learner=name, start_skill=skill)
        for name, n, skill in [("Amina", 24, 0.4), ("Baraka", 12, 0.7), ("Chipo <x>", 6, 0.2)]
    }


def test_the_learner_csv_has_one_row_per_attempt(cohort):
    rows = list(csv.reader(io.StringIO(learner_csv(cohort["Amina"]))))
    assert rows[0] == ATTEMPT_HEADER
    assert len(rows) == 1 + 24
    dates = [r[0] for r in rows[1:]]
    assert dates == sorted(dates)
    assert all(0 <= float(r[4]) <= 100 for r in rows[1:])


def test_the_cohort_csv_has_one_row_per_learner(cohort, tmp_path):
    rows = list(csv.reader(io.StringIO(cohort_csv(cohort))))
    assert [r[0] for r in rows[1:]] == ["Amina", "Baraka", "Chipo <x>"]
    assert [int(r[1]) for r in rows[1:]] == [24, 12, 6]
    export(cohort_csv(cohort), tmp_path / "cohort.csv")
    assert (tmp_path / "cohort.csv").read_text().startswith("learner,attempts")


def test_an_empty_history_still_gives_a_header(tmp_path):
    assert learner_csv([]).strip() == ",".join(ATTEMPT_HEADER)


def test_export_refuses_a_wrong_name_or_folder(tmp_path):
    with pytest.raises(AssessError, match="ending in .csv or .html"):
        export("x", tmp_path / "report.exe")
    with pytest.raises(AssessError, match="does not exist"):
        export("x", tmp_path / "missing" / "r.csv")


def test_the_seeded_cohort_spans_weeks(cohort):
    history = cohort["Amina"]
    assert history[-1].finished_at - history[0].finished_at >= timedelta(days=20)
