"""Judging a ranked differential against a case's diagnosis.

Each diagnosis is reduced to a set of canonical words: lower case, no punctuation, American
spelling, singular, abbreviations expanded, organ adjectives as organs, and without words that
name no disease ("probable", "of", "syndrome"). Two diagnoses are then:

- ``same`` when their word sets are equal (a missing ``acute`` aside, where acuity does not change
  the disease);
- ``different`` when each has a word the other lacks (gastric/duodenal ulcer, artery/vein,
  type 1/type 2, flutter/fibrillation, hyper/hypo), when only one is negated (non-Hodgkin), or
  when they share no word;
- ``unsure`` when one is a subset of the other (less or more specific) or the only difference is a
  probable misspelling. Only then may the local model be asked; its verdict is marked as a model
  judgement, earns partial credit at most, and never overrides ``different``.
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal

from simdesk.core.assess import lexicon as lx
from simdesk.core.assess import terminology
from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.model_text import Generate
from simdesk.core.cases.schema import Diagnosis
from simdesk.core.errors import SimdeskError

Verdict = Literal["same", "unsure", "different"]
Outcome = Literal["correct", "partially_correct", "incorrect", "not_submitted"]
_RANK = {"different": 0, "unsure": 1, "same": 2}
MAX_ALTERNATIVES = 8
CREDIT = {"correct": 1.0, "partially_correct": 0.5, "incorrect": 0.0, "not_submitted": 0.0}


# ---- normalisation -------------------------------------------------------------------------------


@functools.lru_cache(maxsize=65536)
def _respell(word: str) -> str:
    for british, american in lx.SPELLINGS:
        word = re.sub(british, american, word)
    for british, american in lx.ENDINGS:
        if word.endswith(british):
            word = word[: -len(british)] + american
    return word


@functools.lru_cache(maxsize=65536)
def _singular(word: str) -> str:
    if len(word) <= 3 or word in lx.KEEP_FINAL_S or word.endswith(("ss", "us", "is")):
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    return word[:-1] if word.endswith("s") else word


def _surface(text: str) -> list[str]:
    """Tokens before abbreviation expansion: spelling, numbers, joined prefixes, singulars."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = text.replace("&", " and ").replace("\u2019", "'")
    text = re.sub(r"'s\b", "", text)
    # Dotted abbreviations are one word: "T.B." -> "tb", "c.a.p" -> "cap".
    text = re.sub(r"\b(?:[a-z]\.){1,}[a-z]\b\.?", lambda m: m.group(0).replace(".", ""), text)
    text = re.sub(r"\b(type|grade|stage|class)(\d)\b", r"\1 \2", text)
    # Combining forms join the next word (keto-acidosis, gastro-enteritis); other hyphens split.
    text = re.sub(r"\b([a-z]+o)-(?=[a-z])", r"\1", text)
    tokens = re.findall(r"[a-z0-9]+", text.replace("'", ""))
    out: list[str] = []
    for token in tokens:
        if out and out[-1] in lx.NUMBER_NAMERS:
            token = lx.ROMAN.get(token, lx.NUMBER_WORDS.get(token, token))
        if out and out[-1] in lx.JOINED_PREFIXES and token not in lx.STOP_WORDS:
            out[-1] += token
            continue
        out.append(token)
    return [_singular(_respell(t)) for t in out]


@functools.cache
def _abbreviations() -> dict[tuple[str, ...], tuple[tuple[str, ...], ...]]:
    return {
        tuple(_surface(key)): tuple(tuple(_surface(e)) for e in expansions)
        for key, expansions in lx.ABBREVIATIONS.items()
    }


@functools.cache
def _longest_abbreviation() -> int:
    return max(len(k) for k in _abbreviations())


def _expand(tokens: list[str]) -> list[list[str]]:
    """Every reading of the tokens with abbreviations and synonyms expanded (longest first).

    A one-word entry that is an ordinary word rather than an acronym ("ectopic") is expanded only
    when it is the whole name: inside a longer name it keeps its own meaning. The written form
    stays a reading too."""
    table = _abbreviations()
    pieces: list[tuple[tuple[str, ...], ...]] = []
    i = 0
    while i < len(tokens):
        for size in range(min(_longest_abbreviation(), len(tokens) - i), 0, -1):
            key = tuple(tokens[i : i + size])
            found = table.get(key)
            if found and size == 1 and len(key[0]) > 5 and len(tokens) > 1:
                found = None  # an ordinary word inside a longer name
            if found:
                pieces.append((*found, key))
                i += size
                break
        else:
            pieces.append(((tokens[i],),))
            i += 1
    readings = itertools.islice(itertools.product(*pieces), MAX_ALTERNATIVES)
    return [[t for part in reading for t in part] for reading in readings]


