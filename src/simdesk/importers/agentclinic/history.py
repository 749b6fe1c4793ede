"""The history builder: a record's patient-actor text -> atomic, categorised, first-person facts.

Compound text is split into atomic facts (a social history naming an occupation, smoking and
alcohol becomes three facts), each with the history category of the key it came from and the
topics its words give it (``cases/catalog/history_topics.yaml``), each patient line rewritten
into the first person by rule (or the carer's voice for a child). A split fact keeps ``source`` =
its record key path, with a sub-path for the topic it was split by
(``Patient_Actor/Social_History/smoking``). No hand-written cues: the engine reaches facts by
their category, topics and words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simdesk.core.cases.kin import kin_word
from simdesk.core.cases.topics import text_topics
from simdesk.core.sim.disclosure import SYMPTOM_TERMS, terms
from simdesk.importers.agentclinic.informant import informant_says, relation_sex

# Record sentences about the record, not the patient ("No additional symptoms provided.").
RECORD_META = re.compile(
    r"^\s*(information\s+)?(not\s+(provided|specified|available|applicable|mentioned|reported))"
    r"|\bnot (provided|specified|available|mentioned|applicable)\s*\.?\s*$"
    r"|^\s*(none|n/?a|na|unknown)\.?\s*$|is not (relevant|pertinent|applicable)"
    r"|^\s*no mention of\b"  # the record is silent ("No mention of smoking"): not a "no"
    r"|^\s*no (additional|relevant|pertinent|further) (information|details|history|symptoms"
    r"|social history)|^\s*no (other )?(additional )?information"
    # "nothing else": no other symptoms or abnormalities, without naming any ("No other systemic
    # symptoms mentioned."; "No other symptoms but a cough" names one and stays), and "the rest
    # of the examination shows no abnormalities" (the record's exam, not the patient's history)
    r"|^\s*no (other|additional|further)( \w+){0,2} (symptoms|abnormalities|complaints)\b"
    r"(?!.*\b(aside from|apart from|except|other than|besides|but)\b)"
    r"|^\s*(the )?(rest|remainder) of (the )?(examination|exam|systems? review|review of systems)"
    r"\b.*\b(no abnormalit|normal|unremarkable|negative)",
    re.IGNORECASE,
)
# The record's reporting words at the end of a clause ("No illicit drug use is reported").
_REPORTED = re.compile(
    r"\s*(,\s*)?\b(is |are |was |were )?(reported|mentioned|noted|documented|provided)\s*(\.)?\s*$",
    re.IGNORECASE,
)
_SENTENCE = re.compile(r"(?<=[.!?;])\s+(?=[A-Za-z])")
_JOIN = re.compile(r",\s*(?:and\s+)?|\s+and\s+(?=[a-z]+s\b|\w+ing\b|(?:is|was|has|no|not)\b)")

# 3rd-person verbs that open a record clause without a subject ("Smokes 1 pack a day").
_VERB = {
    "smokes": "smoke", "drinks": "drink", "works": "work", "lives": "live", "attends": "attend",
    "admits": "admit", "reports": "report", "takes": "take", "has": "have", "is": "am",
    "was": "was", "uses": "use", "consumes": "consume", "denies": "deny", "quit": "quit",
    "stopped": "stopped", "started": "started", "had": "had", "notes": "notice",
    "states": "say", "says": "say", "mentions": "mention", "describes": "describe",
    "complains": "complain", "feels": "feel", "experiences": "experience", "recalls": "recall",
    "does": "do", "enjoys": "enjoy", "plays": "play", "goes": "go", "travels": "travel",
    "recently": "recently", "occasionally": "occasionally", "currently": "currently",
    "believes": "believe", "thinks": "think", "needs": "need", "wants": "want",
    "finds": "find", "gets": "get", "sees": "see", "hears": "hear", "remembers": "remember",
    "presents": "present", "underwent": "underwent", "undergoes": "undergo",
    "expresses": "express", "shows": "show", "exhibits": "exhibit", "displays": "display",
}  # fmt: skip
_ADVERB = frozenset({"recently", "occasionally", "currently"})


@dataclass(frozen=True)
class Voice:
    """Whose voice a record's lines are said in: the patient's, or (``carer``) that of the
    informant who answers for a child (``relation``: "mother", "parent"; ``sex``: the patient's)."""

    carer: bool
    sex: str
    relation: str = "parent"

    @property
    def subject(self) -> str:
        return ("She" if self.sex == "female" else "He") if self.carer else "I"


def is_meta(text: str) -> bool:
    return bool(RECORD_META.search(text.strip()))


def atoms(text: str, category: str) -> list[tuple[str, frozenset[str]]]:
    """``(clause, topics)`` of the atomic facts in ``text``: its sentences, and within a sentence
    the comma- or and-joined parts that each bring a topic of their own (parts without a new
    topic stay with the part before)."""
    out: list[tuple[str, frozenset[str]]] = []
    for sentence in _SENTENCE.split(" ".join(str(text).split())):
        sentence = sentence.strip().rstrip(";")
        if not sentence or is_meta(sentence):
            continue
        sentence = _REPORTED.sub(".", sentence) if len(sentence.split()) > 3 else sentence
        parts = [p.strip() for p in _JOIN.split(sentence) if p and p.strip()]
        if category != "social":
            parts = [sentence]  # a negation or a time scopes over the whole sentence
        groups: list[list[str]] = []
        seen: set[str] = set()
        for part in parts:
            topics = specific_topics(part, category)
            if groups and (not topics or topics <= seen):
                groups[-1].append(part)
            else:
                groups.append([part])
            seen |= topics
        if len(groups) == 1:
            out.append((sentence, frozenset(specific_topics(sentence, category))))
            continue
        for group in groups:
            clause = ", ".join(group).rstrip(".")
            out.append((clause[0].upper() + clause[1:] + ".", specific_topics(clause, category)))
    return out


def specific_topics(text: str, category: str) -> frozenset[str]:
    """The topics a text's words give it (not those its category alone gives)."""
    return frozenset(text_topics(text, category, whole=False))


def first_person(text: str, voice: Voice) -> str:
    """A record clause in the patient's (or carer's) voice, by rule."""
    text = " ".join(text.split()).rstrip(".") + "."
    if voice.carer:
        text = informant_says(text, voice.relation, relation_sex(voice.relation), voice.sex)
        out = re.sub(r"\b[Tt]he (patient|child|baby|infant|newborn|boy|girl)('s)?\b"
                     r"|^Patient('s)?\b",  # a note's "Patient has ..."
                     lambda m: "my child" + (m.group(2) or m.group(3) or ""), text)  # fmt: skip
        out = re.sub(r"^(my child)", "My child", out)
    else:
        out = re.sub(r"\b(The patient|Patient)'s\b", "My", text)
        out = re.sub(r"\b(the patient|patient)'s\b", "my", out)
        out = re.sub(r"\b(The patient|Patient|She|He)\b", "I", out)
        out = re.sub(r"\b(the patient|she|he)\b", "I", out)
        out = re.sub(r"\b(Her|His)\b", "My", out)
        out = re.sub(r"\b(her|his)\b", "my", out)
        out = re.sub(r"\bhim\b", "me", out)
        # "her" as an object ("telling her she is worthless"), not a possessive
        out = re.sub(r"\bmy\b(?=\s+(?:I|that|to|and|or|with|for|in|on|at|from|about|if|when|the|a"
                     r"|an)\b|\s*[.,;!?]|\s*$)", "me", out)  # fmt: skip
        out = re.sub(r"\b(herself|himself)\b", "myself", out)
        # "I also reports", "I currently smokes": an adverb may stand between subject and verb
        out = re.sub(
            r"\bI((?: (?:also|still|now|\w+ly))?) (\w+)\b",
            lambda m: f"I{m.group(1)} " + _VERB.get(m.group(2), m.group(2)),
            out,
        )
        out = re.sub(r"\bI am (\w+ing)\b", r"I am \1", out)
    out = re.sub(r"^(?:The )?(?:[Pp]atient )?[Dd]enies (?:any |having |experiencing )*",
                 f"{voice.subject} {'hasn' if voice.carer else 'haven'}'t had ", out)  # fmt: skip
    out = re.sub(r"\bI deny (?:any |having |experiencing )*", "I haven't had ", out)
    out = re.sub(r"\bI report (?:that )?I ", "I ", out)
    out = re.sub(r"\bI report (?:experiencing |having )?(\w+ing)\b", r"I've been \1", out)
    out = re.sub(r"\bI report\b", "I have", out)
    first = out.split(" ", 1)[0]
    lowered = first.lower()
    rest = out[len(first) :]
    if lowered in _VERB and first[0].isupper():
        verb = lowered if voice.carer or lowered in _ADVERB else _VERB[lowered]
        return f"{voice.subject} {verb}{rest}"
    after = rest.split(" ", 2)  # "Rarely drinks alcohol": an adverb before the note's verb
    if lowered.endswith("ly") and first[0].isupper() and len(after) > 1:
        verb = after[1].lower()
        if verb in _VERB:
            verb = verb if voice.carer else _VERB[verb]
            return f"{voice.subject} {lowered} {verb}" + (f" {after[2]}" if len(after) > 2 else "")
    return out


def say(text: str, category: str, voice: Voice) -> str:
    """The patient line for one atomic fact."""
    line = first_person(text, voice)
    lowered = line.lower()
    if re.match(r"^(i|my|we|he|she|they|no|not|never|yes|nothing|none)\b", lowered):
        return line
    if category == "past_history":
        return (
            f"{'He' if voice.sex == 'male' else 'She'} has had {_lower_first(line)}"
            if voice.carer
            else f"I have had {_lower_first(line)}"
        )
    if category == "medications":
        who = ("He takes" if voice.sex == "male" else "She takes") if voice.carer else "I take"
        return f"{who} {_lower_first(line)}"
    if re.match(r"^(non-?smoker|ex-?smoker|smoker|teetotal|social drinker|\w+er by profession)",
                lowered):  # fmt: skip
        who = ("He is" if voice.sex == "male" else "She is") if voice.carer else "I'm"
        article = "" if lowered.startswith(("teetotal",)) else "a "
        return f"{who} {article}{_lower_first(line)}"
    return line


# Record keys of the patient actor -> the history category of what they hold.
KEY_CATEGORY = {
    "History": "history_of_presenting_illness",
    "Past_Medical_History": "past_history",
    "Social_History": "social",
    "Review_of_Systems": "review_of_systems",
    "Current_Medications": "medications",
    "Medications": "medications",
    "Drug_History": "medications",
    "Family_History": "family",
}
# A secondary "symptom" that says one of these says how the complaint behaves ("Pain worsens
# with movement", "The onset of pain while exercising"), not a symptom that comes with it.
NOT_A_SYMPTOM = frozenset({"onset", "onset_manner", "aggravating", "relieving", "previous"})
# Topics whose facts file under their own category whatever key they came from.
TOPIC_CATEGORY = {"family": "family", "allergies": "allergies"}


def _lower_first(text: str) -> str:
    return text[0].lower() + text[1:] if text[:2] != text[:2].upper() else text


# "<Symptom> <verb> <preposition> ...": a note's sentence with its own verb ("Pain worsens with
# movement", "Rash spread to the trunk"), not a symptom's name.
_OWN_VERB = re.compile(
    r"^(?!(?:the|a|an|no|not)\b)\w+(?: \w+)? (?:worsens?|improves?|radiates?|spreads?|spread"
    r"|started|began|begins|starts|increased|decreased|resolved|stopped|persists|persisted|occurs"
    r"|occurred|comes|goes|gets) ",
    re.IGNORECASE,
)
_ONSET = re.compile(r"^(?:the )?onset of (?P<what>.+?) (?P<when>(?:while|during|after|when) .+)$",
                    re.IGNORECASE)  # fmt: skip
_HISTORY_OF = re.compile(r"^(?:a )?(?:past |previous )?history of (?P<what>.+)$", re.IGNORECASE)


def complaint(primary: str, voice: Voice) -> str:
    """The presenting complaint as its teller says it: the record's "Mother reports lackluster
    grades" is, in the mother's words, "lackluster grades"."""
    if not voice.carer:
        return primary
    said = informant_says(primary, voice.relation, relation_sex(voice.relation), voice.sex)
    return said if said.lower() != primary.lower() else primary


def secondary_symptom_line(symptom: str, voice: Voice) -> str:
    """A secondary symptom in the speaker's words: "I also have <symptom>." for a symptom's name,
    the note's own sentence on the speaker's behalf where it has a verb ("My pain worsens with
    movement."), and its onset or past history said as such ("My pain started while exercising.",
    "I have had recurrent bronchitis.")."""
    mine = ("Her" if voice.sex == "female" else "His") if voice.carer else "My"
    has = "has" if voice.carer else "have"
    if onset := _ONSET.match(symptom):
        return f"{mine} {_lower_first(onset['what'])} started {onset['when']}."
    if past := _HISTORY_OF.match(symptom):
        return f"{voice.subject} {has} had {_lower_first(past['what'])}."
    if _OWN_VERB.match(symptom):
        return f"{mine} {_lower_first(symptom)}."
    return f"{voice.subject} also {has} {_lower_first(symptom)}."


def _kin(line: str, voice: Voice) -> str:
    """ "My child" said as the informant calls the child: a grandmother's "my grandson"."""
    if not voice.carer or voice.relation in ("mother", "father", "parent"):
        return line
    kid = kin_word(voice.relation, voice.sex)
    return re.sub(r"\b([Mm]y) child\b", lambda m: f"{m[1]} {kid}", line)


def build_facts(actor: dict, primary: str, voice: Voice, report, where: str) -> list[dict]:
    """Every fact of a record's patient actor, in the order a record tells them."""
    facts: list[dict] = []

    def add(category: str, content: str, source: str, says: str, topics=frozenset()) -> None:
        facts.append(
            {
                "id": f"{category.replace('_', '-')[:20].strip('-')}-{len(facts) + 1}",
                "category": category,
                "content": content,
                "patient_says": _kin(spoken(says, voice), voice),
                "source": source,
                **({"topics": sorted(topics)} if topics else {}),
            }
        )

    has = "has" if voice.carer else "have"
    said = _lower_first(complaint(primary, voice))
    add("presenting_complaint", primary, "Patient_Actor/Symptoms/Primary_Symptom",
        f"{'My child' if voice.carer else 'I'} {has} {said}.")  # fmt: skip
    symptoms = actor.get("Symptoms") or {}
    for i, symptom in enumerate(symptoms.get("Secondary_Symptoms") or []):
        symptom = " ".join(str(symptom).split()).rstrip(".")
        if not symptom or is_meta(symptom):
            continue
        negated = re.match(r"^(no|not|non|improve|worse|better|with|without)\b", symptom, re.I)
        # a note's sentence: "Patient shows irritability", "Expresses unhappiness with ..."
        sentence = re.match(r"^(?:(?:the )?patient \w+s|(\w+))\b", symptom, re.I)
        sentence = sentence and (sentence[1] is None or sentence[1].lower() in _VERB_3SG)
        if negated or sentence or re.search(r"\b(has|have|is|are|was|were)\b", symptom):
            says = first_person(symptom, voice)
        else:
            says = secondary_symptom_line(symptom, voice)
        category = "history_of_presenting_illness"
        topics = specific_topics(symptom, category)
        if not topics & NOT_A_SYMPTOM:
            topics |= {"associated"}  # a symptom that comes with the complaint
        add(category, symptom, f"Patient_Actor/Symptoms/Secondary_Symptoms/{i}", says, topics)
    for key, value in actor.items():
        if key in ("Demographics", "Symptoms"):
            continue
        category = KEY_CATEGORY.get(key)
        if category is None:
            category = "family" if "family" in key.lower() else "history_of_presenting_illness"
            report.unmapped.append(f"{where}: patient key {key} kept as {category}")
        if isinstance(value, list):
            value = "; ".join(map(str, value))
        elif isinstance(value, dict):
            value = ". ".join(f"{k.replace('_', ' ')}: {v}" for k, v in value.items())
        text = str(value)
        if not text.strip():
            continue
        if category == "medications":
            add(category, text.strip(), f"Patient_Actor/{key}", say(text.strip(), category, voice))
            continue
        pieces = atoms(text, category)
        couple = False  # a sentence said "My husband and I": "They are ..." after it is "We"
        for clause, topics in pieces:
            own = category
            if category in ("past_history", "social"):
                own = next((TOPIC_CATEGORY[t] for t in sorted(topics) if t in TOPIC_CATEGORY), own)
            source = f"Patient_Actor/{key}"
            if len(pieces) > 1 and topics and category == "social":
                source += "/" + sorted(topics)[0]
            says = say(clause, own, voice)
            if couple and not voice.carer and says.startswith("They "):
                says = "We " + says[len("They ") :]
            couple = couple or bool(re.search(rf"\b(?:{_FAMILY}) and I\b", spoken(says, voice)))
            add(own, clause, source, says, topics)
    return facts


# A clinical note's constructions, and what a patient says instead (applied to every patient
# line after the first-person rewrite; the fact's content keeps the record's words). Each rule
# keeps what the note says true: its negation, its times and its numbers.
_NUMBER_NAMES = {
    1: "a",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve",
}
_HAVE = (
    r"(?:have had|has had|have|has|present with|presents with|describe|describes|report"
    r"|reports|mention|mentions|note|notes)"
)
_SPAN = (
    r"(?:(?P<n>\d+|an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
    r"[- ](?P<unit>hour|day|week|month|year)s?[- ])"
)
_KINDS = (
    r"(?P<kinds>(?:(?:long|significant|medical|past medical|past|previous|known|recent"
    r"|prior|documented|remote|longstanding|long-standing|established)\s+)*)"
)
# "I have a 2-week history of X", "I have a significant history of X", "there is a history of X"
_HISTORY = re.compile(
    rf"^(?P<subj>I|He|She|My child)(?P<also> also)? {_HAVE}\s+(?:an? )?{_SPAN}?{_KINDS}"
    r"history of (?:experiencing |having )?(?P<what>.+)$",
    re.IGNORECASE,
)
_THERE_IS_HISTORY = re.compile(r"\bthere (?:is|was) (?:also )?an? (?:\w+ )?history of ", re.I)
_NO_HISTORY = re.compile(
    r"^No (?P<known>known )?(?:previous |prior |past )?(?P<family>family (?:or personal )?"
    r"|personal or family )?(?:medical )?history of (?P<what>.+?)\.?$",
    re.IGNORECASE,
)
_NEVER_SIGNIFICANT = re.compile(
    r"^(?:No|(?:I|He|She|My child) (?:haven't|hasn't|have not|has not|do not|does not|don't"
    r"|doesn't) (?:had|have))(?: any)?(?P<other> other)? (?:significant|major|notable|relevant)"
    r"(?P<other2> other)? (?:past |previous |prior )?"
    r"(?P<what>medical(?: (?:or|and) surgical)?|surgical)?"
    r"(?P<mind> or psychiatric)?\s*(?:history|illness(?:es)?|issues|problems|conditions)\b",
    re.IGNORECASE,
)
_UNREMARKABLE = re.compile(
    r"^(?:My |Her |His )?(?:past )?medical history (?:is|was) (?:unremarkable|non-?contributory)",
    re.IGNORECASE,
)
_TIMED = re.compile(r"\b(during|since|after|before|at the time|in the past|recently|when)\b")
_VERB_3SG = frozenset(v for v in _VERB if v.endswith("s") and v != "was")
_PARTICIPLE = {"drinking": "drunk", "eating": "eaten", "taking": "taken", "getting": "got"}


def _span(n: str, unit: str) -> str:
    value = 1 if n.lower() in ("a", "an", "one") else int(n) if n.isdigit() else None
    if value is None:
        return f"{n} {unit}s"
    if value == 1:
        return f"an {unit}" if unit == "hour" else f"a {unit}"
    return f"{_NUMBER_NAMES.get(value, value)} {unit}s"


def _had(what: str) -> str:
    """What someone has had, a habit said with its verb ("smoking, a pack a day" -> "smoked, a
    pack a day"); an -ing word before its noun stays ("increasing fatigue": "had increasing
    fatigue")."""
    head = re.match(r"([a-z]+ing)\b(\W*)(\w*)", what)
    if (
        head
        and head[1] not in SYMPTOM_GERUNDS
        and (not head[3] or head[2].strip() or head[3] in _HABIT_NEXT or head[3].isdigit())
    ):
        verb = _PARTICIPLE.get(head[1], head[1][:-3] + "ed")
        return verb + what[len(head[1]) :]
    return f"had {what}"


# What follows a habit's -ing word rather than a noun it describes ("smoking half a pack").
_HABIT_NEXT = frozenset(
    """for since of at on in with about half a an one two three daily heavily occasionally
    socially regularly""".split()
)


# Nouns in -ing that name a symptom or an event, not a habit: "a history of vomiting".
SYMPTOM_GERUNDS = frozenset(
    """vomiting bleeding swelling wheezing itching bruising fainting snoring sweating tingling
    burning stuttering seizing choking coughing sneezing blushing""".split()
)


_EXPERIENCE = {"e": "get", "ed": "had", "es": "gets"}
# Verbs whose -ing takes the symptom as its object ("I've been having pain").
_HOLDING = frozenset("having feeling getting noticing experiencing suffering".split())


def _low(subject: str) -> str:
    return subject if subject == "I" else subject.lower()


def _plural(noun: str) -> bool:
    return bool(re.search(r"(?<!s)s$| and ", noun)) or noun.lower() in ("they", "people")


def _healthy(m: re.Match) -> str:
    """ "I have had otherwise healthy" (say()'s past history prefix before a state) -> "I am"."""
    be = "was" if m.group(2) == "previously " else "am" if m.group(1) == "I" else "is"
    return f"{m.group(1)} {be} {m.group(2) or ''}{m.group(3)}"


# The speaker's partner ("the husband"); not a parent, who may be the one speaking for a child.
_FAMILY = "[Hh]usband|[Ww]ife|[Pp]artner|[Ss]pouse|[Bb]oyfriend|[Gg]irlfriend|[Ff]ianc[eé]e?"


def _plain_name(name: str) -> str:
    """A condition's name as said in a sentence: "body Dysmorphic Disorder" (a Title Case name
    whose first letter say() lowered) -> "body dysmorphic disorder"; "AIDS" keeps its capitals."""
    names = name.split()
    if len(names) > 1 and all(w[:1].isupper() and w[1:].islower() for w in names[1:]):
        return " ".join(w.lower() for w in names)
    return name


def spoken(line: str, voice: Voice) -> str:
    """A first-person line with the note's constructions said as a patient says them: "I have a
    2-day history of X" -> "For two days I have had X"; "No significant past medical history"
    -> "I've never had any serious illness"; "I do not report any X" -> "I haven't had any X";
    "I present with X" -> "I have X"; "experiencing" -> "having"; "per day" -> "a day"."""
    me = voice.subject if voice.carer else "I"
    have = "has" if voice.carer else "have"
    out = " ".join(line.split())
    out = re.sub(
        r"\b(I|[Hh]e|[Ss]he|my child)( also)? present(?:s|ed)? for\b", r"\1\2 came in for", out
    )
    out = re.sub(r"\b(I|He|She|My child)( also)? present(?:s|ed)? to\b", r"\1\2 came to", out)
    out = re.sub(
        r"\b(I|He|She|My child)( also)? (?:present(?:s|ed)? with|complain(?:s|ed)? of) "
        r"(?:complaints of |a chief complaint of )?",
        lambda m: f"{m.group(1)}{m.group(2) or ''} {have} ",
        out,
    )
    out = re.sub(
        r"\b(I|He|She)( also)? (?:do|does|did) not report (?:any )?",
        lambda m: f"{m.group(1)}{m.group(2) or ''} {have}n't had any ",
        out,
    )
    out = re.sub(
        r"\b(?:does|do) not present with\b",
        "I don't have" if not voice.carer else f"{voice.subject.lower()} doesn't have",
        out,
    )
    out = re.sub(
        r"(\bbut|\band|,) (?:also )?denies (?:any |having |experiencing )*",
        rf"\1 {me.lower() if me != 'I' else 'I'} {have}n't had any ",
        out,
    )
    # "I also have denies X" (a secondary symptom that is a denial)
    out = re.sub(
        r"\b(I|He|She)( also)? (?:have|has) den(?:y|ies) (?:any |having |experiencing )*",
        lambda m: f"{m.group(1)} {have}n't had any ",
        out,
    )
    out = _THERE_IS_HISTORY.sub(f"{me.lower() if me != 'I' else 'I'} {have} had ", out)
    out = re.sub(
        r"^(I|He|She)( also)? (have|has)(?: had)? (?:an? )?(?:past )?(?:medical )?"
        r"(?:history )?(?:is )?(only )?significant (only )?for\b",
        lambda m: (
            f"{m.group(1)}{m.group(2) or ''} {m.group(3)} "
            f"{'only ' if m.group(4) or m.group(5) else ''}had"
        ),
        out,
    )
    # say()'s "I have had" before a passive ("diagnosed with", "born at term")
    out = re.sub(
        r"^(I|He|She) (?:have|has) had (\w+ed|born)(?= (?:with|at|for|to|in|on|by|from"
        r"|after|via|as|full|\w+ly)\b)",
        r"\1 was \2",
        out,
    )
    out = re.sub(
        r"\bthere(?:'s| is| was) no (?:\w+ )?history of ",
        f"{me.lower() if me != 'I' else 'I'} {have}n't had any ",
        out,
    )
    out = re.sub(
        r"\b(has|have) no (?:known )?(?:previous |prior |past )?history of (?!\w+ing\b)",
        r"\1 never had ",
        out,
    )
    if m := re.match(
        r"^(?:(I|He|She)(?: also)? (?:have|has) )?(?:a )?famil(?:y|ial) history "
        r"of (?P<what>.+?)(?: in (?P<who>(?:my|his|her) \w+))?\.?$",
        out,
    ):
        whose = "our" if voice.carer else "my"
        out = (
            f"{m['who'][0].upper()}{m['who'][1:]} has had {m['what']}."
            if m["who"]
            else f"{m['what'][0].upper()}{m['what'][1:]} "
            f"{'run' if _plural(m['what']) else 'runs'} in {whose} family."
        )
    out = re.sub(r"^History of (.+)$", lambda m: f"{me} {have} {_had(m.group(1))}", out)
    # someone else's history: "my mother has a history of chronic joint pain"
    out = re.sub(
        r"\b(has|have) (?:an? )?(?:(?:long|known|past|previous|significant|medical) )*"
        r"history of (?!\w+ing\b)",
        r"\1 had ",
        out,
    )
    out = _told(_agree(out) if not voice.carer else out)
    out = re.sub(r"\b(have|has) had had\b", r"\1 had", out)
    if m := _HISTORY.match(out):
        what = m["what"].rstrip(".")
        verb = "have" if m["subj"] == "I" else "has"
        also = m["also"] or ""
        said = f"{m['subj']}{also} {verb} {_had(what)}"
        if m["n"]:
            said = said if m["subj"] == "I" else said[0].lower() + said[1:]
            out = f"For {_span(m['n'], m['unit'])}, {said}."
        elif "long" in (m["kinds"] or "").split():
            out = f"{said} for a long time."
        else:
            out = f"{said}."
    # "a 4-month history of X" inside a sentence: "four months of X"
    out = re.sub(
        rf"(?<=[\w;,] )(?:an? )?{_SPAN}(?:[a-z-]+ )?history of (?:experiencing )?",
        lambda m: f"{_span(m['n'], m['unit'])} of ",
        out,
    )
    if m := _NO_HISTORY.match(out):
        what = m["what"]
        family = bool(m["family"]) or bool(re.search(r"\bin (?:the|my|his|her) family$", what))
        what = re.sub(r"\s*\bin (?:the|my|his|her) family$", "", what)
        known = "As far as I know, " if m["known"] else ""
        whose = "our" if voice.carer else "my"
        if family and m["family"] and "personal" in m["family"].lower():
            said = f"Neither {_low(me)} nor anyone in {whose} family has had {what}"
        elif family:
            said = f"nobody in {whose} family has had {what}"
        elif _TIMED.search(what):
            said = f"{me} {have}n't had {what}"
        else:
            said = f"{me} {have} never had {what}"
        said = f"{known}{said}" if known else said[0].upper() + said[1:]
        out = f"{said}."
    if m := _NEVER_SIGNIFICANT.match(out):
        other = " other" if m["other"] or m["other2"] else ""
        ops = " or operations" if m["what"] and "surgical" in m["what"].lower() else ""
        kind = " physical or mental" if m["mind"] else ""
        out = f"{me} {have} never had any{other} serious{kind} illness{ops}{out[m.end() :]}"
    if m := _UNREMARKABLE.match(out):
        out = f"{me} {have} never had any serious illness{out[m.end() :]}"
    out = re.sub(
        r"\bno (other )?significant (?:past |previous )?medical (?:history|illness)",
        r"no \1serious illness",
        out,
        flags=re.IGNORECASE,
    )
    out = re.sub(r"\bsignificant (illness|illnesses|disease|diseases)\b", r"serious \1", out)
    # a negated "significant X" is a big one a patient would have noticed
    out = re.sub(
        r"(\b(?:no|not|without|never)\b|n't\b)([^.;]*?)\bsignificant\b"
        r"(?![^,.;]*\b(?:history|findings)\b)(?! (?:alcohol|tobacco|drugs?|use)\b)",
        r"\1\2big",
        out,
        flags=re.IGNORECASE,
    )
    out = re.sub(r"\bper (day|week|month|year|night)\b", r"a \1", out)
    out = re.sub(r"\b(have|has|had) been experiencing\b", r"\1 been having", out)
    out = re.sub(
        r"\b(I|I've|I have|am|is|are|was|been|[Hh]e|[Ss]he)( also)? experienc(e|ed|es)\b",
        lambda m: f"{m.group(1)}{m.group(2) or ''} " + _EXPERIENCE[m.group(3)],
        out,
    )
    out = re.sub(r"\b(have|has|had) (not )?experienced\b", r"\1 \2had", out).replace("  ", " ")
    out = re.sub(r"\b(and|but) experienced\b", r"\1 had", out)
    out = re.sub(r"\b(am|is|are|was|were|been) experiencing\b", r"\1 having", out)
    # "I've been increasing pain": the -ing word describes a symptom, it is not a verb
    out = re.sub(
        r"^I've( also)? been (\w+ing) (\w+)\b",
        lambda m: (
            f"I{m.group(1) or ''} have {m.group(2)} {m.group(3)}"
            if set(terms(m.group(3))) & SYMPTOM_TERMS and m.group(2) not in _HOLDING
            else m.group(0)
        ),
        out,
    )
    out = re.sub(r"\binsidious[- ]onset\b", "gradual", out)
    out = re.sub(r"\b(sudden|acute|recent|new|gradual)[- ]onset(?: of)? ", r"\1 ", out)
    out = re.sub(
        r"\b(before|after|since) the onset of (?:(these|the|my) )?(\w+)\b",
        lambda m: f"{m.group(1)} {m.group(2) or 'the'} {m.group(3)} started",
        out,
    )
    out = re.sub(r"\b(except|with|there's|there is) noted\b", r"\1", out)
    out = re.sub(r"\bnoted to (have|be)\b", r"found to \1", out)
    out = re.sub(r"\bnoted at birth\b", "found at birth", out)
    out = re.sub(
        r"\b(\w+) reports? that\b",
        lambda m: f"{m.group(1)} {'say' if _plural(m.group(1)) else 'says'} that",
        out,
    )
    # say()'s "I have had" before a state ("otherwise healthy", "previously healthy")
    out = re.sub(
        r"^(I|He|She) (?:have|has) had ((?:otherwise|previously|generally) )?"
        r"(healthy|well)(?![\w-])",
        _healthy,
        out,
    )
    # a note's subjectless passive: "Diagnosed with X three years ago" -> "I was diagnosed ..."
    out = re.sub(
        r"^(diagnosed|treated|admitted|hospitali[sz]ed|operated on|seen)"
        r"(?= (?:with|for|at|in|on|by|after)\b)",
        lambda m: f"{me} was {m.group(1).lower()}",
        out,
        flags=re.IGNORECASE,
    )
    # say()'s "I have had X diagnosed three years ago" -> "I was diagnosed with X three years ago"
    out = re.sub(
        r"^(I|He|She) (?:have|has) had (.+?) diagnosed (?=(?:\w+ )*ago\b|in \d|at (?:the )?age\b)",
        lambda m: f"{m.group(1)} was diagnosed with {_plain_name(m.group(2))} ",
        out,
    )
    if not voice.carer:
        # the speaker's partner: "The husband occasionally has ..." -> "My husband ..."
        out = re.sub(
            rf"\b([Tt]he|^)\s*({_FAMILY})\b(?! of\b)",
            lambda m: ("My " if m.start() == 0 else "my ") + m.group(2).lower(),
            out,
        )
        # "I and my husband have been trying" -> "My husband and I have been trying"
        out = re.sub(
            r"(^|\b)I and my (\w+)\b",
            lambda m: ("My" if m.start() == 0 else "my") + f" {m.group(2)} and I",
            out,
        )
    if not voice.carer:
        out = re.sub(
            r"^I((?: \w+ly| also| still| now)?) (\w+)\b",
            lambda m: (
                f"I{m.group(1)} " + (_VERB[m.group(2)] if m.group(2) in _VERB_3SG else m.group(2))
            ),
            out,
        )
    if voice.carer:
        # the child told the parent: "He reports a muddy taste" -> "He complains of a muddy taste"
        out = re.sub(r"^(He|She)( also)? reports (?=no\b|not\b)", r"\1\2 says \1 has ", out)
        out = re.sub(r"^(He|She)( also)? reports (?!that\b)", r"\1\2 complains of ", out)
        out = re.sub(r"(?<= says )(He|She)\b", lambda m: m[1].lower(), out)
    else:
        out = _agree(out)
    out = _done_then(out)
    return out[0].upper() + out[1:] if out else out


# Telling words a note puts before what the patient said ("I mention ...", "I describe the pain
# as ...", "and mention poor sleep"): the patient says the thing itself.
_TELL = r"(?:mention|report|state|say|note|describe)s?"
# Telling words before a "that" clause, the record's as much as the patient's ("He also reveals
# that his mother has ...", "She admits that ...", "explains that", "adds that").
_TELL_THAT = r"(?:mention|report|state|say|note|describe|reveal|admit|explain|add|disclose)s?"
_CLAUSE_START = r"(?=(?:I|my|it|there|the|we|they|he|she|this|these)\b)"


def _told(out: str) -> str:
    """A first-person line without the note's telling words: "I mention that my legs ..." ->
    "My legs ..."; "I mention being treated for X 6 months ago" -> "I was treated for X 6 months
    ago"; "I mention being sexually active" -> "I am sexually active"; "I describe the pain as
    radiating" -> "My pain is radiating"; "I report bloody stools" -> "I have bloody stools";
    "I mention the recent formation of bumps" -> "I have noticed the recent formation of bumps";
    "They mention that ..." -> "They say that ..."."""
    told = re.sub(rf"^I (?:also )?{_TELL_THAT} that {_CLAUSE_START}", "", out)
    if told != out:  # "... for 10 years and that my mother had ..." -> "... and my mother had"
        out = re.sub(rf"(,? and) that {_CLAUSE_START}", r"\1 ", told)
    out = re.sub(r"^I (?:also )?(?:mention|report|state|say|note)s? (?=I )", "", out)
    out = re.sub(
        r"^I( also)? describes? (?:the|my) ((?:\w+ ){0,2}?\w+) as (?=\w)",
        lambda m: f"My {m[2]} is ",
        out,
    )
    out = re.sub(
        rf"^I( also)? {_TELL} being (\w+ed)\b",
        lambda m: f"I{m[1] or ''} {'was' if _past_time(out) else 'have been'} {m[2]}",
        out,
    )
    out = re.sub(rf"^I( also)? {_TELL} being\b", r"I\1 am", out)
    out = re.sub(rf"^I( also)? {_TELL} (?:experiencing|having) ", r"I\1 have ", out)
    out = re.sub(rf"^I( also)? {_TELL} (\w+ing)\b", r"I've\1 been \2", out)
    out = re.sub(r"^I( also)? (?:report|mention)s? (?=the )", r"I\1 have noticed ", out)
    # what they have ("I report bloody stools", "I mention no triggers"); not a recent event
    # ("I report recent return from a camping trip" stays as the note says it)
    told = re.match(r"^I( also)? (?:report|mention|describe)s? (?!that\b|as\b|I\b)(?=[a-z])", out)
    if told and (
        not out[told.end() :].startswith("recent") or set(terms(out[told.end() :])) & SYMPTOM_TERMS
    ):
        out = f"I{told[1] or ''} have {out[told.end() :]}"
    # someone else told it: "They mention that", "The family mentions that" -> "say(s) that"
    out = re.sub(
        r"\b(\w+) (?:mention|state|reveal|add|explain)(s?) that\b",
        lambda m: f"{m[1]} {'says' if m[2] else 'say'} that",
        out,
    )
    # "No reported use of medications", "No reports of irritability", "reported by the roommates"
    out = re.sub(r"\b([Nn]o) (?:reported|reports of)\b", r"\1", out)
    out = re.sub(r",? (?:as )?(?:reported|noted|provided) by (?:the|my|his|her) \w+\b", "", out)
    return out


# A subject a verb after "and", "but" or a comma may have: the last one before it.
_SUBJECT = re.compile(
    r"(?<!\bwhen )(?<!\bif )(?<!\bwhile )(?<!\bas )(?<!\bbecause )(?<!\bafter )(?<!\bbefore )"
    r"(?<!\buntil )(?<!\bunless )(?<!\bonce )"  # "when I hold my son and is eased": not "I"
    r"(?:\b(?:I|I've|I'm|I'd|it|he|she|they|we|you|which|who|there"
    r"|that(?! (?:I|he|she|it|they|we|my|the|this|these)\b))\b"
    r"|\b(?:[Mm]y|[Hh]is|[Hh]er|[Tt]he|an?) \w+(?= (?:\w+ly )?(?:has|is|was|are|were|have|had"
    r"|does|do|[a-z]+[^aeiosuy\W]s)\b))"
)
_S_ADVERBS = frozenset({"perhaps", "afterwards", "towards", "thus", "always", "sometimes"})


def _base(verb: str) -> str:
    """A third-person verb said after "I": "reports" -> "report", "holds" -> "hold"."""
    if verb in _VERB_3SG:
        return _VERB[verb]
    if re.fullmatch(r"[a-z]{2,}[^aeiosuy]s", verb) and verb not in _S_ADVERBS:
        return verb[:-1]
    return verb


def _agree(out: str) -> str:
    """Verbs agree with "I" where "I" is their subject: "I've been feeling a fullness and has
    difficulty" -> "and have difficulty"; "when I holds my son" -> "when I hold my son"."""
    out = re.sub(
        r"\bI((?: \w+ly| also| still| now)?) ([a-z]+)\b",
        lambda m: f"I{m[1]} {_base(m[2])}",
        out,
    )

    def mine(m: re.Match) -> bool:
        subjects = _SUBJECT.findall(out[: m.start()])
        return bool(subjects) and subjects[-1] in ("I", "I've", "I'm", "I'd")

    out = re.sub(
        rf"(,|\band|\bbut) ({'|'.join(sorted(_VERB_3SG))})\b",
        lambda m: f"{m[1]} {_VERB[m[2]]}" if mine(m) else m[0],
        out,
    )
    out = re.sub(
        r"(,|\band|\bbut) (has|does)n't\b",
        lambda m: f"{m[1]} {_VERB[m[2]]}n't" if mine(m) else m[0],
        out,
    )
    # "and mention that I have not started ..." -> "and I have not started ..."
    out = re.sub(rf"(\band|\bbut|,) (?:also )?{_TELL} that {_CLAUSE_START}", r"\1 ", out)
    return re.sub(
        r"(\band|\bbut|,) (?:also )?(?:report|mention)s? (?:that )?(?:experiencing |having )?",
        lambda m: f"{m[1]} I have " if mine(m) else m[0],
        out,
    )


_PAST_WORDS = re.compile(r"\b(?:ago|yesterday|last (?:night|week|month|year))\b")
# -ing words whose simple past says it better than "was ...ing" ("I noticed a lesion 2 months ago")
_PERCEIVED = {"noticing": "noticed", "feeling": "felt", "seeing": "saw", "having": "had",
              "experiencing": "had", "getting": "got"}  # fmt: skip


def _past_time(text: str) -> bool:
    """Whether a clause is set at a past time ("2 months ago", "yesterday"), not a span up to
    now ("since 2 days ago", "for the last week")."""
    return bool(_PAST_WORDS.search(text)) and not re.search(
        r"\bsince\b[^,.;]*\b(?:ago|yesterday)\b|\b(?:for|over|during|in|within) (?:the )?last\b",
        text,
    )


def _done_then(out: str) -> str:
    """A present perfect set at a past time, said in the past: "I've been exercising in the gym
    several hours ago" -> "I was exercising ..."; "I've been noticing a lesion 2 months ago" ->
    "I noticed a lesion 2 months ago"."""

    def then(m: re.Match) -> str:
        clause = re.split(r"[,;.]", out[m.end() :], maxsplit=1)[0]
        if not _past_time(clause):
            return m.group(0)
        also = m["also"] or ""
        if m["ing"] in _PERCEIVED:
            return f"{m['who']}{also} {_PERCEIVED[m['ing']]}"
        be = "was" if m["who"] in ("I", "He", "She", "he", "she") else "were"
        return f"{m['who']}{also} {be} {m['ing']}"

    return re.sub(
        r"\b(?P<who>I|He|She|he|she|We|we)(?:'ve| have| has)(?P<also> also)? been"
        r" (?P<ing>\w+ing)\b",
        then,
        out,
    )


# A fact's own category outranks the account of the illness a record often repeats it in
# ("She is a non-smoker and does not drink alcohol." in the History, "Does not smoke or drink
# alcohol." in the Social_History): the presenting complaint first, then the history's own
# sections, then the account and the review of systems.
_KEEP_FIRST = ("presenting_complaint", "history_of_presenting_illness", "review_of_systems")
_NEGATION = {"non": "not", "no": "not", "never": "not"}


def _said_terms(line: str) -> dict[str, set[str]]:
    """The terms a line says, each with the words that said it (negations folded together)."""
    out: dict[str, set[str]] = {}
    for word in re.findall(r"[a-z0-9]+", line.lower()):
        for term in terms(word):
            out.setdefault(_NEGATION.get(term, term), set()).add(word)
    return out


def _same_claim(a: dict[str, set[str]], b: dict[str, set[str]]) -> bool:
    """Two lines say the same thing: the same terms, each said with the same word or a form of
    it ("smoke"/"non-smoker", "decrease"/"decreased"); not two words a term folds together
    ("malaise" and "fatigue", "pain" and "tenderness": the record names both)."""
    if not a or a.keys() != b.keys():
        return False
    return all(any(x[:4] in y or y[:4] in x for x in a[t] for y in b[t]) for t in a if t != "not")


def dedupe(facts: list[dict]) -> list[dict]:
    """The facts without a line that says again what another says (a record repeats a fact in
    two sections: it would be disclosed twice, and the patient says it twice). The one kept is
    the presenting complaint's, else the one in the history's own section (past, social,
    family, medicines), else the first. Ids are kept: the rubric and others name them."""
    said = [_said_terms(f["patient_says"]) for f in facts]

    def rank(i: int) -> tuple[int, int]:
        category = facts[i]["category"]
        if category == "presenting_complaint":
            return (0, i)
        return (2 if category in _KEEP_FIRST else 1, i)

    dropped: set[int] = set()
    for i in range(len(facts)):
        for j in range(i):
            if j in dropped or i in dropped or not _same_claim(said[i], said[j]):
                continue
            dropped.add(max((i, j), key=rank))
    return [f for i, f in enumerate(facts) if i not in dropped]
