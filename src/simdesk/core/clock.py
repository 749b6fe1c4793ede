"""Wall-clock time as simdesk keeps it: naive UTC (databases, reports, the learner model)."""

from __future__ import annotations

from datetime import datetime, timezone


def utc_now() -> datetime:
    """Now, in UTC, without a timezone (the form every stored time and report uses)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)
