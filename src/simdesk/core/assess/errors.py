"""The typed error of assessment: bad input to scoring, matching, scheduling or reports."""

from __future__ import annotations

from simdesk.core.errors import SimdeskError


class AssessError(SimdeskError):
    """An attempt, a differential or a history that assessment cannot use, with the fix."""
