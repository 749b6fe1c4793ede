"""Reading one case file into a validated :class:`Case`, or a :class:`CaseError` that says why."""

from __future__ import annotations

from pathlib import Path

from simdesk.core.cases.schema import Case
from simdesk.core.cases.validate import CaseInvalid, check_case_file


def load_case(path: Path | str, catalog=None) -> Case:
    """Load and validate a case file against the catalog.

    Raises :class:`CaseError` naming the file; :class:`CaseInvalid` lists every problem with its
    line and YAML path.
    """
    path = Path(path)
    case, problems = check_case_file(path, catalog)
    if case is None:
        raise CaseInvalid(path, [p for p in problems if not p.warning])
    assert case is not None
    return case
