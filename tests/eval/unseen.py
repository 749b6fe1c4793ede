"""The unseen-case eval (issue 17): 107 AgentClinic records split by case, never by question.

Every record is imported with the real importer and asked questions through the engine's own
matchers. A history question about a topic is asked on a record only where the record mentions the
topic; elsewhere it is off-case and must disclose nothing. What counts as a right answer is read
from the record (the key a fact came from and what its text says), never from the importer's cues.
Hold-out records, phrasings, diagnosis variants and the labelled MTS-Dialog questions are in
``unseen/`` and were frozen before the first run. Used by ``tests/eval/test_unseen.py`` and
``benchmarks/case_quality.py``.
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from simdesk.core.assess.diagnosis import judge_differential
from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.library import load_library
from simdesk.core.cases.schema import Case, Diagnosis, Fact
from simdesk.core.sim.disclosure import FactMatcher, informant_kin
from simdesk.core.sim.matching import ExamMatcher, TestMatcher
from simdesk.importers.agentclinic import _is_container
from tests.eval.harness import Tally

HERE = Path(__file__).parent / "unseen"
RECORDS = Path(__file__).parent.parent / "fixtures" / "agentclinic" / "agentclinic_medqa.jsonl"

# A record text that gives nothing: "Not provided", "N/A", "No additional symptoms mentioned".
# "No other ..." gives something when it names an exception ("No other significant past medical
# history aside from the recurrent bronchitis." names the bronchitis): that is the record's answer.
NOT_GIVEN = re.compile(
    r"^\s*(information\s+)?(not\s+(provided|specified|available|applicable|mentioned)|none|n/?a"
    r"|no (additional|relevant|pertinent|other)\b"
    r"(?!.*\b(aside from|apart from|except|other than|besides|but)\b).*)\.?\s*$",
    re.IGNORECASE,
)

DURATION = (
    r"\b(\d+|one|two|three|four|five|six|seven|eight|nine|ten|few|several|a|an)[- ]"
    r"(hour|day|week|month|year)s?\b|\bsince\b|\bago\b|\bonset\b|\bstarted\b|\bbegan\b"
    r"|\b(past|last|this) (few )?(hour|day|week|month|year|night|morning)s?\b|\brecent(ly)?\b"
    r"|\byesterday\b"
)
MEDICATION_KEYS = ("Current_Medications", "Medications", "Drug_History")
HPI_KEYS = ("History", "Symptoms")
# Topic -> (record keys that may hold it, None: any key of the patient actor; text pattern).
TOPICS: dict[str, tuple[tuple[str, ...] | None, str | None]] = {
    "complaint": (("Symptoms", "History"), None),
    "onset": (("History", "Symptoms"), DURATION),
    "past_history": (("Past_Medical_History",), None),
    "surgery": (None, r"surg|\boperat|ectomy|otomy|ostomy|plasty|resection|transplant|repair"),
    "medications": (None, r"medicat|\btak(es|ing)\b|treated with|managed with|therapy|prescri"
                    r"|supplement|contracepti|insulin|inhaler|vitamin|\bon (a |an )?[a-z]+"
                    r"(in|ol|ide|ate|one|pril|sartan|mab|ine|am)\b"),
    "allergies": (None, r"allerg"),
    "family": (None, r"family history|in the family|familial|hereditar"
               r"|(mother|father|brother|sister|sibling|uncle|aunt"
               r"|cousin|grand\w+)('s)? (had|has|have|with|died|suffer|diagnos|committ)"),
    "smoking": (None, r"smok|tobacco|cigar|pack-?year|nicotine"),
    "alcohol": (None, r"alcohol|\bdrinks?\b|drinking|\bbeers?\b|\bwine\b|spirits|liquor"),
    "drugs": (None, r"illicit|recreational|substance|cocaine|heroin|cannabis|marijuana|ecstasy"
              r"|drug use|methamphetamine|intravenous drug"),
    "occupation": (("Social_History",), r"\bwork|employ|occupation|\bjob\b|retired|student"
                   r"|school|kindergarten|college|university|profession|teacher|engineer"
                   r"|farmer|nurse|driver|clerk|manager|accountant|designer|mechanic|athlete"
                   r"|soldier|military|\bgrade\b"),
    "living": (("Social_History",), r"\blives?\b|living with|married|husband|wife|divorced"
               r"|widow|\balone\b|children|roommate|household|foster"),
    "travel": (None, r"travel|\btrip\b|camping|abroad|overseas|returned from|vacation|holiday"
               r"|hiking"),
    "sexual": (None, r"sexual|condom|intercourse"),
    "review_of_systems": (("Review_of_Systems",), None),
    "ros_constitutional": (("History", "Symptoms", "Review_of_Systems"),
                           r"fever|febrile|weight|night sweat|chills|fatigue|\btired|appetite"),
    "ros_respiratory": (("History", "Symptoms", "Review_of_Systems"),
                        r"cough|breath|dyspn|wheez|sputum|respirat|hemoptysis|haemoptysis"),
    "ros_cardiac": (("History", "Symptoms", "Review_of_Systems"),
                    r"chest pain|palpitat|edema|oedema"
                    r"|swelling (of|in) (the |his |her )?(legs|ankles)"),
    "ros_gi": (("History", "Symptoms", "Review_of_Systems"),
               r"nausea|vomit|diarrh|constipat|bowel|abdominal|stool|bloat|melena|dysphagia"
               r"|swallow|heartburn"),
    "ros_urinary": (("History", "Symptoms", "Review_of_Systems"),
                    r"\burin|dysuria|hematuria|haematuria|micturition|\bbladder"),
    "ros_neuro": (("History", "Symptoms", "Review_of_Systems"),
                  r"headache|dizz|vertigo|numb|tingl|weak|seizure|vision|visual|paresthes"),
    "ros_skin": (("History", "Symptoms", "Review_of_Systems"), r"\brash|\bitch|lesion|skin|prurit"),
    "ros_joints": (("History", "Symptoms", "Review_of_Systems"),
                   r"joint|muscle|myalgia|arthralg|back pain|stiff|\bbones?\b"),
    # The dimensions of the presenting illness (hpi_*.yaml): said in the record's account of the
    # illness; earlier episodes may be said anywhere (often in the past medical history).
    # Not a bare "onset" ("new-onset", "onset 3 days ago" say when, not how): an onset that says
    # how ("acute onset") or during what ("onset while running").
    "onset_how": (HPI_KEYS, r"\bsudden|gradual|abrupt|insidious|(acute|rapid|slow) onset"
                  r"|\bonset (of \w+ )?(while|when|after|during)\b|came on|comes on|immediate"
                  r"|(started|began|begun) (while|when|after|during)|progressive|rapidly (increas"
                  r"|develop|grow|worsen)|woke (up )?with"),
    "site": (HPI_KEYS, r"\b(left|right|upper|lower|bilateral|central|midline|substernal"
             r"|retrosternal|epigastri\w*|periumbilical|suprapubic|flank|groin|back|chest|abdom\w*"
             r"|belly|stomach|head|neck|throat|shoulders?|arms?|elbows?|wrists?|hands?|fingers?"
             r"|legs?|thighs?|knees?|calf|calves|ankles?|feet|foot|toes?|hips?|pelvi\w*|buttocks?"
             r"|face|eyes?|ears?|jaw|scrotum|testic\w*|vagin\w*|rectal|anal|anus|penis|breasts?"
             r"|spine|temple|forehead|scalp|mouth|tongue|lips?|trunk|extremit\w*|gums?|teeth|tooth"
             r"|thumbs?|heels?|limbs?|nose)\b"),
    "radiation": (HPI_KEYS, r"radiat|\bspread|(goes|going|travel\w*|extend\w*|mov\w*) (down|into"
                  r"|towards|through) (the|his|her|my)\b"),
    "character": (HPI_KEYS, r"\b(sharp|dull|burning|crushing|stabbing|throbbing|aching|achy|ache"
                  r"|cramp\w*|colicky|squeez\w*|tightness|shooting|gnawing|pleuritic|tearing"
                  r"|heaviness|pressing|pounding|soreness|itchy|itching|stinging|electric"
                  r"|lancinating)\b"),
    "severity": (HPI_KEYS, r"\d+ ?/ ?10|out of (10|ten)|\bsevere|\bmild|\bmoderate|excruciating"
                 r"|\bworst\b|\bintense|unbearable|debilitat|\bextremely\b"),
    "timing": (HPI_KEYS, r"constant|intermittent|comes? and goes?|on and off|episod|persistent"
               r"|continuous|\bat night|nocturnal|in the (morning|evening)|\bmornings\b"
               r"|\bnights\b|wak(es|ing) (him|her|them|me|up)|every (day|morning|night|evening)"
               r"|recurr|periodic|\battacks?\b|\bbouts?\b|several times|(times|once|twice) (a|per)"
               r" (day|week)"
               r"|after (meals|eating)|\bfrequent"),
    "aggravating": (HPI_KEYS, r"\bwors(e|en|ens|ened|ening)( \w+){0,2} (after|with|when|on"
                    r"|during|by|if|at|in)\b(?! the (left|right))|aggravat|exacerbat|trigger"
                    r"|provok|precipitat|brought on by|on exertion"),
    "relieving": (HPI_KEYS, r"\b(improv(es|ed|ing|ement)|better|eas(e|es|ed|ing)|settl\w*"
                  r"|subsid\w*|resolv\w*)( \w+){0,2} (after|with|when|on|if)\b|reliev|alleviat"),
    "associated": (("Symptoms/Secondary_Symptoms", "Review_of_Systems"), None),
    "previous": (("History", "Symptoms", "Past_Medical_History", "Review_of_Systems"),
                 r"\b(prior|previous|similar|recurrent|repeated|earlier) (episodes?|attacks?"
                 r"|symptoms|pain|problems?|bouts?|complaints?)|\bepisodes? (of|like) (this"
                 r"|similar|the same)|\b(first|second|third) (time|episode|occurrence)"
                 r"|never (had|experienced) (this|anything|such|similar)|happened before"
                 r"|\bhad (this|similar) before"),
}  # fmt: skip


def _texts(node, path: str) -> list[tuple[str, str]]:
    """``(key path, text)`` of every leaf under ``node``."""
    if isinstance(node, dict):
        return [pair for k, v in node.items() for pair in _texts(v, f"{path}/{k}")]
    if isinstance(node, list):
        return [(path, "; ".join(map(str, node)))] if node else []
    return [(path, str(node))]


def _in_keys(source: str | None, keys: tuple[str, ...] | None) -> bool:
    if keys is None:
        return True
    return any((source or "").startswith(f"Patient_Actor/{k}") for k in keys)


def topic_present(record: dict, topic: str) -> bool:
    """Whether the record mentions the topic (in a key that may hold it)."""
    keys, pattern = TOPICS[topic]
    actor = record["OSCE_Examination"]["Patient_Actor"]
    if topic == "medications" and any(actor.get(k) for k in MEDICATION_KEYS):
        return True
    for path, text in _texts(actor, "Patient_Actor"):
        if path.startswith("Patient_Actor/Demographics") or NOT_GIVEN.match(text):
            continue
        if _in_keys(path, keys) and (pattern is None or re.search(pattern, text, re.I)):
            return True
    return False


def topic_answers(fact: Fact, topic: str) -> bool:
    """Whether a disclosed fact is a right answer to a question about the topic."""
    keys, pattern = TOPICS[topic]
    if topic == "medications" and _in_keys(fact.source, MEDICATION_KEYS):
        return True
    return _in_keys(fact.source, keys) and (
        pattern is None or re.search(pattern, fact.content, re.I) is not None
    )


@functools.cache
def records() -> dict[int, dict]:
    lines = RECORDS.read_text(encoding="utf-8").splitlines()
    return {n: json.loads(line) for n, line in enumerate(lines, 1) if line.strip()}


@functools.cache
def split() -> dict[str, tuple[int, ...]]:
    holdout = tuple(yaml.safe_load((HERE / "split.yaml").read_text())["holdout"])
    return {"holdout": holdout, "tuning": tuple(n for n in records() if n not in holdout)}


@functools.cache
def imported() -> dict[int, Case]:
    """Every record imported with the real importer, by record number (once per run)."""
    from simdesk.importers.agentclinic import import_agentclinic

    with tempfile.TemporaryDirectory(prefix="simdesk-unseen-") as out:
        import_agentclinic(RECORDS, Path(out))
        cases = [e.case for e in load_library(Path(out)) if e.ok]
    return {int(c.meta.id.split("-")[1]): c for c in cases}


@functools.cache
def phrasings(part: str, book: str = "phrasings", edition: str = "") -> dict:
    """A part's phrasings: ``phrasings`` (every topic, exams, orders) or ``hpi`` (the dimensions
    of the presenting illness); ``edition`` names a later, independent book of the same part
    (``"2"``: hpi_holdout2.yaml, ``"3"``: hpi_holdout3.yaml, ``"4"``: hpi_holdout4.yaml,
    ``"5"``: hpi_holdout5.yaml, ``"6"``: hpi_holdout6.yaml)."""
    path = HERE / f"{book}_{part}{edition}.yaml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


@functools.cache
def mts_questions() -> list[tuple[str, tuple[str, ...]]]:
    rows = yaml.safe_load((HERE / "mts_holdout.yaml").read_text(encoding="utf-8"))
    return [(text, tuple(topics)) for _, text, topics in rows]


@dataclass
class History:
    asked: int = 0
    answered: int = 0  # on-case questions that disclosed at least one right fact
    disclosed: int = 0
    right: int = 0
    off_case: int = 0
    off_case_disclosed: int = 0
    by_topic: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))
    misses: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)
    off_case_facts: list[tuple[int, str, tuple[Fact, ...]]] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.answered / self.asked if self.asked else 1.0

    @property
    def precision(self) -> float:
        return self.right / self.disclosed if self.disclosed else 1.0


Discloser = Callable[[Case], Callable[[str], tuple[Fact, ...]]]


def engine_discloser(case: Case) -> Callable[[str], tuple[Fact, ...]]:
    """What the engine discloses (the same matcher ``Encounter.ask`` uses)."""
    matcher = FactMatcher(case.facts, patient_kin=informant_kin(case.patient))
    return lambda question: matcher.match(question).facts


def _ask(history: History, disclose, number: int, question: str, topics, present) -> None:
    facts = disclose(question)
    live = [t for t in topics if t in present]
    if not live:
        history.off_case += 1
        if facts:
            history.off_case_disclosed += 1
            history.wrong.append(f"#{number} off-case {question!r} -> {[f.id for f in facts]}")
            history.off_case_facts.append((number, question, tuple(facts)))
        return
    right = [f for f in facts if any(topic_answers(f, t) for t in live)]
    history.asked += 1
    history.answered += bool(right)
    history.disclosed += len(facts)
    history.right += len(right)
    for topic in live:
        history.by_topic[topic][0] += bool(right)
        history.by_topic[topic][1] += 1
    if not right:
        history.misses.append(
            f"#{number} {'/'.join(live)}: {question!r} -> {[f.id for f in facts]}"
        )
    for fact in facts:
        if fact not in right:
            history.wrong.append(f"#{number} {question!r} -> {fact.id}: {fact.content[:60]!r}")


def history_eval(
    part: str,
    discloser: Discloser = engine_discloser,
    mts: bool = False,
    book: str = "phrasings",
    edition: str = "",
) -> History:
    """History questions on the ``part`` records: the part's own phrasings (``book``: the
    ``phrasings`` or ``hpi`` files, ``edition`` a later book of them), or the MTS questions."""
    history = History()
    cases = imported()
    if mts:
        questions = list(mts_questions())
    else:
        asked = phrasings(part, book, edition)
        questions = [(q, (t,)) for t, qs in asked["history"].items() for q in qs]
        questions += [(q, ("off_topic",)) for q in asked["off_topic"]]
    for number in split()[part]:
        case = cases[number]
        present = {t for t in TOPICS if topic_present(records()[number], t)}
        disclose = discloser(case)
        for question, topics in questions:
            if book == "hpi" and not _presupposed(question, records()[number]):
                continue  # "where is the pain?" presupposes a pain this record does not have
            _ask(history, disclose, number, question, topics, present)
    return history


# A question on a dimension of the pain ("where is the pain?", "does it hurt?") is asked only on a
# record whose account of the illness mentions a pain; elsewhere it is neither on- nor off-case.
PAIN_QUESTION = re.compile(r"\b(pain|painful|hurts?|hurting|aches?|aching|sore)\b", re.I)
PAIN_SAID = re.compile(
    r"\bpain|\bache|aching|hurt|\bsore|discomfort|tender|cramp|colic|\w+algia|\bangina", re.I
)


# The same for a question that names another complaint ("does the cough come and go?", "any
# dizziness with it?"): asked only on a record whose account of the illness or review of systems
# mentions one of the complaints it names. A row: the words a question names it by, the words a
# record says it by.
COMPLAINTS = (
    (r"\bcough\w*", r"cough"),
    (r"\brash\w*", r"\brash|lesion|erupt|spots"),
    (r"\bbleed\w*|\bblood", r"bleed|blood|h(a)?emorrh"),
    (r"\bdizz\w*|vertigo|light-?headed", r"dizz|vertigo|light-?headed"),
    (r"\bswell\w*|\bswollen", r"swell|swollen|o?edema"),
    (r"\bweak\w*", r"weak|paresis"),
    (r"\bheadaches?\b", r"headache|cephal"),
    (r"\bvomit\w*|\bthrow\w* up", r"vomit|emesis"),
    (r"\bnause\w*|\bsick to", r"nause"),
    (r"\bfevers?\b|\bfeverish", r"fever|febrile|pyrexi"),
    (r"\bdiarrh\w*|loose stools?", r"diarrh|loose stool"),
    (r"\bbreath\w*", r"breath|dyspn"),
    (r"\bnumb\w*|\btingl\w*|pins and needles", r"numb|tingl|paresthes|pins and needles"),
    (r"\bitch\w*", r"itch|prurit"),
    (r"\bwheez\w*", r"wheez"),
    (r"\bsputum|\bphlegm|\bmucus", r"sputum|phlegm|mucus|productive"),
    (r"\bpalpitat\w*|heart racing", r"palpitat|racing"),
)


def _presupposed(question: str, record: dict) -> bool:
    """Whether the record's account of the illness has what the question takes for granted: a
    pain for a pain question, one of the named complaints for a question naming complaints."""
    if PAIN_QUESTION.search(question) and not _mentions(record, PAIN_SAID):
        return False
    named = [said for asked, said in COMPLAINTS if re.search(asked, question, re.I)]
    keys = (*HPI_KEYS, "Review_of_Systems")  # a complaint the record denies is answered too
    return not named or any(_mentions(record, re.compile(said, re.I), keys) for said in named)


def _mentions(record: dict, said: re.Pattern, keys: tuple[str, ...] = HPI_KEYS) -> bool:
    actor = record["OSCE_Examination"]["Patient_Actor"]
    return any(
        _in_keys(path, keys) and said.search(text) and not NOT_GIVEN.match(text)
        for path, text in _texts(actor, "Patient_Actor")
    )


def exam_eval(part: str) -> dict[str, Tally]:
    """Exam requests by region on every record of the part; ``vitals`` kept apart."""
    catalog = load_catalog()
    tallies = {"vitals": Tally(), "regions": Tally()}
    for number in split()[part]:
        matcher = ExamMatcher(imported()[number], catalog)
        for regions, requests in phrasings(part)["exams"].items():
            for request in requests:
                got = matcher.match(request)
                if regions == "vitals":
                    ok = got is not None and getattr(got, "vitals", False)
                    tallies["vitals"].add(ok, f"#{number} {request!r} -> {got}")
                    continue
                ok = got is not None and got.region in regions.split("|")
                where = got.region if got else None
                tallies["regions"].add(ok, f"#{number} {request!r} -> {where}, want {regions}")
    return tallies


def order_eval(part: str) -> dict[str, Tally]:
    """Common test names on every record, and each record's own test names."""
    catalog = load_catalog()
    tallies = {"common names": Tally(), "record names": Tally()}
    for number in split()[part]:
        case = imported()[number]
        matcher = TestMatcher(catalog, case)
        for code, requests in phrasings(part)["orders"].items():
            for request in requests:
                got = matcher.match(request)
                tallies["common names"].add(
                    got is not None and got.code == code, f"#{number} {request!r} -> {got}"
                )
        for result in case.investigations:
            source = (result.source or "").removeprefix("Test_Results/")
            for key in filter(None, source.split("/")[-1:]):
                if _is_container(key):
                    continue  # "Blood_Work" groups results; it names no test
                name = key.replace("_", " ")
                got = matcher.match(name)
                tallies["record names"].add(
                    got is not None and got.code == result.code,
                    f"#{number} {name!r} -> {got.code if got else None}, want {result.code}",
                )
    return tallies


