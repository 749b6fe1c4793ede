"""What kind of history a question asks for, learned from real clinicians' questions.

A multinomial naive Bayes classifier over word unigrams and bigrams and character 3-5-grams,
trained on the doctors' questions of MTS-Dialog's TrainingSet (``cases/catalog/
mts_dialog_questions.tsv``, CC BY 4.0), each labelled with the note section of its conversation.
It is trained in memory once per process, on a background thread when the first matcher is
built (about 1.5 s on 2 quiet cores; nothing is downloaded or written). Labels are weak (a
greeting in a family-history conversation is labelled family history), so it is used only where
no topic pattern fits, where it is confident, and only for categories a question can ask for as
a whole: past history, medicines, allergies and the review of systems.
"""

from __future__ import annotations

import math
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.tuning import TUNING

# MTS-Dialog section -> the class it trains.
SECTION_CLASS = {
    "CC": "complaint", "GENHX": "present_illness", "PASTMEDICALHX": "past_history",
    "PASTSURGICAL": "past_history", "MEDICATIONS": "medications", "ALLERGY": "allergies",
    "FAM/SOCHX": "family_social", "ROS": "review_of_systems", "EXAM": "other",
    "ASSESSMENT": "other", "DIAGNOSIS": "other", "PLAN": "other", "DISPOSITION": "other",
    "EDCOURSE": "other", "IMAGING": "other", "LABS": "other", "PROCEDURES": "other",
}  # fmt: skip
# Classes a question may ask for as a whole -> the history topic that answers it. Not the
# complaint: the CC section's conversations ask every part of the presenting illness ("does
# Tylenol do anything for her?" read as it at p > 0.99), so that class says a question is on the
# illness, not which part; the complaint's own fact answered 16 of 30 such questions on the HPI
# books 2-4 where the record held the part asked, and was disclosed on all 84 where it did not
# (benchmarks/dimension_cv.py's folds, the reader trained without books 1-4: off-case 188 -> 104;
# with each book left out alone, own phrasings and MTS (tuning) unchanged).
CLASS_TOPIC = {
    "past_history": "past_history", "medications": "medications",
    "allergies": "allergies", "review_of_systems": "review_of_systems",
}  # fmt: skip

_WORD = re.compile(r"[a-z]+")


def features(text: str) -> list[str]:
    """Word unigrams and bigrams, and character 3-5-grams of each word (with boundaries)."""
    tokens = _WORD.findall(text.lower())
    out = [f"w:{t}" for t in tokens]
    out += [f"b:{a}_{b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    for token in tokens:
        padded = f"<{token}>"
        out += [f"c:{padded[i : i + n]}" for n in (3, 4, 5) for i in range(len(padded) - n + 1)]
    return out


@dataclass(frozen=True)
class Reading:
    """The classifier's view of a question: its most likely class and that class's probability."""

    label: str
    probability: float

    @property
    def topic(self) -> str | None:
        return CLASS_TOPIC.get(self.label)


class QuestionClassifier:
    """Multinomial naive Bayes with add-``alpha`` smoothing."""

    def __init__(
        self, examples: list[tuple[str, str]], alpha: float = TUNING.classifier_alpha
    ) -> None:
        counts: dict[str, Counter[str]] = defaultdict(Counter)
        docs: Counter[str] = Counter()
        for label, text in examples:
            counts[label].update(features(text))
            docs[label] += 1
        vocabulary = set().union(*counts.values())
        self.vocabulary = frozenset(vocabulary)
        total = sum(docs.values())
        self._prior = {label: math.log(n / total) for label, n in docs.items()}
        self._log = {}
        self._unseen = {}
        for label, counter in counts.items():
            denominator = sum(counter.values()) + alpha * len(vocabulary)
            self._log[label] = {f: math.log((c + alpha) / denominator) for f, c in counter.items()}
            self._unseen[label] = math.log(alpha / denominator)

    def probabilities(self, question: str) -> dict[str, float]:
        feats = [f for f in features(question) if f in self.vocabulary]
        scores = {
            label: prior + sum(self._log[label].get(f, self._unseen[label]) for f in feats)
            for label, prior in self._prior.items()
        }
        top = max(scores.values())
        exp = {label: math.exp(s - top) for label, s in scores.items()}
        total = sum(exp.values())
        return {label: v / total for label, v in exp.items()}

    def read(self, question: str) -> Reading:
        probabilities = self.probabilities(question)
        label = max(probabilities, key=probabilities.__getitem__)
        return Reading(label, probabilities[label])


def read_sections(path: Path | None = None) -> list[tuple[str, str]]:
    """``(MTS-Dialog section, question)`` pairs of the extracted MTS-Dialog questions."""
    path = path or bundled_cases_dir() / "catalog" / "mts_dialog_questions.tsv"
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or "\t" not in line:
            continue
        section, question = line.split("\t", 1)
        pairs.append((section, question))
    return pairs


def load_examples(path: Path | None = None) -> list[tuple[str, str]]:
    """``(class, question)`` pairs from the extracted MTS-Dialog questions."""
    return [(SECTION_CLASS[s], q) for s, q in read_sections(path) if s in SECTION_CLASS]


_lock = threading.Lock()
_trained: list[QuestionClassifier] = []


def bundled_classifier() -> QuestionClassifier:
    """The classifier trained on the bundled questions (trained once per process)."""
    with _lock:
        if not _trained:
            _trained.append(QuestionClassifier(load_examples()))
        return _trained[0]


def warm_up() -> None:
    """Train the classifier on a background thread, so that the first question that needs it
    does not wait (a matcher calls this when it is built)."""
    if not _trained:
        threading.Thread(target=bundled_classifier, name="simdesk-classifier", daemon=True).start()


def forget() -> None:
    """Drop the trained classifier (for measuring its training)."""
    with _lock:
        _trained.clear()
