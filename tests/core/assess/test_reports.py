"""Progress and cohort reports produced from a seeded history of real, scored encounters."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timedelta
from xml.etree import ElementTree

import pytest

from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.learner import recommend
from simdesk.core.assess.reports import (
    ATTEMPT_HEADER,
    cohort_csv,
    cohort_html,
    export,
    learner_csv,
    learner_html,
)
from simdesk.core.assess.review import due, schedule

from .seeded import bundled_cases, seeded_history

NOW = datetime(2026, 11, 21, 12, 0)


@pytest.fixture(scope="module")
def cases():
    return bundled_cases()


@pytest.fixture(scope="module")
def cohort(cases):
    return {
        name: seeded_history(cases, n, learner=name, start_skill=skill)
        for name, n, skill in [("Amina", 24, 0.4), ("Baraka", 12, 0.7), ("Chipo <x>", 6, 0.2)]
    }


def _svgs(page: str) -> list[ElementTree.Element]:
    return [ElementTree.fromstring(s) for s in re.findall(r"<svg.*?</svg>", page, flags=re.S)]


def test_the_learner_csv_has_one_row_per_attempt(cohort):
    rows = list(csv.reader(io.StringIO(learner_csv(cohort["Amina"]))))
    assert rows[0] == ATTEMPT_HEADER
    assert len(rows) == 1 + 24
    dates = [r[0] for r in rows[1:]]
    assert dates == sorted(dates)
    assert all(0 <= float(r[4]) <= 100 for r in rows[1:])


def test_the_learner_page_is_self_contained_with_charts(cohort, cases, tmp_path):
    history = cohort["Amina"]
    deck = schedule(history)
    page = learner_html(
        "Amina", history, generated=NOW, reviews=due(deck, NOW)[:5],
        recommendations=recommend(history, cases, NOW, deck=deck),
    )  # fmt: skip
    charts = _svgs(page)
    assert len(charts) == 2
    line = charts[0].find("{http://www.w3.org/2000/svg}polyline")
    assert len(line.get("points").split()) == 24
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "Recommended next" in page and "Due for review" in page and "@media print" in page
    saved = export(page, tmp_path / "amina.html")
    assert saved.read_text() == page


def test_the_cohort_report_covers_every_learner_and_escapes_names(cohort, tmp_path):
    rows = list(csv.reader(io.StringIO(cohort_csv(cohort))))
    assert [r[0] for r in rows[1:]] == ["Amina", "Baraka", "Chipo <x>"]
    assert [int(r[1]) for r in rows[1:]] == [24, 12, 6]
    page = cohort_html(cohort, generated=NOW)
    assert "Chipo &lt;x&gt;" in page and "Chipo <x>" not in page
    bars = _svgs(page)[0].findall("{http://www.w3.org/2000/svg}rect")
    assert len(bars) == 3
    export(cohort_csv(cohort), tmp_path / "cohort.csv")
    assert (tmp_path / "cohort.csv").read_text().startswith("learner,attempts")


def test_an_empty_history_still_gives_a_page(tmp_path):
    assert "No scored attempts yet" in learner_html("New", [], generated=NOW)
    assert learner_csv([]).strip() == ",".join(ATTEMPT_HEADER)


def test_export_refuses_a_wrong_name_or_folder(tmp_path):
    with pytest.raises(AssessError, match="ending in .csv or .html"):
        export("x", tmp_path / "report.exe")
    with pytest.raises(AssessError, match="does not exist"):
        export("x", tmp_path / "missing" / "r.csv")


def test_the_seeded_cohort_spans_weeks(cohort):
    history = cohort["Amina"]
    assert history[-1].finished_at - history[0].finished_at >= timedelta(days=20)
