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

A name narrower than the key (the key plus qualifiers: "left lower lobe pneumonia", "acute
appendicitis without perforation") is judged against the case's own text, as an examiner
applying the case's guideline would: correct when the case supports every qualifier, partly
correct when the case neither shows nor rules one out, incorrect when the case contradicts one
(see :func:`_narrower`). A name of a disease that MONDO files under the key's one disease is a
more specific form of it and correct, unless the case or the key's own name says otherwise (see
:func:`_subtype`).
"""

from __future__ import annotations

import functools
import itertools
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Literal

from simdesk.core.assess import lexicon as lx
from simdesk.core.assess import terminology
from simdesk.core.assess.errors import AssessError
from simdesk.core.assess.model_text import Generate
from simdesk.core.cases.schema import Case, Diagnosis
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


@functools.cache
def _organs() -> frozenset[str]:
    """The organs the organ adjectives name ("pancreas" for "pancreatic"): singular nouns."""
    return frozenset(lx.WORD_SYNONYMS.values())


@functools.lru_cache(maxsize=65536)
def _singular(word: str) -> str:
    if len(word) <= 3 or word in lx.KEEP_FINAL_S or word.endswith(("ss", "us", "is")):
        return word
    if word in _organs():
        return word  # "pancreas" is the organ "pancreatic" names, not a plural
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
    text = re.sub(r"\b(\d+)(?:st|nd|rd|th)\b", r"\1", text)  # 3rd -> 3 (ordinals below)
    text = re.sub(r"\b([a-z])-(\d{1,2})\b", r"\1\2", text)  # B-12 -> b12, C-3 -> c3
    # Combining forms join the next word (keto-acidosis, gastro-enteritis); other hyphens split.
    text = re.sub(r"\b([a-z]+o)-(?=[a-z])", r"\1", text)
    tokens = re.findall(r"[a-z0-9]+", text.replace("'", ""))
    out: list[str] = []
    for token in tokens:
        token = lx.ORDINALS.get(token, token)
        if out and out[-1] in lx.NUMBER_NAMERS:
            token = lx.ROMAN.get(token, lx.NUMBER_WORDS.get(token, token))
        if len(out) > 1 and out[-2] in lx.LETTER_NAMERS and len(out[-1]) == 1 and token.isdigit():
            out[-1] += token  # "vitamin B 12" is vitamin B12
            continue
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
    texts |= {alternative for t in texts for alternative in _alternatives(t)}
    return frozenset(_content(reading) for t in texts for reading in _expand(_surface(t)))


_SLASH = re.compile(r"\b([A-Za-z]+)/([A-Za-z]+)\b")


def _alternatives(text: str) -> list[str]:
    """A name with a word written as alternatives, read with each: "genito-pelvic
    pain/penetration disorder" names "genito-pelvic pain disorder" (DSM-5). Only with words on
    both sides: two names joined by a slash ("appendicitis/ovarian torsion") are two diagnoses."""
    found = _SLASH.search(text)
    if not found or not text[: found.start()].strip() or not text[found.end() :].strip():
        return []  # words on both sides: one name, not two diagnoses
    return [
        text[: found.start()] + found.group(i) + text[found.end() :] for i in (1, 2)
    ]  # fmt: skip


def word_key(text: str) -> frozenset[str]:
    """The canonical words of a name as written, without expanding abbreviations (fast: used to
    index a terminology)."""
    return _content(_surface(_PARENTHESES.sub(" ", text)))


_PART = 5  # the shortest word part that gives its own initial ("ventricular", "pharyngeal")


def _initials(text: str) -> frozenset[str]:
    """The initials of a name's words ("Stevens-Johnson syndrome" -> "sjs"). A word joined from
    parts gives the initial of each part as well, where the part after the first is a word of
    its own in the terminologies' names ("intraventricular haemorrhage" -> "ih", "ivh";
    "glossopharyngeal neuralgia" -> "gn", "gpn"; "gastroesophageal reflux disease" -> "gerd";
    "pancreatic ductal adenocarcinoma" -> "pda", "pdac")."""
    text = _PARENTHESES.sub(" ", text)
    tokens = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", text).lower())
    words = terminology.words(word_key)
    choices = []
    for token in tokens:
        if token in lx.STOP_WORDS:
            continue
        parts = {token[0]}
        for cut in range(2, len(token) - _PART + 1):
            part = token[cut:]
            # a word of the names, as written or as the matcher reads it ("carcinoma": cancer)
            if _respell(part) in words or (word_key(part) or {""}) <= words:
                parts.add(token[0] + token[cut])
        choices.append(sorted(parts))
    return frozenset("".join(c) for c in itertools.islice(itertools.product(*choices), 16))


def _is_acronym_of(submitted: str, expected: str) -> bool:
    """An acronym the learner wrote ("SJS", "ASD") that spells the expected name's initials, and
    that the lexicon does not know as something else. Written in capitals with a small letter
    between them ("CoA", "ToF"), the small letter is the initial of a small word ("of")."""
    written = submitted.strip().replace(".", "")
    token = written.lower()
    if not re.fullmatch(r"[a-z]{2,6}", token) or len(expected.split()) < 2:
        return False
    if (token,) in _abbreviations():
        return False  # a known abbreviation: its expansions decide
    if re.fullmatch(r"[A-Z](?:[a-z]?[A-Z])+", written) and written != written.upper():
        capitals = "".join(c for c in written if c.isupper()).lower()
        return capitals in _initials(expected) and written == _with_small_words(expected, written)
    return token in _initials(expected)


def _with_small_words(expected: str, written: str) -> str:
    """``expected``'s initials as ``written`` writes them: capitals for its words and a small
    letter for each small word between them ("Coarctation of the aorta" -> "CoA" for "CoA")."""
    tokens = re.findall(r"[a-z0-9]+", unicodedata.normalize("NFKD", expected).lower())
    out = ""
    for token in tokens:
        if token not in lx.STOP_WORDS:
            out += token[0].upper()
        elif out and len(out) < len(written) and written[len(out)] == token[0]:
            out += token[0]
    return out


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
    # A narrower name than the key (the key plus qualifiers), judged against the case's own text:
    # "supported" (verdict same), "unsupported" (partial credit by the rules), "contradicted".
    narrower: Literal["supported", "unsupported", "contradicted"] | None = None
    # A less specific name than the key: a MONDO class it is filed under (``_broader``).
    less_specific: bool = False


def _words(tokens: Iterable[str]) -> str:
    return ", ".join(f"'{t}'" for t in sorted(tokens))


# Latin adjective endings that English writes in several ways (pyoderma gangrenosum /
# gangrenosa, pes anserinus / anserine bursitis): the same word when the rest is long.
_LATIN_ENDINGS = ("inus", "ine", "um", "us", "a", "e")
_LATIN_STEM = 6


def _latin_stem(word: str) -> str:
    for ending in _LATIN_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= _LATIN_STEM:
            return word[: -len(ending)]
    return word


def _one_verb(written: str, meant: str) -> bool:
    """Whether the two words are the -ation and the -ing nouns of one verb ("envenomation" and
    "envenoming", "ulceration" and "ulcerating", "demyelination" and "demyelinating") and the
    terminologies' names write both words (37 such pairs in them)."""
    for ation, ing in ((written, meant), (meant, written)):
        stem = ation.removesuffix("ation")
        if stem != ation and len(stem) >= 4 and ing in (stem + "ing", stem + "ating"):
            words = terminology.words(word_key)
            return ation in words and ing in words
    return False


