"""Reports: a learner's progress, an instructor's cohort, and the debrief of one attempt.

One service renders every report page: autoescaped Jinja2 templates in ``app/templates/``, so
whatever a learner typed (a name, a plan, a note) is text on the page, never markup. The window's
export and ``simdesk profiles report|cohort`` call these, so both give the same report: generated
at the same (UTC) time, with the review queue and the recommendations. The debrief's fragments
are Qt rich text (the window shows them and prints them to PDF).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from simdesk.core.assess.attempts import AttemptResult, by_time
from simdesk.core.assess.debrief import Debrief, missing_part
from simdesk.core.assess.learner import Recommendation, mastery, progress, recommend
from simdesk.core.assess.reports import (
    ATTEMPT_HEADER,
    COHORT_HEADER,
    attempt_rows,
    cohort_csv,
    cohort_rows,
    learner_csv,
    mean,
    missed_counts,
)
from simdesk.core.assess.review import ReviewItem, due, schedule
from simdesk.core.assess.scoring import DOMAINS, Score, score_band
from simdesk.core.cases.schema import Case
from simdesk.core.clock import utc_now

TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=True,  # every template, whatever its name: reports hold learners' own words
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["g"] = lambda value: f"{value:g}"  # 2.0 -> 2, 2.5 -> 2.5
BAND_COLOURS = {"good": "#2e8b57", "fair": "#d89b2b", "poor": "#c0392b"}


def render(template: str, **context: object) -> str:
    """A page or fragment from ``app/templates/<template>``, every value escaped."""
    return TEMPLATES.get_template(template).render(**context)


# ---- chart geometry (the templates draw it) -------------------------------------------------


@dataclass(frozen=True)
class LineChart:
    """Values in 0..100, oldest first, with 0/50/100 guides; coordinates as printed."""

    label: str
    width: int
    height: int
    left: int
    right: int  # x of the right edge of the plot
    guides: list[tuple[int, str, str]]  # (value, y, y of its label)
    points: list[tuple[str, str]]


def line_chart(values: Sequence[float], *, label: str, width: int = 640,
               height: int = 220) -> LineChart:  # fmt: skip
    left, top, right, bottom = 40, 10, 10, 25
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(v: float) -> float:
        return top + plot_h * (1 - v / 100)

    step = plot_w / max(len(values) - 1, 1)
    return LineChart(
        label, width, height, left, width - right,
        guides=[(g, f"{y(g):.1f}", f"{y(g) + 4:.1f}") for g in (0, 50, 100)],
        points=[(f"{left + i * step:.1f}", f"{y(v):.1f}") for i, v in enumerate(values)],
    )  # fmt: skip


@dataclass(frozen=True)
class Bar:
    label: str
    percent: str
    colour: str
    y: int
    text_y: int
    length: str
    value_x: str


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars of (label, value in 0..100), coloured by the score bands."""

    width: int
    height: int
    left: int  # where the bars start
    label_right: int  # where the labels end
    bar: int  # bar thickness
    bars: list[Bar]


def bar_chart(bars: Sequence[tuple[str, float]], *, width: int = 640, bar: int = 18) -> BarChart:
    label_w, gap = 190, 6
    plot_w = width - label_w - 50
    drawn = []
    for i, (label, value) in enumerate(bars):
        y = gap + i * (bar + gap)
        length = plot_w * value / 100
        drawn.append(Bar(label, f"{value:.0f}", BAND_COLOURS[score_band(value)], y,
                         y + bar - 5, f"{length:.1f}", f"{label_w + length + 4:.1f}"))  # fmt: skip
    height = max(len(bars), 1) * (bar + gap) + gap
    return BarChart(width, height, label_w, label_w - 6, bar, drawn)


# ---- the pages -------------------------------------------------------------------------------


def learner_html(
    name: str, history: Sequence[AttemptResult], *, generated: datetime,
    reviews: Sequence[ReviewItem] = (), recommendations: Sequence[Recommendation] = (),
) -> str:  # fmt: skip
    """The learner's printable progress page."""
    title = f"Progress of {name}"
    if not history:
        return render("learner_report.html", title=title, subtitle="No scored attempts yet.",
                      attempts=0)  # fmt: skip
    estimates = mastery(history)
    domain_bars = []
    for domain in DOMAINS:
        means = [m.mean for (d, _), m in estimates.items() if d == domain]
        if means:
            domain_bars.append((domain, 100 * sum(means) / len(means)))
    competencies = sorted(estimates.values(), key=lambda m: (m.specialty, m.domain))
    return render(
        "learner_report.html", title=title, subtitle=f"Generated {generated:%Y-%m-%d %H:%M}.",
        attempts=len(history), mean=mean([r.percent for r in history]),
        latest=by_time(history)[-1].percent,
        score_chart=line_chart([p.percent for p in progress(history)], label="score"),
        domain_chart=bar_chart(domain_bars),
        competencies=[[m.specialty, m.domain, round(100 * m.mean), round(100 * m.sd), m.attempts]
                      for m in competencies],
        recommendations=[[r.title, r.reason] for r in recommendations],
        reviews=[[r.case_id, r.item.description, r.item.teaching_point, r.lapses]
                 for r in reviews],
        missed=missed_counts(history).most_common(10),
        attempt_header=ATTEMPT_HEADER, attempt_rows=attempt_rows(history),
    )  # fmt: skip


