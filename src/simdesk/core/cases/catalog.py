"""The catalogs cases refer to: investigations, treatments and examination regions.

A case names tests by catalog ``code`` and analytes by catalog ``key``; whatever a case does not
specify is read from here: reference ranges by age and sex, a normal result for a test the case
leaves out, the normal finding for an unlisted region, and whether a test exists at the case's
site level at all.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field

from simdesk.core.cases.problems import Loc, duplicates, items_at, load_yaml_model, strings
from simdesk.core.cases.schema import ExamRegion, Manoeuvre, Setting, StrictModel
from simdesk.core.paths import bundled_cases_dir, project_root
from simdesk.core.text import name_key

Sex = Literal["female", "male"]


class ReferenceRange(StrictModel):
    """One row of an analyte's ranges; the first row that fits the patient wins."""

    low: float
    high: float
    sex: Sex | None = None
    max_age_years: float | None = Field(default=None, gt=0)

    def fits(self, age_years: float, sex: str) -> bool:
        if self.sex is not None and self.sex != sex:
            return False
        return self.max_age_years is None or age_years <= self.max_age_years


class Analyte(StrictModel):
    key: str
    name: str
    unit: str
    ranges: list[ReferenceRange] = Field(min_length=1)

    def range_for(self, age_years: float, sex: str) -> ReferenceRange:
        """The reference range for a patient: the first fitting row, else the last row."""
        for row in self.ranges:
            if row.fits(age_years, sex):
                return row
        return self.ranges[-1]


class TestEntry(StrictModel):
    code: str
    name: str
    synonyms: list[str] = []
    category: str
    turnaround_minutes: int = Field(ge=0)
    cost_usd: float = Field(ge=0)
    availability: list[Setting] = []
    sexes: list[Sex] = []  # empty: any sex
    analytes: list[Analyte] = []
    normal_report: str | None = None

    def analyte(self, key: str) -> Analyte | None:
        return next((a for a in self.analytes if a.key == key), None)

    def available_at(self, setting: str) -> bool:
        return setting in self.availability


class InvestigationCatalog(StrictModel):
    schema_version: Literal[1]
    tests: list[TestEntry]


class TreatmentEntry(StrictModel):
    code: str
    name: str
    category: str
    synonyms: list[str] = []
    # Fluids: the regimen this entry stands for; an order naming a crystalloid with its volume
    # and rate is read as the entry of that regimen.
    regimen: Literal["bolus", "maintenance", "plan_c"] | None = None
    # Names this drug shares with an entry for another indication (magnesium sulfate for asthma
    # and for eclampsia): an order using one goes to the entry the case uses.
    shared_names: list[str] = []
    # How long the relief of a symptom takes to come and how long it lasts (an analgesic eases
    # pain; see ``simdesk.core.sim.state``). Analgesics without them get the state's defaults.
    onset_minutes: int | None = Field(default=None, ge=0)
    lasts_minutes: int | None = Field(default=None, ge=1)


class TreatmentCatalog(StrictModel):
    schema_version: Literal[1]
    treatments: list[TreatmentEntry]
    crystalloids: list[str] = []  # names of IV crystalloids, read with a volume and rate


class RegionEntry(StrictModel):
    synonyms: list[str] = []
    normal: dict[Manoeuvre, str] = Field(min_length=1)
    # Regions about the same parts of the body (the limbs are both "musculoskeletal" and
    # "extremities"): a case's finding filed under one is what the other shows by that
    # manoeuvre, not this region's normal line.
    shares_findings_with: list[ExamRegion] = []


class ExamCatalog(StrictModel):
    schema_version: Literal[1]
    regions: dict[ExamRegion, RegionEntry]
    # How learners ask for the vital signs as an examination ("obs", "BP and pulse").
    vital_signs: list[str] = []


@dataclass(frozen=True)
class AnalyteValue:
    """One line of a result, with the patient's reference range and a flag (H, L or blank)."""

    key: str
    name: str
    value: float | str
    unit: str
    low: float | None
    high: float | None

    @property
    def flag(self) -> str:
        if not isinstance(self.value, float | int) or self.low is None or self.high is None:
            return ""
        return "H" if self.value > self.high else "L" if self.value < self.low else ""

    def line(self) -> str:
        value = f"{self.value:g}" if isinstance(self.value, float | int) else self.value
        ref = f" ({self.low:g}-{self.high:g})" if self.low is not None else ""
        flag = f" {self.flag}" if self.flag else ""
        return f"{self.name}: {value} {self.unit}".rstrip() + ref + flag


