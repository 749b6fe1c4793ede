"""Problems in YAML files, each with file, line and YAML path; reading a file into a model.

The base the case checks (:mod:`simdesk.core.cases.validate`) and the catalogs
(:mod:`simdesk.core.cases.catalog`) both build on: it imports neither. Schema problems come from
pydantic; a file's own ``checks`` add what a schema cannot see. Lines come from the YAML node
marks (``yaml.compose``).
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from simdesk.core.cases.schema import VITAL_LIMITS
from simdesk.core.errors import CaseError

Loc = tuple[int | str, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)
Checks = Callable[[dict], Iterable[tuple[Loc, str]]]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where, and why in plain words."""

    path: Path
    line: int | None
    where: str
    reason: str
    warning: bool = False  # playable, but probably not what the author meant

    def __str__(self) -> str:
        line = f":{self.line}" if self.line else ""
        kind = "warning: " if self.warning else ""
        return f"{self.path}{line}: {self.where}: {kind}{self.reason}"


class CaseInvalid(CaseError):
    """A case or catalog file with problems; ``problems`` lists every one."""

    def __init__(self, path: Path, problems: list[Problem], kind: str = "Case file") -> None:
        lines = "\n  ".join(str(p) for p in problems)
        super().__init__(
            f"{kind} {path} has {len(problems)} problem(s):\n  {lines}",
            "Correct these fields; `simdesk cases validate` re-checks the file.",
            path=path,
        )
        self.problems = problems


def yaml_path(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


class Lines:
    """YAML path -> line number, from the composed node tree."""

    def __init__(self, text: str) -> None:
        self.lines: dict[Loc, int] = {}
        try:
            root = yaml.compose(text, Loader=yaml.SafeLoader)
        except yaml.YAMLError:
            root = None
        if root is not None:
            self._walk(root, ())

    def _walk(self, node: yaml.Node, loc: Loc) -> None:
        self.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                child = (*loc, key.value)
                self.lines[child] = key.start_mark.line + 1
                self._walk(value, child)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                self._walk(item, (*loc, index))

    def line(self, loc: Loc) -> int | None:
        for end in range(len(loc), -1, -1):
            if loc[:end] in self.lines:
                return self.lines[loc[:end]]
        return None


def _model_at(model: type[BaseModel], loc: Loc) -> type[BaseModel] | None:
    """The pydantic model class found at a path inside ``model`` (for naming allowed keys)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = _inner_model(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def _reason(model: type[BaseModel], error: dict) -> str:
    loc = tuple(p for p in error["loc"] if p != "[key]")
    kind = error["type"]
    if kind == "extra_forbidden":
        owner = _model_at(model, loc[:-1])
        allowed = sorted(owner.model_fields) if owner else []
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        hint = f" - did you mean '{close[0]}'?" if close else ""
        return f"unknown key '{loc[-1]}'{hint} (allowed here: {', '.join(allowed)})"
    if kind == "missing":
        return "required field is missing"
    if loc[:1] == ("vitals",) and len(loc) == 2 and str(loc[1]) in VITAL_LIMITS:
        low, high = VITAL_LIMITS[str(loc[1])]
        return f"{error['input']!r} is outside the physiological range {low:g} to {high:g}"
    return str(error["msg"]).removeprefix("Value error, ")


def read_yaml(path: Path, kind: str) -> tuple[Any, str]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CaseError(
            f"Cannot read {kind} {path}: {exc.strerror or exc}",
            "Check that the file exists and is readable.",
            path=path,
        ) from exc
    except UnicodeDecodeError as exc:
        raise CaseError(
            f"{kind.capitalize()} {path} is not UTF-8 text ({exc.reason}).",
            "Save the file as UTF-8 text.",
            path=path,
        ) from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CaseError(
            f"{kind.capitalize()} {path} is not valid YAML{where}: {getattr(exc, 'problem', exc)}",
            "Fix the YAML syntax (indentation, quotes, colons) and reload.",
            path=path,
        ) from exc
    if not isinstance(data, dict):
        raise CaseError(
            f"{kind.capitalize()} {path} does not hold a mapping at the top level.",
            "Start the file from a bundled one in cases/ as a template.",
            path=path,
        )
    return data, text


def schema_problems(
    path: Path, data: dict, model: type[ModelT], lines: Lines
) -> tuple[ModelT | None, list[Problem]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if p != "[key]")
            problems.append(Problem(path, lines.line(loc), yaml_path(loc), _reason(model, error)))
        return None, problems


def load_yaml_model(
    path: Path, model: type[ModelT], *, kind: str, checks: Checks | None = None
) -> ModelT:
    """Load one YAML file into ``model``; :class:`CaseInvalid` lists every problem.

    ``checks`` adds what the schema cannot see (cross-references, names that collide): it reads
    the raw data and yields ``(YAML path, reason)`` pairs, reported with their lines.
    """
    data, text = read_yaml(path, kind)
    lines = Lines(text)
    result, problems = schema_problems(path, data, model, lines)
    if checks is not None:
        problems += [
            Problem(path, lines.line(loc), yaml_path(loc), why) for loc, why in checks(data)
        ]
    if problems:
        raise CaseInvalid(path, problems, kind=kind.capitalize())
    assert result is not None
    return result


# --- reading raw data --------------------------------------------------------------------


def items_at(data: Any, *keys: str) -> Iterator[tuple[Loc, dict]]:
    """``(loc, item)`` for each mapping in the list at ``data[keys…]``."""
    node = data
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, dict):
                yield (*keys, index), item


def strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def duplicates(
    items: list[tuple[Loc, dict]], field: str, what: str = "id"
) -> Iterator[tuple[Loc, str]]:
    first: dict[Any, Loc] = {}
    for loc, item in items:
        value = item.get(field)
        if not isinstance(value, str):
            continue
        if value in first:
            yield (*loc, field), f"duplicate {what} '{value}' (also at {yaml_path(first[value])})"
        else:
            first[value] = loc


def dangling(ref: Any, what: str, known) -> str:
    close = difflib.get_close_matches(str(ref), [k for k in known if isinstance(k, str)], n=1)
    hint = f" - did you mean '{close[0]}'?" if close else ""
    return f"unknown {what} '{ref}'{hint}"
