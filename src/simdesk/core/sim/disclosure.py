"""Which authored facts a learner's question asks about.

Precision first: a question that matches nothing well enough discloses nothing, and the patient
says an authored "I'm not sure" line instead of anything a model might invent.

Text is reduced to *terms*: words less stop words, folded through a lexicon of everyday,
clinical and abbreviated words (``sob`` -> ``breath``, ``phlegm`` -> ``sputum``), stemmed.
Facts are retrieved by IDF-weighted overlap with their cues and content.
"""

from __future__ import annotations

import difflib
import functools
import math
import re
from collections import Counter
from dataclasses import dataclass

from simdesk.core.cases.kin import kin_word
from simdesk.core.cases.schema import Fact, Patient
from simdesk.core.cases.topics import (
    CLAUSE,
    bundled_topics,
    fact_topics,
    question_topics,
    text_topics,
)
from simdesk.core.cases.wordtables import bundled_word_tables
from simdesk.core.sim import dimensions, normalise, understanding
from simdesk.core.sim.tuning import TUNING
from simdesk.core.text import stem, words

# The word tables live in cases/catalog/disclosure_words.yaml (checked when loaded).
_WORDS = bundled_word_tables("disclosure_words")
STOPWORDS = _WORDS.sets["stopwords"]
# Words that say what kind of answer is wanted ("where is the pain", "what did you take for
# it"). They count when a cue shares them and cost little when it does not.
INTENT_WORDS = _WORDS.sets["intent"]
# Specific symptoms: a question that brings one up ("any pain when you pass urine?") is never
# answered by a fact whose words (content, patient line and cues, folded) name none of those it
# brings up. One it points back to ("what is causing this pain?") brings nothing up.
SYMPTOM_WORDS = " ".join(sorted(_WORDS.sets["symptoms"]))
SLANG = _WORDS.maps["slang"]  # chat spellings, normalised before phrases are folded
PHRASES = _WORDS.maps["phrases"]  # multi-word expressions folded to one term first
SYNONYMS = _WORDS.maps["synonyms"]  # word -> term: everyday, clinical, abbreviated, misspelt


def _term(word: str) -> str:
    """A word's stem folded through the lexicon, without a final "e" (medicine/medicines)."""
    stemmed = stem(word)
    term = SYNONYMS.get(stemmed, stemmed)
    return term[:-1] if len(term) > 4 and term.endswith("e") else term


# Terms the lexicon itself produces: real words, never "corrected" into another one.
LEXICON_TERMS = frozenset(
    _term(word) for text in (*SYNONYMS.values(), *PHRASES.values()) for word in text.split()
)

_PHRASE_RE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p in sorted(PHRASES, key=len, reverse=True)) + r")\b"
)


# Drug names by their usual endings: a named drug is also asked for by its class.
DRUG_CLASSES = (
    (
        re.compile(r"\w{3}(cillin|mycin|floxacin|cycline)$|^(cef|ceph)\w{4}|^sulfa\w{4}"),
        "antibiotic",
    ),
    (
        re.compile(
            r"\w{3}(pril|sartan|olol|dipine|statin|prazole|tidine|formin|gliptin|azepam|oxetine"
            r"|triptan|parin|xaban|lukast|sone|mab)$|^(metronidazole|trimethoprim)$"
        ),
        "medicine",
    ),
)


def _drug_class(word: str) -> list[str]:
    """The class terms a drug name implies ("amoxicillin" -> antibiotic, medicine)."""
    for pattern, term in DRUG_CLASSES:
        if pattern.search(word):
            return [term, "medicine"] if term != "medicine" else [term]
    return []


def terms(text: str) -> list[str]:
    """Content terms of a text: phrases folded, stop words dropped, synonyms folded, stemmed;
    a drug name also gives its class."""
    text = " ".join(SLANG.get(w, w) for w in words(text))
    text = _PHRASE_RE.sub(lambda m: PHRASES[m.group(1)], text)
    out = []
    for word in text.split():
        if word in STOPWORDS:
            continue
        for folded in SYNONYMS.get(word, word).split():
            term = _term(folded)
            if term not in STOPWORDS:
                out.append(term)
        out += _drug_class(word)
    return out


SYMPTOM_TERMS = frozenset(terms(SYMPTOM_WORDS))

_POINTED_BACK = re.compile(r"\b(?:this|that|these|those)\s+\w+", re.IGNORECASE)
# Terms that point back to the illness itself ("these symptoms", "the problem"), and those
# that say what kind of answer is wanted.
_POINTER = INTENT_WORDS | frozenset(terms("symptoms complaint"))


# Words that name no particular thing: "any other problems?", "any medical history?".
_GENERIC = frozenset(
    terms("problem illness medical health condition disease trouble issue anything else other body "
          "before past history ever previous current unwell sick ill feel feeling anywhere "
          "somewhere everywhere elsewhere make")
)  # fmt: skip


# The time a question frames what it asks in ("since this started", "in the last week or so",
# "recently"): when, not what, so it names nothing of the case.
_TIME_FRAME = re.compile(
    r"\bsince (?:(?:this|that|it|then|the \w+) )?(?:all )?(?:started|start|began|begun|came on"
    r"|happened|then)\b|\b(?:in|over|during) the (?:last|past) (?:few |couple of |\w+ )?"
    r"(?:days?|weeks?|months?|years?|while)(?: or so)?\b|\b(?:recently|lately|these days"
    r"|so far)\b",
    re.IGNORECASE,
)


