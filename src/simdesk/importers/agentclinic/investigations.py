"""The investigations builder: a record's free-form test results -> catalog tests (by name,
synonym, analyte, or as the engine reads an order) or case-local tests under their own name."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.wordtables import bundled_word_tables
from simdesk.core.sim.matching import TestMatcher
from simdesk.core.text import words
from simdesk.importers.agentclinic.common import ImportReport, _leaves, human, slug
from simdesk.importers.agentclinic.labvalues import convert, read_value, rounded, unit_key

_TABLES = bundled_word_tables("agentclinic_import")  # cases/catalog/agentclinic_import.yaml
# Keys that only group other results ("Blood_Tests", "Imaging") rather than name one test.
CONTAINER_WORDS = _TABLES.sets["container_words"]

# Result keys that name an analyte of a catalog test: (catalog code, analyte key).
ANALYTE_ALIASES: dict[str, tuple[str, str]] = {
    name: tuple(value.split(" ", 1))  # type: ignore[misc]
    for name, value in _TABLES.maps["analyte_aliases"].items()
}

# More spellings, read only under a key that names the analyte's catalog test.
PANEL_ANALYTE_ALIASES: dict[str, tuple[str, str]] = {
    **ANALYTE_ALIASES,
    **{
        name: tuple(value.split(" ", 1))  # type: ignore[misc]
        for name, value in _TABLES.maps["panel_analyte_aliases"].items()
    },
}
# Words of a result key that do not change the analyte it names ("Leukocyte_count").
_ANALYTE_FILLER = frozenset({"count", "total", "serum", "level", "levels"})

# Whole-panel names that the catalog's synonyms do not spell out.
PANEL_ALIASES = _TABLES.maps["panel_aliases"]


class CatalogIndex:
    """Test-name lookups over the validated catalog (names, codes and synonyms).

    ``catalog_file``: the investigations file of the catalog folder to use (default: bundled)."""

    def __init__(self, catalog_file: Path | None = None) -> None:
        self.catalog = load_catalog(catalog_file.parent if catalog_file else None)
        self.by_name: dict[str, str] = {}
        self.analytes: dict[str, dict[str, str]] = {}
        for test in self.catalog.investigations.tests:
            for name in (test.code, test.name, *test.synonyms):
                self.by_name.setdefault(self.norm(name), test.code)
            self.analytes[test.code] = {a.key: a.unit for a in test.analytes}
        for name, code in PANEL_ALIASES.items():
            self.by_name.setdefault(self.norm(name), code)

    @staticmethod
    def norm(name: str) -> str:
        return " ".join(words(name.replace("_", " ").replace("-", " ")))

    def test_code(self, key: str) -> str | None:
        """The catalog code a record key names: by exact name, else as the engine would read
        the key typed as an order ("Blood_Glucose_Level", "Arterial_Blood_Gases")."""
        exact = self.by_name.get(self.norm(key))
        if exact is not None or _is_container(key):
            return exact
        found = self._orders.match(human(key))
        return getattr(found, "code", None)

    @functools.cached_property
    def _orders(self) -> TestMatcher:
        return TestMatcher(self.catalog)

    def analyte(self, key: str) -> tuple[str, str] | None:
        """The (catalog code, analyte) a result key names on its own ("Creatinine")."""
        return ANALYTE_ALIASES.get(self.norm(key))

    def panel_analyte(self, key: str, code: str) -> str | None:
        """The analyte of catalog test ``code`` a result key under it names: as written, without
        the words that do not change the analyte ("Leukocyte_count", "Bilirubin_total"), with
        or without a final "s" ("Platelet_count"), or by a short spelling ("K", "PT")."""
        name = self.norm(key)
        bare = " ".join(w for w in name.split() if w not in _ANALYTE_FILLER)
        for form in dict.fromkeys((name, bare)):
            for spelling in (form, form + "s", form.removesuffix("s")):
                hit = PANEL_ANALYTE_ALIASES.get(spelling)
                if hit is not None and (hit[0] == code or hit[1] in self.analytes.get(code, {})):
                    return hit[1]  # "HCO3" under a blood gas is its bicarbonate
        return None


def _common_path(a: str, b: str) -> str:
    common = []
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        common.append(x)
    return "/".join(common)


def _is_container(key: str) -> bool:
    return all(w in CONTAINER_WORDS for w in CatalogIndex.norm(key).split())


@dataclass
class _TestDraft:
    code: str
    name: str | None
    source: str
    results: list[dict] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    shares: list[tuple[str, float]] = field(default_factory=list)  # (analyte, % of white cells)


def _import_tests(results: dict, index: CatalogIndex, report: ImportReport, where: str) -> list:
    drafts: dict[str, _TestDraft] = {}

    def draft(code: str, name: str | None, source: str) -> _TestDraft:
        """The draft for ``code``; results found under several keys share their common path."""
        test = drafts.setdefault(code, _TestDraft(code, name, source))
        test.source = _common_path(test.source, source)
        return test

    def add_leaf(test: _TestDraft, path: list[str], value: str, analyte: str | None) -> None:
        """The record's value into the result table in the catalog's unit when it converts
        exactly; its text stays in the report unless the table shows it as written."""
        label = human(path[-1]) if path[-1].lower() not in ("findings", "result") else ""
        line = f"{label}: {value}" if label else value
        catalog_unit = index.analytes.get(test.code, {}).get(analyte or "")
        reading = read_value(value) if analyte and catalog_unit is not None else None
        if analyte and catalog_unit is not None and reading is not None:
            number, why = convert(analyte, catalog_unit, reading, path[-1])
            if why == "%":
                test.shares.append((analyte, reading.number))
            elif number is None:
                key = "/".join(["Test_Results", *path])
                report.units.append(
                    f"{where}: {key} {value!r}: {why}; kept as the record's text, not converted"
                )
            elif all(r["analyte"] != analyte for r in test.results):
                test.results.append({"analyte": analyte, "value": number, "unit": catalog_unit})
                if unit_key(reading.unit) == unit_key(catalog_unit) and not reading.remark:
                    return
        test.lines.append(line)

    def walk(node: Any, path: list[str], current: _TestDraft | None) -> None:
        key = path[-1]
        hit = index.analyte(key)
        if current is None and hit is not None and not isinstance(node, dict):
            # A lone analyte ("Blood_Tests/Creatinine") joins the catalog test it belongs to.
            test = draft(hit[0], None, "/".join(["Test_Results", *path]))
            add_leaf(test, path, str(node), hit[1])
            return
        code = index.test_code(key)
        if code is not None:
            current = draft(code, None, "/".join(["Test_Results", *path]))
        elif current is None and not _is_container(key):
            local = slug(key).upper().replace("-", "_")
            current = draft(local, human(key), "/".join(["Test_Results", *path]))
            report.unmapped.append(f"{where}: test {'/'.join(path)} kept as {local!r}")
        if isinstance(node, dict):
            for child_key, child in node.items():
                if current is None:
                    walk(child, [*path, child_key], None)
                else:
                    nested = index.test_code(child_key)
                    if nested and nested != current.code and isinstance(child, dict):
                        walk(child, [*path, child_key], None)
                    else:
                        for leaf_path, value in _leaves(child, [*path, child_key]):
                            analyte = index.panel_analyte(leaf_path[-1], current.code)
                            add_leaf(current, leaf_path, value, analyte)
        elif current is not None:
            add_leaf(
                current,
                path,
                "; ".join(map(str, node)) if isinstance(node, list) else str(node),
                None,
            )

    for key, value in results.items():
        walk(value, [key], None)
    out = []
    for test in drafts.values():
        _add_counts_from_shares(test, index)
        if not test.results and not test.lines and test.name:
            continue  # an empty record key ("Special_Tests": {}) names no result
        item: dict[str, Any] = {"code": test.code}
        if test.name:
            item["name"] = test.name
        if test.results:
            item["results"] = test.results
        if index.analytes.get(test.code):
            item["others_normal"] = False  # the record's test gives what it gives
        if test.lines:
            item["report"] = " ".join(
                line if line.endswith(".") else line + "." for line in test.lines
            )
        item["source"] = test.source
        out.append(item)
    return out


def _add_counts_from_shares(test: _TestDraft, index: CatalogIndex) -> None:
    """A differential given as a share of the white cells ("Neutrophils: 82%") as a count, from
    the white cell count of the same test (12 x10^9/L -> 9.84); without one it stays text."""
    wbc = [r["value"] for r in test.results if r["analyte"] == "wbc"]
    units = index.analytes.get(test.code, {})
    for analyte, percent in test.shares if wbc else ():
        if analyte in units and all(r["analyte"] != analyte for r in test.results):
            count = rounded(wbc[0] * percent / 100)
            test.results.append({"analyte": analyte, "value": count, "unit": units[analyte]})


# A record's result that reads normal ("Negative", "Within normal limits", "No growth"; not "No
# fractures identified, but alignment suggests posterior dislocation").
_NORMAL_RESULT = re.compile(
    r"(?:negative|within (?:normal|reference) (?:limits|range)(?: for age)?|wnl|unremarkable"
    r"|non-?reactive|not (?:detected|seen|present|found)|absent|none(?: seen)?|clear|sterile"
    r"|(?:normal|no)\b(?!.*\b(?:but|however|except|although|suggest\w*|consistent)\b).*)",
    re.IGNORECASE,
)
# A record's line that gives no result ("Pending", "Not provided", "Can be considered if ...").
_NO_RESULT = re.compile(
    r"(?:pending|not (?:provided|specified|indicated|performed|available|done)|can be|expected)"
    r"\b.*",
    re.IGNORECASE,
)
_HIGH_OR_LOW = re.compile(
    r"\b(?:high|low|elevated|raised|increased|decreased|reduced|abnormal|positive)\b", re.I
)
_SENTENCE = re.compile(r"(?<=\.)\s+")


def _outside(
    index: CatalogIndex, code: str, analyte: str, value: float, age: float, sex: str
) -> bool | None:
    """Whether ``value`` (in the catalog's unit) lies outside the analyte's range for the
    patient; None when the catalog has no such analyte."""
    owner = index.catalog.test(code)
    entry = owner.analyte(analyte) if owner else None
    if entry is None:
        return None
    row = entry.range_for(age, sex)
    return not row.low <= value <= row.high


def _number_abnormal(
    test: dict, label: str, text: str, index: CatalogIndex, age: float, sex: str
) -> bool | None:
    """A bare number of the report read against the catalog's range for the analyte its label
    names ("Na: 122 mEq/L", "Partial Thromboplastin Time: 60 sec"; "CD4 T-lymphocyte: 36/mm3"
    under the CD4 test, whose one analyte it is), in the catalog's unit; None when no analyte or
    unit fits."""
    reading = read_value(text)
    code = test["code"]
    owner = index.catalog.test(code)
    found = index.panel_analyte(label, code) if label else None
    hit = (code, found) if found else index.analyte(label) if label else None
    if hit is None and label:  # a short name read under another test ("Na", "PTT")
        hit = PANEL_ANALYTE_ALIASES.get(index.norm(label))
    if hit is None and owner is not None and len(owner.analytes) == 1:
        hit = (code, owner.analytes[0].key)
    if reading is None or hit is None:
        return None
    unit = index.analytes.get(hit[0], {}).get(hit[1])
    if unit is None:
        return None
    number, _why = convert(hit[1], unit, reading, label)
    return None if number is None else _outside(index, hit[0], hit[1], number, age, sex)


def _line_abnormal(test: dict, line: str, index: CatalogIndex, age: float, sex: str) -> bool | None:
    """Whether one line of a record's result says something abnormal: True, False (it reads
    normal), or None (a number whose normal range the catalog does not give)."""
    label, _colon, value = line.rstrip(".").rpartition(": ")
    value = value.strip()
    if _NORMAL_RESULT.fullmatch(value):
        return False
    if _NO_RESULT.fullmatch(value):
        return None
    reading = read_value(value)
    if reading is None:
        return True  # words that are not normal: "Cloudy", "Positive", "Consolidation ..."
    if reading.remark:
        if _NORMAL_RESULT.fullmatch(reading.remark.strip(" .")):
            return False
        if _HIGH_OR_LOW.search(reading.remark):
            return True
    return _number_abnormal(test, label.strip(), value, index, age, sex)


def shows_abnormal(test: dict, index: CatalogIndex, age_years: float, sex: str) -> bool:
    """Whether an imported test's result is abnormal: a value outside the catalog's range for
    the patient's age and sex, or a line of the record's report that says something other than
    normal (a number is read against the catalog's range for the analyte it names; one the
    catalog has no range for says nothing either way)."""
    for result in test.get("results", []):
        value = result["value"]
        if isinstance(value, str):
            if not _NORMAL_RESULT.fullmatch(value.strip(" .")):
                return True
        elif _outside(index, test["code"], result["analyte"], value, age_years, sex):
            return True
    lines = _SENTENCE.split(test.get("report") or "")
    return any(_line_abnormal(test, line, index, age_years, sex) for line in lines if line.strip())
