"""Matching what a learner types to exams and tests (treatment orders: ``orders.py``).

Each matcher is lexical: an entry is named by phrases (catalog codes, names, synonyms; a case's
finding cues); a request matches the entry whose whole phrase it contains, weighting each phrase
by the IDF of its terms, so "IV fluids bolus" beats "IV fluids". Ties between different entries
and requests that contain no phrase match nothing: the front end asks the learner to be specific.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from simdesk.core.cases.catalog import Catalog, TestEntry
from simdesk.core.cases.schema import Case, ExamFinding
from simdesk.core.cases.wordtables import bundled_word_tables
from simdesk.core.sim.disclosure import Speller, terms
from simdesk.core.sim.tuning import TUNING

# The matchers' words live in cases/catalog/matching_words.yaml (checked when loaded).
_WORDS = bundled_word_tables("matching_words")
# Words around a request that name no entry.
ORDER_WORDS = _WORDS.sets["order_words"]
TREAT_WORDS = _WORDS.sets["treat_words"]
EXAM_WORDS = _WORDS.sets["exam_words"]

# Words around a request for the vital signs that name nothing else ("take his obs").
VITALS_FILLER = EXAM_WORDS | {t for w in _WORDS.sets["vitals_filler"] for t in terms(w)}

# Words that say how to examine -> the manoeuvre.
_MANOEUVRE_OF = {
    term: manoeuvre for word, manoeuvre in _WORDS.maps["manoeuvres"].items() for term in terms(word)
}
# Words that only say how to examine, not where ("look", "feel", "listen").
HOW_TERMS = frozenset(t for w in _WORDS.sets["how"] for t in terms(w))


class PhraseMatcher:
    """Entries (keys) named by phrases; a request picks the key of the heaviest contained phrase."""

    def __init__(
        self,
        named: list[tuple[str, list[str]]],
        ignore: frozenset[str] = frozenset(),
        light: frozenset[str] = frozenset(),
    ):
        self.ignore = ignore | {t for word in ignore for t in terms(word)}  # "kg" folds to "weight"
        self.light = light  # terms that name an entry only weakly (how to examine, numbers)
        self._phrases = []
        for key, phrases in named:
            for phrase in phrases:
                bag = frozenset(t for t in terms(phrase) if t not in ignore)
                if bag:
                    self._phrases.append((key, bag))
        df: Counter[str] = Counter()
        for key in {k for k, _ in named}:
            df.update(set().union(*[b for k, b in self._phrases if k == key] or [set()]))
        n = max(len(named), 1)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self.speller = Speller(self._idf)

    def query(self, text: str) -> set[str]:
        return {self.speller.correct(t) for t in terms(text) if t not in self.ignore}

    def ranked(self, text: str) -> list[tuple[float, str]]:
        """``(weight, key)`` of every key with a contained phrase, heaviest first."""
        query = self.query(text)
        best: dict[str, float] = {}
        for key, bag in self._phrases:
            if bag <= query:
                weight = sum(self._idf[t] * self._lightness(t) for t in bag)
                best[key] = max(best.get(key, 0.0), weight)
        return sorted(((w, k) for k, w in best.items()), reverse=True)

    def _lightness(self, term: str) -> float:
        return TUNING.light_weight if term.isdigit() or term in self.light else 1.0

    def best(self, text: str) -> str | None:
        ranked = self.ranked(text)
        if not ranked or (len(ranked) > 1 and ranked[1][0] == ranked[0][0]):
            return None
        return ranked[0][1]


_SCAN = re.compile(r"\b(?:scan|imaging|study)\b", re.IGNORECASE)
# Words of a case-local test name that learners swap for one another ("MRI head" for "MRI Brain").
_SAME_PART = (
    (re.compile(r"\b(?:brain|cerebral|cranial|intracranial|skull)\b", re.IGNORECASE), "head"),
    (re.compile(r"\bhead\b", re.IGNORECASE), "brain"),
)


def _local_names(name: str) -> list[str]:
    """A record's own test name, without "scan" or "imaging" and with each body part's usual
    other name ("CT Scan Thorax" is ordered as "CT chest", "MRI Brain" as "MRI head")."""
    plain = _SCAN.sub(" ", name)
    return [
        name,
        plain,
        *(part.sub(other, plain) for part, other in _SAME_PART if part.search(plain)),
    ]


class TestMatcher:
    """An order ("cbc pls", "sputum for genexpert") -> a catalog test or a case-local one."""

    def __init__(self, catalog: Catalog, case: Case | None = None) -> None:
        self.catalog = catalog
        local = [
            (r.code, [r.code, *_local_names(r.name)])
            for r in (case.investigations if case else [])
            if r.name and catalog.test(r.code) is None
        ]
        self.local_names = {r.code: r.name for r in (case.investigations if case else []) if r.name}
        named = [(t.code, [t.code, t.name, *t.synonyms]) for t in catalog.investigations.tests]
        self._matcher = PhraseMatcher(named + local, ORDER_WORDS)

    def match(self, text: str) -> TestEntry | LocalTest | None:
        exact = self.catalog.test_named(text)
        if exact is not None:
            return exact
        code = self._matcher.best(text)
        if code is None:
            return None
        return self.catalog.test(code) or LocalTest(code, self.local_names[code])


@dataclass(frozen=True)
class LocalTest:
    """A test only this case has (e.g. an imported record's own test name)."""

    code: str
    name: str


@dataclass(frozen=True)
class ExamRequest:
    """Where and how to examine; ``manoeuvre`` None means the whole region."""

    region: str
    manoeuvre: str | None
    finding: ExamFinding | None = None  # a named finding the request asked for
    vitals: bool = False  # the vital signs, asked for as an examination


# A request written as "<region>: <manoeuvre>" ("Abdomen: palpate"), as the examination panel's
# buttons send it: exactly that region and manoeuvre, every finding of the case there.
REGION_LABELS = {"ent": "Ear, nose and throat", "head_neck": "Head and neck"}
MANOEUVRE_LABELS = {
    None: "whole region", "inspection": "inspect", "palpation": "palpate",
    "percussion": "percuss", "auscultation": "auscultate", "special": "special tests",
}  # fmt: skip
_MANOEUVRE_BY_LABEL = {label: manoeuvre for manoeuvre, label in MANOEUVRE_LABELS.items()}


def region_label(region: str) -> str:
    """How a catalog region is named to the learner ("Head and neck", "Abdomen")."""
    return REGION_LABELS.get(region, region.replace("_", " ").capitalize())


def exam_request_text(region: str, manoeuvre: str | None) -> str:
    """The request that examines exactly ``region`` by ``manoeuvre`` (None: the whole region)."""
    return f"{region_label(region)}: {MANOEUVRE_LABELS[manoeuvre]}"


class ExamMatcher:
    """An exam request ("listen to the chest") -> region and manoeuvre, or a named finding."""

    def __init__(self, case: Case, catalog: Catalog) -> None:
        self.case = case
        self.catalog = catalog
        named: list[tuple[str, list[str]]] = [
            (f"region:{region}", [region.replace("_", " "), *entry.synonyms])
            for region, entry in catalog.examination.regions.items()
        ]
        for finding in case.examination.findings:
            phrases = [*finding.cues, *([finding.name] if finding.name else [])]
            named.append((f"finding:{finding.id}", phrases))
        self._matcher = PhraseMatcher(named, EXAM_WORDS, HOW_TERMS)
        self._findings = {f.id: f for f in case.examination.findings}
        # A named finding's own name ("Rovsing's sign"): asked for by name, it is the finding,
        # not the whole region the catalog also files that word under.
        self._names = {
            f"finding:{f.id}": bag
            for f in case.examination.findings
            if f.name and (bag := frozenset(t for t in terms(f.name) if t not in EXAM_WORDS))
        }
        self._vital_phrases = [
            frozenset(terms(phrase)) for phrase in catalog.examination.vital_signs
        ]
        self._vital_terms = frozenset().union(*self._vital_phrases)
        # A region named by one word ("respiratory", "heart", "breathing"): that word is also a
        # part of a vital sign ("respiratory rate", "heart rate"), but alone it names the region.
        self._region_words = frozenset(
            bag
            for entry in catalog.examination.regions.values()
            for phrase in entry.synonyms
            if len(bag := frozenset(terms(phrase)) - EXAM_WORDS) == 1
        ) - frozenset(self._vital_phrases)

    def asks_for_vitals(self, text: str, *, loosely: bool = False) -> bool:
        """Whether a request is made only of vital-sign words ("obs", "BP and pulse").

        A word that is only a part of a vital sign and alone names a region ("respiratory
        exam", "heart exam") asks for the region, unless the rest of that vital sign is there
        too ("heart rate", "resp rate and sats"). ``loosely``: any word of a vital sign will do
        (for a request that names no region either: "pulse and resp")."""
        asked = {t for t in terms(text) if t not in VITALS_FILLER}
        if not asked or not asked <= self._vital_terms:
            return False
        if loosely:
            return True
        whole = frozenset().union(*(p for p in self._vital_phrases if p <= asked))
        return not any(frozenset([t]) in self._region_words for t in asked - whole)

    def manoeuvre(self, text: str) -> str | None:
        found = {_MANOEUVRE_OF[t] for t in self._matcher.query(text) if t in _MANOEUVRE_OF}
        return found.pop() if len(found) == 1 else None

    def _labelled(self, text: str) -> ExamRequest | None:
        region, colon, how = text.partition(":")
        if not colon:
            return None
        manoeuvre = _MANOEUVRE_BY_LABEL.get(" ".join(how.lower().split()), "?")
        for key in self.catalog.examination.regions:
            if region.strip().lower() in (key.replace("_", " "), region_label(key).lower()):
                return ExamRequest(key, manoeuvre) if manoeuvre != "?" else None
        return None

    def match(self, text: str) -> ExamRequest | None:
        if (labelled := self._labelled(text)) is not None:
            return labelled
        if self.asks_for_vitals(text):
            return ExamRequest("general", "inspection", vitals=True)
        found = self._examined(text)
        if found is None and self.asks_for_vitals(text, loosely=True):
            return ExamRequest("general", "inspection", vitals=True)
        return found

    def _examined(self, text: str) -> ExamRequest | None:
        """The region or finding a request names, or None."""
        ranked = self._matcher.ranked(text)
        if not ranked:
            return None
        how = self.manoeuvre(text)
        top_weight, top = ranked[0]
        filed_elsewhere = [
            k for w, k in ranked if w == top_weight and k.startswith("finding:")
            and f"region:{self._findings[k.removeprefix('finding:')].region}" != top
        ]  # fmt: skip
        query = self._matcher.query(text)
        by_name = [
            k for w, k in ranked if w == top_weight and k in self._names
            and self._names[k] <= query
        ]  # fmt: skip
        if top.startswith("region:") and filed_elsewhere:
            top = filed_elsewhere[
                0
            ]  # the case files what the catalog puts in this region elsewhere
        elif top.startswith("region:") and len(by_name) == 1:
            top = by_name[0]  # the finding asked for by its name, not its whole region
        if top.startswith("finding:"):
            finding = self._findings[top.removeprefix("finding:")]
            if how in (None, finding.manoeuvre):
                return ExamRequest(finding.region, finding.manoeuvre, finding)
            if finding.any_manoeuvre:  # the record names no manoeuvre: any finds it
                return ExamRequest(finding.region, how, finding)
            if finding.manoeuvre == "special":
                # a special test or sign is what was asked for, however it is looked for
                # ("listen for neck stiffness" is the neck stiffness the case gives)
                return ExamRequest(finding.region, finding.manoeuvre, finding)
            return ExamRequest(finding.region, how)
        region = top.removeprefix("region:")
        rivals = [k for w, k in ranked if w == top_weight and k.startswith("region:") and k != top]
        if rivals:
            return None
        normal = self.catalog.examination.regions[region].normal
        if how is None and len(normal) == 1:
            how = next(iter(normal))
        return ExamRequest(region, how)
