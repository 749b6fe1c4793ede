"""Who answers for a child: the informant an imported record of a child names.

A record of a child (``Demographics.carer``) is written in the voice of whoever brought the child,
so the case names that person as its informant (``patient.informant``) and every part of the
simulator - the transcript's label, the prompt, the guard, the patient-now lines, the age answer -
reads it from the case. The relation is the record's own word where it names who brings the child
or who tells the history ("The mother reports ...", "brought in by his parents", "noted by the
mother"), else a neutral "parent". Someone the record only mentions ("The mother had gestational
diabetes", "Lives with parents", "an uncle ... had similar problems") does not make the informant.

An older patient's record (12 and over) is in the patient's voice unless it says that someone
else tells the illness: a relation, partner or roommate who reports the presenting complaint ("The
patient's husband reports that she ... has vomited 3 times", "The family mentions that she has
been increasingly confused") while the patient is never the one who reports anything. Someone who
only brings the patient ("brought in by her boyfriend"), or tells something else ("The patient's
mother reports that during pregnancy she had ..."), does not make the informant.
"""

from __future__ import annotations

import re
from typing import Any

from simdesk.importers.agentclinic.common import FEMALE_NAMES, MALE_NAMES

# A relation to the child, as a record names it; plural and neutral words make a "parent".
_KIN = r"mother|father|grandmother|grandfather|aunt|uncle|parents?|caregivers?|guardians?"
_SINGULAR_KIN = ("mother", "father", "grandmother", "grandfather", "aunt", "uncle")
_WHOSE = r"(?:the |his |her |their |a |an |(?:the )?(?:patient|child|infant|newborn|baby)['’]s )?"
_TELLS = (
    r"(?:also )?(?:reports?|notes?|says|states|mentions?|describes?|recalls?|explains?"
    r"|has noticed|noticed|notices|is concerned|was concerned|brings?|brought)"
)
_WHO_TELLS = (
    # "The mother reports ...", "His mother describes him as ...", "Mother has noticed ..."
    re.compile(rf"(?:^|[.;:,] |\b){_WHOSE}(?:concerned |worried )?(?P<who>{_KIN}) {_TELLS}\b",
               re.IGNORECASE),
    # "brought in by a concerned mother", "presented by his mother", "accompanied by her father"
    re.compile(rf"\b(?:brought|presented|accompanied)(?: in| to \w+(?: \w+)?)? by {_WHOSE}"
               rf"(?:concerned |worried )?(?P<who>{_KIN})\b", re.IGNORECASE),
    # "noted by the mother", "as reported by the mother", "reported by the caregiver"
    re.compile(rf"\b(?:reported|noted|provided|described|observed|noticed) by {_WHOSE}"
               rf"(?P<who>{_KIN})\b", re.IGNORECASE),
)  # fmt: skip
_FEMALE = frozenset({"mother", "grandmother", "aunt", "wife", "girlfriend", "fiancee",
                     "daughter", "sister"})  # fmt: skip
_MALE = frozenset({"father", "grandfather", "uncle", "husband", "boyfriend", "fiance", "son",
                   "brother"})  # fmt: skip
# Names for an informant the record does not give a sex ("parent"): used for both.
NEUTRAL_NAMES = ["Amani", "Imani", "Nuru"]


def _texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [t for key, value in node.items() if key != "Demographics" for t in _texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in _texts(value)]
    return [str(node)]


def informant_relation(osce: dict) -> str:
    """Who the record says brought the child or tells the history: one named relative
    ("mother", "grandfather"), else "parent" (none named, "the parents", a "caregiver", or both
    a mother and a father)."""
    texts = _texts(osce.get("Patient_Actor") or {})
    texts.append(str(osce.get("Objective_for_Doctor") or ""))
    named: set[str] = set()
    for text in texts:
        for pattern in _WHO_TELLS:
            named |= {m["who"].lower() for m in pattern.finditer(" ".join(text.split()))}
    singular = sorted(named & set(_SINGULAR_KIN))
    return singular[0] if len(singular) == 1 else "parent"


# A record's word for a group the informant is one of ("the parents report ...": "we"), and
# the relations an informant from a group has.
_GROUPS = (
    r"parents|caregivers|guardians|carers|roommates|room-mates|flatmates|friends|family"
    r"|family members|relatives"
)
_GROUP_MEMBER = frozenset({"parent", "caregiver", "carer", "roommate", "flatmate", "friend",
                           "family member", "relative"})  # fmt: skip
