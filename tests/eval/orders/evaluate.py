"""Scores the order reader on a file of orders (the hold-out, or the tuning set).

Each entry is right when every expected field matches: the codes in order, the intent, plan or
not, and the dose, route and frequency where the entry gives them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.loader import load_case
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.orders import OrderReader
from simdesk.core.sim.session import case_treatment_codes

HERE = Path(__file__).parent
FIELDS = ("codes", "intent", "plan", "dose", "route", "frequency")


@dataclass
class Report:
    total: int = 0
    right: int = 0
    by_field: dict[str, list[int]] = field(default_factory=dict)  # field -> [right, asked]
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 0.0


def read(order: str, case_id: str, readers: dict) -> dict:
    if case_id not in readers:
        case = load_case(bundled_cases_dir() / f"{case_id}.yaml")
        readers[case_id] = OrderReader(load_catalog(), case_treatment_codes(case))
    parsed = readers[case_id].read(order)
    items = parsed.items
    first = items[0] if items else None
    return {
        "codes": [i.code for i in items],
        "intent": first.intent if first else None,
        "plan": bool(first and first.planned),
        "dose": str(first.dose) if first and first.dose else None,
        "route": first.route if first else None,
        "frequency": first.frequency if first else None,
    }


def evaluate(path: Path) -> Report:
    entries = yaml.safe_load(path.read_text(encoding="utf-8"))["orders"]
    report, readers = Report(), {}
    for entry in entries:
        got = read(entry["order"], entry["case"], readers)
        want = {"codes": entry["codes"]}
        if entry["codes"]:
            want |= {"intent": entry.get("intent", "give"), "plan": entry.get("plan", False)}
            want |= {k: entry[k] for k in ("dose", "route", "frequency") if k in entry}
        wrong = []
        for key, value in want.items():
            hit = report.by_field.setdefault(key, [0, 0])
            hit[1] += 1
            if got[key] == value:
                hit[0] += 1
            else:
                wrong.append(f"{key}: {got[key]!r} (want {value!r})")
        report.total += 1
        if wrong:
            report.misses.append(f"{entry['order']!r}: " + "; ".join(wrong))
        else:
            report.right += 1
    return report


def table(name: str, report: Report) -> str:
    fields = "  ".join(
        f"{k} {report.by_field[k][0]}/{report.by_field[k][1]}" for k in FIELDS
        if k in report.by_field
    )  # fmt: skip
    return f"{name:<9} {report.right}/{report.total} = {report.accuracy:.3f}   {fields}"


if __name__ == "__main__":
    for name in ("holdout", "tuning"):
        path = HERE / f"{name}.yaml"
        if path.exists():
            report = evaluate(path)
            print(table(name, report))
            for miss in report.misses:
                print("   ", miss)