def _other_form(written: str, meant: str) -> bool:
    """Whether ``written`` is another form of the word ``meant``: its past participle as an
    adjective ("ruptured uterus" for "uterine rupture", "perforated" for "perforation"), the
    other noun of the same verb (``_one_verb``: "envenomation" for "envenoming"),
    another Latin ending of it (``_LATIN_ENDINGS``), a genus for the infection named for it
    ("Listeria infection" for "listeriosis"; "infection" names no particular disease), or the
    adjective of a part of the body that the terminologies write for it ("ulcer of the cornea"
    for "corneal ulcer": ``terminology.site_adjectives``)."""
    if terminology.genus_and_its_infection(written, meant) or (
        terminology.genus_and_its_infection(meant, written)
    ):
        return True
    if meant in terminology.site_adjectives(word_key).get(written, ()):
        return True
    if _one_verb(written, meant):
        return True
    if written.endswith("ed") and not meant.endswith("ed"):
        return _stem(written) == _stem(meant) and len(_stem(meant)) >= 4
    stem = _latin_stem(written)
    return stem != written and stem == _latin_stem(meant)


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
    for word in sorted(extra):
        form = next((m for m in sorted(missing) if _other_form(word, m)), None)
        if form is not None:
            missing, extra = missing - {form}, extra - {word}
    if not missing and not extra:
        return "same", "the same diagnosis"
    if missing and extra:
        unpaired = set(extra)
        pairs: list[tuple[str, str]] = []
        for meant in sorted(missing):
            typo = next((w for w in sorted(unpaired) if _is_typo(w, meant)), None)
            unpaired.discard(typo)
            if typo is None:
                break
            pairs.append((typo, meant))
        else:
            if not unpaired:
                # A spelling the terminologies write as the word's ("acathisia"): the same.
                if all(
                    m in terminology.interchangeable_words(word_key).get(t, ()) for t, m in pairs
                ):
                    return "same", f"{_words(extra)}: another spelling of {_words(missing)}"
                return "unsure", f"{_words(extra)} may be a misspelling of {_words(missing)}"
        if not s & e:
            return "different", "no word in common"
        return "different", f"{_words(extra)} instead of {_words(missing)}"
    if missing:
        return "unsure", f"less specific: does not say {_words(missing)}"
    return "unsure", f"more specific: adds {_words(extra)}"


# Not after an apostrophe: the "s" of a possessive ("Sjögren's syndrome") is no genus initial.
_BINOMIAL = re.compile(r"(?<!['\u2019])\b([A-Za-z])(?:\.\s*|\s+)([a-z]{4,})\b")


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


# ---- a narrower name than the key, judged against the case's own text -------------------------

_ENDINGS = (
    "ations", "ation", "ating", "ated", "ate", "ions", "ion", "ing", "ed", "ar", "al", "ic",
    "ous", "ia", "a", "e", "y",
)  # fmt: skip
_SITE = "<site>"
_SEEN = frozenset({"seen", "present", "found", "identified", "visualized", "detected", "elicited"})
_AFTER = frozenset({"absent", "negative", "excluded"})  # "Leucocytes negative": denies before
_CLAUSE = re.compile(
    r"[.;:!?\n()\[\]]+|\s[-\u2013\u2014]\s|\b(?:but|however|although|though|except)\b"
)
_SUBMITTED_NEGATIONS = frozenset({"without", "no", "not", "non"})
_LIST_WORDS = frozenset({"or", "and", "nor"})
_RULED_OUT = (lx.TEXT_NEGATIONS - _SUBMITTED_NEGATIONS) | {"ruled", "unlikely"}


@functools.lru_cache(maxsize=65536)
def _stem(word: str) -> str:
    """A word without its ending, so that forms of one word meet: "perforated" and
    "perforation", "basal" and "base", "lobar" and "lobe", "bacterial" and "bacteria"."""
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            return word[: -len(ending)]
    return word


def _marks(word: str) -> frozenset[str]:
    """What a word meets in a case's text: its stem, and any site word for a site word ("lobe"
    meets "lung fields")."""
    return frozenset({_stem(word), _SITE} if word in lx.SITE_WORDS else {_stem(word)})


def _clause_marks(clause: str) -> tuple[frozenset[str], frozenset[str]]:
    """The marks of the words a clause of a case's text asserts, and of those it denies: after
    "no", "denies", "without", "negative for" to the end of the clause; before "absent",
    "negative", "not seen" ("No abscess or collection", "Nitrites negative"); all of a clause
    that finds something normal ("left testis normal")."""
    tokens = [lx.WORD_SYNONYMS.get(t, t) for t in _surface(clause)]
    denied = [bool(set(tokens) & lx.NORMAL_WORDS)] * len(tokens)
    denying = False
    for i, token in enumerate(tokens):
        following = tokens[i + 1] if i + 1 < len(tokens) else ""
        after = token in _AFTER and following not in {"for", "of"}
        if after or (token == "not" and following in _SEEN):
            denied[:i] = [True] * i
        elif token in lx.TEXT_NEGATIONS and (token != "free" or following == "of"):
            denying = True
        denied[i] = denied[i] or denying
    asserted = frozenset(m for t, d in zip(tokens, denied, strict=True) if not d for m in _marks(t))
    negated = frozenset(m for t, d in zip(tokens, denied, strict=True) if d for m in _marks(t))
    return asserted, negated


def _clauses(texts: Iterable[str]) -> tuple[tuple[frozenset[str], frozenset[str]], ...]:
    return tuple(
        _clause_marks(clause)
        for text in texts
        for clause in _CLAUSE.split(text)
        if clause and clause.strip()
    )


@dataclass(frozen=True)
class CaseText:
    """What a case says, as marks of words (:func:`_marks`), for judging a narrower name.

    ``findings``: per clause, the marks asserted and denied by what the case says of this
    patient: the presenting complaint, facts, examination findings, results and the teaching
    point of the diagnosis item (not the management, the timeline or the harms, which say what
    could happen). ``signs``: per clause, the marks asserted by the examination findings and the
    results alone - what the examiner and the tests found, which show where the disease is (a
    side, a lobe), not what kind it is ("bone marrow aspiration" makes no aspiration disease,
    "mild tenderness" no mild one). ``teaching``: per clause, the marks asserted by the
    teaching point of the diagnosis item, the case's own account of its diagnosis, which may
    state any qualifier. ``key``: marks of the key's names. ``apart``: for each acceptable
    differential or must-not-miss name that is a key's name plus words, the marks of those words
    (the case tells "perforated appendicitis" apart from "appendicitis"). ``uncomplicated``: a
    name of the key says the disease has no complication."""

    findings: tuple[tuple[frozenset[str], frozenset[str]], ...]
    signs: tuple[frozenset[str], ...]
    teaching: tuple[frozenset[str], ...]
    key: frozenset[str]
    apart: tuple[tuple[str, frozenset[str]], ...]
    uncomplicated: bool
    age: float | None = None  # the patient's age in years, where the case gives it
    complaint: tuple[frozenset[str], ...] = ()  # per clause, the marks the complaint asserts
    classes: frozenset[str] = frozenset()  # words of the MONDO classes the key belongs to
    implied: frozenset[str] = frozenset()  # the part of the body the key's disease must be in

    @functools.cached_property
    def asserted(self) -> frozenset[str]:
        return frozenset().union(*(a for a, _ in self.findings))

    @functools.cached_property
    def denied(self) -> frozenset[str]:
        return frozenset().union(*(d for _, d in self.findings))


