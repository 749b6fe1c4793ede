"""Treatment orders as clinicians type them: what to do (the intent), to what (catalog entries),
now or only if something happens (a plan), and the dose, route, frequency and fluid regimen.

An order is read by a small grammar, not by a list of phrasings:

- **clauses**: "nifedipine 10 mg PO, repeat if BP still high" is an order and an addendum; a
  clause that names no treatment belongs to the one before it and never changes its intent;
- **intent** from the verb not used by the treatment's own name: give (the default), stop, hold,
  remove, reduce, continue, and avoid ("do not", "no" at the start); a leading word that is no
  known verb, drug word, dose, route or modifier is an unknown verb, and the order is not
  understood rather than guessed;
- **condition**: "if", "when", "PRN", "as needed" make the order a plan, recorded but not given;
- **items**: "hold her amlodipine and diuretic" is two items sharing the verb, unless one catalog
  name spans the parts ("ampicillin and gentamicin");
- **dose** (number and unit, per kg and per time), **route** and **frequency** where typed;
- **fluids**: a crystalloid named with its volume and rate is a bolus (at most an hour), a
  maintenance or replacement infusion (longer, or a rate per hour), or IMCI Plan C (two phases
  per kg, 100 ml/kg, or two phases in ml with Plan C's timings and 30:70 split); a crystalloid
  without volume or rate is not understood: the learner is asked how much and how fast. A
  crystalloid carrying another drug ("ASV in 500 ml NS") is a diluent.

Ties between catalog entries for the same drug (magnesium sulfate for asthma or eclampsia) go to
the entry the case uses; otherwise the learner is asked to choose.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from simdesk.core.cases.catalog import Catalog, TreatmentEntry
from simdesk.core.cases.units import MASS_MG, PER_MINUTES, UNITS, parse_unit
from simdesk.core.cases.wordtables import bundled_word_tables
from simdesk.core.errors import CaseError
from simdesk.core.sim.disclosure import terms
from simdesk.core.sim.matching import TREAT_WORDS, PhraseMatcher
from simdesk.core.text import NUMBER_WORDS, stem, words

INTENTS = ("give", "stop", "hold", "remove", "reduce", "continue", "avoid")
# Intents that put a treatment into the patient now (when not a plan).
GIVING = frozenset({"give", "continue"})

# The reader's words live in cases/catalog/order_words.yaml (checked when loaded).
_WORDS = bundled_word_tables("order_words")
# The verbs of an order -> their intent (compared by stem); two-word verbs are matched first.
VERBS = _WORDS.maps["verbs"]
PHRASAL_VERBS = _WORDS.maps["phrasal_verbs"]
for _verb, _intent in [*VERBS.items(), *PHRASAL_VERBS.items()]:
    if _intent not in INTENTS:
        raise CaseError(
            f"{_WORDS.path}: {_verb}: {_intent!r} is not an intent of an order",
            f"Use one of: {', '.join(INTENTS)}.", path=_WORDS.path,
        )  # fmt: skip
_VERB_OF = {stem(w): intent for w, intent in VERBS.items()}
_PHRASAL_RE = re.compile(r"\b(" + "|".join(map(re.escape, PHRASAL_VERBS)) + r")\b")
_NEGATION_RE = re.compile(
    r"^\s*(?:please\s+)?(?:no|not|don'?t|do\s+not|never|avoid|without|must\s+not|"
    r"nil(?!\s+(?:by\s+mouth|per\s+os|orally))|"  # "nil by mouth" is an order of its own
    r"should\s+not|shouldn'?t)\b"
)
# Words that may lead an order without being its verb.
MODIFIERS = _WORDS.sets["modifiers"]

# Catalog categories that take no dose, route or frequency.
UNDOSED = _WORDS.sets["undosed"]

# A condition or "as needed" makes the order a plan. Condition words run to the clause's end.
CONDITION_RE = re.compile(
    r"\b(?:if|when|whenever|unless|should\s+(?:he|she|they|it)|in\s+case(?:\s+of)?|prn|p\.r\.n\.?"
    r"|as\s+(?:needed|required|necessary)|when\s+required|sos|on\s+demand"
    # "once he can drink", "as soon as she is awake": a time the patient reaches, not a frequency
    r"|(?:once|as\s+soon\s+as)\s+(?:he|she|they|the\s+(?:child|baby|infant|patient))"
    r")\b.*$"
)
_LEADINGCONDITION_RE = re.compile(r"^\s*(?:if|when|should)\b[^,;]*?(?:,|\bthen\b)\s*")

NUMBER = r"(\d+(?:[.,]\d+)*)"
UNIT_WORDS = frozenset({"mg", "g", "ml", "kg"})
_UNIT_ALT = "|".join(sorted(map(re.escape, UNITS), key=len, reverse=True))
_PER_KG = r"(?:\s*(?:/|per\s+)\s*kg)?"
_PER_TIME = r"(?:\s*(?:/|per\s+|an?\s+)\s*(h|hr|hrs|hour|min|mins|minute|day|d))?"
DOSE_RE = re.compile(
    NUMBER + r"\s*(" + _UNIT_ALT + r")\b(" + _PER_KG + r")" + _PER_TIME + r"(?![a-z])"
)
DURATION_RE = re.compile(
    r"\b(?:over|in|during)\s+(?:the\s+(?:next|first)\s+)?" + NUMBER
    + r"\s*(h|hr|hrs|hours?|min|mins|minutes?)\b"
)  # fmt: skip
_TIME_UNITS = {"h": "h", "hr": "h", "hrs": "h", "hour": "h", "min": "min", "mins": "min",
               "minute": "min", "day": "day", "d": "day"}  # fmt: skip

ROUTES = _WORDS.maps["routes"]  # a route as written -> the route
_ROUTE_RE = re.compile(
    r"(?<![\w.])(" + "|".join(sorted(map(re.escape, ROUTES), key=len, reverse=True)) + r")(?![\w])"
)
FREQUENCIES = (
    (r"\b(?:stat|now|immediately|at once)\b", "stat"),
    (r"\b(?:od|o\.d\.|daily|once\s+(?:a\s+)?daily|once\s+a\s+day|nocte|mane|q24h|24\s*-?\s*hourly)\b",
     "q24h"),
    (r"\b(?:bd|b\.d\.|bid|twice\s+(?:a\s+)?(?:daily|day)|q12h|12\s*-?\s*hourly)\b", "q12h"),
    (r"\b(?:tds|t\.d\.s\.|tid|three\s+times\s+(?:a\s+)?(?:daily|day)|q8h|8\s*-?\s*hourly)\b",
     "q8h"),
    (r"\b(?:qds|q\.d\.s\.|qid|four\s+times\s+(?:a\s+)?(?:daily|day)|q6h|6\s*-?\s*hourly)\b",
     "q6h"),
)  # fmt: skip
_EVERY_RE = re.compile(r"\b(?:every\s+(\d+)\s*(?:h|hr|hrs|hours?)|q(\d+)h|(\d+)\s*-?\s*hourly)\b")
# "salbutamol 5 mg neb every 20 min x3" (GINA: every 20 minutes in the first hour)
_EVERY_MIN_RE = re.compile(r"\b(?:every\s+(\d+)\s*(?:min|mins|minutes?)|q(\d+)\s*min)\b")

# Fluid regimens, by the catalog's ``regimen`` field.
BOLUS_WORDS = re.compile(r"\b(?:bolus|boluses|push|challenge|resus\w*|rapid(?:ly)?|fast|stat)\b")
MAINTENANCE_WORDS = re.compile(r"\bmaintenance\b")
PLAN_C_RE = re.compile(r"\bplan[\s-]*c\b")
BOLUS_MAX_MINUTES = 60
BOLUS_MIN_RATE_ML_H = 500
PLAN_C_ML_PER_KG = 100
# IMCI Plan C's two phases, (first, second) in minutes: 30 ml/kg then 70 ml/kg, in 1 h then 5 h
# under 12 months and in 30 min then 2.5 h from 12 months (WHO IMCI chart booklet 2014).
PLAN_C_MINUTES = ((60, 300), (30, 150))
PLAN_C_FIRST_SHARE = 0.3

_SPLIT_RE = re.compile(r"\s*(?:,|;|\+|&|\band\b|\bplus\b|\b(?:along\s+)?with\b)\s*")
_CLAUSE_RE = re.compile(r"\s*(?:;|,|\.(?!\d)|\bthen\b)\s*")


# How a done order of these categories reads, instead of "given".
DONE_AS = {"disposition": "ordered", "nursing": "ordered", "procedure": "done",
           "communication": "done", "public-health": "arranged"}  # fmt: skip


@dataclass(frozen=True)
class Dose:
    """A dose as typed, in a canonical unit ("2 g", "0.1 unit/kg/h", "1000 ml")."""

    value: float
    unit: str

    def __str__(self) -> str:
        return f"{self.value:g} {self.unit}"

    def said(self) -> str:
        """As a person reads it: "4 tablets", "2 puffs", "1 tablet" ("4 tablet" is how the
        dose is kept, for the scorer to read back)."""
        plural = self.value != 1 and self.unit in COUNTED_UNITS
        return f"{self.value:g} {self.unit}{'s' if plural else ''}"


# Units that count things: said in the plural for more than one.
COUNTED_UNITS = frozenset({"tablet", "puff", "vial", "ampoule", "unit"})


@dataclass(frozen=True)
class OrderItem:
    """One thing an order asks for."""

    code: str
    name: str
    intent: str = "give"
    planned: bool = False  # a conditional or as-needed order: recorded, not given
    condition: str | None = None
    dose: Dose | None = None
    route: str | None = None
    frequency: str | None = None
    regimen: str | None = None  # fluids: bolus, maintenance, plan_c
    words: str = ""  # the learner's words this item was read from
    over: str | None = None  # fluids: how long the volume runs, as typed ("over 2 h")
    category: str = ""  # the catalog's: says how a done order reads ("Refer ...: ordered")

    @property
    def given(self) -> bool:
        """Does this item put the treatment into the patient now?"""
        return self.intent in GIVING and not self.planned

    def describe(self) -> str:
        """How the engine reports it: "Ceftriaxone IV/IM 2 g iv q24h: given"."""
        dose = self.dose.said() if self.dose is not None else None
        details = " ".join(
            str(x) for x in (dose, self.route, self.over, self.frequency) if x is not None
        )
        head = f"{self.name} ({details})" if details else self.name
        if self.planned:
            given = f"to be {DONE_AS.get(self.category, 'given')}"
            verb = {"give": given, "continue": "to be continued"}.get(
                self.intent, f"to {self.intent}"
            )
            return f"{head}: planned, {verb}{f' ({self.condition})' if self.condition else ''}"
        done = {
            "give": "given",
            "stop": "stopped",
            "hold": "held",
            "remove": "removed",
            "reduce": "reduced",
            "continue": "continued",
            "avoid": "not to be given",
        }
        if self.intent == "give":  # a referral or an instruction is not "given"
            return f"{head}: {DONE_AS.get(self.category, 'given')}"
        return f"{head}: {done[self.intent]}"


@dataclass(frozen=True)
class ParsedOrder:
    """An order read into items, or the reason it was not understood and what to try."""

    text: str
    items: tuple[OrderItem, ...] = ()
    problem: str | None = None
    suggestions: tuple[str, ...] = field(default=())

    @property
    def understood(self) -> bool:
        return bool(self.items)

    def message(self) -> str:
        if self.items:
            return "; ".join(i.describe() for i in self.items) + "."
        tail = f" Did you mean: {', '.join(self.suggestions)}?" if self.suggestions else ""
        return f"{self.problem}{tail}"


class OrderReader:
    """Reads orders against the treatment catalog (and the case's own codes, for ties)."""

    def __init__(self, catalog: Catalog, prefer: frozenset[str] | set[str] = frozenset()) -> None:
        self.catalog = catalog
        self.prefer = frozenset(prefer)
        treatments = catalog.treatments.treatments
        named = [(t.code, [t.code, t.name, *t.synonyms, *t.shared_names]) for t in treatments]
        # doses are taken out before matching, so a unit left is a name ("Mg sulphate")
        self._matcher = PhraseMatcher(named, TREAT_WORDS - UNIT_WORDS)
        self._bags: dict[str, list[frozenset[str]]] = {}
        for code, bag in self._matcher._phrases:
            self._bags.setdefault(code, []).append(bag)
        crystalloids = [("crystalloid", list(catalog.treatments.crystalloids))]
        self._fluids = PhraseMatcher(crystalloids, TREAT_WORDS)
        self._regimen_code = {t.regimen: t.code for t in treatments if t.regimen}
        self.vocabulary = frozenset(self._matcher._idf) | frozenset(
            t for p in catalog.treatments.crystalloids for t in terms(p)
        )

    # -- the whole order --------------------------------------------------------------------

    def read(self, text: str) -> ParsedOrder:
        raw = " ".join(text.split())
        low = _tidy(raw)
        if not low:
            return ParsedOrder(raw, problem="The order is empty.", suggestions=())
        clauses = [part for c in _clauses(low) if c for part in self._end_condition(c)]
        items: list[OrderItem] = []
        problem: tuple[str, tuple[str, ...] | None] | None = None
        for clause in clauses:
            read, why = self._clause(clause, low)
            if read:
                items += read
            elif why and not items and problem is None:
                problem = why
            # a clause naming no treatment is an addendum of the order before it
        if items:
            return ParsedOrder(raw, tuple(items))
        message, suggestions = problem or (f"'{raw}' is not a treatment this site knows.", None)
        return ParsedOrder(
            raw, problem=message,
            suggestions=self.suggest(low) if suggestions is None else suggestions,
        )  # fmt: skip

    def _end_condition(self, clause: str) -> list[str]:
        """A condition runs to its clause's end, but not over a comma into another treatment:
        "ORS 5 ml/kg/h once he can drink, zinc 20 mg od x10 days" is two orders, the second
        unconditional (the zinc was read as part of when to give the ORS)."""
        lead = _LEADINGCONDITION_RE.match(clause)
        start = lead.end() if lead else 0
        found = CONDITION_RE.search(clause, start)
        if not found:
            return [clause]
        at = found.start()
        for comma in (m.start() for m in re.finditer(",", clause[at:])):
            rest = clause[at + comma + 1 :].strip()
            if rest and self._leads_with_treatment(rest.split(",")[0]):
                return [clause[: at + comma].strip(), *self._end_condition(rest)]
        return [clause]

    def _leads_with_treatment(self, segment: str) -> bool:
        """Whether a segment starts with the name of a treatment ("zinc 20 mg od"), not only
        mentions one ("diabetes team review before discharge")."""
        first = next((t for w in words(segment) if w not in MODIFIERS for t in terms(w)), None)
        return first is not None and any(first in bag for _, bag, _ in self._items(segment))

    def _clause(self, clause: str, whole: str):
        """A clause's items, or ``[]`` and ``(problem, suggestions or None)`` (None: the
        catalog's nearest names)."""
        intent, body = "give", clause
        if _NEGATION_RE.match(body):
            intent, body = "avoid", _NEGATION_RE.sub(" ", body, count=1)
        condition = None
        lead = _LEADINGCONDITION_RE.match(body)
        if lead:
            condition = lead.group(0).strip(" ,").removesuffix("then").strip()
            body = body[lead.end() :]
        found = CONDITION_RE.search(body)
        if found:
            condition = found.group(0).strip()
            body = body[: found.start()]
        parts = self._items(body)
        if not parts:
            unknown = self._unknown_verb(body)
            return [], (unknown, None) if unknown else None
        verb = self._verb(body, [bag for _, bag, _ in parts])
        if verb is None:
            unknown = self._unknown_verb(body, [bag for _, bag, _ in parts])
            if unknown:
                return [], (unknown, None)
        if intent != "avoid" and verb and parts[0][0].category != "communication":
            intent = verb  # what is explained is a topic, not an order
        expanded = []
        for entry, bag, segment in parts:
            if isinstance(entry, Ambiguous):
                if intent in GIVING:  # which one to give must be said; all may be held
                    names = tuple(e.name for e in entry.entries)
                    return [], (f"'{segment.strip()}' could be more than one treatment.", names)
                expanded += [(e, bag, segment) for e in entry.entries]
            else:
                expanded.append((entry, bag, segment))
        parts = expanded
        route = _route(body)
        items = []
        for entry, _bag, segment in parts:
            regimen = None
            dose = _dose(segment)
            if entry.regimen or entry.code == "crystalloid":
                regimen = entry.regimen if entry.code != "crystalloid" else None
                regimen = _fluid_regimen(whole, regimen, intent)
                if regimen is None:
                    return [], (
                        f"'{clause}': how much and how fast? For example 'Ringer's lactate 500 ml "
                        "over 15 minutes' (a bolus), '0.9% saline 1 litre over 8 hours' or "
                        "'80 ml/hour' (maintenance), or 'Plan C'.", (),
                    )  # fmt: skip
                entry = self.catalog.treatment(self._regimen_code[regimen]) or entry
                phases = _phases(whole)
                if len(phases) > 1 and all(kg for _v, kg, _m in phases):  # Plan C: the total
                    dose = Dose(sum(v for v, _kg, _m in phases), "ml/kg")
                elif regimen == "plan_c" and _plan_c_shape(phases):  # written out in ml
                    dose = Dose(sum(v for v, _kg, _m in phases), "ml")
            dosed = entry.category not in UNDOSED
            # advice is given now even when it says "if" ("come back if the fever returns")
            planned = condition is not None and entry.category != "communication"
            where = "iv" if regimen else (_route(segment) or route)
            items.append(OrderItem(
                entry.code, entry.name, intent, planned, condition if planned else None,
                dose if dosed else None, where if dosed else None,
                (_frequency(segment) or _frequency(body)) if dosed else None,
                regimen, segment.strip(),
                _over(segment) if regimen and dose and len(_phases(whole)) <= 1 else None,
                entry.category,
            ))  # fmt: skip
        return items, None

    # -- which treatments -------------------------------------------------------------------

    def _items(self, body: str) -> list[tuple[TreatmentEntry, frozenset[str], str]]:
        """The catalog entries a clause names, each with its matched terms and words: what
        comes after "explain" is its topic, and where the patient goes ("send home on
        amoxicillin") is an item of its own."""
        found = self._named(body)
        lead = next((t for w in words(body) if w not in MODIFIERS for t in terms(w)), None)
        talk = [f for f in found if f[0].category == "communication" and lead in f[1]]
        if talk:  # "explain surgery versus antibiotics": the rest is what is explained
            return talk[:1]
        if found and all(f[0].category != "disposition" for f in found):
            used = frozenset().union(*(f[1] for f in found))
            rest = " ".join(t for t in self._matcher.query(_without_doses(body)) if t not in used)
            where = self._entry(rest) if rest else None
            if where and getattr(where[0], "category", None) == "disposition":
                found.append((*where, body))
        purpose = re.search(r"\b(?:for|to\s+get|to\s+have)\b([^,;]*)", body)
        if purpose and any(f[0].category == "disposition" for f in found):
            # "refer for blood transfusion": the purpose of a referral is not given here
            after = set(self._matcher.query(purpose.group(1)))
            found = [f for f in found if f[0].category == "disposition" or not f[1] <= after]
        return found

    def _named(self, body: str) -> list[tuple[TreatmentEntry, frozenset[str], str]]:
        plain = _without_doses(body)
        whole = self._entry(plain)
        segments = [p for s in _SPLIT_RE.split(body) if s.strip() for p in self._vehicle(s)]
        if len(segments) > 1:
            found = []
            for segment in segments:
                for hit in _separate(self._entry(_without_doses(segment)), segment):
                    if all(hit[0].code != f[0].code for f in found):
                        found.append(hit)
            spans = (
                whole is not None
                and not isinstance(whole[0], Ambiguous)
                and not any(whole[1] <= self._matcher.query(s) for s in segments)
            )
            if (len(found) > 1 and not spans) or (whole is None and found):
                return self._drop_diluents(found)
        if whole is None:
            return []
        return self._drop_diluents(_separate(whole, body))

    def _vehicle(self, segment: str) -> list[str]:
        """A medicine added to a fluid that runs as a regimen of its own ("KCl 20 mmol in 1 L
        0.9% saline over 2 hours") is two items; a diluent's volume ("ceftriaxone 2 g in 100 ml
        saline") is not."""
        head, found, fluid = segment.partition(" in ")
        if found and self._fluids.query(fluid) and _infusion(fluid):
            named = [bag for _key, bag in self._fluids._phrases if bag <= self._fluids.query(fluid)]
            if named:
                return [head, fluid]
        return [segment]

    def _drop_diluents(self, found):
        """A crystalloid named with a medicine is its diluent ("ceftriaxone in 100 ml saline");
        named with its own volume or rate beside an instruction or a procedure ("nil by mouth,
        Hartmann's at 125 ml/h") it is given."""
        drugs = [f for f in found if f[0].code != "crystalloid"]
        fluids = [f for f in found if f[0].code == "crystalloid"]
        if all(f[0].category in UNDOSED for f in drugs) and all(
            DOSE_RE.search(f[2]) or PLAN_C_RE.search(f[2]) for f in fluids
        ):
            return found
        if fluids and all(_infusion(f[2]) for f in fluids):
            return found  # "1 L over 2 hours with 40 mmol KCl": a regimen with an additive
        return drugs if drugs and len(drugs) < len(found) else found

    def _entry(self, text: str) -> tuple[TreatmentEntry, frozenset[str]] | None:
        """The catalog entry a text names and the terms of its name; a crystalloid named
        without a regimen is the placeholder ``crystalloid`` (its regimen is read later).
        Entries tied for the text and not settled by the case are an :class:`Ambiguous`."""
        ranked = self._matcher.ranked(text)
        if ranked:
            tied = [k for w, k in ranked if w == ranked[0][0]]
            if len(tied) > 1:
                preferred = [k for k in tied if k in self.prefer]
                tied = preferred or tied
            query = self._matcher.query(text)
            bags = [max((b for b in self._bags[k] if b and b <= query), key=len) for k in tied]
            if len(tied) > 1:
                entries = tuple(self.catalog.treatment(k) for k in tied)
                return Ambiguous(entries, tuple(bags)), frozenset().union(*bags)
            return self.catalog.treatment(tied[0]), bags[0]
        query = self._fluids.query(text)
        named = [bag for _key, bag in self._fluids._phrases if bag <= query]
        if named:
            return _CRYSTALLOID, max(named, key=len)
        return None

    # -- verbs ------------------------------------------------------------------------------

    def _verb(self, body: str, bags: list[frozenset[str]]) -> str | None:
        """The intent of the first verb that is not part of a treatment's own name."""
        used = set().union(*bags) if bags else set()
        # a multi-word verb wins over its first word at the same place ("take off" vs "take")
        found = [(m.start(), 0, PHRASAL_VERBS[m.group(1)]) for m in _PHRASAL_RE.finditer(body)]
        for m in re.finditer(r"[a-z']+", body):
            intent = _VERB_OF.get(stem(m.group(0)))
            if intent and not (set(terms(m.group(0))) & used):
                found.append((m.start(), 1, intent))
        return min(found)[2] if found else None

    def _unknown_verb(self, body: str, bags: list[frozenset[str]] | None = None) -> str | None:
        """Why an order's first word cannot be read, if it is a word no order begins with."""
        tokens = [w for w in words(body) if w not in MODIFIERS]
        if not tokens:
            return None
        first = tokens[0]
        used = set().union(*bags) if bags else set()
        known = (
            first[0].isdigit() or first in NUMBER_WORDS or stem(first) in _VERB_OF
            or first in ROUTES or set(terms(first)) & (used | self.vocabulary) or not terms(first)
            or any(t[:6] == first[:6] for t in used if len(t) >= 6)  # "thrombolyse"
        )  # fmt: skip
        if known:
            return None
        return (
            f"'{first}' is not an order this simulator understands. Start with what to do: "
            "give, stop, hold, remove, reduce or continue, then the treatment."
        )

    def suggest(self, text: str, n: int = 3) -> tuple[str, ...]:
        """Catalog names sharing the most telling words with the text."""
        query = self._matcher.query(text)
        scored = []
        for code, bags in self._bags.items():
            best = max((sum(self._matcher._idf.get(t, 0) for t in b & query) for b in bags),
                       default=0.0)  # fmt: skip
            if best > 0:
                scored.append((best, code))
        scored.sort(key=lambda s: (-s[0], s[1]))
        return tuple(self.catalog.treatment(c).name for _, c in scored[:n])


def _separate(hit, text: str) -> list:
    """A match as items: entries tied on different words are different things ("discharge home
    on his insulin"); tied on the same words they stay one ambiguous item."""
    if hit is None:
        return []
    entry, bag = hit
    if isinstance(entry, Ambiguous) and _disjoint(entry.bags):
        return [(e, b, text) for e, b in zip(entry.entries, entry.bags, strict=True)]
    return [(entry, bag, text)]


def _disjoint(bags) -> bool:
    return sum(len(b) for b in bags) == len(frozenset().union(*bags))


@dataclass(frozen=True)
class Ambiguous:
    """Several entries an order's words name equally well (e.g. "antihypertensives")."""

    entries: tuple[TreatmentEntry, ...]
    bags: tuple[frozenset[str], ...] = ()
    code = "ambiguous"
    category = "ambiguous"
    regimen = None


_CRYSTALLOID = TreatmentEntry(code="crystalloid", name="IV crystalloid", category="fluids")


def _tidy(text: str) -> str:
    """An order as the grammar reads it: lower case, typographic apostrophes and ≥ ≤ in ASCII,
    no thousands separators, single spaces; punctuation stays (it separates clauses and doses)."""
    text = text.lower().replace("\u2019", "'").replace("≥", ">=").replace("≤", "<=")
    text = re.sub(r"(\d),(\d{3})\b", r"\1\2", text)  # 50,000 -> 50000
    return " ".join(text.split())


def _clauses(text: str) -> list[str]:
    """Clauses of an order; a leading condition stays with the order it governs."""
    lead = _LEADINGCONDITION_RE.match(text)
    head = ""
    if lead:
        head, text = lead.group(0), text[lead.end() :]
    parts = _CLAUSE_RE.split(text)
    # a comma inside a list of drugs ("ceftriaxone, metronidazole") does not end the clause
    merged: list[str] = []
    for part in parts:
        if merged and part and not _starts_new(part):
            merged[-1] = f"{merged[-1]}, {part}"
        else:
            merged.append(part)
    if head and merged:
        merged[0] = head + merged[0]
    return merged


_ADDENDUM_RE = re.compile(
    r"^(?:repeat|and\s+repeat|titrate|hold|stop|review|reassess|recheck|check|then|aim|target|"
    r"until|if|when|max|maximum|up\s+to|over|for|x\s*\d|\d+\s*(?:ml|mg|g)\b)"
)


def _starts_new(part: str) -> bool:
    """Does a clause after a comma begin something of its own (an addendum or a new order)?"""
    return (
        bool(_ADDENDUM_RE.match(part))
        or bool(_NEGATION_RE.match(part))
        or bool(
            re.match(
                r"^(?:give|start|add|stop|hold|withhold|omit|remove|continue|reduce|admit|"
                r"refer|transfer|keep|apply|"
                # what is said to the patient or carer is an order of its own ("admit,
                # reassess every 30 min, counsel grandmother on ORS")
                r"counsel|educate|explain|advise|teach|instruct|reassure|inform|tell|discuss)\b",
                part,
            )
        )
    )


def _without_doses(text: str) -> str:
    text = DOSE_RE.sub(" ", text)
    text = DURATION_RE.sub(" ", text)
    return re.sub(r"(?<![\w%.])\d+(?:\.\d+)?(?![\w%.])", " ", text)


def _dose(text: str) -> Dose | None:
    found = DOSE_RE.search(text)
    if not found:
        return None
    number, unit, per_kg, per_time = found.groups()
    value = float(number.replace(",", ""))
    unit = UNITS[unit]
    if unit == "l" and not per_time:
        value, unit = value * 1000, "ml"
    if per_kg:
        unit += "/kg"
    if per_time:
        unit += "/" + _TIME_UNITS[per_time]
    return Dose(value, unit)


def _route(text: str) -> str | None:
    found = _ROUTE_RE.search(re.sub(r"\b(?:nil|nothing)\s+by\s+mouth\b|\bnbm\b", " ", text))
    return ROUTES[found.group(1)] if found else None


def _frequency(text: str) -> str | None:
    every = _EVERY_RE.search(text)
    if every:
        return f"q{next(g for g in every.groups() if g)}h"
    every = _EVERY_MIN_RE.search(text)
    if every:
        return f"q{next(g for g in every.groups() if g)}min"
    for pattern, name in FREQUENCIES:
        if re.search(pattern, text):
            return name
    return None


def _phases(text: str) -> list[tuple[float, bool, float | None]]:
    """Fluid phases typed: ``(volume ml, per kg, minutes or None)`` for each volume; a phase's
    duration is the first one between its volume and the next."""
    found = [
        (m, d) for m in DOSE_RE.finditer(text)
        if (d := _dose(m.group(0))) and d.unit in ("ml", "ml/kg")
    ]  # fmt: skip
    phases = []
    for n, (match, dose) in enumerate(found):
        end = found[n + 1][0].start() if n + 1 < len(found) else len(text)
        duration = DURATION_RE.search(text, match.end(), end)
        minutes = None
        if duration:
            amount = float(duration.group(1).replace(",", ""))
            minutes = amount * (60 if duration.group(2).startswith("h") else 1)
        phases.append((dose.value, dose.unit == "ml/kg", minutes))
    return phases


def _plan_c_shape(phases: list[tuple[float, bool, float | None]]) -> bool:
    """Two phases in ml with Plan C's timings and its 30:70 split ("250 ml over 30 min then
    580 ml over 2.5 h" for 8.3 kg): Plan C written out for the child's weight."""
    if len(phases) != 2 or any(kg or minutes is None for _v, kg, minutes in phases):
        return False
    (first, _, m1), (second, _, m2) = phases
    share = first / (first + second)
    timed = any(
        abs(m1 - want1) <= 0.1 * want1 and abs(m2 - want2) <= 0.1 * want2
        for want1, want2 in PLAN_C_MINUTES
    )
    return timed and abs(share - PLAN_C_FIRST_SHARE) <= 0.05


def _infusion(text: str) -> bool:
    """Does a crystalloid's text give it a regimen of its own (a rate, Plan C, or at least
    500 ml), not a diluent's volume ("in 100 ml saline")?"""
    if PLAN_C_RE.search(text) or _rate_ml_h(text) is not None:
        return True
    return any(v >= 500 or kg for v, kg, _m in _phases(text))


def _over(text: str) -> str | None:
    """How long a fluid volume runs, as typed: "over 2 h", "over 15 min"."""
    found = DURATION_RE.search(text)
    if found is None:
        return None
    unit = "h" if found.group(2).startswith("h") else "min"
    return f"over {found.group(1)} {unit}"


def _rate_ml_h(text: str) -> float | None:
    for found in DOSE_RE.finditer(text):
        dose = _dose(found.group(0))
        if dose and dose.unit in ("ml/h", "ml/min"):
            return dose.value * (60 if dose.unit == "ml/min" else 1)
    return None


def _fluid_regimen(text: str, named: str | None, intent: str) -> str | None:
    """Bolus, maintenance or Plan C from the regimen's words and numbers; None if not said."""
    if PLAN_C_RE.search(text):
        return "plan_c"
    phases = _phases(text)
    per_kg = [v for v, kg, _m in phases if kg]
    if len(per_kg) >= 2 and abs(sum(per_kg) - PLAN_C_ML_PER_KG) <= 10:
        return "plan_c"
    if per_kg and abs(sum(per_kg) - PLAN_C_ML_PER_KG) <= 10 and len(phases) == 1:
        return "plan_c"
    if _plan_c_shape(phases):
        return "plan_c"
    if MAINTENANCE_WORDS.search(text):
        return "maintenance"
    rate = _rate_ml_h(text)
    if rate is not None:
        return "bolus" if rate >= BOLUS_MIN_RATE_ML_H else "maintenance"
    if phases:
        minutes = phases[0][2]
        if minutes is None or minutes <= BOLUS_MAX_MINUTES:
            return "bolus"
        return "maintenance"
    if BOLUS_WORDS.search(text):
        return "bolus"
    if named is not None:
        return named
    if intent != "give":
        return "maintenance"  # "stop the fluids": whatever runs
    return None


def convert(dose: Dose, unit: str, weight_kg: float | None) -> float | None:
    """The dose in another unit ("2 g" as mg/kg for 13 kg); None when they do not compare."""
    have, want = parse_unit(dose.unit), parse_unit(unit)
    if have is None or want is None:
        return None
    (base, per_kg, per_time), (to_base, to_kg, to_time) = have, want
    if (per_time is None) != (to_time is None):
        return None
    value = dose.value
    if base != to_base:
        if base not in MASS_MG or to_base not in MASS_MG:
            return None
        value *= MASS_MG[base] / MASS_MG[to_base]
    if per_kg != to_kg:
        if not weight_kg:
            return None
        value = value / weight_kg if to_kg else value * weight_kg
    if per_time and to_time:
        value *= PER_MINUTES[to_time] / PER_MINUTES[per_time]
    return value
