"""Reading one case file into a validated :class:`Case`, or a :class:`CaseError` that says why."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import ValidationError

from simdesk.core.cases.schema import Case
from simdesk.core.errors import CaseError


def _yaml_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def load_case(path: Path | str) -> Case:
    """Load and validate a case file; :class:`CaseError` names the file and every problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseError(
            f"Cannot read case file {path}: {exc.strerror or exc}",
            "Check that the file exists and is readable.",
            path=path,
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CaseError(
            f"Case file {path} is not valid YAML{where}: {getattr(exc, 'problem', exc)}",
            "Fix the YAML syntax (indentation, quotes, colons) and reload.",
            path=path,
        ) from exc
    if not isinstance(data, dict):
        raise CaseError(
            f"Case file {path} does not hold a case (expected a mapping at the top level).",
            "Start the file from a bundled case in cases/ as a template.",
            path=path,
        )
    try:
        return Case.model_validate(data)
    except ValidationError as exc:
        problems = [f"{_yaml_path(err['loc'])}: {err['msg']}" for err in exc.errors()]
        raise CaseError(
            f"Case file {path} has {len(problems)} problem(s):\n  " + "\n  ".join(problems),
            "Correct these fields; `simdesk cases validate` re-checks the file.",
            path=path,
        ) from exc
