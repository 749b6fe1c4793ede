"""The built-in vocabulary of diagnosis matching: spellings, abbreviations, synonyms, word classes.

The tables live in ``cases/catalog/diagnosis_words.yaml`` (checked when loaded: a self-map or a
word given twice is an error with file and line) and feed :mod:`simdesk.core.assess.diagnosis`.
Standard synonyms of whole diagnoses come from ICD-10-CM (:mod:`simdesk.core.assess.terminology`).
"""

from __future__ import annotations

from simdesk.core.cases.wordtables import bundled_word_tables

_WORDS = bundled_word_tables("diagnosis_words")
PATH = _WORDS.path

# British -> American spelling: regular expressions applied inside each word, in this order.
SPELLINGS: tuple[tuple[str, str], ...] = tuple(_WORDS.maps["spellings"].items())
# Word endings: British -ise/-ised -> -ize/-ized (paralysed, localised).
ENDINGS: tuple[tuple[str, str], ...] = tuple(_WORDS.maps["endings"].items())
JOINED_PREFIXES = _WORDS.sets["joined_prefixes"]
KEEP_FINAL_S = _WORDS.sets["keep_final_s"]
STOP_WORDS = _WORDS.sets["stop_words"]
HEDGES = _WORDS.sets["hedges"]
SUFFIX_WORDS = _WORDS.sets["suffix_words"]
LETTER_NAMERS = _WORDS.sets["letter_namers"]
NUMBER_NAMERS = _WORDS.sets["number_namers"]
ROMAN = _WORDS.maps["roman"]
NUMBER_WORDS = _WORDS.maps["number_words"]
ORDINALS = _WORDS.maps["ordinals"]
WORD_SYNONYMS = _WORDS.maps["word_synonyms"]
# Abbreviations and multi-word synonyms -> one or more expansions (several when ambiguous).
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    key: tuple(part.strip() for part in value.split("|"))
    for key, value in _WORDS.maps["abbreviations"].items()
}
POLARITY = _WORDS.sets["polarity"]
ACUITY_SENSITIVE = _WORDS.sets["acuity_sensitive"]
ACUITY = _WORDS.sets["acuity"]
# Pairs of word pieces that look alike and mean different things: never treated as a typo.
CONFUSABLE_PIECES: tuple[tuple[str, str], ...] = tuple(
    tuple(pair.split("/", 1))
    for pair in sorted(_WORDS.sets["confusable_pieces"])  # type: ignore[misc]
)
# Judging a narrower name than the key against the case's own text (diagnosis.CaseText).
TEXT_NEGATIONS = _WORDS.sets["text_negations"]
UNCOMPLICATED = _WORDS.sets["uncomplicated"]
SITE_WORDS = _WORDS.sets["site_words"]
NORMAL_WORDS = _WORDS.sets["normal_words"]
PLACE_WORDS = _WORDS.sets["place_words"] | SITE_WORDS
OPPOSITES: dict[str, frozenset[str]] = {}
for _pair in sorted(_WORDS.sets["opposites"]):
    _a, _b = _pair.split("/", 1)
    OPPOSITES[_a] = OPPOSITES.get(_a, frozenset()) | {_b}
    OPPOSITES[_b] = OPPOSITES.get(_b, frozenset()) | {_a}
# A narrower name's age band, period and setting (diagnosis._qualifiers).
AGE_WORDS: dict[str, tuple[float, float]] = {
    word: (float(band.split("-")[0]), float(band.split("-")[1]))
    for word, band in _WORDS.maps["age_words"].items()
}
PERIOD_WORDS = _WORDS.sets["period_words"]
COMMUNITY_WORDS = _WORDS.sets["community_words"]
HOSPITAL_WORDS = _WORDS.sets["hospital_words"]
