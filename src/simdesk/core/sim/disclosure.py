"""Which authored facts a learner's question asks about.

Precision first: a question that matches nothing well enough discloses nothing, and the patient
says an authored "I'm not sure" line instead of anything a model might invent.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from simdesk.core.cases.schema import Fact
from simdesk.core.text import stem, words

STOPWORDS = frozenset(
    """a about am an and any anything are as at be been being but by can could did do does
    doing for from had has have having he her here him his how i if in into is it its me my
    of on or our please she so some tell than that the their them then there these they this
    those to us was we were what when where which who whom why will with would you your
    yours ever recently today now just also much many very really currently still okay ok
    well right sir madam mr mrs""".split()
)

# A few everyday <-> clinical equivalences; the case-engine issue grows this into a lexicon.
SYNONYMS = {
    "phlegm": "sputum", "mucus": "sputum", "spit": "sputum", "haemoptysis": "blood",
    "hemoptysis": "blood", "breathless": "breath", "sob": "breath", "dyspnoea": "breath",
    "dyspnea": "breath", "breathing": "breath", "tb": "tuberculosis", "meds": "medicine",
    "medication": "medicine", "tablet": "medicine", "pill": "medicine", "drug": "medicine",
    "temperature": "fever", "feverish": "fever", "hot": "fever", "smoke": "smok", "smoker": "smok",
    "cigarette": "smok", "tobacco": "smok", "alcohol": "drink", "beer": "drink",
    "job": "work", "occupation": "work", "sweat": "sweat", "sweating": "sweat",
    "kg": "weight", "thinner": "weight", "allergic": "allerg", "allergy": "allerg",
}  # fmt: skip


def terms(text: str) -> list[str]:
    """Content terms of a text: stop words dropped, synonyms folded, stems taken."""
    out = []
    for word in words(text):
        if word in STOPWORDS:
            continue
        word = SYNONYMS.get(word, word)
        word = SYNONYMS.get(stem(word), stem(word))
        out.append(word)
    return out


@dataclass(frozen=True)
class Disclosure:
    """The facts a question disclosed, best first, with their match scores."""

    facts: tuple[Fact, ...]
    scores: tuple[float, ...]

    @property
    def empty(self) -> bool:
        return not self.facts


class FactMatcher:
    """Lexical retrieval over each fact's cues and content, weighted by IDF."""

    def __init__(self, facts: list[Fact] | tuple[Fact, ...], threshold: float = 0.5) -> None:
        self.facts = tuple(facts)
        self.threshold = threshold
        self._docs = [
            [set(terms(cue)) for cue in (*fact.cues, fact.content)] for fact in self.facts
        ]
        df: Counter[str] = Counter()
        for docs in self._docs:
            df.update(set().union(*docs))
        n = max(len(self.facts), 1)
        self._idf = {term: math.log(1 + n / count) for term, count in df.items()}

    def _score(self, query: set[str], doc: set[str]) -> float:
        if not query or not doc:
            return 0.0
        shared = sum(self._idf.get(t, 0.0) for t in query & doc)
        asked = sum(self._idf.get(t, 0.0) for t in query) or 1.0
        covered = sum(self._idf.get(t, 0.0) for t in doc) or 1.0
        return 2 * shared / (asked + covered) if shared else 0.0

    def match(self, question: str) -> Disclosure:
        query = {t for t in terms(question) if t in self._idf}
        scored = []
        for fact, docs in zip(self.facts, self._docs, strict=True):
            best = max(self._score(query, doc) for doc in docs)
            if best >= self.threshold:
                scored.append((best, fact))
        scored.sort(key=lambda pair: -pair[0])
        if scored:
            top = scored[0][0]
            scored = [pair for pair in scored if pair[0] >= 0.8 * top][:3]
        return Disclosure(
            facts=tuple(f for _, f in scored), scores=tuple(round(s, 3) for s, _ in scored)
        )