# Who may tell an older patient's illness, as a record names them, and what the informant is
# then called (the record's plural or collective word -> one person).
_OTHERS = (
    r"mother|father|parents?|grandmother|grandfather|aunt|uncle|husband|wife|partner|spouse"
    r"|boyfriend|girlfriend|fianc[eé]e?|daughter|son|sister|brother|roommates?|room-mates?"
    r"|flatmates?|friends?|family(?: members?)?|relatives?|caregivers?|carers?"
)
_ONE_OF = {"parents": "parent", "roommates": "roommate", "room-mates": "roommate",
           "flatmates": "flatmate", "friends": "friend", "family": "family member",
           "family members": "family member", "relatives": "relative",
           "caregivers": "caregiver", "carers": "carer", "fiancé": "fiance",
           "fiancée": "fiancee"}  # fmt: skip
# Telling, not bringing: "brought in by her boyfriend" is no one else speaking.
_REPORTING = (
    r"(?:also )?(?:reports?|notes?|says|states|mentions?|describes?|recalls?|explains?"
    r"|has noticed|noticed|notices|is concerned|was concerned|is worried|was worried)"
)
_OTHER_TELLS = (
    re.compile(rf"(?:^|[.;:,] |\b){_WHOSE}(?:concerned |worried )?(?P<who>{_OTHERS}) "
               rf"{_REPORTING}\b", re.IGNORECASE),
    re.compile(rf"\b(?:reported|noted|provided|described|observed|noticed) by {_WHOSE}"
               rf"(?P<who>{_OTHERS})\b", re.IGNORECASE),
)  # fmt: skip
# The patient telling something themself: then they are the one who speaks.
_PATIENT_TELLS = re.compile(
    r"(?:^|[.;:!?] )(?:the patient|patient|she|he)(?: also| further)? (?:reports|describes|states"
    r"|says|mentions|complains|notes|admits|endorses|denies|expresses|recalls|explains)\b",
    re.IGNORECASE,
)
_SENTENCES = re.compile(r"(?<=[.!?;])\s+")


def _telling_terms(text: str) -> set[str]:
    """The content terms of a text, without the words for who tells it."""
    from simdesk.core.sim.disclosure import terms

    return set(terms(text)) - set(terms(_OTHERS.replace("|", " ").replace("?", "")))


def older_informant(osce: dict) -> str | None:
    """Who tells an older patient's presenting illness for them, when the record says someone
    else does: the relation ("husband", "roommate", "family member"); None when the patient
    speaks (they report something themself, or nobody else tells the illness)."""
    actor = osce.get("Patient_Actor") or {}
    texts = [" ".join(t.split()) for t in _texts(actor)]
    if any(_PATIENT_TELLS.search(text) for text in texts):
        return None
    symptoms = actor.get("Symptoms") or {}
    illness = " ".join(_texts(symptoms))
    complaint = _telling_terms(illness)
    for text in texts:
        for sentence in _SENTENCES.split(text):
            for pattern in _OTHER_TELLS:
                m = pattern.search(sentence)
                told = sentence in illness or complaint & _telling_terms(sentence)
                if m and told:
                    who = m["who"].lower()
                    return _ONE_OF.get(who, who)
    return None


def informant_for(osce: dict, number: int, relation: str | None = None) -> dict[str, str]:
    """The case's ``patient.informant`` for record ``number``: the relation the record names (a
    child's, or ``relation`` as :func:`older_informant` found it) and a name that is not the
    patient's (the patient is ``names[number % len(names)]``)."""
    relation = relation or informant_relation(osce)
    sex = relation_sex(relation)
    names = NEUTRAL_NAMES if sex is None else FEMALE_NAMES if sex == "female" else MALE_NAMES
    return {"name": names[(number + 3) % len(names)], "relation": relation}


# -- the informant's own words --------------------------------------------------------------------

_GERUND_PAST = {"having": "had", "feeling": "felt", "seeing": "saw", "hearing": "heard",
                "taking": "took", "finding": "found", "getting": "got"}  # fmt: skip
_REPORTS = r"(?:also )?(?:reports?|notes?|says|states|mentions?|recalls?|explains?)"
_NOTICES = {"has noticed": "have noticed", "noticed": "noticed", "notices": "notice",
            "is concerned": "am concerned", "was concerned": "was concerned",
            "is worried": "am worried", "was worried": "was worried"}  # fmt: skip
