"""A learner's progress report and an instructor's cohort report, as CSV and printable HTML.

The HTML is one self-contained page: inline CSS and SVG charts drawn here, no script, no network.
Reports are built in memory; :func:`export` writes one only where the user asks (an export leaves
the encrypted store by design, so front ends should say so).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from html import escape
from pathlib import Path

from simdesk.core.assess.attempts import AttemptResult, by_time
from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.learner import Recommendation, mastery, progress
from simdesk.core.assess.review import ReviewItem
from simdesk.core.assess.scoring import DOMAINS, score_band
from simdesk.core.files import atomic_write

BAND_COLOURS = {"good": "#2e8b57", "fair": "#d89b2b", "poor": "#c0392b"}
CSS = """body{font-family:sans-serif;max-width:60em;margin:2em auto;color:#222}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%;font-size:.9em}
td,th{border:1px solid #ccc;padding:.25em .5em;text-align:left}
th{background:#f2f2f2}.num{text-align:right}svg{display:block;margin:.5em 0}
@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}
table,svg{page-break-inside:avoid}}"""


# ---- charts --------------------------------------------------------------------------------------


def line_chart(values: Sequence[float], *, width: int = 640, height: int = 220,
               label: str = "percent") -> str:  # fmt: skip
    """An SVG line chart of values in 0..100, oldest first, with 0/50/100 guides."""
    left, top, right, bottom = 40, 10, 10, 25
    plot_w, plot_h = width - left - right, height - top - bottom

    def y(v: float) -> float:
        return top + plot_h * (1 - v / 100)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'role="img" aria-label="{escape(label)} over time">']  # fmt: skip
    for guide in (0, 50, 100):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(guide):.1f}" '
                     f'y2="{y(guide):.1f}" stroke="#ddd"/>'
                     f'<text x="{left - 5}" y="{y(guide) + 4:.1f}" font-size="11" '
                     f'text-anchor="end">{guide}</text>')  # fmt: skip
    if values:
        step = plot_w / max(len(values) - 1, 1)
        points = " ".join(f"{left + i * step:.1f},{y(v):.1f}" for i, v in enumerate(values))
        parts.append(f'<polyline fill="none" stroke="#1f6fb2" stroke-width="2" points="{points}"/>')
        parts += [f'<circle cx="{left + i * step:.1f}" cy="{y(v):.1f}" r="2.5" fill="#1f6fb2"/>'
                  for i, v in enumerate(values)]  # fmt: skip
        parts.append(f'<text x="{left}" y="{height - 6}" font-size="11">attempt 1</text>'
                     f'<text x="{width - right}" y="{height - 6}" font-size="11" '
                     f'text-anchor="end">attempt {len(values)}</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(bars: Sequence[tuple[str, float]], *, width: int = 640, bar: int = 18) -> str:
    """An SVG horizontal bar chart of (label, value in 0..100)."""
    label_w, gap = 190, 6
    height = max(len(bars), 1) * (bar + gap) + gap
    plot_w = width - label_w - 50
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'role="img" aria-label="bar chart">']  # fmt: skip
    for i, (label, value) in enumerate(bars):
        y = gap + i * (bar + gap)
        colour = BAND_COLOURS[score_band(value)]
        parts.append(f'<text x="{label_w - 6}" y="{y + bar - 5}" font-size="12" '
                     f'text-anchor="end">{escape(label)}</text>'
                     f'<rect x="{label_w}" y="{y}" width="{plot_w * value / 100:.1f}" '
                     f'height="{bar}" fill="{colour}"/>'
                     f'<text x="{label_w + plot_w * value / 100 + 4:.1f}" y="{y + bar - 5}" '
                     f'font-size="12">{value:.0f}%</text>')  # fmt: skip
    parts.append("</svg>")
    return "".join(parts)


def _cell(value: object) -> str:
    if isinstance(value, int | float):
        return f'<td class="num">{value}</td>'
    return f"<td>{escape(str(value))}</td>"


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _page(title: str, subtitle: str, body: str) -> str:
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            f"<title>{escape(title)}</title><style>{CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1><p>{escape(subtitle)}</p>{body}</body></html>\n")  # fmt: skip


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _pct(value: float | None) -> object:
    return "" if value is None else round(value, 1)


def _mean(values: Sequence[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


# ---- the learner's report ------------------------------------------------------------------------

ATTEMPT_HEADER = ["date", "case", "specialty", "difficulty", "percent", "safety capped",
                  "diagnosis", *DOMAINS]  # fmt: skip


def _attempt_rows(history: Sequence[AttemptResult]) -> list[list[object]]:
    return [
        [r.finished_at.date().isoformat(), r.case_id, r.specialty, r.difficulty, r.percent,
         "yes" if r.capped else "no", r.diagnosis.replace("_", " "),
         *(_pct(r.domains.get(d)) for d in DOMAINS)]
        for r in by_time(history)
    ]  # fmt: skip


def learner_csv(history: Sequence[AttemptResult]) -> str:
    """One row per attempt, oldest first, with the domain percents."""
    return _csv(ATTEMPT_HEADER, _attempt_rows(history))


def _missed_counts(history: Sequence[AttemptResult]) -> Counter[str]:
    return Counter(i.description for r in history for i in r.items if i.status != "met")


def learner_html(
    name: str, history: Sequence[AttemptResult], *, generated: datetime,
    reviews: Sequence[ReviewItem] = (), recommendations: Sequence[Recommendation] = (),
) -> str:  # fmt: skip
    """The learner's printable progress page."""
    if not history:
        return _page(f"Progress of {name}", "No scored attempts yet.", "")
    points = progress(history)
    estimates = mastery(history)
    domain_bars = []
    for domain in DOMAINS:
        means = [m.mean for (d, _), m in estimates.items() if d == domain]
        if means:
            domain_bars.append((domain, 100 * sum(means) / len(means)))
    competencies = sorted(estimates.values(), key=lambda m: (m.specialty, m.domain))
    body = [
        f"<p>{len(history)} attempts; mean score {_mean([r.percent for r in history])}%; "
        f"latest {by_time(history)[-1].percent}%.</p>",
        "<h2>Score over time</h2>", line_chart([p.percent for p in points], label="score"),
        "<h2>Mastery by domain</h2>", bar_chart(domain_bars),
        "<h2>Mastery by competency</h2>",
        _table(["specialty", "domain", "mastery %", "uncertainty (sd) %", "attempts"],
               [[m.specialty, m.domain, round(100 * m.mean), round(100 * m.sd), m.attempts]
                for m in competencies]),
    ]  # fmt: skip
    if recommendations:
        rows = [[r.title, r.reason] for r in recommendations]
        body += ["<h2>Recommended next</h2>", _table(["case", "why"], rows)]
    if reviews:
        body += ["<h2>Due for review</h2>",
                 _table(["case", "item", "why it matters", "missed"],
                        [[r.case_id, r.item.description, r.item.teaching_point, r.lapses]
                         for r in reviews])]  # fmt: skip
    missed = _missed_counts(history).most_common(10)
    body += ["<h2>Most often missed</h2>", _table(["item", "times"], missed),
             "<h2>Attempts</h2>", _table(ATTEMPT_HEADER, _attempt_rows(history))]  # fmt: skip
    return _page(f"Progress of {name}", f"Generated {generated:%Y-%m-%d %H:%M}.", "".join(body))


# ---- the instructor's cohort report --------------------------------------------------------------

COHORT_HEADER = ["learner", "attempts", "mean percent", "latest percent", "safety capped",
                 "last attempt", *DOMAINS]  # fmt: skip


def _cohort_rows(cohort: Mapping[str, Sequence[AttemptResult]]) -> list[list[object]]:
    rows = []
    for name in sorted(cohort):
        history = by_time(cohort[name])
        domain_means = [
            _mean([r.domains[d] for r in history if r.domains.get(d) is not None]) for d in DOMAINS
        ]
        rows.append([
            name, len(history), _pct(_mean([r.percent for r in history])),
            _pct(history[-1].percent if history else None),
            sum(1 for r in history if r.capped),
            history[-1].finished_at.date().isoformat() if history else "",
            *(_pct(v) for v in domain_means),
        ])  # fmt: skip
    return rows


def cohort_csv(cohort: Mapping[str, Sequence[AttemptResult]]) -> str:
    """One row per learner: attempts, mean and latest score, safety caps, domain means."""
    return _csv(COHORT_HEADER, _cohort_rows(cohort))


def cohort_html(cohort: Mapping[str, Sequence[AttemptResult]], *, generated: datetime) -> str:
    """The instructor's printable cohort page."""
    rows = _cohort_rows(cohort)
    bars = [(row[0], row[2]) for row in rows if row[2] != ""]
    everyone = [r for history in cohort.values() for r in history]
    domain_bars = [
        (d, m) for d in DOMAINS
        for m in [_mean([r.domains[d] for r in everyone if r.domains.get(d) is not None])]
        if m is not None
    ]  # fmt: skip
    body = [
        f"<p>{len(cohort)} learners, {len(everyone)} scored attempts.</p>",
        "<h2>Mean score by learner</h2>", bar_chart(bars),
        "<h2>Cohort mean by domain</h2>", bar_chart(domain_bars),
        "<h2>Most often missed across the cohort</h2>",
        _table(["item", "times"], _missed_counts(everyone).most_common(10)),
        "<h2>Learners</h2>", _table(COHORT_HEADER, rows),
    ]  # fmt: skip
    return _page("Cohort report", f"Generated {generated:%Y-%m-%d %H:%M}.", "".join(body))


def export(text: str, path: Path) -> Path:
    """Write a report where the user asked, atomically; refuses to overwrite another file type."""
    path = Path(path)
    if path.suffix.lower() not in (".csv", ".html", ".htm"):
        raise AssessError(f"Cannot save a report as {path.name}.",
                          "Choose a file name ending in .csv or .html.", path=path)  # fmt: skip
    if not path.parent.is_dir():
        raise AssessError(f"The folder {path.parent} does not exist.",
                          "Choose an existing folder for the report.", path=path)  # fmt: skip
    atomic_write(path, text.encode("utf-8"))
    return path