def normal_value(analyte: Analyte, age_years: float, sex: str, seed: int) -> float:
    """A value inside the patient's range, the same for the same seed, analyte and patient."""
    row = analyte.range_for(age_years, sex)
    rng = random.Random(f"{seed}:{analyte.key}:{age_years}:{sex}")
    value = row.low + (row.high - row.low) * rng.uniform(0.3, 0.7)
    span = row.high - row.low
    digits = 0 if span >= 20 else 1 if span >= 1 else 2
    return round(value, digits)


@dataclass(frozen=True)
class Catalog:
    """The three catalogs, with lookups by code and by the words learners use."""

    investigations: InvestigationCatalog
    treatments: TreatmentCatalog
    examination: ExamCatalog

    @functools.cached_property
    def tests_by_code(self) -> dict[str, TestEntry]:
        return {t.code: t for t in self.investigations.tests}

    @functools.cached_property
    def treatments_by_code(self) -> dict[str, TreatmentEntry]:
        return {t.code: t for t in self.treatments.treatments}

    @functools.cached_property
    def _test_names(self) -> dict[str, str]:
        return _names_index(
            (t.code, [t.code, t.name, *t.synonyms]) for t in self.investigations.tests
        )

    @functools.cached_property
    def _treatment_names(self) -> dict[str, str]:
        return _names_index(
            (t.code, [t.code, t.name, *t.synonyms]) for t in self.treatments.treatments
        )

    def test(self, code: str) -> TestEntry | None:
        return self.tests_by_code.get(code)

    def treatment(self, code: str) -> TreatmentEntry | None:
        return self.treatments_by_code.get(code)

    def test_named(self, text: str) -> TestEntry | None:
        """The test whose code, name or synonym is exactly ``text`` (case and spacing aside)."""
        code = self._test_names.get(name_key(text))
        return self.tests_by_code[code] if code else None

    def treatment_named(self, text: str) -> TreatmentEntry | None:
        code = self._treatment_names.get(name_key(text))
        return self.treatments_by_code[code] if code else None

    def normal_finding(self, region: str, manoeuvre: str | None = None) -> tuple[str, str]:
        """``(manoeuvre, text)`` of the catalog's normal finding (inspection if unspecified)."""
        normal = self.examination.regions[region].normal
        if manoeuvre in normal:
            return manoeuvre, normal[manoeuvre]
        first = "inspection" if "inspection" in normal else next(iter(normal))
        return first, normal[first]


def _names_index(entries) -> dict[str, str]:
    index: dict[str, str] = {}
    for code, names in entries:
        for name in names:
            index.setdefault(name_key(name), code)
    return index


def _name_problems(key: str):
    """The checks of a catalog whose entries (under ``key``) have a code, a name and synonyms:
    duplicate codes, and a name or synonym that points at two different entries."""

    def check(data: dict) -> Iterator[tuple[Loc, str]]:
        items = list(items_at(data, key))
        yield from duplicates(items, "code", what="code")
        owner: dict[str, str] = {}
        for loc, item in items:
            code = item.get("code")
            names = [code, item.get("name"), *strings(item.get("synonyms"))]
            for n, name in enumerate(names):
                if not isinstance(name, str) or not isinstance(code, str):
                    continue
                norm = name_key(name)
                if owner.setdefault(norm, code) != code:
                    where = (*loc, "synonyms", n - 2) if n >= 2 else (*loc, "name")
                    why = f"'{name}' already names {owner[norm]}; a name must point at one entry"
                    yield where, why

    return check


# field of :class:`Catalog` -> (file name, model, the checks beyond its schema)
CATALOG_FILES = {
    "investigations": ("investigations.yaml", InvestigationCatalog, _name_problems("tests")),
    "treatments": ("treatments.yaml", TreatmentCatalog, _name_problems("treatments")),
    "examination": ("examination.yaml", ExamCatalog, None),
}


def default_catalog_dir() -> Path:
    """``catalog/`` beside the bundled cases, or the source checkout's when that has none."""
    folder = bundled_cases_dir() / "catalog"
    root = project_root()
    if not folder.is_dir() and root is not None:
        folder = root / "cases" / "catalog"
    return folder


def load_catalog(folder: Path | None = None) -> Catalog:
    """Load and validate the three catalog files (cached per folder and file times)."""
    folder = (folder or default_catalog_dir()).resolve()
    stamps = tuple(_mtime(folder / name) for name, _, _ in CATALOG_FILES.values())
    return _load_catalog(folder, stamps)


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return -1


@functools.lru_cache(maxsize=4)
def _load_catalog(folder: Path, _stamps: tuple[int, ...]) -> Catalog:
    parts = {
        field: load_yaml_model(folder / name, model, kind="catalog file", checks=checks)
        for field, (name, model, checks) in CATALOG_FILES.items()
    }
    return Catalog(**parts)
