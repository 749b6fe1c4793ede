"""A record's lab value ("12,000/mm3", "10.2 g/dL (decreased)", "82%") read with its unit and
put into the catalog analyte's unit, or left as the record's text with the reason.

Only conversions that are exact arithmetic on the unit are made (a count per mm3 is a count per
microlitre; 1 mmol/L of a monovalent ion is 1 mEq/L; a molar mass for mg/dL -> mmol/L). A unit
that is not one of the analyte's ("Hemoglobin 14 mg/dL") is never guessed into another: the
value stays the record's text and the import report names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "12,000/mm3", "-5", "7.30 (slightly acidic)", "< 40% (reduced)" -> number, unit, remark
_VALUE = re.compile(
    r"\s*(?P<cmp>[<>]=?)?\s*(?P<num>-?\d{1,3}(?:,\d{3})+|-?\d+(?:\.\d+)?)\s*"
    r"(?P<unit>(?:[x×]\s*10\^?\S+|mm Hg|cm H2O|[^\s()]+)?)"
    r"\s*(?P<note>[^()]*?)\s*(?:\((?P<paren>[^()]*)\))?\s*\.?\s*"
)

# The catalog unit -> the record units (as :func:`unit_key` writes them) that are the same
# quantity, and the factor from the record unit to the catalog unit.
_SAME_QUANTITY: dict[str, dict[str, float]] = {
    "x10^9/L": {"x10^9/l": 1, "x10^3/ul": 1, "k/ul": 1, "x10^3/mm3": 1, "/ul": 1e-3,
                "/mm3": 1e-3},
    "cells/uL": {"/ul": 1, "/mm3": 1, "x10^9/l": 1e3, "x10^6/l": 1},
    "g/dL": {"g/dl": 1, "g/l": 0.1},
    "g/L": {"g/l": 1, "g/dl": 10},
    "mg/L": {"mg/l": 1, "mg/dl": 10},
    "fL": {"fl": 1, "um3": 1},
    "U/L": {"u/l": 1, "iu/l": 1},
    "s": {"s": 1},
    "mm/h": {"mm/h": 1},
    "mmol/L": {"mmol/l": 1},
    "umol/L": {"umol/l": 1},
    "kPa": {"kpa": 1, "mmhg": 0.1333},
    "ng/L": {"ng/l": 1, "pg/ml": 1},
    "IU/L": {"iu/l": 1, "miu/ml": 1, "u/l": 1},
    "%": {"%": 1},
    "ratio": {"": 1},
    "": {"": 1},
}  # fmt: skip
# Per analyte: mEq/L of a monovalent ion; mg/dL through the molar mass (urea from urea
# nitrogen, BUN, as US records give it).
_ANALYTE_UNITS: dict[str, dict[str, float]] = {
    "sodium": {"meq/l": 1}, "potassium": {"meq/l": 1}, "bicarbonate": {"meq/l": 1},
    "glucose": {"mg/dl": 0.05551}, "creatinine": {"mg/dl": 88.42},
    "bilirubin": {"mg/dl": 17.10}, "magnesium": {"mg/dl": 0.4114, "meq/l": 0.5},
    "csf_glucose": {"mg/dl": 0.05551}, "csf_protein": {"mg/dl": 0.01},
}  # fmt: skip
_UREA_NITROGEN = {"mg/dl": 0.357}  # BUN mg/dL -> urea mmol/L
_PERCENT_OF_WBC = frozenset({"neutrophils", "lymphocytes"})


@dataclass(frozen=True)
class Reading:
    """What a record's value string says: ``number`` and ``unit`` as written, and its remark."""

    number: float
    unit: str
    remark: str
    bound: str  # "<", ">" or ""


def read_value(text: str) -> Reading | None:
    m = _VALUE.fullmatch(text)
    if m is None:
        return None
    number = float(m["num"].replace(",", ""))
    remark = " ".join(filter(None, (m["note"].strip(), (m["paren"] or "").strip())))
    return Reading(number, m["unit"].strip(), remark, m["cmp"] or "")


def unit_key(unit: str) -> str:
    """A unit as the tables compare it: lower case, no spaces, micro as u, powers as x10^n."""
    key = unit.lower().replace(" ", "").replace("µ", "u").replace("μ", "u").replace("×", "x")
    key = key.replace("³", "3").replace("cells", "").replace("gm/", "g/")
    key = re.sub(r"(mm|um)\^3", r"\g<1>3", key)
    key = re.sub(r"^x?10\^?(\d+)/", r"x10^\1/", key)
    key = re.sub(r"/hr$", "/h", key)
    return {"sec": "s", "secs": "s", "second": "s", "seconds": "s"}.get(key, key)


def convert(
    analyte: str, catalog_unit: str, reading: Reading, record_key: str
) -> tuple[float | None, str]:
    """``(value in the catalog unit, "")``, or ``(None, why not)``."""
    if reading.bound:
        return None, f"a bound ({reading.bound}), not a value"
    unit = unit_key(reading.unit)
    factors = dict(_SAME_QUANTITY.get(catalog_unit, {}))
    factors.update(_ANALYTE_UNITS.get(analyte, {}))
    if analyte == "urea":
        named_nitrogen = re.search(r"nitrogen|\bbun\b", record_key.lower().replace("_", " "))
        factors.update(_UREA_NITROGEN if named_nitrogen else {})
    if unit == "%" and analyte in _PERCENT_OF_WBC:
        return None, "%"  # the caller turns a share of the white cells into a count
    if unit not in factors:
        if not unit:
            return None, f"no unit (the catalog gives {catalog_unit})"
        return None, f"{reading.unit} is not a unit of {analyte} (the catalog gives {catalog_unit})"
    return rounded(reading.number * factors[unit]), ""


def rounded(value: float) -> float:
    size = abs(value)
    return round(value, 2 if size < 10 else 1 if size < 100 else 0)
