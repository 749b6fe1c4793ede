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

from simdesk.core.cases.topics import text_topics

# Record sentences about the record, not the patient ("No additional symptoms provided.").
RECORD_META = re.compile(
    r"^\s*(information\s+)?(not\s+(provided|specified|available|applicable|mentioned|reported))"
    r"|\bnot (provided|specified|available|mentioned|applicable)\s*\.?\s*$"
    r"|^\s*(none|n/?a|na|unknown)\.?\s*$|is not (relevant|pertinent|applicable)"
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
}  # fmt: skip
_ADVERB = frozenset({"recently", "occasionally", "currently"})


@dataclass(frozen=True)
class Voice:
    carer: bool
    sex: str

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
        out = re.sub(r"\b[Tt]he (patient|child|baby|infant|newborn|boy|girl)('s)?\b",
                     lambda m: "my child" + (m.group(2) or ""), text)  # fmt: skip
        out = re.sub(r"^(my child)", "My child", out)
    else:
        out = re.sub(r"\b(The patient|Patient|She|He)\b", "I", text)
        out = re.sub(r"\b(the patient|she|he)\b", "I", out)
        out = re.sub(r"\b(Her|His)\b", "My", out)
        out = re.sub(r"\b(her|his)\b", "my", out)
        out = re.sub(r"\bhim\b", "me", out)
        out = re.sub(r"\b(herself|himself)\b", "myself", out)
        out = re.sub(r"\bI (\w+)\b", lambda m: "I " + _VERB.get(m.group(1), m.group(1)), out)
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


def build_facts(actor: dict, primary: str, voice: Voice, report, where: str) -> list[dict]:
    """Every fact of a record's patient actor, in the order a record tells them."""
    facts: list[dict] = []

    def add(category: str, content: str, source: str, says: str, topics=frozenset()) -> None:
        facts.append(
            {
                "id": f"{category.replace('_', '-')[:20].strip('-')}-{len(facts) + 1}",
                "category": category,
                "content": content,
                "patient_says": says,
                "source": source,
                **({"topics": sorted(topics)} if topics else {}),
            }
        )

    has = "has" if voice.carer else "have"
    add("presenting_complaint", primary, "Patient_Actor/Symptoms/Primary_Symptom",
        f"{'My child' if voice.carer else 'I'} {has} {_lower_first(primary)}.")  # fmt: skip
    symptoms = actor.get("Symptoms") or {}
    for i, symptom in enumerate(symptoms.get("Secondary_Symptoms") or []):
        symptom = " ".join(str(symptom).split()).rstrip(".")
        if not symptom or is_meta(symptom):
            continue
        negated = re.match(r"^(no|not|non|improve|worse|better|with|without)\b", symptom, re.I)
        if negated or re.search(r"\b(has|have|is|are|was|were)\b", symptom):
            says = first_person(symptom, voice)
        else:
            says = secondary_symptom_line(symptom, voice)
        category = "history_of_presenting_illness"
        add(category, symptom, f"Patient_Actor/Symptoms/Secondary_Symptoms/{i}", says,
            specific_topics(symptom, category))  # fmt: skip
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
        for clause, topics in pieces:
            own = category
            if category in ("past_history", "social"):
                own = next((TOPIC_CATEGORY[t] for t in sorted(topics) if t in TOPIC_CATEGORY), own)
            source = f"Patient_Actor/{key}"
            if len(pieces) > 1 and topics and category == "social":
                source += "/" + sorted(topics)[0]
            add(own, clause, source, say(clause, own, voice), topics)
    return facts