def _content(tokens: list[str]) -> frozenset[str]:
    """The words that name the disease: synonyms unified, filler words dropped."""
    kept: list[str] = []
    previous = ""
    for raw in tokens:
        token = lx.WORD_SYNONYMS.get(raw, raw)
        is_name_letter = len(token) == 1 and previous in lx.LETTER_NAMERS
        previous = token
        if not is_name_letter and (
            token in lx.STOP_WORDS or token in lx.HEDGES or token in lx.SUFFIX_WORDS
        ):
            continue
        kept.append(token)
    if "diabetes" in kept and "insipidus" not in kept:
        kept.append("mellitus")
    return frozenset(kept)


_PARENTHESES = re.compile(r"\s*\(([^()]*)\)")


@functools.lru_cache(maxsize=4096)
def canonical_forms(text: str) -> frozenset[frozenset[str]]:
    """The canonical word sets of a diagnosis: one per reading of its abbreviations; a name
    with a parenthesis is also read without it ("Benign paroxysmal positional vertigo (BPPV)")."""
    texts = {text, _PARENTHESES.sub(" ", text)} if _PARENTHESES.search(text) else {text}
    return frozenset(_content(reading) for t in texts for reading in _expand(_surface(t)))


def word_key(text: str) -> frozenset[str]:
    """The canonical words of a name as written, without expanding abbreviations (fast: used to
    index a terminology)."""
    return _content(_surface(_PARENTHESES.sub(" ", text)))


def _initials(text: str) -> str:
    """The initials of a name's words ("Stevens-Johnson syndrome" -> "sjs")."""
    text = _PARENTHESES.sub(" ", text)
    tokens = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", text).lower())
    return "".join(t[0] for t in tokens if t not in lx.STOP_WORDS)


def _is_acronym_of(submitted: str, expected: str) -> bool:
    """An acronym the learner wrote ("SJS", "ASD") that spells the expected name's initials, and
    that the lexicon does not know as something else."""
    token = submitted.strip().replace(".", "").lower()
    if not re.fullmatch(r"[a-z]{2,6}", token) or len(expected.split()) < 2:
        return False
    if (token,) in _abbreviations():
        return False  # a known abbreviation: its expansions decide
    return _initials(expected) == token


@functools.cache
def _known_words() -> frozenset[str]:
    words: set[str] = set()
    for expansions in lx.ABBREVIATIONS.values():
        for expansion in expansions:
            for form in canonical_forms(expansion):
                words |= form
    return frozenset(words)


# ---- comparing two diagnoses ---------------------------------------------------------------------


def _edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _confusable(a: str, b: str) -> bool:
    for x, y in lx.CONFUSABLE_PIECES:
        for p, q in ((x, y), (y, x)):
            if p in a and q in b and a.replace(p, q, 1) == b:
                return True
    return False


def _is_typo(written: str, meant: str) -> bool:
    """Whether ``written`` is probably a misspelling of ``meant`` (and not another word)."""
    if min(len(written), len(meant)) < 5 or written[0] != meant[0]:
        return False
    if written.isalpha() is False or meant.isalpha() is False:
        return False
    if written in _known_words() or _confusable(written, meant):
        return False
    limit = 1 if max(len(written), len(meant)) < 8 else 2
    return _edit_distance(written, meant) <= limit


@dataclass(frozen=True)
class Comparison:
    """The verdict on one submitted diagnosis against one answer-key entry, with its reason."""

    submitted: str
    expected: str
    verdict: Verdict
    reason: str
    judged_by: Literal["rules", "model"] = "rules"


def _words(tokens: Iterable[str]) -> str:
    return ", ".join(f"'{t}'" for t in sorted(tokens))


def _compare_forms(s: frozenset[str], e: frozenset[str]) -> tuple[Verdict, str]:
    if not s or not e:
        return "different", "names no disease"
    if (s & lx.POLARITY) != (e & lx.POLARITY):
        return "different", f"only one is negated ({_words((s ^ e) & lx.POLARITY)})"
    s_acuity, e_acuity = s & lx.ACUITY, e & lx.ACUITY
    if s_acuity and e_acuity and s_acuity != e_acuity:
        return "different", f"different course ({_words(s_acuity)} vs {_words(e_acuity)})"
    if (s_acuity | e_acuity) == {"acute"} and not (s | e) & lx.ACUITY_SENSITIVE:
        s, e = s - {"acute"}, e - {"acute"}
    missing, extra = e - s, s - e
    if not missing and not extra:
        return "same", "the same diagnosis"
    if missing and extra:
        unpaired = set(extra)
        for meant in sorted(missing):
            typo = next((w for w in sorted(unpaired) if _is_typo(w, meant)), None)
            unpaired.discard(typo)
            if typo is None:
                break
        else:
            if not unpaired:
                return "unsure", f"{_words(extra)} may be a misspelling of {_words(missing)}"
        if not s & e:
            return "different", "no word in common"
        return "different", f"{_words(extra)} instead of {_words(missing)}"
    if missing:
        return "unsure", f"less specific: does not say {_words(missing)}"
    return "unsure", f"more specific: adds {_words(extra)}"


