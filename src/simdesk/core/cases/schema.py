"""The case format (schema_version 1).

A case separates what the virtual patient may know (``patient``, ``facts``, ``vitals``) from the
answer key (``answer_key``: diagnosis and what is expected). Only :class:`PatientView`, which has
no field for the answer key, is ever handed to prompt building.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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


class Patient(StrictModel):
    name: str
    age_years: float = Field(ge=0, le=120)
    sex: Literal["female", "male"]
    occupation: str
    presenting_complaint: str
    persona: Persona
    opening_line: str
    unsure_lines: list[str] = Field(
        default=["I'm not sure, doctor.", "I don't know about that.", "Nobody has told me that."],
        min_length=1,
    )

    @property
    def age_label(self) -> str:
        if self.age_years >= 2:
            return f"{int(self.age_years)} years"
        months = round(self.age_years * 12)
        return f"{months} months"


class Fact(StrictModel):
    """One piece of clinical truth a learner can discover by asking."""

    id: str = Field(pattern=SLUG)
    category: FactCategory
    content: str
    patient_says: str
    cues: list[str] = Field(min_length=1)
    critical: bool = False
    source: str | None = None


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


class Diagnosis(StrictModel):
    primary: str
    aliases: list[str] = []
    acceptable_differentials: list[str] = []
    must_not_miss: list[str] = []


class AnswerKey(StrictModel):
    """What the learner is judged against. Never part of a model prompt."""

    diagnosis: Diagnosis
    key_points: list[str] = []


class PatientView(StrictModel):
    """Everything a prompt may contain about the patient, and nothing else."""

    patient: Patient
    facts: tuple[Fact, ...]
    setting: Setting


class Case(StrictModel):
    schema_version: Literal[1]
    meta: Metadata
    patient: Patient
    facts: list[Fact] = Field(min_length=1)
    vitals: Vitals
    answer_key: AnswerKey

    @field_validator("facts")
    @classmethod
    def _unique_fact_ids(cls, facts: list[Fact]) -> list[Fact]:
        seen: set[str] = set()
        for fact in facts:
            if fact.id in seen:
                raise ValueError(f"duplicate fact id {fact.id!r}")
            seen.add(fact.id)
        return facts

    def patient_view(self) -> PatientView:
        return PatientView(patient=self.patient, facts=tuple(self.facts), setting=self.meta.setting)

    def fact(self, fact_id: str) -> Fact:
        for fact in self.facts:
            if fact.id == fact_id:
                return fact
        raise KeyError(fact_id)