def cohort_html(cohort: Mapping[str, Sequence[AttemptResult]], *, generated: datetime) -> str:
    """The instructor's printable cohort page."""
    rows = cohort_rows(cohort)
    everyone = [r for history in cohort.values() for r in history]
    domain_bars = [
        (d, m) for d in DOMAINS
        for m in [mean([r.domains[d] for r in everyone if r.domains.get(d) is not None])]
        if m is not None
    ]  # fmt: skip
    return render(
        "cohort_report.html", title="Cohort report",
        subtitle=f"Generated {generated:%Y-%m-%d %H:%M}.",
        learners=len(cohort), attempts=len(everyone),
        learner_chart=bar_chart([(row[0], row[2]) for row in rows if row[2] != ""]),
        domain_chart=bar_chart(domain_bars),
        missed=missed_counts(everyone).most_common(10),
        cohort_header=COHORT_HEADER, cohort_rows=rows,
    )  # fmt: skip


def learner_report(
    name: str, history: list[AttemptResult], cases: Sequence[Case], *, csv: bool,
    now: datetime | None = None,
) -> str:  # fmt: skip
    """The learner's progress report, as CSV or printable HTML with reviews and next cases."""
    if csv:
        return learner_csv(history)
    now = now or utc_now()
    deck = schedule(history)
    return learner_html(
        name, history, generated=now, reviews=due(deck, now),
        recommendations=recommend(history, list(cases), now, deck=deck),
    )  # fmt: skip


def cohort_report(
    cohort: Mapping[str, list[AttemptResult]], *, csv: bool, now: datetime | None = None
) -> str:
    """Every learner's scored attempts side by side, as CSV or printable HTML."""
    return cohort_csv(cohort) if csv else cohort_html(cohort, generated=now or utc_now())


# ---- the debrief of one attempt (Qt rich text) ---------------------------------------------

STATUS_MARKS = {"met": ("✔", "#2e7d4f"), "partial": ("◐", "#b7791f"), "missed": ("✘", "#c0392b")}
_ITEM_ORDER = {"missed": 0, "partial": 1, "met": 2}


def debrief_heading_html(debrief: Debrief, score: Score, *, colour: str, mode: str = "") -> str:
    """Case, score in ``colour`` (its band's), the safety cap, the diagnosis and the costs."""
    return render("debrief_heading.html", debrief=debrief, efficiency=score.efficiency,
                  colour=colour, mode=mode)  # fmt: skip


def debrief_narrative_html(text: str, *, by_model: bool) -> str:
    """The narrative, and whether the local model wrote it."""
    return render("debrief_narrative.html", text=text, by_model=by_model)


def _items_context(debrief: Debrief, score: Score, plan: str, notes: str,
                   printing: bool = False) -> dict:  # fmt: skip
    items = sorted(score.items, key=lambda i: (_ITEM_ORDER[i.status], -i.weight))
    return dict(debrief=debrief, items=items, marks=STATUS_MARKS, plan=plan, notes=notes,
                unnecessary=score.efficiency.unnecessary_tests, printing=printing,
                parts={i.id: missing_part(i) for i in items})  # fmt: skip


def debrief_items_html(debrief: Debrief, score: Score, *, plan: str = "", notes: str = "") -> str:
    """Rubric items missed first, with evidence linking to ``seq:N``; safety, tests not
    needed, the expected approach, and the learner's own plan and notes."""
    return render("debrief_items.html", **_items_context(debrief, score, plan, notes))


def transcript_html(debrief: Debrief, highlight: int | None = None) -> str:
    """The encounter line by line, anchors ``seqN``; ``highlight`` marks one line."""
    return render("debrief_transcript.html", debrief=debrief, highlight=highlight)


def debrief_print_html(
    debrief: Debrief, score: Score, *, colour: str, narrative: str, by_model: bool,
    plan: str = "", notes: str = "", mode: str = "", learner: str = "",
    when: datetime | None = None,
) -> str:  # fmt: skip
    """The whole debrief for print: who (``learner``), which case, when (``when``, naive UTC:
    the attempt's submission) and in which mode; heading, narrative, the two charts (images
    ``img:chart`` and ``img:vitals``), items without links and transcript. Nothing on paper
    can be clicked, so the screen's hints are left out."""
    return render(
        "debrief_print.html", efficiency=score.efficiency, colour=colour, mode=mode,
        text=narrative, by_model=by_model, highlight=None, learner=learner,
        when=f"{when:%Y-%m-%d %H:%M} UTC" if when is not None else "not recorded",
        **_items_context(debrief, score, plan, notes, printing=True),
    )  # fmt: skip
