"""The reply guard: model text is shown only if it says nothing the disclosed facts do not say,
and only if it answers what was asked.

A small model invents ("I don't smoke" for a smoker, "a kidney infection" from nothing), and
words that pass one by one can flip a fact together ("never ... smoke"). So checks run on the
whole text released so far: every word is everyday English or comes from the disclosed facts;
numbers, and numbers with their time unit ("a week ago" for "two days"), match the facts; a
negation covers only what the facts negate; the facts' words keep the relations the facts give
them (a site with its side and region, a direction); nothing is made stronger than the facts say
it ("very hot" for "hot and a bit shivery"); no answer-key term and nothing on the case's
contradiction list appears; the reply carries what the question asked for (relevance) and says
the disclosed fact, not what the persona or another fact of the case says instead. The
stream releases text a clause at a time, each clause only once everything released with it
passes; released text is never taken back.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass

from simdesk.core.cases.schema import Fact
from simdesk.core.text import NUMBER_WORDS, numbers, stem, words

NEGATIONS = frozenset(
    """no not never don't dont didn't didnt doesn't doesnt haven't havent hasn't hasnt isn't
    isnt wasn't wasnt aren't weren't won't can't cannot couldn't without none nothing nobody
    neither nor denies""".split()
)
YES_WORDS = frozenset({"yes", "yeah", "yep"})
NO_WORDS = frozenset({"no", "nope"})
_LOSS_WORDS = NEGATIONS | frozenset(
    "lost lose losing loss without stopped stop less decreased reduced poor longer".split()
)
_PARTICLES = NEGATIONS | YES_WORDS | NO_WORDS
_FILLERS = frozenset("oh well doctor sir madam ma'am ah ahh hmm mm".split())

# Everyday words a patient may use in any reply without adding a clinical claim.
EVERYDAY = frozenset(
    # no quantity words ("a few", "a lot"): those are claims
    """a about above after again all almost also always am an and any anymore anything are
    around as at away back bad be because been before being bit both but by can come comes
    coming could day days did do does doctor doing done down during each early even every
    feel feeling feels felt for from get gets getting go goes going gone good got had has
    have having he her here him his how i i'd i'll i'm i've if in into is it it's its just
    know last later lately like long longer made make may maybe me mean must my myself need
    never new next nights now of off often oh ok okay on once one only or other our out over
    past quite rather really right said same say says see seem seems since sir so some
    something sometimes soon still such sure than thank thanks that that's the their them
    then there these they thing things think this those though through time times to today
    told too took truly up us very was way we week weeks well were what when where which
    while who why will with would yeah yes yet you your ago every month months year years
    morning evening night since started start starts begin began usually also again very
    madam ma'am true really honestly yes she she's he's her hers""".split()
)

# Words that speak of someone in the third person; "patient" is a note's word for them.
THIRD_PERSON = frozenset(
    "he she him his her hers he's she's himself herself patient patient's".split()
)
# Verbs a clinical note starts a sentence with, its subject left out ("Denies fever", "Drinks
# wine occasionally"): in a reply they speak of the patient in the third person.
NOTE_VERBS = frozenset(
    """has does is denies reports complains presents describes endorses notes admits states
    mentions lives drinks works smokes takes uses attends enjoys consumes feels experiences
    wants thinks appears believes""".split()
)
# Adverbs that may stand before such a verb ("Rarely drinks alcohol"); words in -ly too.
_LEAD_SKIP = (
    YES_WORDS
    | NO_WORDS
    | frozenset(
        "oh well doctor sir madam ma'am ah hmm also often only still just sometimes always usually "
        "never not".split()
    )
)
_NOTE_NAMES = frozenset({"patient", "patient's"})
# A clinical note's phrases: a model that copies them from a fact's content speaks as the note
# ("No family history of similar illness"), unless the speaker's own line says them too.
NOTE_PHRASES = re.compile(
    r"\b(?:history of|present(?:s|ed)? with|complain(?:s|ed)? of|significant|unremarkable"
    r"|non-?contributory|denies|noted)\b",
    re.IGNORECASE,
)

# Units of time, and words that place something in time: an answer to "when" or "how long".
TIME_UNITS = {u: u for u in "second minute hour day week fortnight month year".split()}
TIME_WORDS = (
    frozenset(
        """ago since last yesterday today tonight tomorrow morning afternoon evening night nights
    o'clock clock am pm weekend weekends childhood monday tuesday wednesday thursday friday
    saturday sunday""".split()
    )
    | frozenset(TIME_UNITS)
    | frozenset(u + "s" for u in TIME_UNITS)
)
# Before "a"/"an" + unit these make it a quantity of time ("for a week", "about a month").
_ONE_BEFORE = frozenset("for about over around almost nearly past in than just only".split())
_RELATIVE = frozenset("last this past next".split())

_TIME_QUESTION = re.compile(
    r"\b(how long|when|since when|what time|what age|how old|what day|which day|"
    r"how many (days|weeks|months|years|hours)|start(ed|s)?|began|begin)\b"
)
_TIME_FIRST = re.compile(
    r"^(when|since when|what time|what age|how old|what day|which day)\b|"
    r"\bhow (long|many (days|weeks|months|years|hours))\b"
)
_QUANTITY_QUESTION = re.compile(r"\b(how (many|much|often|far|heavy))\b")
# How bad something is: answered by the number the fact grades it with or its own grading word.
_SEVERITY_QUESTION = re.compile(
    r"\b(how (bad|severe|strong|intense)|out of (ten|10)|scale|rate it|severity)\b"
)
# Where something is: answered by a site the fact names.
_SITE_QUESTION = re.compile(
    r"^(?:(?:and|so|ok|okay|now|also|tell me|please)[ ,]+)*where\b|\bwhere (is|are|was|does|do|"
    r"did|exactly|abouts)\b|\bwhereabouts\b|\b(which|what) (part|side|area|spot)\b|"
    r"\bpoint to\b|\bshow me where\b"
)
# Words that grade how bad something is (a closed class; the fact must say the same one).
GRADES = frozenset(
    """mild mildly moderate moderately severe severely worst terrible terribly awful unbearable
    excruciating agony slight slightly intense bad badly""".split()
)
# Words that raise how strong something is ("very hot", "so tired"). They are everyday words, so
# the word check lets them through; each needs a fact that says as much of what it raises.
INTENSIFIERS = frozenset(
    "very really so extremely terribly awfully incredibly too severely badly".split()
)
# Words by which a fact says something is strong: an intensifier or a severe grade.
_STRONG = INTENSIFIERS | frozenset(
    "severe worst terrible awful unbearable excruciating agony intense".split()
)
# A grade out of ten from which something is severe (numeric rating scale: 7-10 severe).
SEVERE_FROM = 7
_SCALE = frozenset("severity score scale rated rate rating out ten maybe".split())
# Words that say how often something is done: "Do you drink?" is answered by "at weekends".
FREQUENCY = frozenset(
    """weekend weekends daily weekly monthly nightly every twice once occasionally sometimes
    often usually always rarely regularly""".split()
)
_POSSESSIVES = frozenset("my your his her our their".split())
_YES_NO_QUESTION = re.compile(
    r"^(?:(?:and|so|ok|okay|now|also|tell me|please)[ ,]+)*(do|does|did|are|is|was|were|have|"
    r"has|had|can|could|will|would|any|anyone|anything|ever|been)\b"
)
# Suffixes that make a new word of the same meaning; "-less" (painless) is not one of them.
_DERIVED = re.compile(r"(ful|fully|ment|ments|ness|y|ily|al|ally|ation|ations)$")
# A clause about then, and one about now (see _polarity).
_THEN_WORDS = frozenset("yesterday before previously earlier formerly used".split())
_NOW_WORDS = frozenset("today now currently tonight still anymore".split())
_TOPIC_SPLIT = re.compile(r"[;,.!?()]+|\b(?:with|but|and)\b")
# The things a question asks about, each on its own: "any trouble swallowing or breathing?"
_ALTERNATIVES = re.compile(r"[,;/]+|\b(?:or|and|nor)\b")
_CLAUSE_END = re.compile(r"[,;:.!?\u2026]+(?=\s)")
_SENTENCE_END = re.compile(r"[.!?\u2026]+(?=\s|$)")
_SPEAKER = re.compile(r"^\s*(?:patient|me)\s*:\s*", re.IGNORECASE)
MAX_SENTENCES = 2
# A question that asks how, what, where, when, why, which or who (not "what about ...?", which
# asks yes or no): a bare yes or no is no answer form to it ("how is the breathing now?" ->
# "Yes, ..."). Every part of the question must be one; "how is she? is she better?" takes a yes.
_WH_QUESTION = re.compile(
    r"^(?:(?:and|so|ok|okay|now|also|tell me|please|doctor|then)[ ,]+)*"
    r"(?:how|what|where|when|why|which|who|whom|whose)\b(?! about\b| if\b| else\b)"
)
# Words by which a reply says something goes on now: "he is still fevered", "he keeps vomiting",
# "the fever continues", "even now". "Now" alone is not one of them.
_PERSISTS = frozenset(
    """still continue continues continued continuing keep keeps keeping kept persist persists
    persisted persisting persistent ongoing""".split()
)
# Words by which a fact places what it says in the present, or says it goes on: a clause with
# one of these says its symptom is there now ("since this morning he is so weak", "he has loose
# motions", "the breathing is better than before"); "mild fever yesterday" does not.
_ONGOING = _PERSISTS | frozenset(
    """now today tonight currently since constant constantly all every daily is are am has have
    do does i'm he's she's it's we're they're""".split()
)
# Words by which a reply says something has ended ("it has stopped", "no longer", "not anymore").
_ENDED = frozenset("stop stops stopped stopping ceased gone finished".split())
_KEEP = frozenset("keep keeps keeping kept".split())  # a persistence word only before "-ing"


