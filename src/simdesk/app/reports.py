"""Reports both front ends write: a learner's progress and an instructor's cohort.

The window's export and ``simdesk profiles report|cohort`` call these, so both give the same
report: generated at the same (UTC) time, with the review queue and the recommendations.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from simdesk.core.assess.attempts import AttemptResult
from simdesk.core.assess.learner import recommend
from simdesk.core.assess.reports import cohort_csv, cohort_html, learner_csv, learner_html
from simdesk.core.assess.review import due, schedule
from simdesk.core.cases.schema import Case
from simdesk.core.clock import utc_now


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