def _asking_removed(question: str, asked: frozenset[str], spelt_only: bool = False) -> str:
    """The question without the words that ask for its topics ("how long", "when did ... start"):
    what is left says what it asks about. With ``spelt_only`` only the words the patterns spell
    out go ("had", "before"), not those their wildcards take ("an hiv test" in "had an hiv test
    before")."""
    text = " ".join(question.lower().replace("\u2019", "'").split())
    topics = bundled_topics()
    for name in asked:
        spelt = _spelt_out(name) if spelt_only and name in topics else None
        for pattern in topics[name].asked if name in topics else ():
            text = pattern.sub(functools.partial(_unspelt, spelt=spelt), text)
    return text


def _unspelt(found: re.Match[str], spelt: frozenset[str] | None) -> str:
    """A matched span less the words its pattern spells out (all of it where ``spelt`` is None)."""
    if spelt is None:
        return " "
    return re.sub(r"[a-z]+", lambda w: " " if _spelt(w.group(), spelt) else w.group(), found[0])


@functools.cache
def _spelt_out(topic: str) -> frozenset[str]:
    """The words a topic's asking patterns spell out ("had", "before"), not those their
    wildcards take."""
    patterns = bundled_topics()[topic].asked
    return frozenset(w for p in patterns for w in re.findall(r"(?<![\\?])[a-z]{2,}", p.pattern))


def _spelt(word: str, spelt: frozenset[str]) -> bool:
    """Whether a pattern spells the word out, whole or as a stem ("hurts?", "caus\\w*")."""
    return word in spelt or any(
        len(s) >= 4 and (word.startswith(s) or len(word) >= 4 and s.startswith(word)) for s in spelt
    )


@functools.cache
def _dimension_words() -> frozenset[str]:
    """The terms of the words the patterns for the dimensions of the presenting illness spell
    out ("worse", "night", "spread"), less the symptoms."""
    spelt = (t for name in _FOCUSED | {"previous"} for t in terms(" ".join(_spelt_out(name))))
    return frozenset(spelt) - SYMPTOM_TERMS


# The dimensions a fact's answer is narrowed to (see FactMatcher.focused): how the complaint is;
# not what else comes with it, whether it happened before, or the complaint as a whole.
_FOCUSED = frozenset(
    {"onset", "onset_manner", "site", "radiation", "character", "severity", "timing",
     "aggravating", "relieving"}
)  # fmt: skip
# A fact's parts: its sentences and the phrases its commas and semicolons set apart.
_PARTS = re.compile(r"(?<=[.;!?])\s+|;\s*|,\s+(?=\w)")


def _as_sentence(parts: list[str]) -> str:
    """Parts of a fact's text joined as a sentence ("In the middle of my chest."); a part that
    begins a sentence of its own ("It comes and goes.") stays one."""
    text = ""
    for part in (p.strip().rstrip(".;,") for p in parts):
        if text:
            text += ". " if _SENTENCE_START.match(part) else ", "
        text += part
    return text[:1].upper() + text[1:] + "."


# A capitalised first word that is not "I" or an acronym: the start of a sentence.
_SENTENCE_START = re.compile(r"[A-Z](?![A-Z])(?!'|\b)")


# A measurement ("3.9 kg", "60 kilos"): the lexicon reads its unit as the weight asked about.
_MEASURED = re.compile(r"\b\d+(?:\.\d+)?\s*(?:kg|g|lbs?|pounds?|kilos?|grams?)\b", re.IGNORECASE)

# Topics of a fact that is the complaint's own story, not a symptom that comes with it: an
# earlier episode, what makes it worse or better, where it spreads ("worse on coughing").
_NOT_WHAT_COMES_WITH = frozenset({"previous", "aggravating", "relieving", "radiation"})


@functools.cache
def _a_place(term: str) -> bool:
    """Whether a term names a part of the body ("back", "jaw"), as the site topic reads it."""
    return "site" in text_topics(term, "history_of_presenting_illness", whole=False)


# Kinds of pain: "the pain" of a headache or a cramp is it.
_PAIN = terms("pain")[0]
_PAIN_KINDS = frozenset(terms("pain ache aching headache cramp cramps colic sore discomfort"))

# A part of a fact that denies something ("no chest pain", "without fever").
_NEGATED = re.compile(r"\b(no|not|denies|denied|never|none|without|nil)\b", re.IGNORECASE)
# A part that says a symptom is absent ("no chest pain", "denies fever"), not how it is ("it
# does not spread").
_ABSENT = re.compile(r"\b(no|denies|denied|without|nil)\b", re.IGNORECASE)
# A fact that says what the patient does not have ("No fever, no cough.").
_DENIAL = re.compile(r"^\W*(no|not|denies|never|none)\b", re.IGNORECASE)

# The categories of the presenting illness and the review of systems.
_ILLNESS_CATEGORIES = frozenset(
    {"presenting_complaint", "history_of_presenting_illness", "review_of_systems"}
)


# The words for the illness itself: "the symptoms have been going on for eight months".
_ILLNESS_WORDS = frozenset(terms("symptoms"))


class Speller:
    """Maps a misspelt term to the closest known term (``tuberclosis`` -> ``tuberculosis``)."""

    def __init__(self, vocabulary) -> None:
        self.vocabulary = sorted(vocabulary)
        self._known = set(self.vocabulary)
        self._cache: dict[str, str] = {}

    def correct(self, term: str) -> str:
        """The closest known term with the same first letter; lexicon words stay as they are."""
        short = len(term) < TUNING.spelling_min_length
        if term in self._known or term in LEXICON_TERMS or short or term.isdigit():
            return term
        if term not in self._cache:
            same_start = [v for v in self.vocabulary if v[0] == term[0]]
            close = difflib.get_close_matches(term, same_start, n=1, cutoff=TUNING.spelling_cutoff)
            self._cache[term] = close[0] if close else term
        return self._cache[term]


@dataclass(frozen=True)
class Disclosure:
    """The facts a question disclosed, best first, with their match scores."""

    facts: tuple[Fact, ...]
    scores: tuple[float, ...]

    @property
    def empty(self) -> bool:
        return not self.facts