def negated_terms(tokens: list[str], reach: int = 6, content_words: int = 2) -> set[str]:
    """Stems of the first content words that follow a negation (its rough scope)."""
    scoped: set[str] = set()
    for i, word in enumerate(tokens):
        if word in NEGATIONS:
            followers = [
                w for w in tokens[i + 1 : i + 1 + reach] if w not in EVERYDAY and w not in NEGATIONS
            ]
            scoped.update(stem(w) for w in followers[:content_words])
    return scoped


def _clauses(text: str) -> list[list[str]]:
    # An ellipsis is a pause, not a clause end: "Never had... steroid inhaler" negates the inhaler.
    parts = re.split(r"[,;:!?()]+|(?<!\.)\.(?!\.)|\bbut\b", text)
    return [words(part) for part in parts if part.strip()]


def unnegated(tokens: list[str], negatable: set[str], reach: int = 6) -> set[str]:
    """Stems from ``negatable`` that a clause states without a negation before them."""
    scoped = set()
    for i, word in enumerate(tokens):
        if word in NEGATIONS:
            scoped.update(range(i + 1, i + 1 + reach))
    return {stem(w) for i, w in enumerate(tokens) if i not in scoped and stem(w) in negatable}


# Words after a negation that narrow what it denies ("never had pain like this before", "no
# pain in the testes", "not vomited since last night"), beside content words.
_RESTRICTING = frozenset("like this these such before since after during while when".split())
_COORDINATING = frozenset({"or", "and", "nor"})


def denials(tokens: list[str]) -> list[tuple[str, frozenset[str]]]:
    """``(term, restrictors)`` for each content word a clause denies: the words after it, up to
    the next "or"/"and", that narrow the denial - its later content words, else its restricting
    function words ("never had pain like this before"). Coordinated words are denied each on
    its own ("don't smoke or chew khat")."""
    found = []
    for i, word in enumerate(tokens):
        if word not in NEGATIONS:
            continue
        item: list[str] = []
        for w in [*tokens[i + 1 :], "or"]:
            if w in _COORDINATING:
                content = [n for n, x in enumerate(item) if x not in EVERYDAY]
                for k, n in enumerate(content[:4]):
                    rest = {stem(item[m]) for m in content[k + 1 :]}
                    if not rest:
                        rest = {x for x in item[n + 1 :] if x in _RESTRICTING}
                    found.append((stem(item[n]), frozenset(rest)))
                item = []
            elif w not in NEGATIONS:
                item.append(w)
    return found


def repeats(tokens: list[str], n: int = 4) -> tuple[str, ...]:
    """The first run of ``n`` words, not all of them function words, that a text says twice: a
    small model pushed towards the facts' words can loop ("with yellow sputum for six weeks
    with yellow sputum for six weeks ...", "for the past month for the past month")."""
    seen: set[tuple[str, ...]] = set()
    for i in range(len(tokens) - n + 1):
        gram = tuple(tokens[i : i + n])
        if gram in seen and any(w not in FUNCTION_WORDS for w in gram):
            return gram
        seen.add(gram)
    return ()


def _value(word: str) -> float | None:
    if word.isdigit():
        return float(word)
    return float(NUMBER_WORDS[word]) if word in NUMBER_WORDS else None


def time_amounts(tokens: list[str]) -> set[tuple[object, str]]:
    """Amounts of time a text states: ``(6.0, "week")`` for "six weeks", ``(1.0, "day")`` for
    "about a day", ``("last", "week")`` for "last week"."""
    found: set[tuple[object, str]] = set()
    for i, word in enumerate(tokens):
        unit = TIME_UNITS.get(word.removesuffix("s"))
        if unit is None or i == 0:
            continue
        before = tokens[i - 1]
        value = _value(before)
        if value is not None:
            found.add((value, unit))
        elif (
            before in ("a", "an")
            and (i < 2 or tokens[i - 2] in _ONE_BEFORE)
            # "a year ago"; an age: "she is a year old" (an informant's model reply for a
            # 3-year-old passed the guard, as no amount was read)
            or (before in ("a", "an") and i + 1 < len(tokens) and tokens[i + 1] in ("ago", "old"))
        ):
            found.add((1.0, unit))
        elif before in _RELATIVE:
            found.add((before, unit))
    return found


# Closed-class words (articles, pronouns, prepositions, conjunctions, auxiliaries, degree and
# time adverbs): they end a phrase. Every other word belongs to the phrase it stands in, so a
# site, a side or a body region is checked with the words it modifies.
FUNCTION_WORDS = NEGATIONS | frozenset(
    """a an the my your his her its our their this that these those some any each every all
    i me you he him she it we us they them myself i'm i've i'd i'll it's he's she's that's
    am is are was were be been being do does did have has had having can could will would
    shall should may might must and or but so if because as than then when while where what
    which who whom how why to of in into at on onto from by with for about around across
    through towards toward down up over under near behind above below inside along off out
    just very really quite too also still even only now again already always sometimes often
    usually ever bit little lot much more most less there here yes yeah no not""".split()
)
# Prepositions of place and direction: what follows them is a site ("to my back").
_PLACE = frozenset(
    "in into at on onto from around across through towards toward down up over under near "
    "behind above below inside along".split()
)
_GOALS = frozenset("to into towards toward onto".split())
_DETERMINERS = frozenset("a an the my your his her its our their this that".split())
_UNIT_SPLIT = re.compile(r"[,;:.!?()\u2026]+|\b(?:and|but|with)\b")


def _sentences(text: str) -> list[list[str]]:
    # An ellipsis is a pause within a statement ("Breathing... bit easier now"), not its end.
    parts = re.split(r"[;!?]+|(?<!\.)\.(?!\.)", text)
    return [words(part) for part in parts if words(part)]


def _groups(facts: tuple[Fact, ...]) -> list[list[str]]:
    """Each sentence of each fact, joined with the sentences of the fact's other text it shares a
    content word with (the authored content and what the patient says tell the same thing in
    two wordings: "around the umbilicus" / "around my navel"). A comma joins what one statement
    says; a full stop or a semicolon separates statements ("His mother had asthma; his younger
    son has eczema")."""
    out = []
    for fact in facts:
        texts = [_sentences(fact.content), _sentences(fact.patient_says)]
        for mine, other in (texts, texts[::-1]):
            for sentence in mine:
                content = {stem(w) for w in sentence if _is_content(w)}
                group = list(sentence)
                for theirs in other:
                    if content & {stem(w) for w in theirs}:
                        group += theirs
                out.append(group)
    return out