def case_text(key: Diagnosis, case: Case | None = None) -> CaseText:
    """The :class:`CaseText` of a case (or of its key alone, when no case is given)."""
    names = [key.primary, *key.aliases]
    name_forms = {form for name in names for form in canonical_forms(name)}
    key_words = frozenset(w for form in name_forms for w in form)
    apart = tuple(
        (name, frozenset(m for w in form - whole for m in _marks(w)))
        for name in (*key.acceptable_differentials, *key.must_not_miss)
        for form in canonical_forms(name)
        for whole in name_forms
        if whole < form
    )
    uncomplicated = bool(key_words & lx.UNCOMPLICATED)
    classes = frozenset().union(*(terminology.class_words(n, word_key) for n in names))
    if case is None:
        return CaseText(
            (), (), (), _all_marks(key_words), apart, uncomplicated, classes=classes
        )  # fmt: skip
    signs = [
        *(text for f in case.examination.findings for text in (f.name or "", f.finding)),
        *(text for r in case.investigations for text in (r.name or "", r.report or "")),
    ]  # fmt: skip
    teaching = [item.teaching_point for item in case.answer_key.rubric if item.diagnosis]
    history = [case.patient.presenting_complaint, *(fact.content for fact in case.facts)]
    # An aside in parentheses explains rather than finds ("(a pelvic appendix makes it positive)").
    signs, teaching, history = (
        [_PARENTHESES.sub(" ", text) for text in texts] for texts in (signs, teaching, history)
    )
    return CaseText(
        _clauses([*history, *signs, *teaching]), tuple(a for a, _ in _clauses(signs)),
        tuple(a for a, _ in _clauses(teaching)), _all_marks(key_words), apart, uncomplicated,
        case.patient.age_years,
        tuple(a for a, _ in _clauses([_PARENTHESES.sub(" ", case.patient.presenting_complaint)])),
        classes, _implied_part(names, case.patient.sex),
    )  # fmt: skip


def _implied_part(names: Sequence[str], sex: str) -> frozenset[str]:
    """The part of the body the key's disease must be in, in a patient of this sex: MONDO files
    the key's disease by part (its direct children that add a part of the body to its label),
    and of those parts only one is not the other sex's (UBERON names the testis "male gonad",
    the ovary "female gonad"): granulosa cell tumor is filed as ovarian and testicular, so in a
    woman it is in the ovary. Empty otherwise."""
    own = _key_terms(tuple(names))
    parts_of_body = terminology.anatomy_words(word_key) | terminology.site_parts(word_key)
    adjectives = terminology.site_adjectives(word_key)

    def part(word: str) -> str | None:
        if word in parts_of_body:
            return word
        nouns = sorted(adjectives.get(word, frozenset()) & parts_of_body)
        return nouns[0] if len(nouns) == 1 else None

    parts: set[str] = set()
    for term in own:
        label = word_key(terminology.mondo_label(term, word_key))
        for child in terminology.mondo_children(term, word_key):
            added = word_key(terminology.mondo_label(child, word_key)) - label
            parts |= {p for w in added if (p := part(w))}
    other = {"female": "male", "male": "female"}.get(sex)
    kept = {p for p in parts if terminology.part_sex(p) != other}
    if len(parts) < 2 or len(kept) != 1 or terminology.part_sex(next(iter(kept))) != sex:
        return frozenset()
    return frozenset(kept)


def _all_marks(words: Iterable[str]) -> frozenset[str]:
    return frozenset(m for w in words for m in _marks(w))


def _read_narrower(text: str) -> tuple[str, tuple[str, ...]]:
    """A submitted name read as its core and the qualifiers it denies: "acute appendicitis
    without perforation" -> ("acute appendicitis", ("perforation",)); "appendicitis, acute,
    non-perforated" -> ("appendicitis acute", ("perforated",)). "non" denies the one word after
    it; "without", "no" and "not" deny the rest of their part of the name."""
    core: list[str] = []
    denied: list[str] = []
    for segment in re.split(r"[,;()]", text):
        denying = 0  # words still denied: "non" denies one, "without" the rest of the segment
        for token in _surface(segment):
            if token in _SUBMITTED_NEGATIONS:
                denying = 1 if token == "non" else len(segment)
            elif token in _LIST_WORDS and denying:
                continue
            elif denying:
                denied.append(token)
                denying -= 1
            elif token.startswith("non") and len(token) > 6:
                denied.append(token[3:])
            else:
                core.append(token)
    words = [lx.WORD_SYNONYMS.get(t, t) for t in denied]
    kept = tuple(w for w in words if w not in lx.STOP_WORDS and w not in lx.HEDGES)
    return " ".join(core), kept


