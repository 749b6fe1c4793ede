"""A learner's question in the words the matchers know: chat spellings and misspelt topic words.

Two general steps run before a question is matched. Chat spellings are read as words ("u" ->
"you", "ur" -> "your": the ``slang`` map of the disclosure word tables), so a topic pattern that
reads "brings you" also reads "brings u". And a word nobody here knows that is an edit or two
from a word asking about a history topic ("alergies" -> "allergies", "operaton" -> "operation")
is read as that word. The known words are those of MTS-Dialog's training conversations (real
clinicians and patients), of the lexicon and catalogs, and of the case; the topic words are the
known words that ask about a history topic on their own (``history_topics.yaml``). A word is
never corrected when it is known, short, or as close to topic words of different topics. The
edits are those of typing, not of other words: a letter left out, doubled, added or swapped with
its neighbour, and in a long word one vowel for another ("medecine"); a consonant for another
never ("fewer" is not "fever", "couch" not "cough", "codeine" not "cocaine").
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Iterable

from simdesk.core.cases.topics import question_topics
from simdesk.core.cases.wordtables import bundled_word_tables
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim import understanding
from simdesk.core.sim.tuning import TUNING
from simdesk.core.text import words

_TOKEN = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)?")


_VOWELS = frozenset("aeiou")


def edit_distance(a: str, b: str, limit: int) -> int:
    """Typing edits from ``a`` to ``b`` (optimal string alignment: a letter left out, added or
    swapped with its neighbour; a vowel for a vowel in words of 7 letters or more; never one
    consonant for another), or ``limit + 1`` once it is sure to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    vowel_swap = 1 if min(len(a), len(b)) >= 7 else limit + 1
    before, row = None, list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            if ca == cb:
                swap = 0
            elif ca in _VOWELS and cb in _VOWELS:
                swap = vowel_swap
            else:
                swap = limit + 1
            current[j] = min(row[j] + 1, current[j - 1] + 1, row[j - 1] + swap)
            if before is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], before[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        before, row = row, current
    return min(row[-1], limit + 1)


@functools.cache
def _tables():
    return bundled_word_tables("disclosure_words")


@functools.cache
def known_words() -> frozenset[str]:
    """Words of real clinicians' questions and of the lexicon: never corrected."""
    catalog = bundled_cases_dir() / "catalog"
    found: set[str] = set()
    for _label, question in understanding.load_examples():
        found.update(words(question))
    for line in (catalog / "mts_dialog_words.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            found.add(line)
    for name in ("treatments", "investigations", "examination"):
        found.update(words((catalog / f"{name}.yaml").read_text(encoding="utf-8")))
    tables = _tables()
    for table in tables.maps.values():
        for key, value in table.items():
            found.update(words(key))
            found.update(words(value))
    for table in tables.sets.values():
        for entry in table:
            found.update(words(entry))
    return frozenset(found)


@functools.cache
def topic_words() -> dict[str, frozenset[str]]:
    """Known words (long enough to correct towards) that ask about a topic on their own."""
    out = {}
    for word in known_words():
        if len(word) >= TUNING.spelling_min_length and word.isalpha():
            asked = question_topics(word)
            if asked:
                out[word] = asked
    return out


def _limit(word: str) -> int:
    return 1 if len(word) < 10 else 2


@functools.cache
def correction(word: str) -> str | None:
    """The topic word an unknown word is a misspelling of, if exactly one topic is that close."""
    limit = _limit(word)
    best, found = limit + 1, {}
    for candidate, topics in topic_words().items():
        if candidate[0] != word[0]:
            continue
        distance = edit_distance(word, candidate, min(limit, best))
        if distance < best:
            best, found = distance, {candidate: topics}
        elif distance == best and distance <= limit:
            found[candidate] = topics
    if best > limit or len(set(found.values())) != 1:
        return None
    return min(found, key=lambda w: (abs(len(w) - len(word)), w))


def normalise(question: str, case_words: Iterable[str] = frozenset()) -> str:
    """The question with chat spellings read as words and misspelt topic words corrected; the
    case's own words (``case_words``) are never corrected."""
    slang = _tables().maps["slang"]
    known = known_words()
    local = case_words if isinstance(case_words, (set, frozenset)) else frozenset(case_words)

    def read(match: re.Match) -> str:
        token = match.group(0)
        word = token.lower().replace("\u2019", "'")
        if word in slang:
            return slang[word]
        if len(word) < TUNING.spelling_min_length or word in known or word in local:
            return token
        return correction(word) or token

    return _TOKEN.sub(read, question)


_started = threading.Event()


def warm_up() -> None:
    """Read the known and topic words on one background thread (about 0.3 s once per process),
    so that the first question does not wait for them."""
    if not _started.is_set():
        _started.set()
        threading.Thread(target=topic_words, name="simdesk-speller", daemon=True).start()


# A statement before the question - thanks, an acknowledgement, a reference back to what the
# patient said ("you said it started in the morning - is it there all the time?") - is context,
# not what is asked: its words were read as topics ("started": since when).
_SEGMENT = re.compile(r"(?<=[.!:;])\s+|\s+[-\u2013\u2014]+\s+")
_PREAMBLE = re.compile(
    r"(?:(?:so|and|ok|okay|right|alright|now|earlier|before)\W+)*"
    r"(?:you(?:'ve| have)? (?:said|say|mentioned|told|described|were saying)\b"
    r"|thanks?\b|thank you\b|ok\b|okay\b|right\b|alright\b|i see\b|i understand\b"
    r"|sorry\b|good\b|great\b|fine\b)",
    re.I,
)


# What a question sets aside before it asks: "apart from the cough, how have you been?" asks
# about everything but the cough, so the cough is not what it asks about.
_SET_ASIDE = re.compile(
    r"^\s*(apart from|aside from|other than|besides)\s+(?!(that|this|it)\b)[^,?]{1,40},\s*", re.I
)


def asked_part(question: str) -> str:
    """The question less the statements before it that only set it up (see ``_PREAMBLE``) and
    less what it sets aside ("apart from the cough," reads as "apart from that,"); the whole
    question where it does not end as a question."""
    text = question.strip()
    if not text.endswith("?"):
        return question
    text = _SET_ASIDE.sub("Apart from that, ", text)
    question = text
    start = 0
    for separator in _SEGMENT.finditer(text):
        part = text[start : separator.start()]
        if part.rstrip().endswith("?") or not _PREAMBLE.match(part):
            break
        start = separator.end()
    return text[start:] if start else question
