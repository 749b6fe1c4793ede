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

from simdesk.core.cases.schema import Fact, Patient
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


def age_words(age_years: float) -> str:
    """An age as a parent says it: "14 months", "11 months", "3 years", "2 weeks"."""
    if age_years >= 2:
        n, unit = int(age_years), "year"
    elif age_years * 12 >= 1:
        n, unit = round(age_years * 12), "month"
    else:
        n, unit = max(round(age_years * 52), 1), "week"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def age_fact(patient: Patient, carer: bool) -> Fact:
    """The patient's age as a fact, in the speaker's voice."""
    age = age_words(patient.age_years)
    if not carer:
        says = f"I am {age} old."
    else:
        says = f"{'He' if patient.sex == 'male' else 'She'} is {age} old."
    return Fact(id="demographics-age", category="social", content=f"Age {age}.", patient_says=says)


_STATES_AGE = re.compile(
    r"\b(\d+|[a-z]+)[- ](week|month|year)s?[- ]old\b|\baged? (about |nearly |almost )?\d+"
)


def states_age(fact: Fact) -> bool:
    """Whether a fact says how old someone is ("11-month-old", "aged 45", "two years old")."""
    return any(_STATES_AGE.search(text.lower()) for text in (fact.content, fact.patient_says))
