"""The patient's age, answered from the case's demographics.

Every case gives the patient's age (``patient.age_years``) but few facts say it, so "how old is
the baby?" got "I am not sure." from the grandmother. A question on the patient's age (of the
patient: "how old are you?"; of an informant: "how old is he / the baby / your daughter?") is
answered from the demographics in the speaker's voice, unless a disclosed fact already says it.
A question on someone else's age ("how old is your husband?", or "how old are you?" to a
carer) or on an age then ("how old was he when ...") is not this question.
"""

from __future__ import annotations

import re

from simdesk.core.cases.schema import Fact, Patient, age_old, age_words
from simdesk.core.text import words

# Who a carer calls the patient: a pronoun or a word for a child (or "the patient").
_CHILD = (
    r"(he|she|(the|your|this|that|my|our|his|her) (little )?"
    r"(baby|child|kid|boy|girl|son|daughter|grandson|granddaughter|grandchild|infant|toddler|"
    r"little one|patient|one))"
)
_YOU = r"(you)"
_HOW_OLD = r"\bhow old (is|are) {who}(?![\w'])(?! (when|at the time|then)\b)"
_WHAT_AGE = (
    r"\bwhat('s| is) {whose} age\b|\bwhat age is {who}\b|\b{whose} age\b|"
    r"\bwhen (was|were) {who} born\b|\bhow many (months|years) old is {who}\b"
)
_CHILD_OF = r"(his|her|(the|your|this|that|my|our) (little )?(baby|child|kid|boy|girl|son|" \
    r"daughter|grandson|granddaughter|grandchild|infant|toddler|little one|patient)'s)"  # fmt: skip
_BIRTH = r"\b{whose} (date of birth|dob|birthday)\b"


def _pattern(who: str, whose: str) -> re.Pattern[str]:
    parts = (_HOW_OLD.format(who=who), _WHAT_AGE.format(who=who, whose=whose))
    return re.compile("|".join((*parts, _BIRTH.format(whose=whose))))


_OF_CARER = _pattern(_CHILD, _CHILD_OF)
_OF_PATIENT = _pattern(_YOU, r"(your)")
_BARE = re.compile(r"^(and |so )?(what('s| is) the )?(age|date of birth|dob)$")


def asks_age(question: str, patient: Patient, carer: bool) -> bool:
    """Whether ``question`` asks the patient's age of whoever answers (``carer``: someone
    answers for the patient)."""
    q = " ".join(words(question.replace("?", " ")))
    if _BARE.match(q):
        return True
    if not carer:
        return bool(_OF_PATIENT.search(q))
    name = patient.name.split()[0].lower()
    return bool(_OF_CARER.search(q) or re.search(rf"\bhow old is {re.escape(name)}\b", q))


_SOMEONES_AGE = re.compile(
    r"\b(how old (is|are)|what age is|what('s| is) the age of) (your|his|her|their|the) \w+|"
    r"\b(your|his|her|their) \w+'s age\b|"
    # an age then: "how old were you when you started smoking?" is not when the pain started
    r"\bhow old (were|was) (you|he|she|they|(your|his|her|their) \w+) when\b"
)
_AN_AGE = re.compile(
    r"\b((at (the )?age( of)?|aged?|when (i|he|she|they) (was|were)) (about |around )?"
    r"(\d+|[a-z]+teen|twenty|thirty|forty|fifty|sixty|seventy|eighty)|"
    r"at \d{2}(?! ?(am|pm|o'clock|:|h\b|hours|this|in the))|(\d+|[a-z]+) years? old)\b"
)


def asks_someones_age(question: str) -> bool:
    """Whether ``question`` asks another person's age ("how old is your wife?") or an age then
    ("how old were you when you started smoking?"): only a fact that says an age answers it
    (not the home fact that names the wife, nor the pain's onset). Ask :func:`asks_age` first:
    "how old is your son?" to a parent is the patient's age."""
    return bool(_SOMEONES_AGE.search(" ".join(words(question.replace("?", " ")))))


def gives_an_age(fact: Fact) -> bool:
    """Whether a fact says someone's age: "aged 45", "at 19", "when I was twenty"."""
    text = f"{fact.content} {fact.patient_says}".lower()
    return states_age(fact) or bool(_AN_AGE.search(text))


def age_fact(patient: Patient, carer: bool) -> Fact:
    """The patient's age as a fact, in the speaker's voice."""
    age = age_words(patient.age_years)
    if not carer:
        says = f"I am {age_old(patient.age_years)}."
    else:
        says = f"{'He' if patient.sex == 'male' else 'She'} is {age_old(patient.age_years)}."
    return Fact(id="demographics-age", category="social", content=f"Age {age}.", patient_says=says)