def _timed_units(texts: list[str]) -> list[tuple[set[str], set[tuple[object, str]]]]:
    """The times each part of the facts states, with the words of that part: ``(stems,
    amounts)``. Parts are split at "and", "but" and "with"; a comma (gone from the sentence's
    words) joins a part to the one before it ("I have lost weight, about six kilograms...")."""
    out: list[tuple[set[str], set[tuple[object, str]]]] = []
    for text in texts:
        for sentence in _sentences(text):
            for part in _UNIT_SPLIT.split(" ".join(sentence)):
                unit = words(part)
                amounts = time_amounts(unit)
                if amounts:
                    out.append((_stems(unit), amounts))
    return out


def _strong_units(texts: list[str]) -> list[set[str]]:
    """The words of each part of the facts that says something strongly: a part (split as for
    times, and at commas: "very hot ..., shivering") with an intensifier or a severe grade
    ("the worst headache"), or every part of a sentence that grades what it says 7 out of 10
    or more ("sharp and constant, maybe seven out of ten"); a sentence that says only the
    grade ("Eight out of ten.") grades the one before it."""
    out = []
    for text in texts:
        before: list[list[str]] = []
        for raw in re.split(r"[;!?]+|(?<!\.)\.(?!\.)", text):
            sentence = words(raw)
            units = [words(part) for part in _UNIT_SPLIT.split(raw) if words(part)]
            graded = [_value(m) for m in _GRADED.findall(" ".join(sentence))]
            if any(v is not None and v >= SEVERE_FROM for v in graded):
                only_grade = not [w for w in sentence if _is_content(w) and w not in _SCALE]
                out += [_stems(u) for u in units + (before if only_grade else [])]
            else:
                out += [_stems(u) for u in units if _STRONG & set(u)]
            before = units
    return out


def _stems(tokens: list[str]) -> set[str]:
    out = set()
    for word in tokens:
        out |= {word, stem(word)}
        base = _DERIVED.sub("", word)
        if len(base) >= 4:
            out |= {base, stem(base)}  # tightness: tight
    return out


def _supported(word: str, stems: set[str]) -> bool:
    if word in stems or stem(word) in stems:
        return True
    base = _DERIVED.sub("", word)
    return len(base) >= 4 and base != word and (base in stems or stem(base) in stems)


def _is_time_or_number(word: str) -> bool:
    return word in TIME_WORDS or stem(word) in TIME_WORDS or _value(word) is not None


def _is_break(word: str) -> bool:
    return word in FUNCTION_WORDS or _is_time_or_number(word) or word in _FILLERS


def _is_content(word: str) -> bool:
    return word not in EVERYDAY and not _is_break(word)


def _phrases(tokens: list[str]) -> list[tuple[int, list[str], str]]:
    """The phrases of a clause, split at closed-class words, times and numbers: ``(start,
    words, kind)``, where kind is "place" after a preposition of place ("to my back"), "noun"
    after an article or a possessive ("my right back"), else "". A phrase with "of" and its
    own article, after a one-word phrase, is one site: "the back of my right foot"."""
    out: list[tuple[int, list[str], str]] = []
    i = 0
    while i < len(tokens):
        if _is_break(tokens[i]):
            i += 1
            continue
        start = i
        while i < len(tokens) and not _is_break(tokens[i]):
            i += 1
        j = start - 1
        while j >= 0 and tokens[j] in _DETERMINERS:
            j -= 1
        determined = j + 1 < start
        if j >= 0 and (tokens[j] in _PLACE or (tokens[j] == "to" and determined)):
            kind = "place"
        else:
            kind = "noun" if determined else ""
        after_site = bool(out) and out[-1][2] != "" and len(out[-1][1]) == 1
        if after_site and tokens[j : j + 1] == ["of"] and determined:
            first, head, kind_before = out.pop()
            out.append((first, head + tokens[start:i], kind_before))
            continue
        out.append((start, tokens[start:i], kind))
    return out


def _in_one_stretch(phrase: list[str], text: list[str]) -> bool:
    """Whether a text holds all of the phrase's words in one stretch that names nothing else
    ("the left arm and the jaw" is no "left jaw")."""
    wanted = _stems(phrase)
    for i in range(len(text)):
        got: set[str] = set()
        for word in text[i:]:
            if _supported(word, wanted) or any(_supported(w, _stems([word])) for w in phrase):
                got |= {w for w in phrase if w == word or _supported(w, _stems([word]))}
                if len(got) == len(set(phrase)):
                    return True
            elif _is_content(word):
                break
    return False


def _allowed_stems(texts: list[str]) -> set[str]:
    allowed = set()
    for text in texts:
        for word in words(text):
            allowed.add(word)
            allowed.add(stem(word))
    return allowed


@dataclass(frozen=True)
class GuardVerdict:
    ok: bool
    reason: str
    final: bool = True  # False: more text could still make it pass (not yet relevant or negative)


