"""Normal and alarm limits of the vital signs by age, read from ``cases/catalog/vital_bands.yaml``.

The monitor colours by them and the patient's answer to "how are you now" reads its trend from
them. They play no part in scoring. The file is checked on load like every catalog file: a row
whose alarm limits sit inside its normal ones, ages out of order or a missing open-ended last row
is an error naming the file and line.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator

from simdesk.core.cases.catalog import default_catalog_dir
from simdesk.core.cases.problems import Loc, load_yaml_model
from simdesk.core.cases.schema import StrictModel

NORMAL, WARNING, ALARM = "normal", "warning", "alarm"
VITALS = ("heart_rate", "systolic_bp", "resp_rate", "spo2", "temperature_c")


@dataclass(frozen=True)
class Band:
    """``(low, high)`` is normal; beyond ``(alarm_low, alarm_high)`` is an alarm."""

    low: float
    high: float
    alarm_low: float
    alarm_high: float

    def level(self, value: float) -> str:
        if value < self.alarm_low or value > self.alarm_high:
            return ALARM
        if value < self.low or value > self.high:
            return WARNING
        return NORMAL


class BandRow(StrictModel):
    below_age_years: float | None = Field(default=None, gt=0)  # None: every older patient
    normal: tuple[float, float]
    alarm: tuple[float, float]

    @model_validator(mode="after")
    def _nested(self) -> BandRow:
        (low, high), (alarm_low, alarm_high) = self.normal, self.alarm
        if not (alarm_low <= low < high <= alarm_high):
            raise ValueError(
                f"normal {low:g}-{high:g} must lie inside alarm {alarm_low:g}-{alarm_high:g}"
            )
        return self

    @property
    def band(self) -> Band:
        return Band(*self.normal, *self.alarm)


class VitalBands(StrictModel):
    schema_version: Literal[1]
    source: str = Field(min_length=1)  # the guideline the limits follow
    heart_rate: list[BandRow] = Field(min_length=1)
    systolic_bp: list[BandRow] = Field(min_length=1)
    resp_rate: list[BandRow] = Field(min_length=1)
    spo2: list[BandRow] = Field(min_length=1)
    temperature_c: list[BandRow] = Field(min_length=1)

    def for_age(self, age_years: float) -> dict[str, Band]:
        """Each vital's first row whose age limit is above ``age_years`` (or the open last)."""
        found = {}
        for vital in VITALS:
            rows: list[BandRow] = getattr(self, vital)
            row = next(r for r in rows if age_years < (r.below_age_years or float("inf")))
            found[vital] = row.band
        return found


def _age_order(data: dict) -> Iterator[tuple[Loc, str]]:
    """Ages rising within each vital; only the last row open-ended (it catches every age)."""
    for vital in VITALS:
        rows = data.get(vital)
        if not isinstance(rows, list):
            continue
        ages = [r.get("below_age_years") if isinstance(r, dict) else None for r in rows]
        for n, age in enumerate(ages[:-1]):
            if age is None:
                yield (vital, n), "only the last row may leave out below_age_years"
            elif isinstance(ages[n + 1], int | float) and ages[n + 1] <= age:
                yield (vital, n + 1, "below_age_years"), f"ages must rise (after {age:g})"
        if ages and ages[-1] is not None:
            yield (vital, len(ages) - 1), "the last row must leave out below_age_years"


def load_vital_bands(path: Path) -> VitalBands:
    """Read and check a vital-bands file; :class:`CaseInvalid` names every problem's line."""
    return load_yaml_model(path, VitalBands, kind="vital bands file", checks=_age_order)


@functools.cache
def _bundled() -> VitalBands:
    return load_vital_bands(default_catalog_dir() / "vital_bands.yaml")


def bands_for(age_years: float) -> dict[str, Band]:
    """Normal and alarm limits for a patient's age."""
    return _bundled().for_age(age_years)
