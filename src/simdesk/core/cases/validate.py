"""Checking case files, reporting every problem with file, line and YAML path.

Schema problems come from pydantic; cross-references (rubric -> ids, treatment and test codes,
analyte keys and units, duplicate ids) are checked here on the raw data, so one pass reports
both kinds (:mod:`simdesk.core.cases.problems` reads the file and finds the lines).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.problems import (
    CaseInvalid,
    Lines,
    Loc,
    Problem,
    dangling,
    duplicates,
    items_at,
    read_yaml,
    schema_problems,
    strings,
    yaml_path,
)
from simdesk.core.cases.schema import Case
from simdesk.core.cases.topics import text_topics
from simdesk.core.cases.units import parse_unit

__all__ = ["CaseInvalid", "Problem", "check_case_file"]


def check_case_file(path: Path | str, catalog=None) -> tuple[Case | None, list[Problem]]:
    """Validate a case file: the case (None if any error) and every problem found in it."""
    path = Path(path)
    data, text = read_yaml(path, "case file")
    lines = Lines(text)
    case, problems = schema_problems(path, data, Case, lines)
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
    for loc, item in items_at(data, "answer_key", "rubric"):
        for n, code in enumerate(strings(item.get("tests"))):
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
    for loc, fact in items_at(data, "facts"):
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
    management = data.get("answer_key", {}).get("management", {}) if isinstance(
        data.get("answer_key"), dict) else {}  # fmt: skip
    weight = management.get("weight_kg") if isinstance(management, dict) else None
    for loc, item in items_at(data, "answer_key", "management", "doses"):
        code = item.get("treatment")
        if isinstance(code, str) and code not in treatments:
            yield (*loc, "treatment"), dangling(code, "treatment code", treatments)
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


def _cross_reference_problems(data: dict, catalog) -> Iterator[tuple[Loc, str]]:
    facts = list(items_at(data, "facts"))
    findings = list(items_at(data, "examination", "findings"))
    expected = list(items_at(data, "answer_key", "management", "expected_actions"))
    harmful = list(items_at(data, "answer_key", "management", "harmful_actions"))
    rubric = list(items_at(data, "answer_key", "rubric"))
    rules = list(items_at(data, "physiology", "rules"))
    investigations = list(items_at(data, "investigations"))

    # Facts, findings and actions share one namespace (events and sources name them by id);
    # rubric items and physiology rules each have their own.
    for group in ([*facts, *findings, *expected, *harmful], rubric, rules):
        yield from duplicates(group, "id")
    yield from duplicates(investigations, "code", what="test code")

    ids = {
        "facts": {i.get("id") for _, i in facts},
        "exams": {i.get("id") for _, i in findings},
        "actions": {i.get("id") for _, i in expected},
    }
    case_tests = {i.get("code") for _, i in investigations}
    for loc, item in rubric:
        for field, known in ids.items():
            for n, ref in enumerate(strings(item.get(field))):
                if ref not in known:
                    yield (*loc, field, n), dangling(ref, field.rstrip("s"), known)
        for n, code in enumerate(strings(item.get("tests"))):
            if code not in case_tests and catalog.test(code) is None:
                yield (*loc, "tests", n), dangling(code, "test code", catalog.tests_by_code)
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
            for n, code in enumerate(strings(item.get(field))):
                if code not in treatments:
                    yield (*loc, field, n), dangling(code, "treatment code", treatments)
    for loc, item in harmful:
        code = item.get("treatment")
        if isinstance(code, str) and code not in treatments:
            yield (*loc, "treatment"), dangling(code, "treatment code", treatments)
        for n, test in enumerate(strings(item.get("before_results"))):
            if catalog.test(test) is None and test not in case_tests:
                yield (*loc, "before_results", n), dangling(test, "test code", case_tests)
    yield from _dose_problems(data, treatments)
    for loc, item in rules:
        code = item.get("treatment")
        if isinstance(code, str) and code not in treatments:
            yield (*loc, "treatment"), dangling(code, "treatment code", treatments)
        for n, code in enumerate(strings(item.get("unless_given"))):
            if code not in treatments:
                yield (*loc, "unless_given", n), dangling(code, "treatment code", treatments)

    for loc, item in items_at(data, "teaching", "nudges"):
        for field, known, what in (
            ("when_treatment", {*treatments, "*"}, "treatment code"),
            ("unless_facts", ids["facts"], "fact"),
            ("unless_exams", ids["exams"], "exam"),
        ):
            for n, ref in enumerate(strings(item.get(field))):
                if ref not in known:
                    yield (*loc, field, n), dangling(ref, what, known)
        for field in ("when_order", "unless_tests"):
            for n, code in enumerate(strings(item.get(field))):
                if code not in case_tests and catalog.test(code) is None:
                    yield (*loc, field, n), dangling(code, "test code", catalog.tests_by_code)

    patient = data.get("patient") if isinstance(data.get("patient"), dict) else {}
    for loc, item in investigations:
        yield from _investigation_problems(loc, item, catalog, patient.get("sex"))


def _investigation_problems(loc: Loc, item: dict, catalog, sex: Any) -> Iterator[tuple[Loc, str]]:
    code = item.get("code")
    entry = catalog.test(code) if isinstance(code, str) else None
    results = [((*loc, *rloc), r) for rloc, r in items_at(item, "results")]
    if entry is None:
        if not item.get("name") and isinstance(code, str):
            yield (
                (*loc, "code"),
                dangling(code, "test code", catalog.tests_by_code)
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
            yield (*rloc, "analyte"), dangling(key, f"analyte of {code}", keys)
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