class ReplyGuard:
    """Checks generated text against the facts disclosed for one turn (and, given the question,
    whether the text answers it)."""

    def __init__(
        self,
        facts: tuple[Fact, ...],
        *,
        persona_words: list[str],
        forbidden_terms: list[str],
        question: str = "",
        never_says: list[str] | tuple[str, ...] = (),
        informant: bool = False,
        claims: Callable[[str], tuple[str, bool]] | None = None,
        other_facts: tuple[Fact, ...] = (),
        shown_now: Callable[[str], bool] | None = None,
    ) -> None:
        # Whether the simulated state now shows the symptom a word names (the vitals: "still
        # hot" with a temperature above the normal band), beside the facts that say it goes on.
        self._shown_now = shown_now
        # A check of what the reply claims as a whole (the patient now: better, the same or
        # worse): ``claims(text)`` gives why it cannot be shown ("" if it can) and whether that
        # is final (False: more words may still say it).
        self._claims = claims
        fact_texts = [t for f in facts for t in (f.content, f.patient_says)]
        self.facts = facts
        # Whose voice: the patient speaks of themself in the first person; an informant speaks
        # of the patient in the third. The authored lines (``patient_says``) are in the right
        # voice, so what they say in the third person ("my mother ... she") may be said.
        spoken = [f.patient_says for f in facts]
        said = set(words(" ".join(spoken)))
        self._speaker = THIRD_PERSON - _NOTE_NAMES if informant else frozenset()
        self._third_ok = self._speaker | (THIRD_PERSON & said)
        self._spoken_starts = {c[0] for t in spoken for c in _clauses(t) if c}
        self._spoken_note = {m.lower() for t in spoken for m in NOTE_PHRASES.findall(t)}
        self.question = question
        self._allowed = _allowed_stems(fact_texts + persona_words)
        self._numbers = numbers(" ".join(fact_texts))
        self._amounts = set().union(*(time_amounts(words(t)) for t in fact_texts))
        self._units = {unit for _, unit in self._amounts} | {
            TIME_UNITS[w.removesuffix("s")] for t in fact_texts for w in words(t)
            if w.removesuffix("s") in TIME_UNITS
        }  # fmt: skip
        fact_tokens = [w for text in fact_texts for w in words(text)]
        self._fact_negated = any(w in NEGATIONS for w in fact_tokens)
        # A denial ("No known drug allergies"): a reply must carry its negation.
        self._fact_denial = any(words(f.content)[:1] and words(f.content)[0] in NEGATIONS
                                for f in facts)  # fmt: skip
        fact_clauses = [c for t in fact_texts for c in _clauses(t)]
        self._fact_clauses = fact_clauses
        self._fact_negated_terms = set().union(
            *(negated_terms(c, content_words=4) for c in fact_clauses)
        )
        # Terms the fact only ever negates: a reply may not state them plainly.
        stated = set().union(*(unnegated(c, {stem(w) for w in c}) for c in fact_clauses))
        self._negated_only = self._fact_negated_terms - stated
        # What the fact denies and what narrows each denial (a reply may not widen one).
        self._denials: dict[str, list[frozenset[str]]] = {}
        for clause in fact_clauses:
            for term, rest in denials(clause):
                self._denials.setdefault(term, []).append(rest)
        fact_words = _allowed_stems(fact_texts)
        self._forbidden = [
            term.lower() for term in forbidden_terms
            if term.strip() and not all(stem(w) in fact_words for w in words(term))
        ]  # fmt: skip
        self._relevance = Relevance(question, facts) if question.strip() else None
        # The case's contradiction list for these facts, less what the facts' own words say.
        authored = " ".join(fact_texts)
        self._never = [
            re.compile(p, re.IGNORECASE) for p in never_says
            if not re.search(p, authored, re.IGNORECASE)
        ]  # fmt: skip
        self._groups = [_stems(g) for g in _groups(facts)]
        self._timed = _timed_units(fact_texts)
        self._strong = _strong_units(fact_texts)
        self._texts = [words(t) for t in fact_texts]
        # Where the facts say something began, and every site they name.
        self._began = set().union(*(_start_sites(t) for t in self._texts))
        # The conditions the facts give ("when I climb the hill", "worse on walking").
        self._conditions = set().union(
            *(_conditions(c, _CONDITION | {"on"}) for t in fact_texts for c in _clauses(t))
        )
        self._sites = {stem(p[-1]) for t in self._texts for _b, p in _ends(t)}
        self._persona = _allowed_stems(persona_words)
        # What the reply may be saying instead of the disclosed facts: the persona (name,
        # occupation) and each of the case's other facts, as claim terms.
        self._fact_claims = claim_terms(" ".join(fact_texts))
        self._sources = [("the persona", _authored_claims(" ".join(persona_words)))] + [
            (f"fact '{f.id}'", _authored_claims(f"{f.content} {f.patient_says}"))
            for f in other_facts if f not in facts
        ]  # fmt: skip
        # The words the facts and the persona give (for constrained decoding).
        self.vocabulary = tuple(sorted({w for t in fact_texts + persona_words for w in words(t)}))

    def check_word(self, word: str) -> GuardVerdict:
        """Check one complete word of a reply."""
        if word in NEGATIONS:  # what it negates is checked on the whole text (negation scope)
            if self._fact_negated:
                return GuardVerdict(True, "")
            return GuardVerdict(False, f"negation '{word}' flips the fact")
        value = _value(word)
        if value is not None:
            if value not in self._numbers:
                return GuardVerdict(False, f"number '{word}' is not in the fact")
            return GuardVerdict(True, "")
        if word in EVERYDAY or word in self._allowed or stem(word) in self._allowed:
            return GuardVerdict(True, "")
        base = _DERIVED.sub("", word)
        if (
            len(base) >= 4
            and base != word
            and (base in self._allowed or stem(base) in self._allowed)
        ):
            return GuardVerdict(True, "")  # painful: pain; movement: move (never painless)
        return GuardVerdict(False, f"word '{word}' is not in the fact")

    def _voice(self, text: str) -> str:
        """Why the text is not in the speaker's voice, or "": a patient who says "he" or "the
        patient" of themself, or anyone who copies a note's subjectless verb ("Denies fever",
        "Rarely drinks alcohol", "Has only ever used ...")."""
        copied = {m.lower() for m in NOTE_PHRASES.findall(text)} - self._spoken_note
        if copied:
            return f"'{sorted(copied)[0]}': a note's wording, not speech"
        for clause in _clauses(text):
            # Said by the authored line, a "his" may stand in a clause ("my father had his
            # appendix out"), but it opens one only where the line opens one with it.
            third = [w for i, w in enumerate(clause) if w in THIRD_PERSON
                     and (w not in self._third_ok or i == 0 and w not in self._spoken_starts
                          and w not in self._speaker)]  # fmt: skip
            if third and third[0] in _NOTE_NAMES:
                return f"'{third[0]}': a note's word, not the speaker's"
            if third:
                return f"'{third[0]}': the patient speaks of themself in the first person"
            lead = [w for w in clause if w not in _LEAD_SKIP and not w.endswith("ly")][:1]
            # After an opening adverb in -ly a word in -s is a verb ("frequently plays golf").
            opens = [w for w in clause if w not in _LEAD_SKIP][:1]
            verb = lead and opens[0].endswith("ly") and re.search(r"[^s]s$", lead[0])
            if lead and (lead[0] in NOTE_VERBS or verb) and lead[0] not in self._spoken_starts:
                return f"'{lead[0]}' without a subject: a note's wording, not speech"
        return ""

    def _one_group(self, said: list[str]) -> bool:
        said = [w for w in said if stem(w) not in self._persona]
        return not said or any(all(_supported(w, g) for w in said) for g in self._groups)

    def _relation(self, text: str) -> str:
        """Why the reply puts the facts' words together in a way no fact clause does, or "".

        Checked as a whole, not word by word: the content words of each part of a clause must
        all stand in one fact clause ("my mother has eczema" when the mother had asthma); a
        phrase with its modifiers, and any site after a preposition of place, must stand whole
        in one fact clause ("my right lower back" when the pain moved to the right lower side);
        and where something came from stands before where it went in the fact's own text ("from
        my right side to my navel" for a pain that moved from the navel).
        """
        for clause in _clauses(text):
            for part in _UNIT_SPLIT.split(" ".join(clause)):
                unit = words(part)
                said = [w for w in unit if w not in EVERYDAY and w not in FUNCTION_WORDS
                        and w not in _FILLERS and not _is_time_or_number(w)]  # fmt: skip
                if len(said) >= 2 and not self._one_group(said):
                    return f"no fact says '{' '.join(said)}' together"
                for _start, phrase, kind in _phrases(unit):
                    checked = kind == "place" or (
                        len(phrase) >= 2 and (kind or any(w not in EVERYDAY for w in phrase))
                    )
                    if checked and not self._one_group(phrase):
                        return f"no fact says '{' '.join(phrase)}'"
                    own = [w for w in phrase if stem(w) not in self._persona]
                    if (
                        kind
                        and len(own) >= 2
                        and not any(_in_one_stretch(own, t) for t in self._texts)
                    ):
                        return f"no fact says '{' '.join(phrase)}' as one"
            # A time belongs to what the fact gives it to: "three weeks ago the pharmacy gave me
            # amoxicillin" is no "cough for three weeks".
            own = [w for w in clause if _is_content(w) and stem(w) not in self._persona]
            for value, unit_name in time_amounts(clause) if own else ():
                if not any(
                    (value, unit_name) in amounts and any(_supported(w, st) for w in own)
                    for st, amounts in self._timed
                ):
                    shown = value if isinstance(value, str) else f"{value:g}"
                    return f"no fact gives '{shown} {unit_name}' to '{' '.join(own)}'"
            # Where it began is where the fact says it began ("It began in my right lower
            # abdomen" for a pain that began at the navel and moved there).
            for site in _start_sites(clause):
                if self._began and site in self._sites and site not in self._began:
                    return f"the fact does not say it began at the '{site}'"
            # A condition is one the fact gives ("when I climb the hill"), not another of its
            # words: "my chest gets tight when I rest" for tightness on walking eased by rest.
            unsaid = _conditions(clause) - self._conditions
            if self._conditions and unsaid:
                return f"the fact does not give '{sorted(unsaid)[0]}' as a condition"
            # A direction: where it came from stands before where it went in the fact's text.
            ends = [(tokens_before, p[-1]) for tokens_before, p in _ends(clause)]
            sources = [head for before, head in ends if before == "from"]
            goals = [head for before, head in ends if before in _GOALS]
            for text_tokens in self._texts:
                for source in sources:
                    at = _head_at(text_tokens, source)
                    for goal in goals:
                        to = _head_at(text_tokens, goal)
                        if at is not None and to is not None and at > to:
                            return f"the fact does not say from '{source}' to '{goal}'"
        return ""

    def _overstated(self, text: str) -> str:
        """Why the reply makes something stronger than the facts say, or "": "I feel very hot"
        when the fact says "hot and a bit shivery". An intensifier ("very", "really", "so")
        before a word needs a part of a fact that says that word strongly (with an intensifier
        or a severe grade, or in a sentence that grades it 7 out of 10 or more); "not very" is
        no claim."""
        for clause in _clauses(text):
            for i, word in enumerate(clause):
                if word not in INTENSIFIERS or NEGATIONS & set(clause[max(0, i - 2) : i]):
                    continue
                j = i + 1
                while j < len(clause) and (clause[j] in INTENSIFIERS or clause[j] == "much"):
                    j += 1
                raised = clause[j] if j < len(clause) else ""
                if not raised or not (_is_content(raised) or raised in GRADES):
                    continue
                if not any(_supported(raised, stems) for stems in self._strong):
                    return f"the fact does not say '{word} {raised}'"
        return ""

    def check(self, text: str) -> GuardVerdict:
        """Check a whole reply, or everything released of it so far.

        A verdict with ``final=False`` fails only for now: more words may still answer the
        question or carry the fact's negation. Any other failure is final.
        """
        if not self.facts:
            return GuardVerdict(False, "no fact was disclosed")
        tokens = words(text)
        if not tokens:
            return GuardVerdict(False, "empty reply", final=False)
        lowered = text.lower()
        for term in self._forbidden:
            if re.search(rf"\b{re.escape(term)}\b", lowered):
                return GuardVerdict(False, f"answer-key term '{term}'")
        for pattern in self._never:
            if pattern.search(text):
                return GuardVerdict(False, f"listed contradiction /{pattern.pattern}/")
        voice = self._voice(text)
        if voice:
            return GuardVerdict(False, voice)
        if repeats(tokens):
            return GuardVerdict(False, f"the reply repeats '{' '.join(repeats(tokens))}'")
        for word in tokens:
            verdict = self.check_word(word)
            if not verdict.ok:
                return verdict
        for amount in time_amounts(tokens) - self._amounts:
            value, unit = amount
            shown = value if isinstance(value, str) else f"{value:g}"
            return GuardVerdict(False, f"'{shown} {unit}' is not a time the fact states")
        bare = {
            TIME_UNITS[w.removesuffix("s")] for w in tokens if w.removesuffix("s") in TIME_UNITS
        }
        if bare - self._units:
            return GuardVerdict(False, f"'{sorted(bare - self._units)[0]}' is not in the fact")
        clauses = _clauses(text)
        unsupported = set().union(*(negated_terms(c) for c in clauses)) - self._fact_negated_terms
        if unsupported:
            return GuardVerdict(False, f"the reply negates '{sorted(unsupported)[0]}'")
        flipped = set().union(*(unnegated(c, self._negated_only) for c in clauses))
        if flipped:
            return GuardVerdict(
                False, f"the reply states '{sorted(flipped)[0]}', which the fact negates"
            )
        widened = self._widened(clauses)
        if widened:
            return GuardVerdict(False, f"the reply denies '{widened}' more widely than the fact")
        wrong = (
            self._relation(text)
            or self._overstated(text)
            or self._persistence(clauses)
            or (self._answer_form(clauses) if self.question.strip() else "")
        )
        if wrong:
            return GuardVerdict(False, wrong)
        if self._relevance is not None and not self._relevance.inverted:
            for clause in clauses:
                said = set(clause) - _FILLERS
                if (
                    len(said) == 1
                    and said <= YES_WORDS | NO_WORDS
                    and not said & self._relevance.particles
                ):
                    return GuardVerdict(
                        False, f"'{clause[-1]}' gives the wrong answer to the question"
                    )
        if self._claims is not None:
            reason, final = self._claims(text)
            if reason:
                return GuardVerdict(False, reason, final=final)
        if self._fact_denial and not any(w in NEGATIONS for w in tokens):
            return GuardVerdict(False, "the fact is negative but the reply is not", final=False)
        if self._relevance is not None:
            missing = self._relevance.missing(text)
            if missing:
                return GuardVerdict(False, missing, final=False)
            elsewhere = self._said_elsewhere(text)
            if elsewhere:
                return GuardVerdict(False, elsewhere, final=False)
        return GuardVerdict(True, "model text passed the guard")

    def _answer_form(self, clauses: list[list[str]]) -> str:
        """Why the reply is not in a form that answers the question, or "": a bare yes or no
        (a clause of nothing else, "Yes, my breathing is better") to a question that asks how,
        what, where, when, why, which or who. Failing from the first clause, the "Yes" is never
        released and the reply is refused as a whole, not shown from its second clause."""
        parts = [" ".join(words(p)) for p in re.split(r"[?.!;]+", self.question)]
        parts = [p for p in parts if p]
        if not parts or not all(_WH_QUESTION.match(p) for p in parts):
            return ""
        for clause in clauses:
            said = set(clause) - _FILLERS
            if said and said <= YES_WORDS | NO_WORDS:
                return f"'{clause[-1]}' is no answer to a '{parts[0].split()[0]}' question"
        return ""

    def _persistence(self, clauses: list[list[str]]) -> str:
        """Why the reply says something goes on, or has ended, where the facts do not, or "".

        "He is still fevered" for "mild fever yesterday": "still", "keeps", "continues" or
        "even now" say the symptom is there now, which needs a fact clause that says it with a
        word of the present or of going on ("since this morning he is so weak", "the breathing
        is better than before"), not negated. The reverse, "it has stopped", "no longer" or
        "not any more", needs no fact clause saying it goes on unless one says it ended too.
        The state now may show it too (``shown_now``): then it may be said to go on, and not to
        have ended."""
        for clause in clauses:
            for kind, word, negated in _persistence_claims(clause):
                shown = self._shown_now is not None and self._shown_now(word)
                if (
                    kind == "persists"
                    and not (shown and not negated)
                    and not self._said_with(word, _ONGOING, negated)
                ):
                    return f"no fact says '{word}' goes on now"
                if kind == "ended" and shown:
                    return f"the patient now shows '{word}', which the reply says ended"
                if kind == "ended" and self._said_with(word, _ONGOING, False):
                    ended = any(
                        _supported(word, _stems([said])) for c in self._fact_clauses
                        for claim, said, _n in _persistence_claims(c) if claim == "ended"
                    )  # fmt: skip
                    if not ended:
                        return f"a fact says '{word}' goes on, not that it ended"
        return ""

    def _said_with(self, word: str, markers: frozenset[str] | set[str], negated: bool) -> bool:
        """Whether a fact clause says ``word`` beside one of ``markers``, negated as the reply
        says it (``negated``) or plainly."""
        for clause in self._fact_clauses:
            if not (markers & set(clause) and _supported(word, _stems(clause))):
                continue
            if any(_supported(word, {n}) for n in negated_terms(clause)) == negated:
                return True
        return False

    def _said_elsewhere(self, text: str) -> str:
        """Why the reply voices something other than the disclosed facts, or "".

        Every word of a shown reply comes from the facts, the persona or everyday speech, but
        that does not make it say the fact: asked what he is worried about, the nurse whose
        worry is "leaving the health centre short-staffed" said "I'm a nurse at a health
        centre." (an earlier reply, echoed from the transcript). A reply whose every claim from
        the disclosed facts is also made by one other source (the persona, another fact of the
        case), which makes more of the reply's claims, voices that source, not the fact."""
        said = claim_terms(text)
        mine = said & self._fact_claims
        for name, theirs in self._sources:
            if mine <= theirs and len(said & theirs) > len(mine):
                return f"the reply says what {name} says, not the fact disclosed"
        return ""

    def _widened(self, clauses: list[list[str]]) -> str | None:
        """A term the reply denies where every denial of it in the fact is narrowed by words
        the reply's clause leaves out: "No pain." for "I have never had pain like this before"
        (he has pain now), "No pain" for "no pain or swelling in the testes"."""
        for clause in clauses:
            said = {stem(w) for w in clause} | set(clause)
            for term, _rest in denials(clause):
                narrowed = self._denials.get(term)
                if narrowed and all(rest and not rest & said for rest in narrowed):
                    return term
        return None


