"""Checking case and catalog files, reporting every problem with file, line and YAML path.

Schema problems come from pydantic; cross-references (rubric -> ids, treatment and test codes,
analyte keys and units, duplicate ids) are checked here on the raw data, so one pass reports
both kinds. Lines come from the YAML node marks (``yaml.compose``).
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from simdesk.core.cases.schema import VITAL_LIMITS, Case
from simdesk.core.cases.topics import text_topics
from simdesk.core.errors import CaseError

Loc = tuple[int | str, ...]
ModelT = TypeVar("ModelT", bound=BaseModel)


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


class _Lines:
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


def _read(path: Path, kind: str) -> tuple[Any, str]:
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


def _schema_problems(
    path: Path, data: dict, model: type[ModelT], lines: _Lines
) -> tuple[ModelT | None, list[Problem]]:
    try:
        return model.model_validate(data), []
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if p != "[key]")
            problems.append(Problem(path, lines.line(loc), yaml_path(loc), _reason(model, error)))
        return None, problems


def load_yaml_model(path: Path, model: type[ModelT], *, kind: str) -> ModelT:
    """Load one YAML file into ``model``; :class:`CaseInvalid` lists every problem."""
    data, text = _read(path, kind)
    lines = _Lines(text)
    result, problems = _schema_problems(path, data, model, lines)
    if model.__name__ == "InvestigationCatalog":
        problems += _catalog_problems(path, data, lines, "tests")
    elif model.__name__ == "TreatmentCatalog":
        problems += _catalog_problems(path, data, lines, "treatments")
    if problems:
        raise CaseInvalid(path, problems, kind=kind.capitalize())
    assert result is not None
    return result


def check_case_file(path: Path | str, catalog=None) -> tuple[Case | None, list[Problem]]:
    """Validate a case file: the case (None if any error) and every problem found in it."""
    from simdesk.core.cases.catalog import load_catalog

    path = Path(path)
    data, text = _read(path, "case file")
    lines = _Lines(text)
    case, problems = _schema_problems(path, data, Case, lines)
    catalog = catalog or load_catalog()
    problems += [
        Problem(path, lines.line(loc), yaml_path(loc), reason)
        for loc, reason in _cross_reference_problems(data, catalog)
    ]
    problems += [
        Problem(path, lines.line(loc), yaml_path(loc), reason, warning=True)
        for loc, reason in _warnings(data, catalog)
    ]
    problems.sort(key=lambda p: (p.line or 0, p.where))
    errors = [p for p in problems if not p.warning]
    return (None if errors else case), problems


def _warnings(data: dict, catalog) -> Iterator[tuple[Loc, str]]:
    """Facts no question can reach; rubric items that ask for a test the site cannot do."""
    yield from _unreachable_facts(data)
    setting = data.get("meta", {}).get("setting") if isinstance(data.get("meta"), dict) else None
    for loc, item in _items(data, "answer_key", "rubric"):
        for n, code in enumerate(_strings(item.get("tests"))):
            entry = catalog.test(code)
            if entry is not None and setting and not entry.available_at(str(setting)):
                yield (
                    (*loc, "tests", n),
                    (
                        f"{code} is not available at a {str(setting).replace('_', ' ')} in the "
                        "catalog, so ordering it will be refused"
                    ),
                )


def _unreachable_facts(data: dict) -> Iterator[tuple[Loc, str]]:
    """A fact without cues whose category and words give it no history topic: only a question
    repeating its own words reaches it."""
    for loc, fact in _items(data, "facts"):
        if fact.get("cues") or fact.get("topics"):
            continue
        text = f"{fact.get('content', '')} {fact.get('patient_says', '')}"
        if not text_topics(text, str(fact.get("category", ""))):
            yield (
                loc,
                "no question category reaches this fact (its category and words give it no "
                "history topic); add `topics` or a few `cues`",
            )


# --- cross-reference checks on the raw data ------------------------------------------------


def _dose_problems(data: dict, treatments) -> Iterator[tuple[Loc, str]]:
    """Dose rules name catalog treatments, units the order reader knows, and a weight for
    doses per kg."""
    from simdesk.core.sim.orders import parse_unit

    management = data.get("answer_key", {}).get("management", {}) if isinstance(
        data.get("answer_key"), dict) else {}  # fmt: skip
    weight = management.get("weight_kg") if isinstance(management, dict) else None
    for loc, item in _items(data, "answer_key", "management", "doses"):
        code = item.get("treatment")
        if isinstance(code, str) and code not in treatments:
            yield (*loc, "treatment"), _dangling(code, "treatment code", treatments)
        unit = item.get("unit")
        parsed = parse_unit(unit) if isinstance(unit, str) else None
        if isinstance(unit, str) and parsed is None:
            yield (
                (*loc, "unit"),
                (
                    f"unknown dose unit {unit!r}: use g, mg, mcg, unit, ml, mmol or vial, "
                    "optionally with /kg and /h, /min or /day"
                ),
            )
        elif parsed and parsed[1] and not weight:
            yield (*loc, "unit"), (f"a dose per kg ({unit}) needs answer_key.management.weight_kg")


def _items(data: Any, *keys: str) -> Iterator[tuple[Loc, dict]]:
    """``(loc, item)`` for each mapping in the list at ``data[keys…]``."""
    node = data
    for key in keys:
        node = node.get(key) if isinstance(node, dict) else None
    if isinstance(node, list):
        for index, item in enumerate(node):
            if isinstance(item, dict):
                yield (*keys, index), item


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _cross_reference_problems(data: dict, catalog) -> Iterator[tuple[Loc, str]]:
    facts = list(_items(data, "facts"))
    findings = list(_items(data, "examination", "findings"))
    expected = list(_items(data, "answer_key", "management", "expected_actions"))
    harmful = list(_items(data, "answer_key", "management", "harmful_actions"))
    rubric = list(_items(data, "answer_key", "rubric"))
    rules = list(_items(data, "physiology", "rules"))
    investigations = list(_items(data, "investigations"))

    # Facts, findings and actions share one namespace (events and sources name them by id);
    # rubric items and physiology rules each have their own.
    for group in ([*facts, *findings, *expected, *harmful], rubric, rules):
        yield from _duplicates(group, "id")
    yield from _duplicates(investigations, "code", what="test code")

    ids = {
        "facts": {i.get("id") for _, i in facts},
        "exams": {i.get("id") for _, i in findings},
        "actions": {i.get("id") for _, i in expected},
    }
    case_tests = {i.get("code") for _, i in investigations}
    for loc, item in rubric:
        for field, known in ids.items():
            for n, ref in enumerate(_strings(item.get(field))):
                if ref not in known:
                    yield (*loc, field, n), _dangling(ref, field.rstrip("s"), known)
        for n, code in enumerate(_strings(item.get("tests"))):
            if code not in case_tests and catalog.test(code) is None:
                yield (*loc, "tests", n), _dangling(code, "test code", catalog.tests_by_code)
        if not any(item.get(f) for f in ("facts", "exams", "tests", "actions", "diagnosis")):
            yield (
                loc,
                "rubric item refers to nothing (no facts, exams, tests, actions or diagnosis)",
            )
    if isinstance(data.get("answer_key"), dict):
        weights = [i.get("weight") for _, i in rubric]
        total = sum(w for w in weights if isinstance(w, int | float))
        if not rubric:
            yield ("answer_key", "rubric"), "no rubric: the debrief would have nothing to score"
        elif total <= 0:
            yield ("answer_key", "rubric"), f"rubric weights total {total:g}; must be positive"

    treatments = catalog.treatments_by_code
    for loc, item in expected:
        for field in ("any_of", "and_any_of"):
            for n, code in enumerate(_strings(item.get(field))):
                if code not in treatments:
                    yield (*loc, field, n), _dangling(code, "treatment code", treatments)
    for loc, item in harmful:
        code = item.get("treatment")
        if isinstance(code, str) and code not in treatments:
            yield (*loc, "treatment"), _dangling(code, "treatment code", treatments)
    yield from _dose_problems(data, treatments)
    for loc, item in rules:
        code = item.get("treatment")
        if isinstance(code, str) and code not in treatments:
            yield (*loc, "treatment"), _dangling(code, "treatment code", treatments)
        for n, code in enumerate(_strings(item.get("unless_given"))):
            if code not in treatments:
                yield (*loc, "unless_given", n), _dangling(code, "treatment code", treatments)

    for loc, item in _items(data, "teaching", "nudges"):
        for field, known, what in (
            ("when_treatment", {*treatments, "*"}, "treatment code"),
            ("unless_facts", ids["facts"], "fact"),
            ("unless_exams", ids["exams"], "exam"),
        ):
            for n, ref in enumerate(_strings(item.get(field))):
                if ref not in known:
                    yield (*loc, field, n), _dangling(ref, what, known)
        for field in ("when_order", "unless_tests"):
            for n, code in enumerate(_strings(item.get(field))):
                if code not in case_tests and catalog.test(code) is None:
                    yield (*loc, field, n), _dangling(code, "test code", catalog.tests_by_code)

    patient = data.get("patient") if isinstance(data.get("patient"), dict) else {}
    for loc, item in investigations:
        yield from _investigation_problems(loc, item, catalog, patient.get("sex"))


def _investigation_problems(loc: Loc, item: dict, catalog, sex: Any) -> Iterator[tuple[Loc, str]]:
    code = item.get("code")
    entry = catalog.test(code) if isinstance(code, str) else None
    results = [((*loc, *rloc), r) for rloc, r in _items(item, "results")]
    if entry is None:
        if not item.get("name") and isinstance(code, str):
            yield (
                (*loc, "code"),
                _dangling(code, "test code", catalog.tests_by_code)
                + (" (or give `name` for a test the catalog does not have)"),
            )
        elif not results and not item.get("report"):
            yield loc, "a test the catalog does not have needs `results` or a `report`"
        return
    if entry.sexes and sex in ("female", "male") and sex not in entry.sexes:
        yield (*loc, "code"), f"{code} is only done for {', '.join(entry.sexes)} patients"
    for rloc, result in results:
        key = result.get("analyte")
        analyte = entry.analyte(key) if isinstance(key, str) else None
        if analyte is None:
            keys = [a.key for a in entry.analytes]
            yield (*rloc, "analyte"), _dangling(key, f"analyte of {code}", keys)
            continue
        unit = result.get("unit")
        if unit is not None and unit != analyte.unit:
            yield (
                (*rloc, "unit"),
                (
                    f"unit '{unit}' does not match the catalog's unit '{analyte.unit}' for "
                    f"{code} {key}; convert the value to {analyte.unit}"
                ),
            )


def _duplicates(
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


def _dangling(ref: Any, what: str, known) -> str:
    close = difflib.get_close_matches(str(ref), [k for k in known if isinstance(k, str)], n=1)
    hint = f" - did you mean '{close[0]}'?" if close else ""
    return f"unknown {what} '{ref}'{hint}"


def _catalog_problems(path: Path, data: dict, lines: _Lines, key: str) -> list[Problem]:
    """Duplicate codes, and names or synonyms that point at two different entries."""
    from simdesk.core.cases.catalog import normalise

    problems = []
    items = list(_items(data, key))
    for loc, reason in _duplicates(items, "code", what="code"):
        problems.append(Problem(path, lines.line(loc), yaml_path(loc), reason))
    owner: dict[str, str] = {}
    for loc, item in items:
        code = item.get("code")
        names = [code, item.get("name"), *_strings(item.get("synonyms"))]
        for n, name in enumerate(names):
            if not isinstance(name, str) or not isinstance(code, str):
                continue
            norm = normalise(name)
            if owner.setdefault(norm, code) != code:
                where = (*loc, "synonyms", n - 2) if n >= 2 else (*loc, "name")
                problems.append(
                    Problem(
                        path, lines.line(where), yaml_path(where),
                        f"'{name}' already names {owner[norm]}; a name must point at one entry",
                    )
                )  # fmt: skip
    return problems