_BINOMIAL = re.compile(r"\b([A-Za-z])(?:\.\s*|\s+)([a-z]{4,})\b")


def _genus_written_out(text: str, other: str) -> str:
    """``text`` with an abbreviated genus written out as ``other`` writes it: "C. difficile
    colitis" beside "Clostridioides difficile colitis" (binomial names abbreviate the genus to
    its initial). A letter after a word that names by letters ("hepatitis B") is no genus."""

    def written(found: re.Match[str]) -> str:
        before = text[: found.start()].split()
        if before and before[-1].lower() in lx.LETTER_NAMERS:
            return found.group(0)
        letter, species = found.group(1).lower(), found.group(2)
        genus = re.search(rf"\b({letter}[a-z]{{3,}})\s+{species}\b", other, flags=re.I)
        return f"{genus.group(1)} {species}" if genus else found.group(0)

    return _BINOMIAL.sub(written, text)


@functools.lru_cache(maxsize=8192)
def compare(submitted: str, expected: str) -> Comparison:
    """Compare one submitted diagnosis with one answer-key entry (the best reading wins)."""
    if _is_acronym_of(submitted, expected):
        return Comparison(submitted, expected, "same", "its initials")
    written, meant = (
        _genus_written_out(submitted, expected),
        _genus_written_out(expected, submitted),
    )
    verdicts = [
        _compare_forms(s, e)
        for s in sorted(canonical_forms(written), key=sorted)
        for e in sorted(canonical_forms(meant), key=sorted)
    ]
    return Comparison(submitted, expected, *max(verdicts, key=lambda v: _RANK[v[0]]))


def best_comparison(submitted: str, targets: Sequence[str]) -> Comparison | None:
    """The strongest verdict of ``submitted`` against any of ``targets`` (None if no targets)."""
    found = [compare(submitted, t) for t in targets]
    return max(found, key=lambda c: _RANK[c.verdict], default=None)


# ---- the model, only when unsure -----------------------------------------------------------------

JUDGE_PROMPT = """Two diagnoses are compared. Answer yes if they name the same disease, no if not, \
then give a short reason.

Expected: myocardial infarction
Submitted: heart attack
Same: yes - a heart attack is a myocardial infarction.

Expected: gastric ulcer
Submitted: duodenal ulcer
Same: no - the duodenum is not the stomach.

Expected: bacterial meningitis
Submitted: meningitis
Same: no - it does not say the cause is bacterial.

Expected: {expected}
Submitted: {submitted}
Same:"""


@dataclass(frozen=True)
class ModelJudgement:
    """The local model's opinion on an unsure comparison; shown marked as a model judgement."""

    same: bool | None  # None: the model gave no clear yes or no
    reason: str
    raw: str


def ask_model(comparison: Comparison, generate: Generate) -> ModelJudgement:
    """Ask the model about one unsure comparison. Never call it for a ``different`` verdict."""
    if comparison.verdict != "unsure":
        raise ValueError("the model may only be asked about an unsure comparison")
    prompt = JUDGE_PROMPT.format(expected=comparison.expected, submitted=comparison.submitted)
    try:
        raw = generate(prompt, ("\n", "Expected:"), 32)
    except SimdeskError as exc:
        return ModelJudgement(None, f"the model could not be asked: {exc.what}", "")
    text = raw.strip()
    match = re.match(r"(yes|no)\b[\s\-:,.]*(.*)", text, flags=re.IGNORECASE)
    if not match:
        return ModelJudgement(None, "the model gave no clear yes or no", raw)
    reason = match.group(2).strip() or "no reason given"
    return ModelJudgement(match.group(1).lower() == "yes", reason, raw)


# ---- judging a differential ----------------------------------------------------------------------


@dataclass(frozen=True)
class MustNotMiss:
    name: str
    considered: bool
    rank: int | None  # 1-based position in the differential