def _persistence_claims(clause: list[str]) -> list[tuple[str, str, bool]]:
    """``(kind, word, negated)`` for each thing a reply's clause says goes on ("persists": "still",
    "keeps", "continues", "even now", "has not stopped") or has ended ("ended": "stopped",
    "gone", "no longer", "not any more"), with the content word it says it of: the nearest
    after the marker, else the nearest before ("the fever continues"), and whether the clause
    negates that word ("he still has no fever")."""
    found = []
    negated = {i for i, w in enumerate(clause) if w in NEGATIONS}
    for i, word in enumerate(clause):
        before = clause[max(0, i - 3) : i]
        following = [w for w in clause[i + 1 : i + 3] if w != "on"][:1]
        if word in _KEEP and not (following and following[0].endswith("ing")):
            continue  # "we keep no chemicals", "cannot keep food down": not "keeps vomiting"
        if word in _PERSISTS or word == "now" and before[-1:] == ["even"]:
            kind = "persists"
        elif word in _ENDED:
            if before[-1:] == ["to"] or following and following[0] in _PLACE:
                continue  # "a syrup to stop the motions" (what it was for), "gone to my back"
            kind = "persists" if NEGATIONS & set(before) else "ended"
        elif (
            word == "longer"
            and before[-1:] == ["no"]
            or (
                word in ("anymore", "more")
                and (word == "anymore" or before[-1:] == ["any"])
                and any(n < i for n in negated)
            )
        ):
            kind = "ended"
        else:
            continue
        after = [w for w in clause[i + 1 :] if _is_content(w) and w not in _ENDED | _PERSISTS]
        ahead = [w for w in clause[:i] if _is_content(w) and w not in _ENDED | _PERSISTS]
        said = after[:1] or ahead[-1:]
        if said:
            at = clause.index(said[0])
            scopes = set().union(*(negated_terms(clause[n:]) for n in negated if n < at))
            denied = stem(said[0]) in scopes or said[0] in scopes
            found.append((kind, said[0], denied))
    return found


