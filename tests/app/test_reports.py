"""The one report service: learner, cohort and debrief pages from autoescaped templates.

Histories are real scored encounters on the bundled cases (tests/core/assess/seeded.py); the
debrief is built from a real encounter in which the learner typed markup.
"""

from __future__ import annotations

import re
from datetime import datetime
from xml.etree import ElementTree

import pytest

from simdesk.app.reports import (
    cohort_html,
    debrief_heading_html,
    debrief_items_html,
    debrief_print_html,
    learner_html,
    learner_report,
    transcript_html,
)
from simdesk.core.assess.debrief import build_debrief
from simdesk.core.assess.learner import recommend
from simdesk.core.assess.reports import export
from simdesk.core.assess.review import due, schedule
from simdesk.core.assess.scoring import score
from tests.core.assess.seeded import bundled_cases, play_script, seeded_history

NOW = datetime(2026, 11, 21, 12, 0)
SCRIPT = "<script>alert('x')</script>"


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
    assert len(charts[0].findall("{http://www.w3.org/2000/svg}circle")) == 24
    bars = charts[1].findall("{http://www.w3.org/2000/svg}rect")
    assert bars and all(0 <= float(b.get("width")) <= 400 for b in bars)
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    assert "Recommended next" in page and "Due for review" in page and "@media print" in page
    assert "Generated 2026-11-21 12:00." in page
    saved = export(page, tmp_path / "amina.html")
    assert saved.read_text() == page


def test_the_cohort_page_covers_every_learner_and_escapes_names(cohort):
    page = cohort_html(cohort, generated=NOW)
    assert "Chipo &lt;x&gt;" in page and "Chipo <x>" not in page
    bars = _svgs(page)[0].findall("{http://www.w3.org/2000/svg}rect")
    assert len(bars) == 3
    assert "3 learners, 42 scored attempts." in page


def test_an_empty_history_still_gives_a_page():
    page = learner_html("New", [], generated=NOW)
    assert "No scored attempts yet" in page and "<svg" not in page


def test_a_learners_markup_is_text_in_the_report(cohort, cases):
    """A name typed with a script in it is shown as text, never run (printable report)."""
    page = learner_report(SCRIPT, cohort["Baraka"], cases, csv=False, now=NOW)
    assert "<script" not in page
    assert "Progress of &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_a_learners_markup_is_text_in_the_debrief(cases):
    """Questions, plan and notes the learner typed are escaped in every debrief fragment."""
    case = next(c for c in cases if c.meta.id == "pulmonary-tb-miner")
    steps = [
        ("ask", f"{SCRIPT} how long have you had the cough"),
        ("ask", "any night sweats?"),
        ("plan", f"{SCRIPT} rest"),
        ("diagnose", [f"{SCRIPT} pulmonary tuberculosis"]),
    ]
    events = play_script(case, steps).events
    result = score(case, events)
    debrief = build_debrief(case, result, events)
    assert any(SCRIPT in e.text for e in debrief.timeline)  # the raw text reached the debrief
    fragments = {
        "heading": debrief_heading_html(debrief, result, colour="#2e7d4f"),
        "items": debrief_items_html(debrief, result, plan=f"{SCRIPT} rest", notes=SCRIPT),
        "transcript": transcript_html(debrief, highlight=debrief.timeline[0].seq),
        "print": debrief_print_html(debrief, result, colour="#2e7d4f", narrative=SCRIPT,
                                    by_model=False, plan=SCRIPT, notes=SCRIPT),
    }  # fmt: skip
    for name, html in fragments.items():
        assert "<script" not in html, name
    assert "&lt;script&gt;" in fragments["items"] and "&lt;script&gt;" in fragments["transcript"]
    assert "Your plan" in fragments["items"] and "Your notes" in fragments["items"]
    assert "background:#fff2a8" in fragments["transcript"]  # the followed line is marked
    sweats = next(e.seq for e in debrief.timeline if e.text == "any night sweats?")
    assert f"<a href='seq:{sweats}'>" in fragments["items"]  # evidence links to the transcript