# The tuning parts of the diagnosis variants: the first file, and the variants for the tuning
# records it left out (written before its first run, never edited after).
DIAGNOSIS_TUNING = ("tuning", "tuning_more")


def diagnosis_eval(part: str) -> dict[str, Tally]:
    """Synonyms accepted, near misses rejected, exact names accepted; judged with the case, as
    the scoring judges them (a narrower name is judged against what the case says). ``part``:
    ``holdout``, ``tuning`` or ``tuning_more`` (``diagnoses_<part>.yaml``)."""
    table = yaml.safe_load((HERE / f"diagnoses_{part}.yaml").read_text(encoding="utf-8"))
    tallies = {"synonyms accepted": Tally(), "near misses rejected": Tally(), "exact": Tally()}
    for number, entry in table.items():
        case = imported().get(number)
        key = case.answer_key.diagnosis if case else Diagnosis(primary=entry["dx"])
        for variant in entry["accept"]:
            ok = judge_differential([variant], key, case=case).outcome == "correct"
            tallies["synonyms accepted"].add(ok, f"#{number} {variant!r} for {entry['dx']!r}")
        for variant in entry["reject"]:
            ok = judge_differential([variant], key, case=case).outcome != "correct"
            tallies["near misses rejected"].add(ok, f"#{number} {variant!r} for {entry['dx']!r}")
        exact = judge_differential([entry["dx"]], key, case=case).outcome == "correct"
        tallies["exact"].add(exact, f"#{number} {entry['dx']!r}")
    return tallies