def claim_terms(text: str) -> set[str]:
    """The terms a text makes a claim with (disclosure's terms, synonyms folded), less those
    only its everyday and closed-class words give ("i'm", "feel"; "early" gives "ear"), its
    times and its numbers."""
    from simdesk.core.sim.disclosure import terms

    plain = _plain_only(words(text))
    return {t for t in terms(text) if t not in plain and t not in _time_forms()
            and _value(t) is None and t not in EVERYDAY}  # fmt: skip


@functools.lru_cache(maxsize=8192)
def _authored_claims(text: str) -> frozenset[str]:
    """``claim_terms`` of an authored text (a fact, the persona), kept: a guard is built for every
    question and reads all the case's other facts, which do not change."""
    return frozenset(claim_terms(text))


def _plain_only(tokens: list[str]) -> set[str]:
    """The terms that only the everyday and closed-class words of a text give."""
    from simdesk.core.sim.disclosure import terms

    plain = {t for w in tokens if not _is_content(w) for t in terms(w)}
    return plain - {t for w in tokens if _is_content(w) for t in terms(w)}


def _ends(clause: list[str]) -> list[tuple[str, list[str]]]:
    """The place phrases of a clause with the preposition that governs each."""
    out = []
    for start, phrase, kind in _phrases(clause):
        if kind == "place":
            j = start - 1
            while tokens_at(clause, j) in _DETERMINERS:
                j -= 1
            out.append((clause[j], phrase))
    return out


_STARTING = frozenset("began begin begins beginning started start starts starting".split())
_MOVING = frozenset(
    "moved move moves moving spread spreads went goes radiates radiating now".split()
)


_CONDITION = frozenset("when whenever if while".split())


def _conditions(tokens: list[str], markers: frozenset[str] = _CONDITION) -> set[str]:
    """Stems of the content words a clause puts after "when", "whenever", "if" or "while" (or
    other ``markers``): the conditions it says something happens under ("when I climb the hill
    to the market")."""
    for i, word in enumerate(tokens):
        if word in markers:
            return {stem(w) for w in tokens[i + 1 :] if _is_content(w)}
    return set()


def _start_sites(tokens: list[str]) -> set[str]:
    """Stems of the sites a text says something began at ("began ... around the umbilicus"),
    not where it went after ("and moved to the right lower abdomen")."""
    found = set()
    for start, phrase, kind in _phrases(tokens):
        if kind != "place":
            continue
        for j in range(start - 1, max(-1, start - 8), -1):
            if tokens[j] in _MOVING or tokens[j] in _GOALS or tokens[j] == "and":
                break
            if tokens[j] in _STARTING:
                found.add(stem(phrase[-1]))
                break
    return found


def tokens_at(tokens: list[str], i: int) -> str:
    return tokens[i] if 0 <= i < len(tokens) else ""


def _head_at(text: list[str], head: str) -> int | None:
    return next((i for i, w in enumerate(text) if w == head or stem(w) == stem(head)), None)


def site_words(text: str) -> set[str]:
    """Stems of the words a text names a place with: a phrase after a preposition of place ("in
    the middle of my chest", "down my left arm") or after a possessive ("my whole head")."""
    out: set[str] = set()
    for tokens in _clauses(text):
        for start, phrase, kind in _phrases(tokens):
            j = start - 1
            owned = False
            while j >= 0 and tokens[j] in _DETERMINERS:
                owned |= tokens[j] in _POSSESSIVES
                j -= 1
            if kind == "place" or owned:
                out |= {stem(w) for w in phrase}
    return out


