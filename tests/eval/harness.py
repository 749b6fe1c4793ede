"""The disclosure eval: learner phrasings scored against the engine's matchers.

``disclosure/`` holds the phrasings the matchers were tuned on; ``disclosure_holdout/`` a seeded
20% of the same files, moved out before tuning (split by question, so it measures fitting more
than understanding). Imported AgentClinic cases are measured by case in ``unseen.py``.
Used by the pytest targets and ``benchmarks/case_quality.py``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from simdesk.core.cases.catalog import Catalog, load_catalog
from simdesk.core.cases.library import load_library
from simdesk.core.cases.schema import Case
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.disclosure import FactMatcher
from simdesk.core.sim.matching import ExamMatcher, TestMatcher
from simdesk.core.sim.orders import OrderReader
from simdesk.core.sim.session import case_treatment_codes

HERE = Path(__file__).parent
EVAL_DIR = HERE / "disclosure"
HOLDOUT_DIR = HERE / "disclosure_holdout"
BUNDLED_SETS = (EVAL_DIR, HOLDOUT_DIR)
# Ordinary questions on the bundled cases, written by someone who had read only the case files
# (2026-12-07), split by case: every other case (sorted by id) from the second is held out.
ORDINARY_DIR = HERE / "ordinary"
# A second such book, on the held-out cases only (whole histories), never read: figures only.
ORDINARY2_DIR = HERE / "ordinary2"
# A third, on the held-out cases, written after their presenting illness was given its course
# (the "<id>-course" facts), whose right answers the first two books' labels predate; never read.
ORDINARY3_DIR = HERE / "ordinary3"


def ordinary_split() -> dict[str, tuple[str, ...]]:
    """``{"holdout": case ids, "tuning": case ids}`` of the ordinary questions' book."""
    ids = sorted(p.stem for p in ORDINARY_DIR.glob("*.yaml"))
    return {"holdout": tuple(ids[1::2]), "tuning": tuple(ids[0::2])}


@dataclass
class Tally:
    """Counts for one kind of request, with the misses kept for reading."""

    right: int = 0
    total: int = 0
    misses: list[str] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.right / self.total if self.total else 1.0

    def add(self, ok: bool, miss: str) -> None:
        self.total += 1
        self.right += ok
        if not ok:
            self.misses.append(miss)


@dataclass
class EvalReport:
    cases: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # eval files whose case cannot be played
    questions: int = 0
    true_pos: int = 0
    false_pos: int = 0
    false_neg: int = 0
    off_case: int = 0  # questions that must disclose nothing
    off_case_disclosures: int = 0
    on_case: int = 0  # questions with a right answer
    answered: int = 0  # of those, the ones that disclosed at least one right fact
    question_misses: list[str] = field(default_factory=list)
    exams: Tally = field(default_factory=Tally)
    orders: Tally = field(default_factory=Tally)
    treatments: Tally = field(default_factory=Tally)

    @property
    def precision(self) -> float:
        disclosed = self.true_pos + self.false_pos
        return self.true_pos / disclosed if disclosed else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_pos + self.false_neg
        return self.true_pos / expected if expected else 1.0

    @property
    def answered_share(self) -> float:
        """Questions that disclosed at least one right fact, of those with one (the unseen
        books' "recall")."""
        return self.answered / self.on_case if self.on_case else 1.0


def load_eval_files(*folders: Path) -> list[tuple[Path, dict]]:
    """Every eval file in ``folders`` (default: the bundled cases' whole set), parsed."""
    paths = [p for folder in folders or BUNDLED_SETS for p in sorted(folder.glob("*.yaml"))]
    return [(p, yaml.safe_load(p.read_text(encoding="utf-8"))) for p in paths]


@functools.cache
def playable_cases() -> dict[str, Case]:
    """Every bundled case that loads, by id (read once per run)."""
    return {e.case.meta.id: e.case for e in load_library(bundled_cases_dir()) if e.ok}


FactMatcherFactory = Callable[[Case], Callable[[str], list[str]]]


def lexical_facts(case: Case) -> Callable[[str], list[str]]:
    matcher = FactMatcher(case.facts)
    return lambda question: [f.id for f in matcher.match(question).facts]


def evaluate(
    fact_matcher: FactMatcherFactory = lexical_facts,
    cases: dict[str, Case] | None = None,
    catalog: Catalog | None = None,
    folders: tuple[Path, ...] = BUNDLED_SETS,
) -> EvalReport:
    """Score every eval file in ``folders`` whose case is in ``cases`` (default: bundled)."""
    cases = dict(playable_cases()) if cases is None else cases
    catalog = catalog or load_catalog()
    report = EvalReport()
    for path, data in load_eval_files(*folders):
        case = cases.get(str(data.get("case")))
        if case is None:
            report.skipped.append(f"{path.name}: case {data.get('case')!r} is not playable")
            continue
        report.cases.append(case.meta.id)
        match = fact_matcher(case)
        for item in data.get("questions", []):
            got, want = set(match(item["ask"])), set(item["facts"])
            also = set(item.get("also", []))  # facts that answer it too: allowed, not required
            report.questions += 1
            report.true_pos += len(got & want)
            report.false_pos += len(got - want - also)
            report.false_neg += len(want - got)
            if not want:
                report.off_case += 1
                report.off_case_disclosures += bool(got)
            else:
                report.on_case += 1
                report.answered += bool(got & want)
            if got - also != want:
                report.question_misses.append(
                    f"{case.meta.id}: {item['ask']!r} -> {sorted(got)}, want {sorted(want)}"
                )
        exams, tests = ExamMatcher(case, catalog), TestMatcher(catalog, case)
        for item in data.get("exams", []):
            got = exams.match(item["exam"])
            ok = got is not None and got.region == item["region"]
            if ok and item.get("manoeuvre"):
                ok = got.manoeuvre == item["manoeuvre"]
            where = f"{got.region}/{got.manoeuvre}" if got else None
            report.exams.add(ok, f"{case.meta.id}: {item['exam']!r} -> {where}")
        for item in data.get("orders", []):
            got = tests.match(item["order"])
            code = got.code if got else None
            report.orders.add(code == item["code"], f"{item['order']!r} -> {code}")
        for item in data.get("treatments", []):
            treatments = OrderReader(catalog, case_treatment_codes(case))
            got = treatments.read(item["treat"]).items
            code = got[0].code if got else None
            report.treatments.add(code == item["code"], f"{item['treat']!r} -> {code}")
    return report