def _narrower(
    item: str, primaries: Sequence[str], key: Diagnosis, text: CaseText
) -> Comparison | None:
    """``item`` judged as a narrower name than the key: the key plus qualifiers. None when it is
    not one (its core is not the key, or it adds nothing).

    The policy is an examiner's, applying the case's cited guideline to what the case itself
    says: a narrower name is correct when the case shows every qualifier, partly correct when
    the case neither shows nor rules one out, and never correct when the case contradicts one.

    - *Supported* (correct, with the note "more specific than <key>: ..., as the case shows"):
      an added qualifier that says where the disease is (a side, a lobe, a zone: place and site
      words) and that one examination finding or result states with the other added words, on
      that side more often than on the other ("left lower lobe pneumonia": "dullness to
      percussion over the left lower lung fields"); any added qualifier that the diagnosis's
      own teaching point states; a denied one ("without perforation", "non-perforated") that
      the case rules out: its findings deny it ("no appendicolith seen"), it tells the
      key-plus-it apart (must-not-miss "perforated appendicitis"), or the key says
      uncomplicated (WSES 2020: uncomplicated appendicitis has no perforation, abscess or
      gangrene); an age band the patient is in (WHO: newborn the first 28 days, infant under
      1 year); a period the case's text says the patient is in ("postpartum"); "community
      acquired" where the case's text puts the patient in no hospital, ward or ventilator
      (IDSA/ATS 2016: hospital-acquired is onset 48 h or more after admission); a part of the
      body (the HPO's "Abnormal <part> morphology" terms) that the presenting complaint, a
      finding or a result names ("pes anserine bursitis of the knee": "knee pain"); a word of
      a MONDO class the key belongs to by definition ("autoimmune myasthenia gravis": MONDO
      files myasthenia gravis under autoimmune disease; not the very general groupings).
    - *Contradicted* (incorrect, with the reason): the case tells the key-plus-it apart; the key
      names its opposite ("complicated" or "chronic" for an uncomplicated acute key); the
      findings deny it and never assert it ("abscess" after "No abscess or collection"); the
      findings are on the other side or at the other level ("right lower lobe" when the film
      shows the left base); the findings assert a denied qualifier; an age band the patient
      is not in ("neonatal" for a 30-year-old).
    - *Unsupported* (partly correct, "more specific than the case states"): everything else.
      A kind of the disease - its cause, severity or pattern ("bacterial", "lobar" on a case
      keyed "Pneumonia") - needs evidence the rules cannot
      weigh: a history word makes no kind ("drinks alcohol" is no alcoholic hepatitis, "bone
      marrow aspiration" no aspiration pneumonia), and the rules cannot tell a default kind
      (bacterial) from one with its own evidence and treatment
      (aspiration, Pneumocystis, tuberculous). Correct care names the disease and is credited
      for it; the unverified detail earns no more, so no near miss is ever accepted. A denial
      the case does not rule out is unsupported too ("non-Hodgkin" names a subtype; "not
      severe" may deny what the vital signs show).
    """
    if set(_surface(item)) & _RULED_OUT:
        return None  # "appendicitis ruled out", "pneumonia unlikely": no narrower name
    found: list[tuple[int, Comparison]] = []
    readings = {item, _PARENTHESES.sub(" ", item)}
    for reading in readings:
        core, denied = _read_narrower(reading)
        for expected in primaries:
            for s in canonical_forms(core) if core else ():
                for e in canonical_forms(expected):
                    extra = _extra_words(s, e)
                    if extra is None or not (extra or denied):
                        continue
                    kind, why = _qualifiers(extra, denied, text, _written_order(core))
                    rank = {"contradicted": 0, "unsupported": 1, "supported": 2}[kind]
                    found.append((rank, Comparison(item, expected, *_narrower_verdict(
                        kind, why, key.primary), narrower=kind)))  # fmt: skip
    if not found:
        return None
    return max(found, key=lambda rc: rc[0])[1]


def _extra_words(s: frozenset[str], e: frozenset[str]) -> frozenset[str] | None:
    """The words ``s`` adds to ``e`` when it holds all of ``e`` (None otherwise), with the
    acuity rule of :func:`_compare_forms`."""
    if not e or (s | e) & lx.POLARITY:
        return None
    s_acuity, e_acuity = s & lx.ACUITY, e & lx.ACUITY
    if s_acuity and e_acuity and s_acuity != e_acuity:
        return None
    if (s_acuity | e_acuity) == {"acute"} and not (s | e) & lx.ACUITY_SENSITIVE:
        s, e = s - {"acute"}, e - {"acute"}
    return s - e if e <= s else None


def _written_order(core: str) -> dict[str, int]:
    """Where each canonical word of a name first comes, as written ("community acquired")."""
    order: dict[str, int] = {}
    for reading in _expand(_surface(core)):
        for token in reading:
            order.setdefault(lx.WORD_SYNONYMS.get(token, token), len(order))
    return order


def _qualifiers(
    extra: frozenset[str],
    denied: tuple[str, ...],
    text: CaseText,
    order: dict[str, int] | None = None,
) -> tuple[Literal["supported", "unsupported", "contradicted"], str]:
    """Whether the case supports, contradicts or neither the added and the denied qualifiers
    (the policy is in :func:`_narrower`)."""
    for word in sorted(extra):
        marks = _marks(word)
        for name, words in text.apart:
            if marks & words:
                return "contradicted", f"the case tells {name} apart"
        acuity = lx.ACUITY - {word} if word in lx.ACUITY else frozenset()
        others = sorted(lx.OPPOSITES.get(word, frozenset()) | acuity)
        for other in others:
            if _marks(other) & text.key or {f"un{word}", f"non{word}"} & text.key:
                return "contradicted", f"the diagnosis is '{other}', not '{word}'"
        if marks & text.denied and not marks & text.asserted:
            return "contradicted", f"the case rules out '{word}'"
        if word in lx.AGE_WORDS and text.age is not None and not _of_age(word, text.age):
            return "contradicted", f"the patient is {text.age:g} years old, not '{word}'"
        for other in others:
            if word in lx.PLACE_WORDS:
                if _count(other, text.signs) > _count(word, text.signs):
                    return "contradicted", f"the findings are '{other}', not '{word}'"
            elif _marks(other) & text.asserted and not marks & text.asserted:
                return "contradicted", f"the case shows '{other}', not '{word}'"
    for word in denied:
        if _marks(word) & (text.asserted | text.key):
            return "contradicted", f"the case shows '{word}'"
    missing = [
        *(word for word in sorted(extra) if not _shown(word, extra, text)),
        *(word for word in denied if not _ruled_out(word, text)),
    ]

    def by_place(word: str) -> tuple[int, str]:
        return ((order or {}).get(word, len(order or {})), word)

    written = " and ".join(
        part
        for part in (
            extra and "adds " + ", ".join(f"'{w}'" for w in sorted(extra, key=by_place)),
            denied and f"denies {_words(denied)}",
        )
        if part
    )
    if missing:
        return "unsupported", f"{written}, which the case neither shows nor rules out"
    return "supported", f"{written}, as the case shows"


def _count(word: str, clauses: Sequence[frozenset[str]]) -> int:
    marks = _marks(word)
    return sum(1 for asserted in clauses if marks & asserted)


def _of_age(word: str, age: float) -> bool:
    low, high = lx.AGE_WORDS[word]
    return low <= age < high


def _shown(word: str, extra: frozenset[str], text: CaseText) -> bool:
    """An added qualifier the case shows: the diagnosis's teaching point states it with the
    other added words; it names an age band the patient is in ("neonatal" on a 2-day-old, WHO
    age bands); it names the period the disease follows and the case's text says the patient is
    in it ("postpartum endometritis": "in the postpartum period"); it says the disease was
    acquired in the community and the case's text puts the patient in no hospital, ward or
    ventilator (IDSA/ATS 2016: hospital-acquired pneumonia begins 48 h or more after
    admission, ventilator-associated 48 h or more after intubation; any other is community
    acquired); it names a part of the body that the complaint, a finding or a result names; or
    it says where the disease is and a finding or result says so with the other added words,
    more often than it says the opposite place."""
    if any(all(_marks(w) & asserted for w in extra) for asserted in text.teaching):
        return True
    if word in lx.AGE_WORDS:
        return text.age is not None and _of_age(word, text.age)
    if word in lx.PERIOD_WORDS:
        return bool(text.findings) and bool(_marks(word) & text.asserted)
    if word in lx.COMMUNITY_WORDS:
        in_hospital = _all_marks(lx.HOSPITAL_WORDS) & text.asserted
        return "community" in extra and bool(text.findings) and not in_hospital
    if word in text.classes and word not in lx.PLACE_WORDS and word not in lx.OPPOSITES:
        return True  # what the key is by definition: "autoimmune" myasthenia gravis (MONDO)
    if (
        (word in terminology.anatomy_words(word_key) or word in terminology.site_parts(word_key))
        and word not in lx.PLACE_WORDS
        and word not in lx.OPPOSITES
    ):
        # A part of the body the complaint, a finding or a result names ("pes anserine bursitis
        # of the knee": "knee pain"; the HPO's body parts and UBERON's parts the terminologies
        # name as a site: "chronic venous insufficiency of the legs": "wound on the right lower
        # leg"), or one the key's own part already is ("posterior hip joint dislocation": the
        # HPO's part "hip joint" is the key's hip).
        if word in text.implied:
            return True  # the only part the key's disease can be in, in this patient
        return any(_marks(word) & asserted for asserted in (*text.complaint, *text.signs)) or any(
            len(part) == 2 and word in part and _all_marks(part - {word}) <= text.key
            for part in terminology.body_parts(word_key)
        )
    if not extra <= lx.PLACE_WORDS:
        return False
    if not any(all(_marks(w) & asserted for w in extra) for asserted in text.signs):
        return False
    others = lx.OPPOSITES.get(word, frozenset())
    return all(_count(word, text.signs) > _count(other, text.signs) for other in others)


