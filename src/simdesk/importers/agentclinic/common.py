"""Shared pieces of the AgentClinic importer: the report, names, demographics, key paths."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from simdesk.core.cases.schema import DAYS_A_YEAR

SOURCE_REFERENCE = {
    "title": "AgentClinic: a multimodal agent benchmark to evaluate AI in simulated clinical "
    "environments (MedQA OSCE records)",
    "publisher": "AgentClinic project (Schmidgall et al.), MIT licence",
    "year": 2024,
    "url": "https://github.com/SamuelSchmidgall/AgentClinic",
}


NOT_PROVIDED = re.compile(
    r"^\s*((information|data)\s+)?(not\s+(provided|specified|available|applicable|mentioned|assessed"
    r"|recorded)|none\s+provided|n/?a)\.?\s*$",
    re.IGNORECASE,
)

# Examination: keyword in a key -> region. The most specific key in the path wins.


FEMALE_NAMES = ["Amina", "Grace", "Fatima", "Esther", "Priya", "Wanjiru", "Ngozi", "Thandiwe"]


MALE_NAMES = ["Joseph", "Kofi", "Samuel", "Ravi", "Daniel", "Tendai", "Musa", "Emmanuel"]


class _PlainDumper(yaml.SafeDumper):
    """Writes shared lists out in full: case files are read by people, not only by parsers."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@dataclass
class ImportReport:
    """What one import did: cases written, records skipped, keys that mapped nowhere, vital
    signs the record does not give as a number (and what was used), and lab values whose unit
    is missing or not one of the analyte's (kept as the record's text)."""

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)
    units: list[str] = field(default_factory=list)


def slug(text: str, limit: int = 48) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-") or "x"


def human(key: str) -> str:
    return key.replace("_", " ").strip()


def _provided(value: Any) -> bool:
    return not (isinstance(value, str) and (not value.strip() or NOT_PROVIDED.match(value)))


@dataclass(frozen=True)
class Demographics:
    age_years: float
    sex: str
    carer: bool


# An age a record states with its unit ("2-day-old", "six hours post delivery"), kept in that
# unit: a 2-day-old is not "1 week old". Weeks of gestation ("born at 33 weeks") are no age.
_UNIT_DAYS = {"hour": 1 / 24, "day": 1.0, "week": 7.0}
_COUNT = r"(\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
_NEWBORN_AGE = re.compile(
    rf"\b{_COUNT}[- ](hour|day|week)s?([- ]old\b| (post delivery|after (birth|delivery)|of life))"
)
_COUNTS = {w: i for i, w in enumerate(_COUNT.strip("()").split("|")[1:], start=1)}


def parse_demographics(text: str) -> Demographics:
    lowered = text.lower()
    age = 30.0
    if m := _NEWBORN_AGE.search(lowered):
        n = int(m.group(1)) if m.group(1).isdigit() else _COUNTS[m.group(1)]
        age = n * _UNIT_DAYS[m.group(2)] / DAYS_A_YEAR
    elif m := re.search(r"(\d+(?:\.\d+)?)[- ](year|yr)", lowered):
        age = float(m.group(1))
    elif m := re.search(r"(\d+)[- ]month", lowered):
        age = round(int(m.group(1)) / 12, 2)
    elif "newborn" in lowered or "neonate" in lowered:
        age = 0.0  # a newborn without a stated age: "newborn", no invented number
    female = re.search(r"\b(female|woman|girl|lady|mother)\b", lowered)
    male = re.search(r"\b(male|man|boy|gentleman)\b", lowered)
    sex = "female" if female and not (male and male.start() < female.start()) else "male"
    if not female and not male:
        sex = "female"
    return Demographics(age, sex, carer=age < 12)


def _leaves(node: Any, path: list[str]) -> list[tuple[list[str], str]]:
    if isinstance(node, dict):
        out = []
        for key, value in node.items():
            out += _leaves(value, [*path, key])
        return out
    if isinstance(node, list):
        return [(path, "; ".join(str(v) for v in node))]
    return [(path, str(node))]
