"""The patient now: "how do you feel now?", "is the pain better?", "how is your breathing?".

Such questions are answered from the simulated state, not from the history: the trend since the
topic was last asked (or since the start) of the vital signs that go with it and of the relief
the treatments give, and the treatments given meanwhile. A symptom's relief comes from what eases
it: an analgesic (catalog category) eases pain over its onset and for as long as a dose lasts,
and a case's response rule may say that its treatment eases a symptom (surgery ends the pain).
Pain is not a vital sign: a heart rate that settles into the normal band says little, the
morphine given says more. When nothing changed since the last question, the answer compares
with the start ("still better since the painkiller").

The answer is a fact made for this turn: its content (the Note the model voices, and what the
guard checks against) says better, the same or worse and after what; its line is the case's
authored ``state_lines`` for that topic and trend, or a default. :func:`contradiction` reads a
reply's own claims (better, worse, the same, each perhaps negated) against the trend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simdesk.core.cases.catalog import Catalog
from simdesk.core.cases.schema import Fact, Patient, PhysiologyRule
from simdesk.core.cases.topics import question_topics
from simdesk.core.sim.bands import bands_for

# Words that put a question in the present ("now", "still", "any better").
_NOW = re.compile(
    r"\b(now|at the moment|right now|currently|still|any better|anymore|any more|these days|"
    r"since (the|you gave|i gave|we gave|that)|after the|improv\w*|better|worse|easier)\b"
    # the perfect of an ending asks whether it is over now ("has the bleeding stopped?", "have
    # the pains settled?", "has the swelling gone down?"); "did it stop?" is history
    r"|\b(has|have)\b.*\b((stopped|settled|subsided|resolved|cleared( up)?|eased( off)?|"
    r"died down|calmed down)(?! (you|him|her|them|me|us)\b)|"
    r"gone( away| down)?(?= (now|yet|completely|at all)$|$))"
)
# "What makes it better?", "is it worse when you lie down?": history, not the state now. So
# are a pattern in time or circumstance ("worse at night", "better after resting", "worse by
# the end of the day") and the habitual "does it get worse"; "better after the oxygen" (a
# treatment given) stays a question about now.
_HISTORY = re.compile(
    r"\b(makes?|made|making|anything|what|when|if|brings?|eases?|relieves?)\b.*"
    r"\b(better|worse|easier)\b|\b(better|worse|easier) (when|if|with|after you|on)\b|"
    r"\b(better|worse|easier) (at|in|during|by|before|towards?|around|through|"
    r"after (?!(the|that|you gave|i gave|we gave)\b))\b|"
    r"\b(do|does|did)\b.*\b(get|gets|become|becomes) (any )?(better|worse|easier)\b|"
    r"\bhow (long|far)\b|\bstill (have|get|take|smoke|drink|work|live)|\b(where|which|what kind)\b|"
    # When something began, or what came first ("did the vomiting start before or after the
    # pain?"), is history, whatever "after the" says.
    r"\b(start(s|ed)?|began|begin|first|onset)\b|\bbefore or after\b"
)
_HOW_NOW = re.compile(r"^(and |so |ok |okay )?(how (are|is|do|does)|how's)\b(?!.*\blong\b)")
TOPICS: dict[str, re.Pattern[str]] = {
    "breathing": re.compile(r"\b(breath\w*|wheez\w*|chest tight\w*|air)\b"),
    "pain": re.compile(
        r"\b(pain\w*|hurt\w*|(head|stomach|tummy|belly|back|ear|tooth)?aches?|aching|sore)\b"
    ),
    "fever": re.compile(r"\b(fever\w*|hot|temperature|chills?|shiver\w*)\b"),
    "dizziness": re.compile(r"\b(dizz\w*|faint\w*|light ?headed)\b"),
    "bleeding": re.compile(r"\b(bleed\w*|blood)\b"),
    # Signs a carer watches (WHO IMCI and the Pocket book reassess them after rehydration):
    # whether urine has come, and how awake the patient is.
    "urine": re.compile(
        r"\b(urin\w*|pee(d|ing|s)?|wee(d|ing|s)?|nappy|nappies|diapers?|wet|passed water)\b"
    ),
    "alertness": re.compile(
        r"\b(awake|wak(e|es|ing)|alert\w*|sleepy|drowsy|letharg\w*|conscious\w*|floppy|"
        r"playing|confused|muddled)\b"
    ),
    # the patient as an informant names them: "how is your child now?", "how is the baby now?"
    "general": re.compile(
        r"\b(feel\w*|you doing|how are you|how is (he|she)|does (he|she|{kid}) seem|"
        r"(he|she)'s doing|(how is|how's) {kid}(?= (doing|now|today|since|after)\b|$)|better|"
        r"worse)\b".format(
            kid=r"(your|the|my|this|our) (little )?(child|baby|son|daughter|boy|girl|kid|infant|"
            r"toddler|little one|grandson|granddaughter|grandchild|nephew|niece)"
        )
    ),  # fmt: skip
}
# The vitals that show how each topic is going.
TOPIC_VITALS = {
    "breathing": ("resp_rate", "spo2"),
    "pain": ("heart_rate",),
    "fever": ("temperature_c",),
    "dizziness": ("systolic_bp", "heart_rate"),
    "bleeding": ("heart_rate", "systolic_bp"),
    # urine comes back with the circulation; the patient wakes as perfusion and oxygen return
    "urine": ("heart_rate", "systolic_bp"),
    "alertness": ("heart_rate", "systolic_bp", "spo2"),
    "general": ("heart_rate", "systolic_bp", "resp_rate", "spo2", "temperature_c"),
}
TOPIC_WORDS = {"breathing": "breathing", "pain": "pain", "fever": "fever",
               "dizziness": "dizziness", "bleeding": "bleeding", "urine": "urine",
               "alertness": "alertness", "general": "feeling"}  # fmt: skip
# How a patient names what was given, by catalog category (procedures and advice go unnamed).
LAY_NAMES = {"fluids": "the drip", "analgesic": "the painkiller", "respiratory": "the medicine for "
             "breathing", "obstetric": "the injection", "haematology": "the blood"}  # fmt: skip
UNNAMED = {"procedure", "communication", "disposition", "public-health"}
# Signs that are the patient's now only where the case gives the problem (a fact says little or
# no urine, or a patient who is drowsy or confused): elsewhere their questions are history. The
# pattern finds the facts that say it; "No fever, cough, burning urine" says no such thing.
SIGNS = ("urine", "alertness")
SIGN_PROBLEM = {
    "urine": re.compile(
        r"\b(no|not|little|less|hardly|scant\w*|reduced|decreased|low)\b "
        r"((passed|passing|pass|made|making|any|much|a|the|only|very|dark|yet|been) ){0,3}"
        r"(urine|urinated|peed|wee|wet nappies|wet diapers)\b|"
        r"\b(nappy|nappies|diapers?)\b[^.;]{0,30}\bdry\b|\b(oligur\w*|anur\w*)"
    ),
    "alertness": re.compile(
        r"\b(sleepy|drowsy|letharg\w*|(hard|difficult) to (wake|rouse|keep awake)|"
        r"(does|will|did|has) not (wake|woken)|won't wake|not waking|unconscious|unrousable|"
        r"unresponsive|confused|confusion|muddled|obtunded|coma|comatose|floppy)\b"
    ),
}
# A sign said not to be there ("without confusion", "does not seem confused").
_SIGN_NEGATED = re.compile(r"\b(no|not|without|denies|denied|never)\b(\W+\w+){0,2}\W*$")
# The history of earlier illness is not the patient now ("admitted for 'sugar coma' at 17").
_SIGN_CATEGORIES = ("presenting_complaint", "history_of_presenting_illness", "review_of_systems")
# A sign's content (what the model voices and the guard checks) and authored default lines,
# by trend; {since} names what was given, {He}/{he}/{him} the patient.
SIGN_CONTENT = {
    ("urine", "better"): "Better than before{since}: has passed some urine.",
    ("urine", "same"): "The same as before{since}: still not passing much urine.",
    ("urine", "worse"): "Worse than before{since}: still not passing urine.",
    ("alertness", "better"): "Better than before{since}: more awake.",
    ("alertness", "same"): "The same as before{since}: still not fully awake.",
    ("alertness", "worse"): "Worse than before{since}: less awake.",
}
SIGN_LINES = {
    ("urine", "better", True): "Yes, I have passed some urine now, doctor.",
    ("urine", "same", True): "No, I have still not passed much urine, doctor.",
    ("urine", "worse", True): "No, I have still not passed much urine, doctor.",
    ("urine", "better", False): "Yes, {he} has passed some urine now, doctor.",
    ("urine", "same", False): "No, {he} has still not passed much urine, doctor.",
    ("urine", "worse", False): "No, {he} has still not passed much urine, doctor.",
    ("alertness", "better", True): "I feel a little more awake now, doctor.",
    ("alertness", "same", True): "No better, doctor. I still don't feel myself.",
    ("alertness", "worse", True): "I feel worse, doctor. I can't think straight.",
    ("alertness", "better", False): "{He} is a little more awake now, doctor.",
    ("alertness", "same", False): "{He} is no better, doctor. {He} is still not {himself}.",
    ("alertness", "worse", False): "{He} is worse, doctor. {He} is less awake than before.",
}
# A question on a sign that says it asks for history: when it began, how long, how often.
_SIGN_HISTORY = re.compile(
    r"\b(how long|how many|how often|since when|start(s|ed)?|began|begin|first|onset|"
    r"before (this|the|he|she|you))\b"
)

TREND_EPSILON = 0.15  # change in distress (in units of a band's width) that counts

DEFAULT_LINES = {
    # (trend, first person) -> line; {topic} is the topic word, {He} the patient's pronoun.
    ("better", True): "I feel a little better now, doctor. The {topic} is easier.",
    ("same", True): "About the same, doctor. The {topic} is no better.",
    ("worse", True): "I feel worse, doctor. The {topic} is getting worse.",
    ("better", False): "{He} seems a little better now, doctor. The {topic} is easier.",
    ("same", False): "{He} is about the same, doctor. The {topic} is no better.",
    ("worse", False): "{He} is worse, doctor. The {topic} is getting worse.",
}


def state_topic(question: str) -> str | None:
    """The topic of a question about how the patient is now, or None for any other question."""
    q = " ".join(question.lower().replace("?", " ").split())
    if not (_NOW.search(q) or _HOW_NOW.search(q)) or _HISTORY.search(q):
        return None
    if "review_of_systems" in question_topics(question):
        return None  # "how are you otherwise?", "... in yourself?" ask what else
    for topic, pattern in TOPICS.items():
        if pattern.search(q):
            return topic
    return None


def sign_topic(question: str) -> str | None:
    """The sign (urine, alertness) a question asks about as it is now, whatever its tense ("has
    he passed urine?" after two hours of rehydration asks whether urine has come), or None for
    any other question and for the sign's history ("how long has he been sleepy?")."""
    q = " ".join(question.lower().replace("?", " ").split())
    if _SIGN_HISTORY.search(q):
        return None
    return next((topic for topic in SIGNS if TOPICS[topic].search(q)), None)


def sign_facts(facts: list[Fact] | tuple[Fact, ...], topic: str) -> list[Fact]:
    """The case's facts that give the patient the problem a sign ``topic`` names (little or no
    urine, drowsy or confused); none for a patient without it."""
    found = []
    for fact in facts:
        text = f"{fact.content} {fact.patient_says}".lower()
        if fact.category in _SIGN_CATEGORIES and any(
            not _SIGN_NEGATED.search(text[: m.start()]) for m in SIGN_PROBLEM[topic].finditer(text)
        ):
            found.append(fact)
    return found


def shown_now(vitals: dict[str, float], age_years: float, word: str) -> bool:
    """Whether the vitals now show the symptom a reply's ``word`` names, so that it may be
    said to go on ("he is still hot"): a fever by a temperature above the normal band, the
    breathing by a rate above it or an SpO2 below it. Pain and the rest are not vital signs."""
    bands = bands_for(age_years)
    if TOPICS["fever"].search(word):
        return vitals["temperature_c"] > bands["temperature_c"].high
    if TOPICS["breathing"].search(word):
        return vitals["resp_rate"] > bands["resp_rate"].high or vitals["spo2"] < bands["spo2"].low
    return False


def distress(vitals: dict[str, float], names: tuple[str, ...], age_years: float) -> float:
    """How far the named vitals are outside their normal band, in band widths (0 = normal)."""
    bands = bands_for(age_years)
    total = 0.0
    for name in names:
        band, value = bands[name], vitals[name]
        width = band.high - band.low
        total += max(band.low - value, value - band.high, 0.0) / width
    return total


# Relief of a symptom: an analgesic without its own figures eases pain from ANALGESIC_ONSET
# minutes for ANALGESIC_LASTS; any relief wears off over WANE_MINUTES after it lasts.
ANALGESIC_ONSET = 30
ANALGESIC_LASTS = 240
WANE_MINUTES = 60
RELIEF_EPSILON = 0.3  # change in relief (0 none, 1 full) that counts
GENERAL_WORSE = 0.5  # vitals worse by this (band widths) outweigh a symptom eased


@dataclass(frozen=True)
class Easing:
    """A treatment that eases a symptom: it comes over ``onset`` minutes and lasts ``lasts``
    (None: for good)."""

    code: str
    onset: int
    lasts: int | None

    def at(self, minutes_since: float) -> float:
        if minutes_since <= 0:
            return 0.0
        level = min(1.0, minutes_since / max(self.onset, 1))
        if self.lasts is not None:
            over = minutes_since - self.onset - self.lasts
            level *= min(1.0, max(0.0, 1.0 - over / WANE_MINUTES))
        return level


def easings(topic: str, catalog: Catalog, rules: list[PhysiologyRule]) -> list[Easing]:
    """What eases the symptom ``topic``: the catalog's analgesics (for pain) and the case's
    response rules that say they ease it."""
    found = []
    if topic == "pain":
        for entry in catalog.treatments.treatments:
            if entry.category == "analgesic":
                found.append(Easing(entry.code, entry.onset_minutes or ANALGESIC_ONSET,
                                    entry.lasts_minutes or ANALGESIC_LASTS))  # fmt: skip
    for rule in rules:
        if rule.kind == "response" and rule.treatment and topic in rule.eases:
            found.append(Easing(rule.treatment, rule.onset_minutes, None))
    return found


def relief(
    topic: str, given: dict[str, list[int]], minute: float, catalog: Catalog,
    rules: list[PhysiologyRule],
) -> float:  # fmt: skip
    """How far the symptom is eased at ``minute`` (0 not at all, 1 fully) by what was given
    (treatment code -> the minutes it was given)."""
    best = 0.0
    for easing in easings(topic, catalog, rules):
        for at in given.get(easing.code, []):
            best = max(best, easing.at(minute - at))
    return best


def complains_of(patient: Patient, facts: list[Fact], topic: str) -> bool:
    """Whether the patient came with the symptom ``topic`` (the presenting complaint says it)."""
    said = [patient.presenting_complaint or ""]
    said += [f.content for f in facts if f.category == "presenting_complaint"]
    return any(TOPICS[topic].search(text.lower()) for text in said)


def _trend(change: float, epsilon: float) -> str:
    change = round(change, 6)  # 158 - 152 mmHg is 0.15 band widths, not 0.15000000000000002
    return "better" if change < -epsilon else "worse" if change > epsilon else "same"


@dataclass(frozen=True)
class Moment:
    """The state at one minute, as the patient feels it: the vitals and each symptom's relief."""

    vitals: dict[str, float]
    relief: dict[str, float]


def compare(topic: str, before: Moment, now: Moment, age_years: float, complaints: set[str]) -> str:
    """Better, the same or worse, from ``before`` to ``now``. A symptom whose relief changed
    goes by it; otherwise by the topic's vitals. "How do you feel?" goes by the vitals when they
    are clearly worse (a painkiller does not make shock feel better), else by the relief of what
    the patient came with (``complaints``), else by the vitals."""
    names = TOPIC_VITALS[topic]
    change = distress(now.vitals, names, age_years) - distress(before.vitals, names, age_years)
    vitals = _trend(change, TREND_EPSILON)
    eased = [_trend(before.relief.get(t, 0.0) - now.relief.get(t, 0.0), RELIEF_EPSILON)
             for t in sorted(now.relief)
             if t == topic or topic == "general" and t in complaints]  # fmt: skip
    moved = [t for t in eased if t != "same"]
    if topic == "general" and round(change, 6) > GENERAL_WORSE:
        return "worse"
    if moved:
        return "better" if "better" in moved else "worse"
    return vitals


@dataclass(frozen=True)
class StateAnswer:
    topic: str
    trend: str
    fact: Fact
    still: bool = False  # nothing changed since the last such question; compared with the start


def state_answer(
    patient: Patient,
    topic: str,
    start: Moment,
    before: Moment,
    now: Moment,
    given: list[str],
    catalog: Catalog,
    question: str,
    *,
    relevant: set[str] | frozenset[str] = frozenset(),
    ever_given: list[str] | None = None,
    complaints: set[str] | frozenset[str] = frozenset(),
) -> StateAnswer:
    """The fact that answers a question about ``topic`` now, from the state at the ``start``,
    ``before`` (the last time such a question was asked, or the start) and ``now``, and the
    treatment codes ``given`` meanwhile (those in ``relevant`` act on the topic and are named
    first). When nothing changed since, the answer compares with the start and names what was
    ``ever_given`` that acts on the topic ("still better since the painkiller")."""
    trend = compare(topic, before, now, patient.age_years, set(complaints))
    still = False
    if trend == "same" and before is not start:
        trend = compare(topic, start, now, patient.age_years, set(complaints))
        still = trend != "same"
    # What acts on the topic and was ever given: named when the patient is better by it (the
    # painkiller given before the last question may work only now).
    acting = [c for c in ever_given or [] if c in relevant]
    if still:
        named = acting
    else:
        named = ([c for c in given if c in relevant] or (acting if trend == "better" else [])
                 or given)  # fmt: skip
    lay = []
    for code in named:
        entry = catalog.treatment(code)
        if entry is None or entry.category in UNNAMED:
            continue
        name = "the oxygen" if code == "oxygen" else LAY_NAMES.get(entry.category, "the medicine")
        if name not in lay:
            lay.append(name)
    # "the medicine for breathing and the medicine" reads as one medicine said twice: the
    # unnamed medicines go without saying beside a named one
    if any(n.startswith("the medicine ") for n in lay):
        lay = [n for n in lay if n != "the medicine"]
    word = TOPIC_WORDS[topic]
    since = f" since {' and '.join(lay)}" if lay else ""
    first_person = patient.informant is None
    if topic in SIGNS:
        return _sign_answer(patient, topic, trend, since, first_person, question, still)
    # How they feel is said without a subject a reply could copy as a note's ("Feels better"
    # fails the guard's voice check): "Better than before since the painkiller."
    subject = "" if topic == "general" else f"The {word} is "
    if still:  # "Still better than at the start", "The pain is still better than ..."
        subject = "Still " if topic == "general" else f"{subject}still "
    than = "than at the start" if still else "than before"
    content = {
        "better": f"{subject}better {than}{since}.",
        "same": f"{subject}the same as before{since}, no better and no worse.",
        "worse": f"{subject}worse {than}{since}.",
    }[trend]
    content = content[0].upper() + content[1:]
    authored = [
        line.says for line in patient.state_lines if line.trend == trend and line.topic == topic
    ] or [line.says for line in patient.state_lines if line.trend == trend and
          line.topic == "general"]  # fmt: skip
    he = "He" if patient.sex == "male" else "She"
    default = DEFAULT_LINES[trend, first_person]
    if topic == "general":  # "The feeling is easier" says nothing more
        default = default.split(". ")[0] + "."
    says = authored[0] if authored else default.format(topic=word, He=he)
    fact = Fact(
        id=f"state-{topic}", category="review_of_systems", content=content, patient_says=says,
        cues=[question],
    )  # fmt: skip
    return StateAnswer(topic, trend, fact, still)


def _sign_answer(
    patient: Patient, topic: str, trend: str, since: str, first_person: bool, question: str,
    still: bool,
) -> StateAnswer:  # fmt: skip
    """The answer on a sign now: the case's authored line for the sign and trend, or a default."""
    content = SIGN_CONTENT[topic, trend].format(since=since)
    if still:
        content = content.replace("than before", "than at the start", 1)
    authored = [line.says for line in patient.state_lines
                if line.trend == trend and line.topic == topic]  # fmt: skip
    male = patient.sex == "male"
    he, himself = ("he", "himself") if male else ("she", "herself")
    default = SIGN_LINES[topic, trend, first_person].format(
        He=he.capitalize(), he=he, himself=himself
    )
    fact = Fact(
        id=f"state-{topic}", category="review_of_systems", content=content,
        patient_says=authored[0] if authored else default, cues=[question],
    )  # fmt: skip
    return StateAnswer(topic, trend, fact, still)


# -- what a reply claims ----------------------------------------------------------------------

# Words that say the patient is better, worse or the same (each may be negated: "no better").
CLAIMS = {
    "better": frozenset("""better easier eased easing eases improved improving improvement
        relieved relief less settled settling calmer""".split()),
    "worse": frozenset("worse worsening worsened harder deteriorated deteriorating".split()),
    "same": frozenset("same unchanged".split()),
    "changed": frozenset("change changed changes different".split()),
}  # fmt: skip
NEGATION_WORDS = frozenset(
    """no not never don't dont didn't didnt doesn't doesnt isn't isnt wasn't wasnt aren't
    haven't havent hasn't hasnt can't cannot couldn't neither nor nothing""".split()
)
NEGATION_REACH = 4  # a negation governs a claim word this many words on, within its clause
# What each claim means, plain or negated: "no change" is the same, "not the same" a change.
_MEANS = {("better", False): "B", ("better", True): "notB", ("worse", False): "W",
          ("worse", True): "notW", ("same", False): "S", ("same", True): "notS",
          ("changed", False): "notS", ("changed", True): "S"}  # fmt: skip
# Per trend: claims that contradict it, and claims that say it (one must be released first).
_CONTRADICTS = {"better": {"W", "S", "notB"}, "worse": {"B", "S", "notW"},
                "same": {"B", "W", "notS"}}  # fmt: skip
_SAYS = {"better": {"B"}, "worse": {"W"}, "same": {"S", "notB", "notW"}}
_CLAUSE = re.compile(r"[,;:.!?()\u2026]+|\b(?:but|and|though|although)\b")


def claims(text: str) -> set[str]:
    """What a reply says of the trend: B/W/S (better, worse, the same) and notB/notW/notS."""
    found = set()
    for part in _CLAUSE.split(text.lower().replace("\u2019", "'")):
        tokens = _WORD.findall(part or "")
        for i, token in enumerate(tokens):
            for kind, vocabulary in CLAIMS.items():
                if token in vocabulary and not (token == "less" and tokens[i - 1 : i] == ["or"]):
                    window = tokens[max(0, i - NEGATION_REACH) : i]
                    found.add(_MEANS[kind, any(w in NEGATION_WORDS for w in window)])
    return found


def contradiction(trend: str, text: str) -> tuple[str, bool]:
    """Why a reply about the patient now cannot be shown for ``trend``, or "" - and whether the
    failure is final. A reply that contradicts itself ("I don't feel the same ..., no better and
    no worse") or the trend fails for good; one that does not yet say the trend fails for now,
    so no clause is released before the reply says which way it goes."""
    said = claims(text)
    if (
        {"B", "W"} <= said
        or {"notS", "notB", "notW"} <= said
        or any({c, f"not{c}"} <= said for c in "BWS")
    ):
        return f"the reply contradicts itself ({', '.join(sorted(said))})", True
    wrong = said & _CONTRADICTS[trend]
    if wrong:
        return f"the reply says {_READ[sorted(wrong)[0]]}, but the patient is {_TREND[trend]}", True
    if not said & _SAYS[trend]:
        return f"the reply does not yet say the patient is {_TREND[trend]}", False
    return "", True


_READ = {"B": "better", "W": "worse", "S": "the same", "notB": "not better", "notW": "not worse",
         "notS": "not the same"}  # fmt: skip
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_TREND = {"better": "better", "worse": "worse", "same": "the same"}