_BE = {"is": "am", "has": "have", "does": "do", "was": "was", "had": "had"}
_THINKS = (
    r"(?:believes|thinks|feels|recalls|remembers|noticed|has noticed|is (?:concerned|worried))"
)


def relation_sex(relation: str) -> str | None:
    """The informant's sex as their relation says it; None for a "parent"."""
    if relation in _FEMALE:
        return "female"
    return "male" if relation in _MALE else None


def _reporters(relation: str) -> str:
    """Who, in a record, is the informant telling the history: the relation itself, or the
    parents or a caregiver (the informant is one of them)."""
    said = [rf"{re.escape(relation)}s?"]  # "roommates", "the family" for one of them
    said += [re.escape(word) for word, one in _ONE_OF.items() if one == relation]
    return rf"(?:{'|'.join(said)}|parents|parent|caregivers?|guardians?)"


def _past(gerund: str) -> str:
    """ "noticing" -> "noticed"; "having" -> "had" (the few whose -ed is not regular)."""
    if gerund in _GERUND_PAST:
        return _GERUND_PAST[gerund]
    return gerund[:-3] + "ed"


def informant_says(text: str, relation: str, informant_sex: str | None, child_sex: str) -> str:
    """A record sentence about what the informant tells, said by the informant: "The mother
    reports noticing papules on the child's abdomen" -> "I noticed papules on the child's
    abdomen"; "The parents report that the child appears unwell" -> "The child appears unwell";
    "no complaints provided by the mother" -> "no complaints"; and, where the informant is the
    record's one named relative, "The mother had gestational diabetes" -> "I had gestational
    diabetes". ``informant_sex``: None for a "parent"."""
    who = _reporters(relation)
    whose = r"(?:(?:the|his|her|their|my child['’]s)\s+|(?:the )?(?:patient|child|infant|newborn|baby)['’]s\s+)?"  # noqa: E501
    lead = r"^(?P<lead>(?:[A-Z][\w ]{0,30}, )?)"
    out = " ".join(text.split())
    # the informant is one of a group the record names ("the parents", "the roommates")
    plural = re.compile(_GROUPS, re.IGNORECASE)
    he = "he" if child_sex == "male" else "she"
    # "The patient's mother reports noticing X" / "The parents report that X"
    m = re.match(rf"{lead}{whose}(?P<who>{who}) {_REPORTS}(?: that)? (?P<rest>.+)$", out, re.I)
    if m:
        me = "We" if plural.fullmatch(m["who"]) else "I"
        rest = m["rest"]
        if g := re.match(r"having (had|been)\b", rest):
            rest = f"{me} {'was' if g[1] == 'been' and me == 'I' else g[1]}{rest[len(g[0]) :]}"
        elif g := re.match(r"(\w+ing)\b", rest):
            rest = f"{me} {_past(g[1])}{rest[len(g[1]) :]}"
        elif re.match(
            r"(?:an?|several|multiple|\d+[- ]\w+)\b(?!.*\b(?:had|has|have|is|was|were"
            r"|are|did|does)\b)",
            rest,
            re.IGNORECASE,
        ):
            # what the patient has, told as a noun ("reports a 1-week history of weakness"), not
            # a clause ("reports an uncle on her side had similar problems")
            rest = f"{he.capitalize()} has {rest}"
        out = m["lead"] + (rest[0].lower() if m["lead"] else rest[0].upper()) + rest[1:]
    elif relation in _GROUP_MEMBER:
        # "They mention that he has been under stress", after "The roommates report ...": the
        # informant is one of them
        out = re.sub(rf"^They {_REPORTS} (?:that )?(?=\w)", "", out)
        out = out[0].upper() + out[1:] if out else out
    # "The roommates did not report any fever" -> "He hasn't had any fever"
    out = re.sub(
        rf"{lead}{whose}{who} (?:did not|didn't|do not|does not) (?:report|mention|note)"
        r"(?: any)? ",
        lambda m: m["lead"] + (he if m["lead"] else he.capitalize()) + " hasn't had any ",
        out,
        flags=re.IGNORECASE,
    )
    # "His mother describes him as occasionally difficult" -> "He is occasionally difficult"
    out = re.sub(
        rf"{lead}{whose}{who} (?:also )?describes? (?:him|her) as\b",
        lambda m: m["lead"] + (he if m["lead"] else he.capitalize()) + " is",
        out,
        flags=re.IGNORECASE,
    )
    # "The patient is presented by his mother for ..." -> "I brought him in for ..."
    out = re.sub(
        r"^(?:The (?:patient|child|infant|newborn|baby)|He|She) (?:is|was|has been|had been)"
        r" (?:presented|brought)"
        rf"(?P<in> in)?(?P<to> to [^,.]+?)? by {whose}(?P<who>{who})\b",
        lambda m: (
            ("We" if plural.fullmatch(m["who"]) else "I")
            + f" brought {'him' if child_sex == 'male' else 'her'}"
            + f"{m['in'] or ('' if m['to'] else ' in')}{m['to'] or ''}"
        ),
        out,
        flags=re.IGNORECASE,
    )
    # "... but notes that he is helpful at home" (the informant told both)
    out = re.sub(rf"\b(but|and) (?:also )?{_REPORTS} that\b", r"\1", out)
    # "Mother has noticed X" -> "I have noticed X"
    out = re.sub(
        rf"{lead}{whose}(?P<who>{who}) (?P<verb>{'|'.join(_NOTICES)})\b",
        lambda m: m["lead"] + ("We " if plural.fullmatch(m["who"]) else "I ")
        + ("were concerned" if plural.fullmatch(m["who"]) and m["verb"] == "was concerned"
           else _NOTICES[m["verb"]]),
        out,
        flags=re.IGNORECASE,
    )  # fmt: skip
    # "no signs of distress noted by the parents", "as reported by the mother"
    out = re.sub(
        rf",? (?:as )?(?:reported|noted|provided|described|observed|noticed) by {whose}{who}\b",
        "", out, flags=re.IGNORECASE,
    )  # fmt: skip
    if informant_sex is not None:
        pronoun = "she" if informant_sex == "female" else "he"
        child = "she" if child_sex == "female" else "he"
        if pronoun != child:  # "She also notes that ..." of a son: the mother speaking
            out = re.sub(rf"^{pronoun.capitalize()} {_REPORTS} that (.)",
                         lambda m: m[1].upper(), out)  # fmt: skip
            out = re.sub(rf"\b{pronoun} ({_THINKS})\b",
                         lambda m: "I " + _NOTICES.get(m[1], m[1][:-1] if m[1].endswith("s")
                                                      else m[1]), out)  # fmt: skip
        # "her child", "on her side of the family": the informant's
        own = "her" if informant_sex == "female" else "his"
        out = re.sub(rf"\b{own}(?= (?:child|baby|infant|son|daughter|side of the family)\b)",
                     "my", out)  # fmt: skip
        out = re.sub(rf"^{own.capitalize()}(?= (?:child|baby|infant|son|daughter)\b)", "My",
                     out)  # fmt: skip
        out = _self(out, relation)
    return out