@dataclass(frozen=True)
class DiagnosisResult:
    """How a ranked differential fares against the answer key."""

    submitted: tuple[str, ...]
    outcome: Outcome
    credit: float
    reason: str
    matched: str | None = None  # the answer-key entry that was matched
    matched_rank: int | None = None
    judged_by: Literal["rules", "model"] = "rules"
    unsure: Comparison | None = None
    model_judgement: ModelJudgement | None = None
    must_not_miss: tuple[MustNotMiss, ...] = field(default=())
    per_item: tuple[Comparison, ...] = field(default=())

    @property
    def correct(self) -> bool:
        return self.outcome == "correct"

    def to_dict(self) -> dict:
        return asdict(self)


def clean_differential(differential: object) -> tuple[str, ...]:
    """The differential as non-empty strings, or an :class:`AssessError` naming the problem."""
    if isinstance(differential, str):
        differential = [differential]
    if not isinstance(differential, list | tuple):
        raise AssessError(
            f"A differential must be a list of diagnoses, not {type(differential).__name__}.",
            'Give the diagnoses in order of likelihood, e.g. ["cerebral malaria", "meningitis"].',
        )
    bad = [item for item in differential if not isinstance(item, str)]
    if bad:
        raise AssessError(
            f"The differential contains {bad[0]!r}, which is not a diagnosis name.",
            "Write every diagnosis as text.",
        )
    return tuple(" ".join(item.split()) for item in differential if item.strip())


def _rank_of(name: str, items: Sequence[str]) -> int | None:
    """The 1-based position of the first item that is the same diagnosis as ``name``."""
    return next((i for i, s in enumerate(items, 1) if compare(s, name).verdict == "same"), None)


def _key_synonyms(key: Diagnosis) -> list[str]:
    """Terminology synonyms of the answer key's names, less any that the key itself tells apart:
    a name the same as one of its acceptable differentials or must-not-miss diagnoses ("Snake
    bites" is listed with "snakebite envenoming", and the case teaches that a bite is not
    envenoming)."""
    apart = [*key.acceptable_differentials, *key.must_not_miss]

    def told_apart(synonym: str) -> bool:
        found = best_comparison(synonym, apart)
        return found is not None and found.verdict == "same"

    return [
        synonym
        for name in (key.primary, *key.aliases)
        for written in (name, *_genus_spelled_out(name))
        for synonym in terminology.synonyms(written, word_key)
        if not told_apart(synonym)
    ]


_GENUS_INITIAL = re.compile(r"\b([A-Z])(?:\.\s*|\s+)([a-z]{4,})\b")


@functools.lru_cache(maxsize=1024)
def _genus_spelled_out(name: str) -> tuple[str, ...]:
    """``name`` with an abbreviated genus written out as the terminologies write it: "C. difficile
    colitis" -> "Clostridium difficile colitis", "Clostridioides difficile colitis" (every genus
    with that initial that a terminology name writes before that species). A capital letter after
    a word that names by letters ("Hepatitis B virus") is no genus."""
    found: dict[str, None] = {}
    for match in _GENUS_INITIAL.finditer(name):
        before = name[: match.start()].split()
        if before and before[-1].lower() in lx.LETTER_NAMERS:
            continue
        letter, species = match.group(1).lower(), match.group(2)
        for genus in _genera(letter, species):
            found[f"{name[: match.start()]}{genus} {species}{name[match.end() :]}"] = None
    return tuple(found)


@functools.lru_cache(maxsize=1024)
def _genera(letter: str, species: str) -> tuple[str, ...]:
    """The genera with this initial that a terminology name writes before ``species``."""
    pattern = re.compile(rf"\b({letter}[a-z]{{3,}})\s+{re.escape(species)}\b", re.I)
    genera: dict[str, None] = {}
    wanted = word_key(species)  # as the terminology's words hold it ("perfringen")
    for names in terminology.groups(word_key):
        for written, words in names:
            if wanted and wanted.issubset(words):
                for found in pattern.finditer(written):
                    genera[found.group(1).capitalize()] = None
    return tuple(genera)