def _ruled_out(word: str, text: CaseText) -> bool:
    """A denied qualifier the case rules out: its findings deny it, it tells the key-plus-it
    apart, or a name of the key says uncomplicated."""
    marks = _marks(word)
    return bool(
        marks & text.denied or any(marks & words for _, words in text.apart) or text.uncomplicated
    )


def _narrower_verdict(kind: str, why: str, primary: str) -> tuple[Verdict, str]:
    if kind == "supported":
        return "same", f"more specific than {primary}: {why}"
    if kind == "unsupported":
        return "unsure", f"more specific than the case states: {why}"
    return "different", f"more specific in a way the case rules out: {why}"


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

    found = [
        synonym
        for name in (key.primary, *key.aliases)
        for written in (name, *_genus_spelled_out(name))
        for synonym in terminology.synonyms(written, word_key)
        if not told_apart(synonym)
    ]
    found += [
        synonym for term in _loose_term((key.primary, *key.aliases))
        for synonym in _loosely(term, key.primary) if not told_apart(synonym)
    ]  # fmt: skip
    own = {
        w for name in (key.primary, *key.aliases) for form in canonical_forms(name) for w in form
    }
    return found + [
        plain for synonym in found
        if (plain := _without_qualifiers(synonym, own)) and not told_apart(plain)
    ]  # fmt: skip


@functools.lru_cache(maxsize=1024)
def _loose_term(names: tuple[str, ...]) -> tuple[str, ...]:
    """The one MONDO disease the key's names name loosely (``terminology.mondo_loosely``), where
    no terminology names any of them word for word; an acronym among them is not read so ("AA"
    names several diseases), nor a name beside one a terminology knows ("ketoacidosis" beside
    "Diabetic ketoacidosis" is not MONDO's alcoholic ketoacidosis)."""
    if any(
        terminology.mondo_terms(name, word_key) or terminology.synonyms(name, word_key)
        for name in names
    ):
        return ()
    found = {
        term for name in names if not _ACRONYM.fullmatch(name.strip())
        if (term := terminology.mondo_loosely(name, word_key))
    }  # fmt: skip
    return tuple(found) if len(found) == 1 else ()


@functools.lru_cache(maxsize=1024)
def _key_terms(names: tuple[str, ...]) -> frozenset[str]:
    """The MONDO diseases the key's names name, word for word or else loosely."""
    own = {t for name in names for t in terminology.mondo_terms(name, word_key)}
    return frozenset(own or _loose_term(names))


def _loosely(term: str, primary: str) -> tuple[str, ...]:
    """The names of the MONDO disease the key names loosely (``_loose_term``): "drug-induced
    akathisia" for "Akathisia", "giant cell tumor of bone" for "Osteoclastoma", and their
    synonyms."""
    own = {term} | terminology.mondo_descendants(term, word_key)
    malignant = word_key("malignant cancer") - word_key(primary)
    written = terminology.mondo_written_names(term, word_key)
    # Their synonyms in the other terminologies, none from a group that names another MONDO
    # disease ("de Quervain syndrome" is also ICD-10-CM's name of androgen insensitivity), and
    # none named malignant where the key is not.
    others = [
        synonym for name in written
        for synonym in terminology.synonyms_within(name, frozenset(own), word_key)
        if not any(form & malignant for form in canonical_forms(synonym))
    ]  # fmt: skip
    return tuple(dict.fromkeys([*written, *others]))


def _without_qualifiers(synonym: str, own: set[str]) -> str | None:
    """A synonym of the key without a qualifier of one side or the other (benign/malignant,
    left/right, acute/chronic) that none of the key's own names has: the qualifier came with a
    narrower term the terminology lumped in ("cystosarcoma phyllodes, malignant" for "Phyllodes
    tumor" gives "cystosarcoma phyllodes"). None when it has none."""
    sides = set(lx.OPPOSITES) | lx.ACUITY
    dropped = [
        t for t in re.findall(r"[A-Za-z]+", synonym)
        if _singular(_respell(t.lower())) in sides - own
    ]  # fmt: skip
    if not dropped:
        return None
    plain = synonym
    for word in dropped:
        plain = re.sub(rf"\b{word}\b", " ", plain)
    plain = " ".join(re.sub(r"\s*,\s*(,|$)", r"\1", plain).split()).strip(" ,")
    return plain if word_key(plain) else None


_GENUS_INITIAL = re.compile(r"(?<!['\u2019])\b([A-Z])(?:\.\s*|\s+)([a-z]{4,})\b")


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


def _spelled_as_its_forms(item: str, primaries: Sequence[str], key: Diagnosis) -> Comparison | None:
    """``item`` accepted where it differs from a name of the key only by probable misspellings
    (:func:`_is_typo`) that MONDO writes in the names of the key's disease or of a form of it,
    beside the word they stand for: "phylloide tumor of the breast" is MONDO's name of benign
    breast phyllodes tumor, filed under phyllodes tumor, so "phylloides tumor" is a spelling of
    "Phyllodes tumor". Another disease's word is written in another disease's names."""
    own = _key_terms((key.primary, *key.aliases))
    forms = own.union(*(terminology.mondo_descendants(t, word_key) for t in own))
    written = [terminology.mondo_name_words(t, word_key) for t in sorted(forms)]
    for s, e in itertools.product(
        canonical_forms(item), {f for name in primaries for f in canonical_forms(name)}
    ):
        extra, missing = sorted(s - e), sorted(e - s)
        if not extra or len(extra) != len(missing):
            continue
        pairs = []
        for meant in missing:
            typo = next((w for w in extra if _is_typo(w, meant)), None)
            if typo is None:
                break
            extra.remove(typo)
            pairs.append((typo, meant))
        else:
            if all(any({t, m} <= words for words in written) for t, m in pairs):
                return Comparison(
                    item, key.primary, "same",
                    f"{_words(t for t, _ in pairs)}: MONDO writes it for "
                    f"{_words(m for _, m in pairs)} in names of {key.primary} or its forms",
                )  # fmt: skip
    return None