_STATES_AGE = re.compile(
    r"\b(\d+|[a-z]+)[- ](week|month|year)s?[- ]old\b|\baged? (about |nearly |almost )?\d+"
)


def states_age(fact: Fact) -> bool:
    """Whether a fact says how old someone is ("11-month-old", "aged 45", "two years old")."""
    return any(_STATES_AGE.search(text.lower()) for text in (fact.content, fact.patient_says))


# -- the name, and questions about the speaker's own life ---------------------------------------

_OWN_NAME = re.compile(
    r"\b(what('s| is) your (full |first )?name|your name\b|who are you\b|"
    r"what (do|should|can) i call you)"
)
_CHILD_NAME = re.compile(
    rf"\b{_CHILD_OF} (full |first )?name\b|\bwhat('s| is) (he|she) called\b|"
    r"\bwhat do you call (him|her)\b"
)


def name_fact(question: str, patient: Patient, carer: bool) -> Fact | None:
    """For a question on the patient's name (or, to someone answering for them, on their own),
    the name from the case's demographics in the speaker's voice; None for any other question.
    A patient does not say "I don't know about that." to "what's your name?"."""
    q = " ".join(words(question.replace("?", " ")))
    first = patient.name.split()[0]
    if carer and _CHILD_NAME.search(q):
        pronoun = "His" if patient.sex == "male" else "Her"
        says, content = f"{pronoun} name is {first}.", f"Name {patient.name}."
    elif _OWN_NAME.search(q):
        informant = patient.informant
        if informant is not None:
            says = f"I am {informant.name}, his {informant.relation}."
            if patient.sex == "female":
                says = says.replace(" his ", " her ")
            content = f"The {informant.relation}, {informant.name}."
        elif carer:
            return None  # a parent without a name in the case
        else:
            says, content = f"My name is {patient.name}.", f"Name {patient.name}."
    else:
        return None
    return Fact(id="demographics-name", category="social", content=content, patient_says=says)


# A question on the speaker's own life ("what do you do for work?", "are you married?"): a record
# that does not say is no reason for the speaker not to know. And their worries: anyone who
# comes has one, even where the record gives none.
_YOU_WORDS = r"\b(you|your|yours|yourself|u|ur)\b"
_OWN_LIFE = re.compile(
    r"\b(work|works|working|job|jobs|occupation|profession|for a living|employ\w*|career|"
    r"married|marital|wife|husband|partner|spouse|boyfriend|girlfriend|children|kids|"
    r"live|lives|living|home|house|religio\w*|church|mosque|school|education|studies|"
    r"hobbies|income|money|insurance|name)\b"
)
_WORRY = re.compile(
    r"\b(worr\w*|concern\w*|afraid|scared|fear\w*|frighten\w*|anxious|"
    r"what do you think (it is|this is|is (wrong|going on|causing))|"
    r"any ideas? (about|what|of)|what (are|were) you (hoping|expecting))\b"
)
OWN_LIFE_LINE = "I'd rather not say, doctor."
WORRY_LINES = {
    False: "I'm worried it is something serious, doctor. I want to know what is wrong.",
    True: "I am worried about {him}, doctor. I want to know what is wrong with {him}.",
}


# An unsure line that says someone else would know: right for a carer, not for a patient asked
# about themselves ("What do you do for work?" - "Nobody has told me that.").
_HEARSAY = re.compile(r"\b(told|tell|would know|knows|ask (his|her|my))\b")


def unsure_line(question: str, patient: Patient, carer: bool, drawn: str) -> str:
    """The line for a question no fact answers: ``drawn`` (one of the case's unsure lines),
    unless the question is about the speaker's own life or worries, which the speaker knows
    though the record does not say, or ``drawn`` says someone else would know and a patient is
    asked about themselves."""
    q = " ".join(words(question.replace("?", " ")))
    if re.search(_YOU_WORDS, q):
        if _WORRY.search(q):
            return WORRY_LINES[carer].format(him="him" if patient.sex == "male" else "her")
        if _OWN_LIFE.search(q):
            return OWN_LIFE_LINE
    # A patient asked "is the cough worse at night?" is asked about themselves too, with no
    # "you" in the question: nobody else would have told them.
    if not carer and _HEARSAY.search(drawn.lower()):
        plain = [line for line in patient.unsure_lines if not _HEARSAY.search(line.lower())]
        return plain[0] if plain else "I'm not sure, doctor."
    return drawn