# Every fact of a category answers these too: "what brings you in" asks for the complaint.
CATEGORY_CUES = {"presenting_complaint": ["complaint"]}

_SENTENCE = re.compile(r"[?;.!]")


def _topics_of(fact: Fact, patient_kin: str | None = None) -> frozenset[str]:
    """A fact's topics: its own and its text's, and those its cues ask about."""
    asked = [question_topics(cue) for cue in fact.cues]
    return fact_topics(fact).union(*asked) | fact_topics_said(fact, patient_kin)


def fact_topics_said(fact: Fact, patient_kin: str | None = None) -> frozenset[str]:
    """Topics the patient's line gives (the content may be terse: "Non-smoker"). Where an
    informant speaks, ``patient_kin`` is what they call the patient ("father" for a daughter):
    "My father has right leg weakness" is the patient's illness, not the family history."""
    said = fact.patient_says
    if patient_kin:
        said = re.sub(
            rf"\b(my|our) {re.escape(patient_kin)}('s)?\b", "the patient", said, flags=re.I
        )
    return frozenset(text_topics(said, fact.category, bundled_topics()))


def informant_kin(patient: Patient) -> str | None:
    """What the case's informant calls the patient, or None where the patient speaks."""
    if patient.informant is None:
        return None
    return kin_word(patient.informant.relation.lower(), patient.sex)


# The parts of the history whose words a question on the illness itself uses: a symptom's name,
# "work", "school", "tablets" ("did the tablets help?"), "drinking" ("does drinking make it
# worse?"). The reader may read a dimension of the illness in a question the patterns read as one
# of these; never in one on the past illnesses, allergies or family, whose words are their own,
# nor on travel (the patterns read "does it travel?" as where it spreads; "have you travelled
# anywhere recently?" is not: the reader, taught the former, read the latter so at 0.84).
_EVERYDAY_WORDS = frozenset({"review_of_systems", "medications", "social"})