def _by_its_eponym(item: str, key: Diagnosis) -> Comparison | None:
    """``item`` accepted as the key named by its proper name and "disease" or "syndrome"
    ("Glanzmann disease" for "Glanzmann thrombasthenia"): its words are a proper part of a name
    of the key that MONDO's label of the key writes with capitals, and every MONDO disease with
    a name (label or any synonym) that has those words is the key's or filed under it
    (Glanzmann thrombasthenia 1 and 2). Not where MONDO names another disease so ("de Quervain"
    is a thyroiditis too, "Paget" a disease of bone and of the breast), nor where the words are
    part of a name the case tells apart."""
    if not set(_surface(item)) & lx.SUFFIX_WORDS:
        return None
    named = [key.primary, *key.aliases]
    own = {t for name in named for t in terminology.mondo_terms(name, word_key)}
    if not own:
        return None
    wholes = {form for name in named for form in canonical_forms(name)}
    apart = {
        form
        for name in (*key.acceptable_differentials, *key.must_not_miss)
        for form in canonical_forms(name)
    }
    # Proper names: the words MONDO writes with a capital in the key's label (its labels are in
    # lower case but for names: "Glanzmann thrombasthenia", "de Quervain disease").
    proper = {
        w
        for term in own
        for token in re.findall(r"[A-Za-z][\w'-]*", terminology.mondo_label(term, word_key))
        if token[0].isupper()
        for w in word_key(token)
    }
    for short in sorted(canonical_forms(item), key=sorted):
        if not short or not short <= proper or not any(short < whole for whole in wholes):
            continue
        if any(short <= other for other in apart):
            continue
        terms = terminology.mondo_terms_naming(short, word_key)
        if terms and all(
            term in own or own & set(terminology.mondo_ancestors(term, word_key)) for term in terms
        ):
            return Comparison(
                item, key.primary, "same",
                f"MONDO names no other disease with {_words(short)}: {key.primary}",
            )  # fmt: skip
    return None


_WORD = re.compile(r"\b[A-Za-z]{2,6}\b")


def _own_acronyms_written_out(item: str, key: Diagnosis) -> str:
    """``item`` with an acronym of one of the key's own names written out as that name
    ("Russell's viper envenomation with VICC": "... with venom-induced consumption coagulopathy",
    an alias of the key). The acronym is written in capitals, or is no word of the
    terminologies' names; a name of one word is left to :func:`compare`."""
    if len(item.split()) < 2:
        return item
    names = [key.primary, *key.aliases]
    words = terminology.words(word_key)

    def written_out(found: re.Match[str]) -> str:
        token = found.group(0)
        lowered = token.lower()
        if lowered in lx.STOP_WORDS or (token != token.upper() and lowered in words):
            return token
        name = next((n for n in names if _is_acronym_of(token, n)), None)
        return name or token

    return _WORD.sub(written_out, item)


def _judge_item(item: str, primaries: Sequence[str], key: Diagnosis, text: CaseText) -> Comparison:
    """One submitted name against the key: the best comparison, a shortened name of the key,
    or a narrower one judged against the case. A name the same as one the case tells apart (an
    acceptable differential or a must-not-miss diagnosis) is never taken as narrower. An
    acronym of one of the key's own names is that name (:func:`_own_acronyms_written_out`)."""
    written = _own_acronyms_written_out(item, key)
    if written != item:
        return replace(_judge_item(written, primaries, key, text), submitted=item)
    found = best_comparison(item, primaries)
    assert found is not None  # primaries always hold the key's primary name
    if found.verdict == "same":
        return found
    if found.verdict == "unsure":
        shortened = (
            _spelled_as_its_forms(item, primaries, key)
            or _shortened(item, primaries, key)
            or _by_its_eponym(item, key)
        )
        if shortened is not None:
            return shortened
    apart = best_comparison(item, [*key.acceptable_differentials, *key.must_not_miss])
    if apart is not None and apart.verdict == "same":
        return found
    narrower = _narrower(item, primaries, key, text)
    if narrower is not None and narrower.verdict == "same":
        return narrower
    return (
        _by_its_disease_name(item, primaries, key, text)
        or _by_a_part_renamed(item, [key.primary, *key.aliases])
        or _by_a_body_part_renamed(item, primaries)
        or _broader(item, key)
        or _subtype(item, primaries, key, text)
        or narrower
        or found
    )


# How far up MONDO's is_a tree a broader name may be: MONDO files pancreatic adenocarcinoma
# under exocrine pancreatic carcinoma, malignant exocrine pancreas neoplasm and then malignant
# pancreatic neoplasm ("pancreatic cancer"), three steps.
_BROADER_STEPS = 3


def _broader(item: str, key: Diagnosis) -> Comparison | None:
    """``item`` accepted as a less specific name of the key: it names a MONDO class the key's
    disease is filed under ("pancreatic cancer" for "Pancreatic adenocarcinoma"), which is
    correct care named less precisely; the debrief gives the more specific name. The class is
    at most ``_BROADER_STEPS`` is_a steps above the key and not one of MONDO's very general
    groupings, and the name keeps what tells the key apart:

    - the key names a part of the body (the HPO's body parts) and ``item`` names it too: a
      class without the site ("adenocarcinoma", "digestive system carcinoma") says less than
      where the disease is;
    - ``item`` names more than the part ("liver disorder" is an organ's grouping, no disease)
      and shares a word with the key's own names;
    - ``item`` adds no qualifier the key lacks: no acuity, side, place, age band or period
      ("acute respiratory distress syndrome", filed above the newborn's, is another disease);
    - the class holds none of the diagnoses the case tells apart (its acceptable differentials
      and must-not-miss diagnoses): naming it does not choose between them.

    A sibling of the key (the near misses: "chronic pancreatitis", "Mallory-Weiss tear") is
    never its class, so it is never accepted here."""
    wanted = terminology.mondo_terms(item, word_key)
    if not wanted:
        return None
    named = [key.primary, *key.aliases]
    key_words = {w for name in named for form in canonical_forms(name) for w in form}
    item_words = {w for form in canonical_forms(item) for w in form}
    sites = terminology.anatomy_words(word_key)
    key_sites = key_words & sites
    qualifiers = (
        lx.ACUITY | set(lx.OPPOSITES) | lx.PLACE_WORDS | set(lx.AGE_WORDS) | lx.PERIOD_WORDS
    )
    if (
        not key_sites
        or not key_sites <= item_words
        or not item_words - sites
        or not key_words & item_words
        or (item_words - key_words) & qualifiers
    ):
        return None
    apart = [
        terminology.mondo_ancestors(term, word_key)
        for name in (*key.acceptable_differentials, *key.must_not_miss)
        for term in terminology.mondo_terms(name, word_key)
    ]
    own = sorted({t for name in named for t in terminology.mondo_terms(name, word_key)})
    for term in own:
        above = terminology.mondo_ancestors(term, word_key, _BROADER_STEPS)
        for parent in sorted(wanted & set(above)):
            if any(parent in classes for classes in apart):
                continue
            return Comparison(
                item, key.primary, "same",
                f"less specific: MONDO files {terminology.mondo_label(term, word_key)} under "
                f"{terminology.mondo_label(parent, word_key)}; the more specific name is "
                f"{key.primary}",
                less_specific=True,
            )  # fmt: skip
    return None


