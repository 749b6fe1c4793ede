"""The case format (schema_version 1).

A case separates what the virtual patient may know (``patient``, ``facts``, ``vitals``) from the
answer key (``answer_key``: diagnosis and what is expected). Only :class:`PatientView`, which has
no field for the answer key, is ever handed to prompt building.
"""

from __future__ import annotations

import typing
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

SLUG = r"^[a-z0-9][a-z0-9_\-]*$"

FactCategory = Literal[
    "presenting_complaint",
    "history_of_presenting_illness",
    "past_history",
    "medications",
    "allergies",
    "family",
    "social",
    "review_of_systems",
    "ideas_concerns_expectations",
]

Setting = Literal["health_post", "rural_clinic", "district_hospital"]


class StrictModel(BaseModel):
    """Unknown keys are errors: a typo in a case file must not pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Reference(StrictModel):
    title: str
    publisher: str
    year: int = Field(ge=1950, le=2100)
    url: str | None = None


class Metadata(StrictModel):
    id: str = Field(pattern=SLUG)
    title: str
    version: str
    specialty: str
    setting: Setting
    difficulty: Literal["foundation", "intermediate", "advanced"]
    estimated_minutes: int = Field(default=20, ge=5, le=180)
    learning_objectives: list[str] = Field(min_length=1)
    tags: list[str] = []
    authors: list[str] = Field(min_length=1)
    references: list[Reference] = Field(min_length=1)
    licence: str


class Persona(StrictModel):
    speech_style: str
    health_literacy: Literal["low", "medium", "high"]
    mood: str
    language: str = "English"


class Informant(StrictModel):
    """Someone who gives the history for the patient (a parent, a grandmother, a partner)."""

    name: str
    relation: str  # to the patient: "grandmother", "mother", "husband"


StateTrend = Literal["better", "same", "worse"]
StateTopic = Literal[
    "general", "breathing", "pain", "fever", "dizziness", "bleeding", "urine", "alertness"
]


class StateLine(StrictModel):
    """What the patient (or informant) says about how they are now, for one trend of the vital
    signs that go with ``topic`` since the last time they were asked."""

    trend: StateTrend
    says: str
    topic: StateTopic = "general"


# An age under a month is kept to the hour (``age_years`` = days / DAYS_A_YEAR), as a record
# states it: "2 days", "6 hours". An age of 0 is a newborn whose age the case does not state.
DAYS_A_YEAR = 365.25


def age_words(age_years: float) -> str:
    """An age as a parent says it: "14 months", "11 months", "3 years", "2 weeks", "5 days",
    "6 hours"; "newborn" for an age of 0 (no stated number)."""
    days = round(age_years * DAYS_A_YEAR, 6)
    if age_years <= 0:
        return "newborn"
    if age_years >= 2:
        n, unit = int(age_years), "year"
    elif age_years * 12 >= 1:
        n, unit = round(age_years * 12), "month"
    elif days >= 14 or (days >= 7 and abs(days / 7 - round(days / 7)) < 1e-6):
        n, unit = max(round(age_years * 52), 1), "week"
    elif days >= 1:
        n, unit = round(days), "day"
    else:
        n, unit = max(round(days * 24), 1), "hour"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def age_old(age_years: float) -> str:
    """The age in a sentence: "2 days old", "3 years old", "a newborn"."""
    words = age_words(age_years)
    return "a newborn" if words == "newborn" else f"{words} old"


class Patient(StrictModel):
    name: str
    age_years: float = Field(ge=0, le=120)
    sex: Literal["female", "male"]
    occupation: str | None = None  # left out when not known (a record that does not state it)
    presenting_complaint: str
    persona: Persona
    opening_line: str
    unsure_lines: list[str] = Field(
        default=["I'm not sure, doctor.", "I don't know about that.", "Nobody has told me that."],
        min_length=1,
    )
    informant: Informant | None = None
    state_lines: list[StateLine] = []

    @property
    def speaker(self) -> str:
        """Who answers the doctor, as the transcript labels them."""
        if self.informant is None:
            return self.name
        return f"{self.informant.name} ({self.informant.relation})"

    @property
    def age_label(self) -> str:
        """The age as a parent says it: "2 days", "14 months", "3 years", "newborn"."""
        return age_words(self.age_years)


class Fact(StrictModel):
    """One piece of clinical truth a learner can discover by asking."""

    id: str = Field(pattern=SLUG)
    category: FactCategory
    content: str
    patient_says: str
    cues: list[str] = []
    critical: bool = False
    source: str | None = None
    # History topics it answers (cases/catalog/history_topics.yaml), beyond those its text gives.
    topics: list[str] = []


class Vitals(StrictModel):
    heart_rate: int = Field(ge=20, le=250)
    systolic_bp: int = Field(ge=30, le=260)
    diastolic_bp: int = Field(ge=10, le=160)
    resp_rate: int = Field(ge=4, le=100)
    spo2: int = Field(ge=40, le=100)
    temperature_c: float = Field(ge=30.0, le=43.5)

    @model_validator(mode="after")
    def _pulse_pressure(self) -> Vitals:
        if self.diastolic_bp >= self.systolic_bp:
            raise ValueError(
                f"diastolic_bp {self.diastolic_bp} must be below systolic_bp {self.systolic_bp}"
            )
        return self


VitalName = Literal[
    "heart_rate", "systolic_bp", "diastolic_bp", "resp_rate", "spo2", "temperature_c"
]

# The physiological limits of each vital sign: ``(low, high)``, read from :class:`Vitals`.
VITAL_LIMITS: dict[str, tuple[float, float]] = {
    name: (
        next(m.ge for m in info.metadata if hasattr(m, "ge")),
        next(m.le for m in info.metadata if hasattr(m, "le")),
    )
    for name, info in Vitals.model_fields.items()
}

ExamRegion = Literal[
    "general", "head_neck", "eyes", "ent", "chest", "cardiovascular", "abdomen", "neurological",
    "musculoskeletal", "skin", "genitourinary", "obstetric", "extremities",
]  # fmt: skip

Manoeuvre = Literal["inspection", "palpation", "percussion", "auscultation", "special"]
MANOEUVRE_ORDER: tuple[str, ...] = typing.get_args(Manoeuvre)


class ExamFinding(StrictModel):
    """An authored examination finding. Regions and manoeuvres not listed are normal."""

    id: str = Field(pattern=SLUG)
    region: ExamRegion
    manoeuvre: Manoeuvre = "inspection"
    name: str | None = None  # a named sign or test, e.g. "capillary refill", "Kernig's sign"
    finding: str
    cues: list[str] = []
    critical: bool = False
    source: str | None = None
    # The source names no manoeuvre (an imported record's "Musculoskeletal_Examination/Right_Knee"):
    # the finding answers a request of its region by any manoeuvre, and the region's default
    # normal lines, which it may contradict, are not said beside it.
    any_manoeuvre: bool = False


class Examination(StrictModel):
    findings: list[ExamFinding] = []
    # Per-region normal text for this patient, overriding the catalog's default normal finding.
    normal: dict[ExamRegion, str] = {}


class AnalyteResult(StrictModel):
    analyte: str  # a catalog analyte key, e.g. "haemoglobin"
    value: float | str
    unit: str | None = None


class InvestigationResult(StrictModel):
    """The result of one catalog test for this patient. Tests not listed come back normal."""

    code: str  # a catalog code, e.g. "FBC"; or a case-local code when ``name`` is given
    name: str | None = None  # only for tests the catalog does not have
    results: list[AnalyteResult] = []
    report: str | None = None  # free text: imaging, microscopy, ECG
    turnaround_minutes: int | None = Field(default=None, ge=0)
    source: str | None = None
    # The catalog analytes this result does not list come back normal; False: only those it
    # lists are shown (an imported record's test gives what it gives, nothing generated).
    others_normal: bool = True


class PhysiologyRule(StrictModel):
    """How vitals change over simulated time.

    ``drift``: every ``every_minutes`` from ``after_minute``, apply ``change`` - until any of
    ``unless_given`` has been given (then the drift stops).
    ``response``: once ``treatment`` is given, apply ``change`` spread evenly over
    ``onset_minutes`` (0 = at once), at most ``max_times`` times if the treatment is repeated.
    """

    id: str = Field(pattern=SLUG)
    kind: Literal["drift", "response"]
    change: dict[VitalName, float] = Field(min_length=1)
    every_minutes: int | None = Field(default=None, ge=1)
    after_minute: float = Field(default=0, ge=0)
    unless_given: list[str] = []
    treatment: str | None = None
    onset_minutes: int = Field(default=0, ge=0)
    max_times: int = Field(default=1, ge=1)
    # The symptoms the treatment eases (reached over ``onset_minutes``, for good), for "is the
    # pain better?": a case may say that surgery ends the pain (analgesics ease it anyway).
    eases: list[StateTopic] = []
    note: str | None = None

    @model_validator(mode="after")
    def _kind_fields(self) -> PhysiologyRule:
        if self.kind == "drift" and self.every_minutes is None:
            raise ValueError(f"drift rule {self.id!r} needs every_minutes")
        if self.kind == "response" and self.treatment is None:
            raise ValueError(f"response rule {self.id!r} needs a treatment")
        if self.eases and self.kind != "response":
            raise ValueError(f"only a response rule eases a symptom ({self.id!r})")
        return self


class Physiology(StrictModel):
    rules: list[PhysiologyRule] = []


class Diagnosis(StrictModel):
    primary: str
    aliases: list[str] = []
    acceptable_differentials: list[str] = []
    must_not_miss: list[str] = []


class ExpectedAction(StrictModel):
    """Something the learner should do: any one of the listed treatment codes, in time."""

    id: str = Field(pattern=SLUG)
    description: str
    any_of: list[str] = Field(min_length=1)  # treatment codes (catalog)
    within_minutes: int | None = Field(default=None, ge=1)  # of simulated time
    critical: bool = False
    # give: the treatment is given (disposition and advice may also be written in the plan);
    # hold: it is held, stopped or avoided (a usual medicine in shock); remove: taken off.
    intent: Literal["give", "hold", "remove"] = "give"
    # and one of these as well (a combination: a Gram-negative drug plus metronidazole)
    and_any_of: list[str] = []


class HarmfulAction(StrictModel):
    id: str = Field(pattern=SLUG)
    treatment: str  # a treatment code (catalog)
    severity: Literal["harmful", "contraindicated"]
    reason: str
    # Harmful only when given before one of these tests' results is back (potassium chloride
    # before the potassium is known); empty: harmful whenever given.
    before_results: list[str] = []


class DoseRule(StrictModel):
    """This patient's dose range for a treatment: an order typed with a dose outside it, or by a
    route not listed, is flagged with the teaching point (no score cap)."""

    id: str = Field(pattern=SLUG)
    treatment: str  # a treatment code (catalog)
    low: float = Field(gt=0)
    high: float = Field(gt=0)
    unit: str  # g, mg, mcg, unit, ml, mmol, vial; optionally /kg and /h or /min: "mg/kg"
    routes: list[
        Literal["iv", "im", "sc", "oral", "rectal", "sublingual", "inhaled", "io", "ng"]
    ] = []
    teaching_point: str

    @model_validator(mode="after")
    def _range(self) -> DoseRule:
        if self.low > self.high:
            raise ValueError(f"dose rule {self.id!r}: low {self.low:g} is above high {self.high:g}")
        return self


class Management(StrictModel):
    expected_actions: list[ExpectedAction] = []
    harmful_actions: list[HarmfulAction] = []
    doses: list[DoseRule] = []
    weight_kg: float | None = Field(default=None, gt=0, le=300)  # for doses per kg


RubricDomain = Literal[
    "history", "examination", "investigations", "diagnosis", "management", "safety",
    "communication",
]  # fmt: skip


class RubricItem(StrictModel):
    """A scored item. Met when any (or all) of the referenced facts, exams, tests, actions are."""

    id: str = Field(pattern=SLUG)
    domain: RubricDomain
    weight: float = Field(gt=0, le=10)
    description: str
    facts: list[str] = []  # fact ids asked about
    exams: list[str] = []  # exam finding ids elicited
    tests: list[str] = []  # catalog test codes ordered
    actions: list[str] = []  # expected action ids done
    diagnosis: bool = False  # met by a correct primary diagnosis
    require: Literal["any", "all"] = "any"
    teaching_point: str


class AnswerKey(StrictModel):
    """What the learner is judged against. Never part of a model prompt."""

    diagnosis: Diagnosis
    management: Management = Management()
    rubric: list[RubricItem] = []
    key_points: list[str] = []


class NudgeRule(StrictModel):
    """A practice-mode nudge: shown once, when ``when_*`` happens and ``unless_*`` has not."""

    id: str = Field(pattern=SLUG)
    message: str
    when_treatment: list[str] = []  # any of these treatment codes given ("*": any treatment)
    when_order: list[str] = []  # any of these test codes ordered
    when_minute: float | None = Field(default=None, ge=0)  # simulated time reached
    unless_facts: list[str] = []  # ...before any of these facts was asked about
    unless_exams: list[str] = []
    unless_tests: list[str] = []


class Teaching(StrictModel):
    """Practice-mode help: hints in the order they are given, and nudges. Never in a prompt."""

    hints: list[str] = []
    nudges: list[NudgeRule] = []


class PatientView(StrictModel):
    """Everything a prompt may contain about the patient, and nothing else."""

    patient: Patient
    facts: tuple[Fact, ...]
    setting: Setting


class Case(StrictModel):
    """One case. Cross-references (ids, catalog codes, units) are checked by ``validate``."""

    schema_version: Literal[1]
    meta: Metadata
    patient: Patient
    facts: list[Fact] = Field(min_length=1)
    vitals: Vitals  # at the start of the encounter
    examination: Examination = Examination()
    investigations: list[InvestigationResult] = []
    physiology: Physiology = Physiology()
    teaching: Teaching = Teaching()
    answer_key: AnswerKey

    def patient_view(self) -> PatientView:
        return PatientView(patient=self.patient, facts=tuple(self.facts), setting=self.meta.setting)

    def fact(self, fact_id: str) -> Fact:
        for fact in self.facts:
            if fact.id == fact_id:
                return fact
        raise KeyError(fact_id)