class FactMatcher:
    """Lexical retrieval over each fact's cues and content, weighted by IDF.

    A question scores against each cue (and the content) by how much of what it asks the cue
    covers and how much of the cue it covers, both IDF-weighted. Words the case never uses count
    against the match (``unknown_weight`` times the mean IDF), so "what football team does his
    father support" does not disclose the father; intent words ("where", "when") count only a
    little when a cue lacks them, but in full when the question lacks a cue's ("how long ...
    fussy" is not what "is he fussy" asks). A fact's content alone needs two shared terms: one
    word of it ("what church do you go to" vs "walks to church") is too weak to disclose. Compound
    questions ("night sweats or fevers?") are also scored clause by clause, and each clause may
    disclose its own best fact.
    """

    def __init__(
        self,
        facts: list[Fact] | tuple[Fact, ...],
        threshold: float = TUNING.threshold,
        unknown_weight: float = TUNING.unknown_weight,
        clinical_weight: float = TUNING.clinical_weight,
        intent_weight: float = TUNING.intent_weight,
        content_weight: float = TUNING.content_weight,
        keep_ratio: float = TUNING.keep_ratio,
        near_ratio: float = TUNING.near_ratio,
        beta: float = TUNING.beta,
        gamma: float = TUNING.gamma,
        understand: str = TUNING.understand,
        confidence: float = TUNING.confidence,
        classifier_min_words: int = TUNING.classifier_min_words,
        dimension_confidence: float = TUNING.dimension_confidence,
        dimension_other_max: float | None = TUNING.dimension_other_max,
        dimension_over_topics: float | None = TUNING.dimension_over_topics,
        dimension_veto: float | None = TUNING.dimension_veto,
        veto_unsure: bool = TUNING.veto_unsure,
        veto_each: bool = TUNING.veto_each,
        route_limit: int = TUNING.route_limit,
        keep_off_topic: bool = TUNING.keep_off_topic,
        patient_kin: str | None = None,
    ) -> None:
        self.keep_off_topic = keep_off_topic
        self.understand = understand
        if understand == "topics+classifier":
            understanding.warm_up()
            dimensions.warm_up()
        if understand != "lexical":
            normalise.warm_up()
        self.confidence = confidence
        self.classifier_min_words = classifier_min_words
        self.dimension_confidence = dimension_confidence
        self.dimension_other_max = dimension_other_max
        self.dimension_over_topics = dimension_over_topics
        self.dimension_veto = dimension_veto
        self.veto_unsure = veto_unsure
        self.veto_each = veto_each
        self.route_limit = route_limit
        self.beta = beta
        self.gamma = gamma
        self.facts = tuple(facts)
        self.threshold = threshold
        self.keep_ratio = keep_ratio
        self.near_ratio = near_ratio
        self.content_weight = content_weight
        # Per fact: its content's terms, then each cue's.
        self._docs = [
            [
                frozenset(terms(text))
                for text in (f.content, *f.cues, *CATEGORY_CUES.get(f.category, []))
            ]
            for f in self.facts
        ]
        # Per fact: every term it says, for the symptom rule.
        self._said = [
            frozenset(terms(" ".join((f.content, f.patient_says, *f.cues)))).union(*docs)
            for f, docs in zip(self.facts, self._docs, strict=True)
        ]
        df: Counter[str] = Counter()
        for docs in self._docs:
            df.update(set().union(*docs))
        n = max(len(self.facts), 1)
        self._idf = {term: math.log(1 + n / count) for term, count in df.items()}
        mean = sum(self._idf.values()) / len(self._idf) if self._idf else 1.0
        self._unknown = unknown_weight * mean
        self._unknown_clinical = clinical_weight * mean
        self._intent = intent_weight * mean
        self.speller = Speller(self._idf)
        self._topics = [_topics_of(f, patient_kin) for f in self.facts]
        # Whether the case leaves unsaid which facts come with the complaint (see _comes_with):
        # an importer marks a record's secondary symptoms, so a record without any has none.
        self._unmarked = not any("associated" in topics for topics in self._topics) and not any(
            f.source for f in self.facts
        )
        if self._unmarked:
            self._topics = [
                topics | {"associated"} if self._comes_with(i) else topics
                for i, topics in enumerate(self._topics)
            ]
        # The case's own words: never "corrected" into a topic word.
        self._case_words = frozenset(
            word for f in self.facts for text in (f.content, f.patient_says, *f.cues)
            for word in words(text)
        )  # fmt: skip
        self._case_topics = frozenset().union(*self._topics)

    def _missing(self, term: str) -> float:
        """What a query term costs a cue that lacks it."""
        if term in INTENT_WORDS:
            return self._intent
        if term in self._idf:
            return self._idf[term]
        return self._unknown_clinical if term in LEXICON_TERMS else self._unknown

    def _score(self, query: frozenset[str], doc: frozenset[str], content: bool = False) -> float:
        """How much of the question the doc covers, times a root of how much of the doc it uses."""
        common = query & doc
        if not common or (content and len(common) < 2):
            return 0.0
        shared = sum(self._idf[t] for t in common)
        asked = shared + sum(self._missing(t) for t in query - doc)
        covered = shared + sum(self._idf[t] for t in doc - query)
        return (shared / asked) * (shared / covered) ** (self.gamma if content else self.beta)

    def _query(self, text: str) -> frozenset[str]:
        return frozenset(self.speller.correct(t) for t in terms(text))

    def _symptoms(self, text: str) -> frozenset[str]:
        """The specific symptoms a question brings up."""
        return self._query(_POINTED_BACK.sub(" ", text)) & SYMPTOM_TERMS

    def _ranked(self, text: str) -> list[tuple[float, Fact]]:
        """Facts at or above the threshold and near the best, best first. One below
        ``near_ratio`` of the best is kept only if it covers a term of the question that the
        facts ranked above it do not: two facts that answer the same words are one answer."""
        query = self._query(text)
        if query <= INTENT_WORDS:
            return []  # "how long for?" alone says what kind of answer, not about what
        scored = []
        symptoms = self._symptoms(text)
        for fact, docs, said in zip(self.facts, self._docs, self._said, strict=True):
            if symptoms and not symptoms & said:
                continue  # brings up symptoms the fact never names
            content, *cues = docs
            best, doc = max(
                [
                    (self.content_weight * self._score(query, content, content=True), content),
                    *((self._score(query, cue), cue) for cue in cues),
                ],
                key=lambda pair: pair[0],
            )
            if best >= self.threshold:
                scored.append((best, fact, query & doc))
        scored.sort(key=lambda item: -item[0])
        kept: list[tuple[float, Fact]] = []
        covered: set[str] = set()
        for score, fact, answers in scored:
            if kept and score < self.keep_ratio * kept[0][0]:
                break
            if kept and score < self.near_ratio * kept[0][0] and answers <= covered:
                continue  # answers nothing the stronger facts do not
            kept.append((score, fact))
            covered |= answers
        return kept

    def asked_topics(self, question: str) -> frozenset[str]:
        """The history topics a question asks about (see :meth:`understood`)."""
        return self.understood(question)[0]

    def understood(self, question: str) -> tuple[frozenset[str], bool]:
        """The history topics a question asks about, and whether it is on the presenting illness
        yet read by no one (then it discloses only what an authored cue answers, never the facts
        its words match).

        The topic patterns read it; where none does, the learned dimension reader's dimension
        when it is confident, else, where the reader still finds the question on the presenting
        illness (its "other" class below ``dimension_other_max``: "has the swelling changed
        since it started?" asks how it has gone, which the complaint's fact "swelling of the
        neck" does not say), nothing; else the category the classifier learned from real
        clinicians' questions reads when confident."""
        if self.understand == "lexical":
            return frozenset(), False
        asked = question_topics(question)
        if self.understand != "topics+classifier":
            return asked, False
        if asked:
            asked, unsure = self._overruled(question, self._named_complaint(question, asked))
            return self._what_else(asked), unsure
        reader = dimensions.bundled_reader()
        if reader is not None:
            odds = reader.distribution(question)
            best = max(
                (label for label in odds if label not in dimensions.NOT_DIMENSIONS),
                key=odds.__getitem__,
                default=None,
            )
            if best is not None and odds[best] >= self.dimension_confidence:
                return frozenset([best]), False
            limit = self.dimension_other_max
            if limit is not None and odds[dimensions.OTHER] < limit:
                return frozenset(), True
        if len(words(question)) < self.classifier_min_words:
            return frozenset(), False  # "Character?": one word is too little for it
        reading = understanding.bundled_classifier().read(question)
        if reading.topic and reading.probability >= self.confidence:
            return frozenset([reading.topic]), False
        return frozenset(), False

    def _what_else(self, asked: frozenset[str]) -> frozenset[str]:
        """ "Any other symptoms?" on a case that does not mark what comes with the complaint (an
        authored case, whose review of systems is cues and denials): the symptoms of the
        presenting illness. On an imported case, its review of systems."""
        if (
            self._unmarked
            and "review_of_systems" in asked
            and asked <= {"review_of_systems", "associated"}
            and "associated" in self._case_topics
        ):
            return frozenset({"associated"})
        return asked

    def _overruled(self, question: str, asked: frozenset[str]) -> tuple[frozenset[str], bool]:
        """The patterns' dimensions, unless the reader, which reads the whole question, gives
        them almost none of its probability: a pattern reads a word, and "apart from where it
        started, is it felt anywhere else?" holds "started" but asks where it spreads. Then the
        reader's dimension where it is confident, else the question is on the illness but read
        by no one (``unsure``)."""
        veto = self.dimension_veto
        reader = dimensions.bundled_reader()
        if veto is None or reader is None or len(words(question)) < self.classifier_min_words:
            return asked, False  # "Onset?": one word is too little for the reader to overrule
        read = asked & set(reader.labels)
        if not read:
            return asked, False
        odds = reader.distribution(question)
        if sum(odds[d] for d in read) >= veto:
            if not self.veto_each:
                return asked, False
            # of two dimensions read, one the reader gives almost nothing: "does it spread out
            # from where it started?" asks where it goes, not since when
            kept = frozenset(d for d in read if odds[d] >= veto)
            return (asked - read) | (kept or read), False
        best = max(
            (label for label in odds if label not in dimensions.NOT_DIMENSIONS),
            key=odds.__getitem__,
        )
        if odds[best] >= self.dimension_confidence:
            return (asked - read) | {best}, False
        return asked, self.veto_unsure

    def _named_complaint(self, question: str, asked: frozenset[str]) -> frozenset[str]:
        """The topics of a question that names a symptom. Where the patterns read a dimension
        of the presenting illness too, that dimension, not the symptom's review of systems ("how
        long have you had the cough for?"). Where they read only other parts of the history (the
        review of systems; "medicine", "travel") and the dimension reader reads a dimension, the
        reader's: "does the cough keep you up at night?" asks when the cough comes, not whether
        there is one."""
        limit = self.dimension_over_topics
        if limit is None or "complaint" in asked:
            return asked
        reader = dimensions.bundled_reader()
        if reader is None:
            return asked
        if asked & set(reader.labels) - {"associated"}:
            # a dimension of the symptom it names ("how long have you had the cough for?"):
            # not whether there is one (what else comes with it is: "associated" keeps them)
            topics = bundled_topics()
            return frozenset(
                t for t in asked if t not in topics or topics[t].category != "review_of_systems"
            )
        if asked & set(reader.labels):
            return asked
        topics = bundled_topics()
        if any(t == "travel" or topics[t].category not in _EVERYDAY_WORDS
               for t in asked if t in topics):  # fmt: skip
            return asked  # "any medication intolerances?" asks the allergies, whatever else
        odds = reader.distribution(question)
        best = max(odds, key=odds.__getitem__)
        if best in dimensions.NOT_DIMENSIONS or best == "associated" or odds[best] < limit:
            return asked
        return frozenset([best])

    def match(self, question: str) -> Disclosure:
        if self.understand != "lexical":
            question = normalise.asked_part(normalise.normalise(question, self._case_words))
        lexical = self._lexical(question)
        asked, unsure = self.understood(question)
        if unsure:
            return self._authored(lexical)
        if not asked:
            return lexical
        if (
            "onset" in asked
            and not self._query(_asking_removed(question, frozenset({"onset"}))) - _POINTER
        ):
            illness = self._illness_times()
            if illness:
                return Disclosure(tuple(illness), tuple(0.0 for _ in illness))
        if not asked & self._case_topics:
            # About a topic this patient has nothing on: only an authored cue may still say
            # that a fact answers it; a fact reached by its words alone does not.
            return self._authored(self._within(question, lexical, asked))
        on_topic = [
            (f, s) for f, s in zip(lexical.facts, lexical.scores, strict=True)
            if self._topics[self._index[f.id]] & asked
        ]  # fmt: skip
        if on_topic:
            # A topic the question asks in a clause of its own that the facts its words found
            # leave unanswered ("any pain passing urine, or red eyes?": the urine's fact is found
            # by its words, the eyes' by its topic) is routed to as well.
            answered = frozenset().union(*(self._topics[self._index[f.id]] for f, _ in on_topic))
            own = frozenset().union(*(question_topics(p) for p in CLAUSE.split(question)))
            rest = (asked & own) - answered
            ids = {f.id for f, _ in on_topic}
            more = [(s, i) for s, i in self._route(question, rest) if self.facts[i].id not in ids]
            on_topic += [(self.facts[i], round(-s, 3)) for s, i in more]
            return Disclosure(tuple(f for f, _ in on_topic), tuple(s for _, s in on_topic))
        # Facts without authored cues are reached by their topics; authored cues say better
        # than a topic which questions a fact answers.
        routed = self._route(question, asked)
        if routed:
            return Disclosure(
                tuple(self.facts[i] for _, i in routed), tuple(round(-s, 3) for s, _ in routed)
            )
        return (
            self._authored(self._within(question, lexical, asked))
            if self.keep_off_topic
            else Disclosure((), ())
        )

    def _route(self, question: str, asked: frozenset[str]) -> list[tuple[float, int]]:
        """(minus score, index) of the facts without cues reached by a topic asked."""
        if not asked:
            return []
        query = self._query(question)
        parts = [
            (self._query(part), self._symptoms(part), question_topics(part))
            for part in CLAUSE.split(question) if self._query(part)
        ] or [(query, self._symptoms(question), asked)]  # fmt: skip
        named = self._query(_asking_removed(question, frozenset({"onset"}))) - INTENT_WORDS
        specific = self._unread_terms(question, query, asked)
        # A question that names nothing but what it asks ("how bad is it?", "any other
        # symptoms?") shares no word with the cues that say which questions a fact answers: it
        # reaches the facts of its topics whether or not they have cues.
        names = self._names_own(question, asked)
        pointed = not names
        # of facts that score alike, one that names a body system's complaint first ("my gums
        # are bleeding" before "I saw a big snake with chain-like spots")
        ranked = sorted(
            (-max(self._score(query, doc) for doc in self._docs[i]), not self._systems[i], i)
            for i, topics in enumerate(self._topics)
            if topics & asked
            and (
                not self.facts[i].cues
                or (pointed and self._pointed_to(i, asked))
                or self._on_its_symptom(i, asked, names)
            )
            and self._routable(i, asked, parts, named)
            and (not specific or specific & self._said[i])
        )
        return [(score, i) for score, _, i in ranked[: self.route_limit]]

    def _unread_terms(self, question: str, query: frozenset[str], asked) -> frozenset[str]:
        """What a question names that no topic pattern read, where only the learned classifier
        read it as a whole part of the history ("any hearing problems?", "any problems with your
        ears?": the review of systems, the past history): a fact of that part answers it only if
        it says one of them. A system no fact mentions is then answered by none, not by every
        line of another system. Empty where the patterns read the question, and for the
        presenting illness (a question read as the complaint asks about it in its own words)."""
        topics = bundled_topics()
        whole = all(
            t in topics
            and topics[t].whole_category
            and topics[t].category != "presenting_complaint"
            for t in asked
        )
        if not whole or question_topics(question):
            return frozenset()
        return query - INTENT_WORDS - _POINTER - _GENERIC

    def _illness_times(self) -> list[Fact]:
        """The facts that give the presenting complaint's time: "how long have you had this?"
        names nothing, so it asks how long the complaint has lasted, not for any fact stating a
        time ("on natalizumab for the past year", "eats porridge since six months"). The
        complaint's facts with a time, else the history of the presenting illness with a time
        that names the complaint most (its content, line and cues share the most terms with the
        complaint's)."""
        timed = [i for i, topics in enumerate(self._topics) if "onset" in topics]
        own = [self.facts[i] for i in timed if self.facts[i].category == "presenting_complaint"]
        if own:
            return own[: self.route_limit]
        shared = {
            i: len(self._said[i] & self._complaint)
            for i in timed
            if self.facts[i].category == "history_of_presenting_illness"
        }
        best = max(shared.values(), default=0)
        return [self.facts[i] for i, n in shared.items() if n and n == best][: self.route_limit]

    def _routable(self, i: int, asked: frozenset[str], parts, named: frozenset[str]) -> bool:
        """Whether a fact that has a topic asked about answers what the question names.

        A topic is wider than a question. "Any vomiting or diarrhoea?" asks about the gut, but a
        fact whose part on the gut is about another symptom ("abdominal pain") does not answer
        it: the case says nothing on what was asked. So a fact must answer one part of the
        question (``parts``: each part's terms, the symptoms it brings up and its topics): a part
        that brings up specific symptoms needs a fact that shares a term with it, or whose own
        part on the asked topic names no other symptom (a denial for the whole system, "no
        respiratory distress", still answers); a part that brings up none is answered by any
        fact on its topics (or the question's). A question on how long "this" has lasted asks
        for the time of the presenting illness: a fact stating another time ("on natalizumab for
        the past year", "birth at 39 weeks") answers it only if it names what the question
        names (``named``: its terms less those that ask for the topic) or the illness.
        """
        said, fact = self._said[i], self.facts[i]
        if not any(self._answers_part(i, part, asked) for part in parts):
            return False
        if "onset" in asked and fact.category != "presenting_complaint":
            if named & said:
                return True
            # A fact on a medicine, a past illness, the family or social life gives that
            # thing's time, unless it names the complaint itself.
            if self._elsewhere(i):
                return bool(said & self._complaint)
            return bool(said & self._illness)
        return True

    def _answers_part(self, i: int, part, asked: frozenset[str]) -> bool:
        """Whether fact ``i`` answers one part of a question (see :meth:`_routable`)."""
        query, symptoms, topics = part
        if not symptoms:
            # the part's own topics as far as they were asked: the reader may have overruled
            # what the patterns read ("where it started" asks no onset: see _overruled)
            return bool((topics & asked or asked) & self._topics[i])
        # on an authored case, the words that ask ("worse", "at night") are not what is shared:
        # "is the cough worse at night?" is not answered by "the headache is worse with light"
        # (an imported fact's clauses are its record's own, each about what it names)
        if query & self._said[i] - (_dimension_words() if self._unmarked else frozenset()):
            return True
        if _PAIN in query and self._said[i] & _PAIN_KINDS:
            return True  # "does the pain spread?" and a fact on the headache
        if self._unmarked and (self._systems[i] or self._said[i] & SYMPTOM_TERMS):
            # an authored fact on a body system's complaint is about it in every part ("... and
            # worse at the kiln" is the breathlessness): not the symptom the question names
            return False
        on_topic = [names for t, names in self._symptom_parts[i].items() if t in asked]
        return not on_topic or not all(on_topic)

    @functools.cached_property
    def _symptom_parts(self) -> list[dict[str, bool]]:
        """Per fact, per topic its parts have: whether every part on that topic names a
        specific symptom."""
        out = []
        for fact in self.facts:
            named: dict[str, bool] = {}
            for text in (fact.content, fact.patient_says):
                for clause in CLAUSE.split(text):
                    has = bool(set(terms(clause)) & SYMPTOM_TERMS)
                    for topic in text_topics(clause, fact.category, whole=False):
                        named[topic] = named.get(topic, True) and has
            out.append(named)
        return out

    def _elsewhere(self, i: int) -> bool:
        """Whether a fact has a topic of another part of the history than the presenting
        illness (a medicine, a past illness or operation, the family, social life)."""
        topics = bundled_topics()
        return any(
            topics[t].category not in _ILLNESS_CATEGORIES for t in self._topics[i] if t in topics
        )

    @functools.cached_property
    def _complaint(self) -> frozenset[str]:
        """The terms of the presenting complaint, less numbers."""
        return frozenset(
            t for f, said in zip(self.facts, self._said, strict=True)
            if f.category == "presenting_complaint"
            for t in said if not any(c.isdigit() for c in t)
        )  # fmt: skip

    @functools.cached_property
    def _illness(self) -> frozenset[str]:
        """The terms that say what the presenting illness is: those of the presenting complaint
        and of the history of the presenting illness that states no time (its symptoms) and has
        no topic elsewhere, less numbers and terms the social, family, medicine and allergy
        facts also use ("patient", "reports")."""
        illness: set[str] = set(self._complaint)
        elsewhere: set[str] = set()
        for i, fact in enumerate(self.facts):
            if fact.category not in (*_ILLNESS_CATEGORIES, "past_history"):
                elsewhere |= self._said[i]
            elif (
                fact.category == "history_of_presenting_illness"
                and "onset" not in self._topics[i]
                and not self._elsewhere(i)
            ):
                illness |= self._said[i]
        specific = (t for t in illness - elsewhere if not any(c.isdigit() for c in t))
        return frozenset(specific) | _ILLNESS_WORDS

    @functools.cached_property
    def _systems(self) -> list[bool]:
        """Per fact, whether it names a body system's complaint (a review-of-systems topic)."""
        return [any(t.startswith("ros_") for t in topics) for topics in self._topics]

    @functools.cached_property
    def _complaint_systems(self) -> frozenset[str]:
        """The body systems (review-of-systems topics) of the presenting complaint's facts."""
        return frozenset(
            t for f, topics in zip(self.facts, self._topics, strict=True)
            if f.category == "presenting_complaint" for t in topics if t.startswith("ros_")
        )  # fmt: skip

    def _comes_with(self, i: int) -> bool:
        """Whether fact ``i`` is a symptom that comes with the complaint, for a case that does not
        say which are (an authored case; the importer marks a record's secondary symptoms): a
        fact of the presenting illness or the review of systems, not a denial, an earlier episode
        or what makes the complaint worse, better or spread, that names a symptom or a body
        system's complaint the presenting complaint's facts do not (a weight measured, "3.9 kg",
        is no symptom)."""
        fact, topics = self.facts[i], self._topics[i]
        if not self._complaint:
            return False  # no complaint for it to come with
        if fact.category not in ("history_of_presenting_illness", "review_of_systems"):
            return False
        if _DENIAL.match(fact.content) or topics & _NOT_WHAT_COMES_WITH:
            return False  # an earlier episode; what the complaint does ("worse on coughing")
        systems = {t for t in topics if t.startswith("ros_")}
        said = " ".join((fact.content, fact.patient_says))
        named = frozenset(terms(_MEASURED.sub(" ", said))) & SYMPTOM_TERMS
        return bool(named - self._complaint or systems - self._complaint_systems)

    def _pointed_to(self, i: int, asked: frozenset[str]) -> bool:
        """Whether fact ``i``, which has cues, answers a question that names nothing. One on a
        part of the history as a whole ("any concerns?", "any medical problems?"): every fact of
        that part. One on the presenting illness ("how bad is it?"): "it" is the complaint, so a
        fact on it (the complaint's own, or one that names the complaint's symptom), or what
        comes with it where that is asked; never a denial."""
        fact = self.facts[i]
        topics = bundled_topics()
        if any(
            t in topics and topics[t].whole_category and topics[t].category == fact.category
            and fact.category != "review_of_systems" for t in asked
        ):  # fmt: skip
            return True  # "any concerns?": every fact of that part of the history ("none")
        if (
            _DENIAL.match(fact.content)
            or fact.category not in _ILLNESS_CATEGORIES
            or not all(
                t in topics and topics[t].category == "history_of_presenting_illness" for t in asked
            )
        ):
            return False  # "it" is the illness: not a medicine taken "many times a week"
        if self._only_denies(i, asked):
            return False  # "whereabouts does it hurt?" is not answered "no chest pain"
        if fact.category == "presenting_complaint" or "associated" in asked & self._topics[i]:
            return True
        shared = self._said[i] & self._complaint
        return bool(shared & SYMPTOM_TERMS if self._complaint & SYMPTOM_TERMS else shared)

    def _only_denies(self, i: int, asked: frozenset[str]) -> bool:
        """Whether every part of fact ``i``'s content on the asked dimensions denies a symptom
        ("breathing fast and deep; no chest pain" on where it hurts; not "it does not spread",
        which answers where it spreads)."""
        if not asked <= _FOCUSED:
            return False
        on = [absent for part_topics, absent in self._content_parts[i] if part_topics & asked]
        return bool(on) and all(on)

    @functools.cached_property
    def _content_parts(self) -> list[list[tuple[frozenset[str], bool]]]:
        """Per fact, per part of its content: the part's topics, and whether it says a symptom
        is absent."""
        topics = bundled_topics()
        return [
            [
                (frozenset(text_topics(part, fact.category, topics, whole=False)),
                 bool(_ABSENT.search(part)))
                for part in _PARTS.split(fact.content)
            ]
            for fact in self.facts
        ]  # fmt: skip

    def _on_its_symptom(self, i: int, asked: frozenset[str], names: frozenset[str]) -> bool:
        """Whether fact ``i``, which has cues, answers a question on a dimension that names what
        the fact says, a symptom it has or a place ("does anything make the pain better?" and
        the loin pain's fact, whose cues ask only where it is; "does it go through to your
        back?" and "it does not spread to the back"): never a fact that denies it all."""
        symptoms = names & SYMPTOM_TERMS
        return (
            bool(names)
            and symptoms <= self._affirmed[i]
            and names - symptoms <= self._said[i]  # "to your back": where the pain goes
            and all(_a_place(t) for t in names - symptoms)
            and asked <= _FOCUSED
            and not _DENIAL.match(self.facts[i].content)
            and self.facts[i].category in _ILLNESS_CATEGORIES
        )

    @functools.cached_property
    def _affirmed(self) -> list[frozenset[str]]:
        """Per fact, the terms it says in a part that denies nothing ("no chest pain, no cough"
        says neither)."""
        return [
            frozenset(
                t for part in _PARTS.split(fact.content) if not _NEGATED.search(part)
                for t in terms(part)
            )
            for fact in self.facts
        ]  # fmt: skip

    def _names_own(self, question: str, asked: frozenset[str]) -> frozenset[str]:
        """What a question names of the case beyond the words that ask its topics: the case's
        terms it uses, less those that point back to the illness ("this problem", the complaint's
        symptom), name nothing ("anything else") or frame a time ("since this started"). Empty for
        "how bad is it, would you say?" and for "what else have you noticed since this started?"
        (the words of a topic that asks for a whole part of the history ask, whatever topic the
        question is then read as)."""
        topics = bundled_topics()
        # the words of a topic that asks for a whole part of the history, and of every
        # dimension of the illness ("did it start all at once?" names no start)
        asking = (
            asked
            | {t for t in question_topics(question) if topics[t].whole_category}
            | (_FOCUSED | {"previous"}) & topics.keys()
        )
        framed = _TIME_FRAME.sub(" ", _asking_removed(question, asking, spelt_only=True))
        left = self._query(framed) - _POINTER - _GENERIC
        left -= self._complaint & SYMPTOM_TERMS  # "apart from the cough": the complaint itself
        if self._complaint & _PAIN_KINDS:
            left -= {_PAIN}  # "the pain" of a headache is the headache
        # a number ("on a scale of 0 to 10") asks for one
        return frozenset(
            t for t in left if (t in self._idf or t in SYMPTOM_TERMS) and not t.isdigit()
        )

    def _within(self, question: str, found: Disclosure, asked: frozenset[str]) -> Disclosure:
        """Of the facts found by their words, where the question names nothing but what it asks
        ("where exactly is it?", "is it there all the time?": it points back to the illness),
        those of a part of the history the topics asked can be in: the cue "where do you live?"
        shares the question's "where", not what it is about. A question that names something
        ("is there dust where you work?") keeps every fact its words found."""
        if self._names_own(question, asked):
            return found
        topics = bundled_topics()
        within = [topics[t].within for t in asked if t in topics]
        if not within or not all(within):
            return found  # a topic said in any part of the history
        parts = frozenset().union(*within)
        kept = [
            (f, s) for f, s in zip(found.facts, found.scores, strict=True) if f.category in parts
        ]
        return Disclosure(tuple(f for f, _ in kept), tuple(s for _, s in kept))

    @staticmethod
    def _authored(found: Disclosure) -> Disclosure:
        kept = [(f, s) for f, s in zip(found.facts, found.scores, strict=True) if f.cues]
        return Disclosure(tuple(f for f, _ in kept), tuple(s for _, s in kept))

    @functools.cached_property
    def _index(self) -> dict[str, int]:
        return {f.id: i for i, f in enumerate(self.facts)}

    def focused(self, question: str, found: Disclosure) -> Disclosure:
        """The disclosed facts narrowed to the parts that answer what a question on a dimension of
        the presenting illness asks: "where is it?" is answered "in the middle of my chest", not
        with how bad and what it is like too (the learner asks those in turn). A fact is narrowed
        only where both its content and its patient's line have parts on the asked dimensions and
        parts on none; it keeps its id (what was asked is logged as before)."""
        if self.understand == "lexical" or found.empty:
            return found
        question = normalise.asked_part(normalise.normalise(question, self._case_words))
        asked = self.understood(question)[0]
        topics = bundled_topics()
        if not asked or not all(t in _FOCUSED for t in asked):
            return found
        facts = tuple(self._narrowed(f, asked, topics) for f in found.facts)
        return Disclosure(facts, found.scores)

    @staticmethod
    def _narrowed(fact: Fact, asked: frozenset[str], topics) -> Fact:
        def parts_on(text: str) -> list[str] | None:
            parts = [p for p in _PARTS.split(text.strip()) if p.strip()]
            on = [p for p in parts if text_topics(p, fact.category, topics, whole=False) & asked]
            return on if on and len(on) < len(parts) else None

        content, says = parts_on(fact.content), parts_on(fact.patient_says)
        if content is None or says is None:
            return fact
        return fact.model_copy(
            update={"content": _as_sentence(content), "patient_says": _as_sentence(says)}
        )

    def _lexical(self, question: str) -> Disclosure:
        found = {fact.id: (score, fact) for score, fact in self._ranked(question)}
        for clause in self._clauses(question):
            for score, fact in self._ranked(clause)[:1]:
                if score > found.get(fact.id, (0.0,))[0]:
                    found[fact.id] = (score, fact)
        best = sorted(found.values(), key=lambda pair: -pair[0])[:3]
        return Disclosure(
            facts=tuple(f for _, f in best), scores=tuple(round(s, 3) for s, _ in best)
        )

    def _clauses(self, question: str) -> list[str]:
        """The sentences of a compound question, and its parts joined by "and", "or" or commas
        that ask about two things or more on their own ("weakness of arms or legs" stays whole).
        """
        sentences = [part for part in _SENTENCE.split(question) if self._query(part)]
        # A part of one word counts when that word is a symptom: "any fever, night sweats or
        # weight loss?" asks about the fever too.
        parts = [
            part for part in CLAUSE.split(question)
            if len(query := self._query(part)) >= 2 or query & SYMPTOM_TERMS
        ]  # fmt: skip
        clauses: dict[frozenset[str], str] = {}
        for part in (*sentences, *parts):
            clauses.setdefault(self._query(part), part)
        return list(clauses.values()) if len(clauses) > 1 else []
