"""Dose units: the spellings an order may use, and the units a case's dose rules are written in.

The order reader (:mod:`simdesk.core.sim.orders`) reads doses with them and case validation
checks the units a dose rule names, so they live below both.
"""

from __future__ import annotations

from simdesk.core.cases.wordtables import bundled_word_tables

# a unit as written or said -> the unit it is (cases/catalog/order_words.yaml, checked when loaded)
UNITS = bundled_word_tables("order_words").maps["units"]

MASS_MG = {"g": 1000.0, "mg": 1.0, "mcg": 0.001}
PER_MINUTES = {"h": 60.0, "min": 1.0, "day": 1440.0}


def parse_unit(unit: str) -> tuple[str, bool, str | None] | None:
    """``(amount unit, per kg, per time)`` of a dose unit such as "mg/kg" or "unit/kg/h"."""
    parts = unit.split("/")
    base, rest = parts[0], parts[1:]
    per_kg = "kg" in rest
    times = [p for p in rest if p != "kg"]
    known = base in set(UNITS.values()) | {"ml"} and all(t in PER_MINUTES for t in times)
    if not known or len(times) > 1:
        return None
    return base, per_kg, times[0] if times else None