class Relevance:
    """Whether a reply answers the question asked, from the disclosed facts' words.

    The question's dimension sets what an answer must carry: "how long"/"when" a time the fact
    states; "where" a site the fact names; "how bad" the fact's grading number or word; "how
    many" one of its amounts; a yes/no question a yes or no, how often the fact says it is done,
    or something the fact says beyond the question's own words; any other question something the
    fact says beyond the question's words that is not a time. Within a fact, the clauses that
    share the most terms with the question are its topic: "are you coughing anything up" must get
    the sputum, not the six weeks the cough has lasted; and a word the topic shares with another
    clause of the same text does not answer ("firing started last week" is no answer to "what is
    your job?" for a worker on a kiln's firing crew). A denial of other symptoms is no answer:
    a yes or no answers only alone or with the fact's words for what was asked ("No chest
    pain." is no answer to "any cough?" from "no cough or chest pain"), and a question on
    symptoms the fact does not name is answered only by a clause naming none (a denial of the
    whole system), not by "No fever" to "any tiredness or weight change?".
    """

    def __init__(self, question: str, facts: tuple[Fact, ...]) -> None:
        from simdesk.core.cases.topics import question_topics, text_topics
        from simdesk.core.sim.disclosure import SYMPTOM_TERMS, terms

        self._terms = terms
        self._time_forms = _time_forms()
        q = " ".join(words(question))
        self.kind = (
            "time" if _TIME_FIRST.search(q)
            else "site" if _SITE_QUESTION.search(q)
            else "severity" if _SEVERITY_QUESTION.search(q)
            else "amount" if _QUANTITY_QUESTION.search(q)
            else "yes/no" if _YES_NO_QUESTION.search(q)
            else "time" if _TIME_QUESTION.search(q)
            else "other"
        )  # fmt: skip
        asked = set(terms(question))
        # "Have you lost your appetite?" asks about a loss: "no appetite" answers yes. A bare yes
        # or no to a question worded by a loss or a negation is never inferred.
        self.inverted = bool(_LOSS_WORDS & set(words(question)))
        self._answers: set[str] = set()
        self._times: set[str] = set()
        self._often: set[str] = set()  # how often the topic's clauses say it is done
        topic_times: set[str] = set()
        # Of several facts, those that share a term with the question are its topic: "any
        # headache or weakness?" is not answered by the double vision disclosed beside weakness.
        named = [f for f in facts if asked & set(terms(f"{f.content} {f.patient_says}"))]
        # "Where" asks a symptom's site; of a home or a job ("where do you live?") it asks the
        # topic itself, which the topic's clauses answer ("I share a hostel room").
        if self.kind == "site" and not any(f.category in _SYMPTOMS for f in named or facts):
            self.kind = "other"
        # Where no clause shares a word with the question, the history topics decide: "what's
        # your job?" is answered by the clause on work, not by "I'm single" beside it.
        asked_topics = question_topics(question)
        asked_symptoms = asked & SYMPTOM_TERMS
        # The fact's own words for what was asked (see _own_terms); a yes or no is an answer
        # only with these or alone.
        self._topic_terms: set[str] = set()
        for fact in named or facts:
            names_asked = asked & set(terms(f"{fact.content} {fact.patient_says}"))
            for text in (fact.content, fact.patient_says):
                clauses = self._clauses(text)
                overlap = [len(asked & set(terms(c))) for c in clauses]
                best = max(overlap, default=0)
                topic = [c for c, n in zip(clauses, overlap, strict=True) if n == best]
                if not best and asked_topics:
                    on_topic = [
                        c for c in clauses
                        if asked_topics & text_topics(c, fact.category, whole=False)
                    ]  # fmt: skip
                    # Specific symptoms that the fact does not name are answered only by its
                    # clauses on the topic that name no specific symptom (a denial of the whole
                    # system: "no changes in bowel function"); "No fever" is no answer to "any
                    # tiredness or weight change?", whatever topic they share.
                    if asked_symptoms and on_topic and not names_asked:
                        topic = [c for c in on_topic if not set(terms(c)) & SYMPTOM_TERMS]
                    else:
                        topic = on_topic or topic
                own = set().union(*(self._own_terms(c, asked) for c in topic))
                self._topic_terms |= own
                said = own - asked
                elsewhere = set().union(*(self._content(c) for c in clauses if c not in topic))
                self._answers |= (said - elsewhere) or said
                for clause in topic:
                    self._often |= {w.removesuffix("s") for w in words(clause)} & _OFTEN
                    if best:
                        topic_times |= self._time_terms(clause)
                self._times |= self._time_terms(text)
        # "Since what age have you had asthma?" asks for the time of the clause on asthma, not
        # for any time the fact gives ("one admission last year"): when the topic's clauses
        # carry a time, only that time answers.
        if topic_times:
            self._times = topic_times
        # A site answers "where": the places the facts name, less the question's own words and
        # the symptoms themselves ("my whole head" answers "where is the headache?"; "it is
        # getting worse since yesterday evening" does not).
        asked_words = {stem(w) for w in words(question)}
        texts = [t for f in named or facts for t in (f.content, f.patient_says)]
        symptoms = [f for f in named or facts if f.category in _SYMPTOMS]
        self._sites = {
            w for f in symptoms for t in (f.content, f.patient_says) for w in site_words(t)
            if w not in asked_words and w not in _GRADE_STEMS
            and not set(terms(w)) & (SYMPTOM_TERMS | asked)
        }  # fmt: skip
        # A yes/no question about the thing itself ("is he vomiting?", "any fever?") is answered
        # by a reply that says every term it asks which the facts say ("since yesterday he
        # vomits"); one that asks for an object ("are you coughing anything up?") is not.
        self._echo: set[str] = set()
        if self.kind == "yes/no" and not _OBJECT_ASKED.search(q):
            self._echo = asked & set(terms(" ".join(texts)))
        self._grades = {stem(w) for t in texts for w in words(t)} & _GRADE_STEMS
        self._grades |= {
            f"#{_value(m):g}" for t in texts for m in _GRADED.findall(t.lower())
            if _value(m) is not None
        }  # fmt: skip
        # The yes or no the facts give to each thing asked about ("No" to "do you smoke?" from
        # a smoker flips the fact). A question may ask about several ("any trouble swallowing
        # or breathing?"): a bare yes or no is shown only if the facts give every one of them
        # the same answer; one they do not mention, or facts that disagree, give neither.
        self.particles: set[str] = set()
        if not self.inverted:
            alternatives = [set(terms(p)) for p in _ALTERNATIVES.split(question)]
            alternatives = [a for a in alternatives if a]
            several = len(alternatives) > 1
            answers = [self._polarity(a, facts, several) for a in alternatives or [asked]]
            if answers and answers[0] is not None and all(a == answers[0] for a in answers):
                self.particles = set(answers[0])

    def _polarity(
        self, asked: set[str], facts: tuple[Fact, ...], mentioned: bool
    ) -> frozenset[str] | None:
        """The yes or no the facts give about ``asked``, or None if none or both.

        A denial ("No known allergies") says no; a fact whose clauses on the topic carry no
        negation says yes; anything mixed ("bleeding ... has not stopped") gives neither. With
        ``mentioned``, a fact counts only if it names what was asked (one of several things asked
        about; a denial of swallowing trouble says nothing about breathing)."""
        votes: list[set[str]] = []
        for fact in facts:
            texts = (fact.content, fact.patient_says)
            clauses = [c for t in texts for c in _TOPIC_SPLIT.split(t) if c.strip()]
            overlap = [len(asked & set(self._terms(c))) for c in clauses]
            best = max(overlap, default=0)
            first = words(fact.content)[:1]
            if first and first[0] in NEGATIONS and (best or not mentioned):
                votes.append(set(NO_WORDS))
            elif best:
                topic = [c for c, n in zip(clauses, overlap, strict=True) if n == best]
                said = [bool(NEGATIONS & set(words(c))) for c in topic]
                votes.append(({"negative"} if any(said) else set())
                             | (set(YES_WORDS) if not all(said) else set()))  # fmt: skip
                # "Drank eagerly yesterday; today drinks only a little": the clause that says
                # most of what was asked is then, another on it is now - a bare yes answers the
                # past ("is he drinking eagerly?" -> "Yes."), so the fact gives neither
                now = [c for c, n in zip(clauses, overlap, strict=True)
                       if n and c not in topic and _NOW_WORDS & set(words(c))]  # fmt: skip
                if now and all(_THEN_WORDS & set(words(c)) for c in topic):
                    votes[-1] = {"negative", *YES_WORDS}
        if not votes or any(v != votes[0] for v in votes):
            return None  # not said, or said both ways
        return frozenset(votes[0]) if votes[0] in (set(NO_WORDS), set(YES_WORDS)) else None

    def _clauses(self, text: str) -> list[str]:
        """A text's clauses; one that says only an amount or a time belongs to the clause before
        it ("vomiting since yesterday, five or six times")."""
        out: list[str] = []
        for clause in (c for c in _TOPIC_SPLIT.split(text) if c and c.strip()):
            tokens = words(clause)
            said = {t for t in self._content(clause, hollow=True) if not t.startswith("#")}
            said -= {"time"}
            if out and not said and any(_value(w) is None for w in tokens):
                out[-1] = f"{out[-1]} {clause}"
            else:
                out.append(clause)
        return out

    def _content(self, text: str, *, hollow: bool = False) -> set[str]:
        """Terms of a text that are not times; numbers as ``#value`` unless they count time;
        not those only the speaker's contractions and the verbs of feeling and knowing give
        ("i'm", "feel": "I feel it." says nothing of a fever), unless ``hollow``."""
        tokens = words(text)
        durations = {v for v, _ in time_amounts(tokens) if not isinstance(v, str)}
        given = {t for w in tokens if w in _HOLLOW for t in self._terms(w)}
        others = {t for w in tokens if w not in _HOLLOW for t in self._terms(w)}
        plain = set() if hollow else given - others
        out = set()
        numeric = " ".join(
            str(int(_value(w))) if _value(w) is not None and _value(w) % 1 == 0 else w
            for w in tokens
        )
        for term in self._terms(numeric):
            value = _value(term)
            if value is not None:
                if value not in durations:
                    out.add(f"#{value:g}")
            elif (
                term not in self._time_forms
                and stem(term) not in TIME_WORDS
                and term not in _PARTICLES
                and term not in plain
            ):
                out.add(term)
        return out

    def _time_terms(self, text: str) -> set[str]:
        tokens = words(text)
        out = {f"#{v:g}" for v in (_value(w) for w in tokens) if v is not None}
        return out | {w.removesuffix("s") for w in tokens if w in TIME_WORDS} - {"since", "last"}

    def _names_site(self, reply: str) -> bool:
        """Whether the reply names one of the facts' sites as a place ("in my chest", "my back",
        "the right side"), not as a passing word ("right")."""
        for tokens in _clauses(reply):
            for _start, phrase, kind in _phrases(tokens):
                hit = [w for w in phrase if stem(w) in self._sites]
                if hit and (kind or any(w not in EVERYDAY for w in hit)):
                    return True
        return False

    def missing(self, reply: str) -> str:
        """Why the reply does not answer yet, or "" when it does."""
        if self.kind == "time":
            return "" if self._time_terms(reply) & self._times else "no time for a 'when' question"
        if self.kind == "site":
            return "" if self._names_site(reply) else "no site for a 'where' question"
        said = self._content(reply)
        if self.kind == "severity":
            graded = {f"#{v:g}" for v in map(_value, _GRADED.findall(reply.lower())) if v}
            if (graded | {stem(w) for w in words(reply)}) & self._grades:
                return ""
            return "no grade for a 'how bad' question"
        often = {w.removesuffix("s") for w in words(reply)} & self._often
        if self.kind == "amount":
            if any(t.startswith("#") for t in said & self._answers) or often:
                return ""
            return "no amount for a 'how much' question"
        if said & self._answers:
            return ""
        if self._echo and self._echo <= set(self._terms(reply)):
            return ""  # said with its own yes or no ("no appetite"), which the guard checks
        if self.kind == "yes/no" and not self.inverted and (often or self._yes_or_no(reply)):
            return ""
        return "does not say what was asked"

    def _own_terms(self, clause: str, asked: set[str]) -> set[str]:
        """The terms of a topic clause's items (split at "or"/"and"/commas) that share a term
        with the question, or of all its items where none does: "no cough or chest pain" says
        "cough" to "any cough?", not the chest pain."""
        items = [i for i in _ALTERNATIVES.split(clause) if i and i.strip()]
        own = [i for i in items if asked & set(self._terms(i))] or items
        return set().union(*(self._content(i) for i in own))

    def _yes_or_no(self, reply: str) -> bool:
        """Whether a yes, a no or a denial in the reply answers the question: a yes or no alone
        in its clause ("No.", "Yes, ..."), or a yes, no or negation with the fact's words for
        what was asked ("No burning" to "any dysuria?", "My legs are not swollen"); not one
        that denies something else ("No chest pain." to "any cough?", "No pain, no swelling of
        the testes." to "any dysuria or haematuria?")."""
        for clause in _clauses(reply):
            said = self._content(" ".join(clause))
            if (YES_WORDS | NO_WORDS) & set(clause) and not said:
                return True
            if (YES_WORDS | NO_WORDS | NEGATIONS) & set(clause) and said & self._topic_terms:
                return True
        return False


