"""The patient now: "how do you feel now?", "is the pain better?", "how is your breathing?".

Such questions are answered from the simulated state, not from the history: the trend of the
vital signs that go with the question's topic since it was last asked (or since the start), and
the treatments given meanwhile. The answer is a fact made for this turn: its content (the Note
the model voices, and what the guard checks against) says better, the same or worse and after
what; its line is the case's authored ``state_lines`` for that topic and trend, or a default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simdesk.core.cases.catalog import Catalog
from simdesk.core.cases.schema import Fact, Patient
from simdesk.core.sim.bands import bands_for

# Words that put a question in the present ("now", "still", "any better").
_NOW = re.compile(
    r"\b(now|at the moment|right now|currently|still|any better|anymore|any more|these days|"
    r"since (the|you gave|i gave|we gave|that)|after the|improv\w*|better|worse|easier)\b"
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
    r"\bhow long\b|\bstill (have|get|take|smoke|drink|work|live)|\b(where|which|what kind)\b|"
    # When something began, or what came first ("did the vomiting start before or after the
    # pain?"), is history, whatever "after the" says.
    r"\b(start(s|ed)?|began|begin|first|onset)\b|\bbefore or after\b"
)
_HOW_NOW = re.compile(r"^(and |so |ok |okay )?(how (are|is|do|does)|how's)\b(?!.*\blong\b)")
TOPICS: dict[str, re.Pattern[str]] = {
    "breathing": re.compile(r"\b(breath\w*|wheez\w*|chest tight\w*|air)\b"),
    "pain": re.compile(r"\b(pain\w*|hurt\w*|ache\w*|aching|sore)\b"),
    "fever": re.compile(r"\b(fever\w*|hot|temperature|chills?|shiver\w*)\b"),
    "dizziness": re.compile(r"\b(dizz\w*|faint\w*|light ?headed)\b"),
    "bleeding": re.compile(r"\b(bleed\w*|blood)\b"),
    "general": re.compile(
        r"\b(feel\w*|you doing|how are you|how is (he|she)|does (he|she) seem|"
        r"(he|she)'s doing|better|worse)\b"
    ),  # fmt: skip
}
# The vitals that show how each topic is going.
TOPIC_VITALS = {
    "breathing": ("resp_rate", "spo2"),
    "pain": ("heart_rate",),
    "fever": ("temperature_c",),
    "dizziness": ("systolic_bp", "heart_rate"),
    "bleeding": ("heart_rate", "systolic_bp"),
    "general": ("heart_rate", "systolic_bp", "resp_rate", "spo2", "temperature_c"),
}
TOPIC_WORDS = {"breathing": "breathing", "pain": "pain", "fever": "fever",
               "dizziness": "dizziness", "bleeding": "bleeding", "general": "feeling"}  # fmt: skip
# How a patient names what was given, by catalog category (procedures and advice go unnamed).
LAY_NAMES = {"fluids": "the drip", "analgesic": "the painkiller", "respiratory": "the medicine for "
             "breathing", "obstetric": "the injection", "haematology": "the blood"}  # fmt: skip
UNNAMED = {"procedure", "communication", "disposition", "public-health"}
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
    for topic, pattern in TOPICS.items():
        if pattern.search(q):
            return topic
    return None


def distress(vitals: dict[str, float], names: tuple[str, ...], age_years: float) -> float:
    """How far the named vitals are outside their normal band, in band widths (0 = normal)."""
    bands = bands_for(age_years)
    total = 0.0
    for name in names:
        band, value = bands[name], vitals[name]
        width = band.high - band.low
        total += max(band.low - value, value - band.high, 0.0) / width
    return total


@dataclass(frozen=True)
class StateAnswer:
    topic: str
    trend: str
    fact: Fact


def state_answer(
    patient: Patient,
    topic: str,
    before: dict[str, float],
    now: dict[str, float],
    given: list[str],
    catalog: Catalog,
    question: str,
) -> StateAnswer:
    """The fact that answers a question about ``topic`` now, from the vitals ``before`` (the last
    time it was asked, or the start) and ``now``, and the treatment codes ``given`` meanwhile."""
    names = TOPIC_VITALS[topic]
    change = distress(now, names, patient.age_years) - distress(before, names, patient.age_years)
    trend = "better" if change < -TREND_EPSILON else "worse" if change > TREND_EPSILON else "same"
    lay = []
    for code in given:
        entry = catalog.treatment(code)
        if entry is None or entry.category in UNNAMED:
            continue
        name = "the oxygen" if code == "oxygen" else LAY_NAMES.get(entry.category, "the medicine")
        if name not in lay:
            lay.append(name)
    word = TOPIC_WORDS[topic]
    since = f" since {' and '.join(lay)}" if lay else ""
    subject = "Feels" if topic == "general" else f"The {word} is"
    content = {
        "better": f"{subject} better than before{since}.",
        "same": f"{subject} the same as before{since}, no better and no worse.",
        "worse": f"{subject} worse than before{since}.",
    }[trend]
    first_person = patient.informant is None
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
    return StateAnswer(topic, trend, fact)