def _shortened(item: str, primaries: Sequence[str], key: Diagnosis) -> Comparison | None:
    """``item`` accepted as a shortened name of the key ("myasthenia" for "Myasthenia gravis"):
    its words are a proper part of a name of the key (or of one of its terminology synonyms), and
    the names nearest to it across the terminologies (those with its words and the fewest others)
    all name the key's disease: the key or a narrower form of it ("Myasthenia gravis, neonatal").
    It is not accepted when it is a name of another disease itself ("keratosis", "leukemia"), when
    a nearest name is another disease ("molluscum": "molluscum fibrosum" is neurofibromatosis),
    when the terminologies' nearest names for it are farther than the key's own name (they do
    not list its nearest names), or when it is a part of a name the case tells apart (an
    acceptable differential or a must-not-miss diagnosis)."""
    wholes = {form for name in primaries for form in canonical_forms(name)}
    apart = {
        form
        for name in (*key.acceptable_differentials, *key.must_not_miss)
        for form in canonical_forms(name)
    }
    for short in sorted(canonical_forms(item), key=sorted):
        added = [len(whole - short) for whole in wholes if short < whole]
        if not short or not added or any(short <= other for other in apart):
            continue
        fewest, nearest = terminology.nearest_names(short, word_key)
        # Nearest names farther than the key's own: the terminologies do not list the names
        # nearest to it (a name without synonyms is in no group), so nothing can be said.
        if not nearest or not 0 < fewest <= min(added):
            continue
        if all(_names_the_key(group, wholes) for group in nearest):
            return Comparison(
                item, key.primary, "same",
                f"a shortened name: the terminologies' nearest names for it are {key.primary}",
            )  # fmt: skip
    return None


def _names_the_key(group: terminology.Group, wholes: set[frozenset[str]]) -> bool:
    """Whether a terminology group is the key's disease or a narrower form of it: its heading
    has every word of a name of the key, or one of its names is a name of the key."""
    heading = frozenset(group[0][1])
    return any(heading >= whole for whole in wholes) or any(
        frozenset(words) in wholes for _name, words in group
    )


def judge_differential(
    differential: object, key: Diagnosis, generate: Generate | None = None
) -> DiagnosisResult:
    """Judge a ranked differential; ``generate`` (the local model) is asked only when unsure."""
    items = clean_differential(differential)
    named = [key.primary, *key.aliases]
    primaries = list(dict.fromkeys([*named, *_key_synonyms(key)]))
    mnm = tuple(
        MustNotMiss(name, rank is not None, rank)
        for name in key.must_not_miss
        for rank in [_rank_of(name, items)]
    )
    if not items:
        return DiagnosisResult(
            items, "not_submitted", 0.0, "no diagnosis was given", must_not_miss=mnm
        )
    per_item = tuple(
        _shortened(s, primaries, key) or found
        if found is not None and found.verdict == "unsure"  # never overrides "different"
        else found
        for s in items
        for found in [best_comparison(s, primaries)]
    )
    result = dict(submitted=items, must_not_miss=mnm, per_item=per_item)
    hit = next((i for i, c in enumerate(per_item) if c.verdict == "same"), None)
    if hit == 0:
        return DiagnosisResult(
            outcome="correct", credit=CREDIT["correct"], reason=f"first choice is {key.primary}",
            matched=per_item[0].expected, matched_rank=1, **result,
        )  # fmt: skip
    if hit is not None:
        return DiagnosisResult(
            outcome="partially_correct", credit=CREDIT["partially_correct"],
            reason=f"{key.primary} is choice {hit + 1}, not the first",
            matched=per_item[hit].expected, matched_rank=hit + 1, **result,
        )  # fmt: skip
    first_differential = best_comparison(items[0], key.acceptable_differentials)
    if first_differential is not None and first_differential.verdict == "same":
        return DiagnosisResult(
            outcome="partially_correct", credit=CREDIT["partially_correct"],
            reason=f"first choice is an acceptable differential; the diagnosis is {key.primary}",
            matched=first_differential.expected, matched_rank=1, **result,
        )  # fmt: skip
    unsure = per_item[0] if per_item[0].verdict == "unsure" else None
    if unsure is None:
        return DiagnosisResult(
            outcome="incorrect", credit=0.0, reason=f"the diagnosis is {key.primary}", **result
        )
    judgement = ask_model(unsure, generate) if generate is not None else None
    if judgement is not None and judgement.same:
        return DiagnosisResult(
            outcome="partially_correct", credit=CREDIT["partially_correct"],
            reason=f"model judgement (not verified by rules): {judgement.reason}",
            matched=unsure.expected, matched_rank=1, judged_by="model", unsure=unsure,
            model_judgement=judgement, **result,
        )  # fmt: skip
    return DiagnosisResult(
        outcome="incorrect", credit=0.0,
        reason=f"not accepted as {key.primary}: {unsure.reason}",
        unsure=unsure, model_judgement=judgement, **result,
    )  # fmt: skip


def warm_up() -> None:
    """Load the terminology's synonyms in the background (see ``terminology.warm_up``)."""
    terminology.warm_up(word_key)