_GRADE_STEMS = frozenset(stem(w) for w in GRADES)
# Words that say nothing of a fact by themselves though disclosure keeps them as terms: the
# speaker's own contractions and the verbs of feeling, seeming and knowing ("I feel it.", "I'm
# like this."). Quantity words ("much", "less", "a little") are claims, not hollow.
_HOLLOW = frozenset(
    """i'm i'd i'll i've myself feel feels feeling felt seem seems seemed think thought know
    knew""".split()
)
_SYMPTOMS = frozenset(
    {"presenting_complaint", "history_of_presenting_illness", "review_of_systems"}
)
_OBJECT_ASKED = re.compile(r"\b(anything|something|what)\b")
_GRADED = re.compile(r"\b(\w+)\s*(?:out of|/)\s*(?:ten|10)\b")
_OFTEN = frozenset(w.removesuffix("s") for w in FREQUENCY)


@functools.cache
def _time_forms() -> frozenset[str]:
    """The time words as disclosure's terms spell them ("since" -> "sinc")."""
    from simdesk.core.sim.disclosure import terms

    return frozenset(TIME_WORDS) | frozenset(t for w in TIME_WORDS for t in terms(w))


# Constrained decoding, chosen by measurement (benchmarks/case_quality.py --decoding): "none";
# "bias": the tokens of the facts' words get BIAS added to their logits; "only": the reply may use
# only the facts' words, everyday words, punctuation and digits.
DECODING = "none"
BIAS = 2.0


def decoding_options(mode: str, guard: ReplyGuard) -> dict:
    """The model request's decoding options for a turn guarded by ``guard``."""
    if mode == "bias":
        return {"bias_words": guard.vocabulary, "bias": BIAS}
    if mode == "only":
        return {"only_words": guard.vocabulary + tuple(sorted(EVERYDAY))}
    if mode == "only+bias":
        return {"only_words": guard.vocabulary + tuple(sorted(EVERYDAY)),
                "bias_words": guard.vocabulary, "bias": BIAS}  # fmt: skip
    return {}


def clean_reply(text: str) -> str:
    """Trim a generated reply to its first line and at most two sentences."""
    text = text.strip().split("\n", 1)[0].strip()
    text = _SPEAKER.sub("", text)
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return " ".join(sentences[:MAX_SENTENCES]).strip()


class GuardedStream:
    """Releases streamed model text a clause at a time, each only after the whole text released
    with it passes the guard; released text is never taken back.

    ``feed`` returns the text that may be appended to the screen now. A final failure stops the
    release: with nothing released the authored line is shown, otherwise the reply ends at the
    last released clause. ``done`` says no more text will be released (the front end may stop
    the model). ``finish`` gives the final reply, which always starts with ``released_text``.
    """

    def __init__(self, guard: ReplyGuard, authored: str) -> None:
        self.guard = guard
        self.authored = authored
        self._raw = ""
        self._released = ""
        self._end = False  # the first line or the sentence limit was reached
        self.failed: GuardVerdict | None = None if guard.facts else GuardVerdict(False, "no fact")

    @property
    def done(self) -> bool:
        return self.failed is not None or self._end

    @property
    def released_text(self) -> str:
        return self._released

    @property
    def raw_text(self) -> str:
        """Everything the model produced (for measurement; never shown)."""
        return self._raw

    def _body(self) -> str:
        """The reply so far: the first line, without a speaker label, up to two sentences."""
        text = self._raw.lstrip()
        if "\n" in text:
            text, self._end = text.split("\n", 1)[0], True
        text = _SPEAKER.sub("", text, count=1)
        ends = [m.end() for m in _SENTENCE_END.finditer(text)]
        if len(ends) >= MAX_SENTENCES and (ends[MAX_SENTENCES - 1] < len(text) or self._end):
            text, self._end = text[: ends[MAX_SENTENCES - 1]], True
        return text

    def feed(self, token: str) -> str:
        if self.done:
            return ""
        self._raw += token
        body = self._body()
        # Candidate release points: the end of each complete clause after what is released,
        # the punctuation itself held back until the next clause (or the end) shows it.
        cuts = [m.start() for m in _CLAUSE_END.finditer(body) if m.start() > len(self._released)]
        if self._end and body.rstrip():
            cuts.append(len(body.rstrip()))
        out = self._release(body, cuts)
        if not self.done:  # a complete word the facts cannot support ends the release now
            pending = body[len(self._released) :]
            complete = pending if self._end else pending[: pending.rfind(" ") + 1]
            for word in words(complete):
                verdict = self.guard.check_word(word)
                if not verdict.ok:
                    self.failed = verdict
                    break
            looped = repeats(words(body[: len(self._released) + len(complete)]))
            if not self.done and looped:  # a loop never ends: stop the model now
                self.failed = GuardVerdict(False, f"the reply repeats '{' '.join(looped)}'")
        return out

    def _release(self, body: str, cuts: list[int]) -> str:
        out = ""
        for cut in cuts:
            candidate = body[:cut]
            verdict = self.guard.check(candidate)
            if verdict.ok:
                out += candidate[len(self._released) :]
                self._released = candidate
            elif verdict.final:
                self.failed = verdict
                break
        return out

    def finish(self) -> tuple[str, bool, str]:
        """The final reply: ``(text_shown, model_text_used, reason)``."""
        self._end = True
        body = self._body().rstrip()
        verdict = self.failed
        if verdict is None and len(body) > len(self._released):
            verdict = self.guard.check(body)
            if verdict.ok:
                self._released, verdict = body, None
        if not self._released:
            return self.authored, False, (verdict or self.guard.check(body)).reason
        reply = self._released
        if verdict is None:
            return reply, True, "model text passed the guard"
        if not reply.endswith((".", "!", "?", "\u2026")):
            reply += "."
        return reply, True, f"stopped at the last checked clause: {verdict.reason}"