# The most diseases MONDO files under the key's for a form of it to count as the key: a disease
# with more forms is a grouping whose forms differ in cause and care ("pneumonia" has 38 below it,
# eosinophilic and organizing pneumonia among them; "lung carcinoma" 52, "acute lymphoblastic
# leukemia" 49 with chronic leukemias mis-filed under it). The tuning keys with forms have 1-17
# or 35 and more.
_SUBTYPES_MAX = 20
_ACRONYM = re.compile(r"[A-Z0-9](?:[a-z]?[A-Z0-9-])+")  # "CM", "PPH", "CoA"


def _subtype(
    item: str, primaries: Sequence[str], key: Diagnosis, text: CaseText
) -> Comparison | None:
    """``item`` accepted as a more specific form of the key: every MONDO disease it names is
    filed (is_a, at any depth) under the one MONDO disease the key names ("Pick disease" under
    frontotemporal dementia, "pancreatic ductal adenocarcinoma" under pancreatic
    adenocarcinoma). Naming a subtype of the case's disease names the case's disease; the
    debrief gives the case's own name and says which subtype was named. Not accepted:

    - when the key names no MONDO disease, several (but for a class and a disease filed under
      it: the key's is the one below), one of MONDO's very general groupings, or a disease with
      more than ``_SUBTYPES_MAX`` diseases below it (a grouping: its forms are many diseases);
    - when ``item`` is not a direct child of the key's disease and holds no name of the key
      (deeper, MONDO's several parents bring mis-filed subtrees along);
    - when ``item`` names a disease that is not below the key's (a sibling, a broader class);
    - when ``item`` is related by is_a to a diagnosis the case tells apart (an acceptable
      differential or a must-not-miss diagnosis);
    - when ``item`` or the label of its disease says what the case must show - an age band, a
      period, a side or place, a part of the body, a setting, an acuity - and the case does not
      show it (``_for_the_case``), or rules it out (MONDO files "newborn respiratory distress
      syndrome" under acute respiratory distress syndrome; whether the patient is a newborn,
      only the case says);
    - when ``item`` and the key's name each have a word the other lacks that are opposites
      (MONDO files B-cell chronic lymphocytic leukemia under acute lymphoblastic leukemia), or
      that are another ending of one stem ("tuberculoma", "pneumonia" under "tuberculosis",
      "pneumonitis": another ending names another disease, as ``terminology._restemmed``
      reads the terminologies), or that are inflammations of two organs (two words in -itis:
      MONDO files cholecystitis, of the gallbladder, under cholangitis, of the bile ducts)."""
    # The key's disease as its names say it in words: an acronym among them names several
    # diseases ("CM": cerebral malaria, cutaneous mastocytosis).
    worded = [n for n in (key.primary, *key.aliases) if not _ACRONYM.fullmatch(n.strip())]
    own = {t for name in worded for t in terminology.mondo_terms(name, word_key)}
    if not own or any(terminology.mondo_general(t, word_key) for t in own):
        return None
    # Names of a disease and of its class ("lung cancer" labels the class and is a synonym of
    # lung carcinoma, filed under it): the key's disease is the one under all the others.
    lowest = [t for t in own if own - {t} <= set(terminology.mondo_ancestors(t, word_key))]
    if len(lowest) != 1:
        return None
    (term,) = lowest
    below = terminology.mondo_descendants(term, word_key)
    if len(below) > _SUBTYPES_MAX:
        return None
    wanted = terminology.mondo_terms(item, word_key) or _acronym_below(item, term)
    if not wanted or wanted & own:
        return None
    above = {t: terminology.mondo_ancestors(t, word_key) for t in wanted}
    if not all(term in classes for classes in above.values()):
        return None
    # The item's diseases and the classes between them and the key's ("granulomatous
    # endometritis" is filed under chronic endometritis): what each says, the case must allow.
    path = {a for classes in above.values() for a in classes if a in below}
    own_labels = [terminology.mondo_label(t, word_key) for t in sorted(wanted)]
    labels = [*own_labels, *(terminology.mondo_label(t, word_key) for t in sorted(path))]
    named = [key.primary, *key.aliases]
    # Deeper than a direct child, only a name that holds a name of the key: below a child,
    # MONDO's several parents let a term filed under the key bring its whole subtree along
    # (B-cell CLL, filed under acute lymphoblastic leukemia, brings hairy cell leukemia;
    # tuberculous salpingitis, under pelvic inflammatory disease, brings meningeal tuberculosis).
    if not all(classes[term] == 1 for classes in above.values()) and not _holds(
        [item, *own_labels], named
    ):
        return None
    if _opposed([item, *labels], named) or _another_ending([item, *labels], named):
        return None
    apart = {
        t
        for name in (*key.acceptable_differentials, *key.must_not_miss)
        for t in terminology.mondo_terms(name, word_key)
    }
    for other in apart:
        if any(other == t or other in classes for t, classes in above.items()):
            return None
        if any(t in terminology.mondo_ancestors(other, word_key) for t in wanted):
            return None
    for name in (item, *labels):
        narrower = _narrower(name, primaries, key, text)
        if narrower is not None and (
            narrower.narrower == "contradicted"
            or (narrower.narrower == "unsupported" and _for_the_case(name, primaries, text))
        ):
            return None
    return Comparison(
        item, key.primary, "same",
        f"more specific than {key.primary}: MONDO files {labels[0]} under "
        f"{terminology.mondo_label(term, word_key)}",
        narrower="supported",
    )  # fmt: skip


def _acronym_below(item: str, term: str) -> frozenset[str]:
    """The one MONDO disease filed under ``term`` whose label ``item`` spells the initials of
    ("PDAC": pancreatic ductal adenocarcinoma, under pancreatic adenocarcinoma), as
    :func:`_is_acronym_of` reads initials; empty when ``item`` is no acronym, is one the lexicon
    knows as something else, or spells several such labels."""
    written = item.strip().replace(".", "")
    token = written.lower()
    if not re.fullmatch(r"[a-z]{2,6}", token) or (token,) in _abbreviations():
        return frozenset()
    if written != written.upper() and token in terminology.words(word_key):
        return frozenset()  # an ordinary word written in small letters
    found = {
        t for t in terminology.mondo_descendants(term, word_key)
        if len((label := terminology.mondo_label(t, word_key)).split()) >= 2
        and token in _initials(label)
    }  # fmt: skip
    return frozenset(found) if len(found) == 1 else frozenset()


def _for_the_case(name: str, primaries: Sequence[str], text: CaseText) -> bool:
    """Whether ``name`` adds to a name of the key a qualifier about this patient that only the
    case can show, and the case does not: an age band, a period, a side or place, a setting, an
    acuity, or a part of the body (see :func:`_shown`). A kind of the disease (its cause, its
    behaviour) is what MONDO files; the case must only not contradict it."""
    weighed = set(lx.AGE_WORDS) | lx.PERIOD_WORDS | lx.PLACE_WORDS | lx.COMMUNITY_WORDS | lx.ACUITY
    parts = terminology.anatomy_words(word_key)
    adjectives = terminology.site_adjectives(word_key)

    def for_the_case(word: str) -> bool:  # "testicular": the adjective of the part "testis"
        return word in weighed or word in parts or bool(adjectives.get(word, frozenset()) & parts)

    core, _denied = _read_narrower(name)
    for expected in primaries:
        for s, e in itertools.product(canonical_forms(core), canonical_forms(expected)):
            extra = _extra_words(s, e)
            if extra and any(for_the_case(w) and not _shown(w, extra, text) for w in extra):
                return True
    return False


