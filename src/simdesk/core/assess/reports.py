"""What a learner's progress report and an instructor's cohort report say: their rows, as CSV.

The printable HTML pages are rendered from these rows by :mod:`simdesk.app.reports` (autoescaped
Jinja2 templates). Reports are built in memory; :func:`export` writes one only where the user
asks (an export leaves the encrypted store by design, so front ends should say so).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path

from simdesk.core.assess.attempts import AttemptResult, by_time
from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.scoring import DOMAINS
from simdesk.core.files import atomic_write


def _csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def pct(value: float | None) -> object:
    """A percent for a table cell: one decimal, blank when there is none."""
    return "" if value is None else round(value, 1)


def mean(values: Sequence[float]) -> float | None:
    """The mean to one decimal, None for no values."""
    return round(sum(values) / len(values), 1) if values else None


# ---- the learner's report ------------------------------------------------------------------------

ATTEMPT_HEADER = ["date", "case", "specialty", "difficulty", "percent", "safety capped",
                  "diagnosis", *DOMAINS]  # fmt: skip


def attempt_rows(history: Sequence[AttemptResult]) -> list[list[object]]:
    return [
        [r.finished_at.date().isoformat(), r.case_id, r.specialty, r.difficulty, r.percent,
         "yes" if r.capped else "no", r.diagnosis.replace("_", " "),
         *(pct(r.domains.get(d)) for d in DOMAINS)]
        for r in by_time(history)
    ]  # fmt: skip


def learner_csv(history: Sequence[AttemptResult]) -> str:
    """One row per attempt, oldest first, with the domain percents."""
    return _csv(ATTEMPT_HEADER, attempt_rows(history))


def missed_counts(history: Sequence[AttemptResult]) -> Counter[str]:
    return Counter(i.description for r in history for i in r.items if i.status != "met")


# ---- the instructor's cohort report --------------------------------------------------------------

COHORT_HEADER = ["learner", "attempts", "mean percent", "latest percent", "safety capped",
                 "last attempt", *DOMAINS]  # fmt: skip


def cohort_rows(cohort: Mapping[str, Sequence[AttemptResult]]) -> list[list[object]]:
    rows = []
    for name in sorted(cohort):
        history = by_time(cohort[name])
        domain_means = [
            mean([r.domains[d] for r in history if r.domains.get(d) is not None]) for d in DOMAINS
        ]
        rows.append([
            name, len(history), pct(mean([r.percent for r in history])),
            pct(history[-1].percent if history else None),
            sum(1 for r in history if r.capped),
            history[-1].finished_at.date().isoformat() if history else "",
            *(pct(v) for v in domain_means),
        ])  # fmt: skip
    return rows


def cohort_csv(cohort: Mapping[str, Sequence[AttemptResult]]) -> str:
    """One row per learner: attempts, mean and latest score, safety caps, domain means."""
    return _csv(COHORT_HEADER, cohort_rows(cohort))


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