def _self(text: str, relation: str) -> str:
    """The informant named in the record by their relation, in their own voice: "the mother's"
    -> "my", "The mother had" -> "I had", "with the mother taking" -> "with me taking"."""
    rel = re.escape(relation)
    whose = r"(?:(?:[Tt]he|[Hh]is|[Hh]er|[Mm]y child['’]s|(?:[Tt]he )?patient['’]s)\s+)"
    out = re.sub(rf"\b{whose}?{rel}['’]s\b", "my", text, flags=re.IGNORECASE)
    out = re.sub(r"^my\b", "My", out)

    def subject(m: re.Match) -> str:
        verb = m["verb"]
        said = _BE.get(verb.lower(), verb[:-1] if re.fullmatch(r"[a-z]+[^su]s", verb) else verb)
        return f"I {said}"

    # "The mother had ...", "indicated the mother was ...", "Mother is a primigravida"
    out = re.sub(
        rf"\b{whose}?{rel} (?P<verb>is|was|has|had|does|[a-z]{{2,}}ed|took|"
        r"(?!always|sometimes|perhaps)[a-z]{3,}[^su]s)\b",
        subject,
        out,
        flags=re.IGNORECASE,
    )
    out = re.sub(rf"\b(?:[Tt]he|[Hh]is|[Hh]er) {rel}\b", "me", out)
    # "shows irritability towards mother": the relation named bare, after a preposition
    out = re.sub(rf"\b(towards?|to|with|at|against|from|about) {rel}\b", r"\1 me", out,
                 flags=re.IGNORECASE)  # fmt: skip
    return out[0].upper() + out[1:] if out else out