def _holds(names: Sequence[str], others: Sequence[str]) -> bool:
    """Whether a name of ``names`` has every word of a name of ``others`` and more
    ("pancreatic ductal adenocarcinoma" holds "pancreatic adenocarcinoma")."""
    return any(
        e < s
        for name, other in itertools.product(names, others)
        for s, e in itertools.product(canonical_forms(name), canonical_forms(other))
    )


def _opposed(names: Sequence[str], others: Sequence[str]) -> bool:
    """Whether a name of ``names`` and one of ``others`` each have a word the other lacks that
    are opposites (acute/chronic, benign/malignant, left/right) or differ in negation."""
    for name, other in itertools.product(names, others):
        for s, e in itertools.product(canonical_forms(name), canonical_forms(other)):
            if (s & lx.POLARITY) != (e & lx.POLARITY):
                return True
            mine, theirs = s - e, e - s
            if (mine & lx.ACUITY) and (theirs & lx.ACUITY):
                return True
            if any(lx.OPPOSITES.get(w, frozenset()) & theirs for w in mine):
                return True
    return False


def _another_ending(names: Sequence[str], others: Sequence[str]) -> bool:
    """Whether a name of ``names`` and one of ``others`` each have a word the other lacks that
    share their stem with another ending ("tuberculoma", "tuberculosis"), or that both end in
    -itis (an inflammation of another organ: "cholecystitis", "cholangitis")."""
    for name, other in itertools.product(names, others):
        for s, e in itertools.product(canonical_forms(name), canonical_forms(other)):
            for a, b in itertools.product(s - e, e - s):
                if a.endswith("itis") and b.endswith("itis"):
                    return True
                stem = terminology.STEM  # "pneum-onia", "pneum-onitis"
                if min(len(a), len(b)) > stem and a[:stem] == b[:stem]:
                    return True
    return False


_PART_WORDS = 3  # the longest part of a name renamed (German measles, the 9th cranial nerve)


def _by_a_part_renamed(item: str, primaries: Sequence[str]) -> Comparison | None:
    """``item`` accepted where a part of it, renamed by a terminology, gives a name of the key:
    "congenital German measles" for "Congenital rubella" (ICD-10-CM and MONDO: German measles is
    rubella). The part is a name of two words or more in a terminology group, and the renamed
    whole is compared with the key's own names only (a terminology's synonyms of the key lump
    related names: "Stenosis of aorta" under coarctation)."""
    words = item.split()
    for size in range(min(_PART_WORDS, len(words) - 1), 1, -1):
        for start in range(len(words) - size + 1):
            part = " ".join(words[start : start + size])
            for other in terminology.synonyms(part, word_key):
                renamed = " ".join([*words[:start], other, *words[start + size :]])
                same = best_comparison(renamed, primaries)
                if same is not None and same.verdict == "same":
                    return Comparison(item, same.expected, "same", f"{part} is {other} ({renamed})")
    return None


def _by_a_body_part_renamed(item: str, primaries: Sequence[str]) -> Comparison | None:
    """``item`` accepted where a part of the body it names, renamed as UBERON names that
    part, gives a name of the key or of one of its terminology synonyms: "torsion of the
    testicle" is "torsion of the testis" (UBERON: testicle is the testis), which MONDO names
    testicular torsion."""
    names = terminology.anatomy_names()
    words = item.split()
    for size in range(min(_PART_WORDS, len(words)), 0, -1):
        for start in range(len(words) - size + 1):
            part = " ".join(words[start : start + size])
            for other in names.get(part.lower(), ()):
                renamed = " ".join([*words[:start], other, *words[start + size :]])
                same = best_comparison(renamed, primaries)
                if same is not None and same.verdict == "same":
                    return Comparison(
                        item, same.expected, "same", f"UBERON names the {part} {other} ({renamed})"
                    )  # fmt: skip
    return None


def _by_its_disease_name(
    item: str, primaries: Sequence[str], key: Diagnosis, text: CaseText
) -> Comparison | None:
    """``item`` accepted through MONDO: it is a name of a MONDO disease whose label is a name
    of the key ("hyaline membrane disease": "newborn respiratory distress syndrome"), or a
    narrower one the case supports (a newborn, for "Respiratory distress syndrome")."""
    for group in terminology.disease_groups(item, word_key):
        label = group[0][0]
        parts = terminology.label_parts(label, tuple(name for name, _ in group))
        found = [best_comparison(part, primaries) for part in parts]
        same = next((c for c in found if c is not None and c.verdict == "same"), None)
        if same is not None:
            return Comparison(item, same.expected, "same", f"MONDO names it {label}")
        narrower = _narrower(label, primaries, key, text)
        if narrower is not None and narrower.verdict == "same":
            return Comparison(
                item, narrower.expected, "same", f"MONDO names it {label}: {narrower.reason}",
                narrower=narrower.narrower,
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
    differential: object,
    key: Diagnosis,
    generate: Generate | None = None,
    case: Case | None = None,
) -> DiagnosisResult:
    """Judge a ranked differential; ``generate`` (the local model) is asked only when unsure.
    ``case`` (the case the key belongs to) lets a narrower name than the key be judged against
    what the case says (:func:`_narrower`); without it, only the key's own words count."""
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
    text = case_text(key, case)
    per_item = tuple(_judge_item(s, primaries, key, text) for s in items)
    result = dict(submitted=items, must_not_miss=mnm, per_item=per_item)
    hit = next((i for i, c in enumerate(per_item) if c.verdict == "same"), None)
    if hit == 0:
        note = (
            f"; {per_item[0].reason}" if per_item[0].narrower or per_item[0].less_specific else ""
        )
        return DiagnosisResult(
            outcome="correct", credit=CREDIT["correct"],
            reason=f"first choice is {key.primary}{note}",
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
    if per_item[0].narrower == "unsupported":
        # The disease named more specifically than the case states: partial credit by the rules.
        return DiagnosisResult(
            outcome="partially_correct", credit=CREDIT["partially_correct"],
            reason=f"{key.primary}, {per_item[0].reason}; half credit",
            matched=per_item[0].expected, matched_rank=1, **result,
        )  # fmt: skip
    unsure = per_item[0] if per_item[0].verdict == "unsure" else None
    if unsure is None:
        why = f": {per_item[0].reason}" if per_item[0].narrower == "contradicted" else ""
        return DiagnosisResult(
            outcome="incorrect", credit=0.0, reason=f"the diagnosis is {key.primary}{why}",
            **result,
        )  # fmt: skip
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


def prepare() -> None:
    """Build the terminology's missing cache files in the background, ahead of any encounter
    (see ``terminology.prepare``)."""
    terminology.prepare(word_key)
