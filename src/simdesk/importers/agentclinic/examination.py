"""The examination builder: a record's vital signs and free-form examination keys -> vitals and
findings filed by region and manoeuvre, each keeping its key path as ``source``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from simdesk.core.cases.wordtables import bundled_word_tables
from simdesk.core.sim.bands import bands_for
from simdesk.importers.agentclinic.common import ImportReport, _leaves, _provided, human, slug

# The importer's keyword tables: cases/catalog/agentclinic_import.yaml (checked when loaded).
_TABLES = bundled_word_tables("agentclinic_import")
# Examination: keyword in a key -> region. The most specific key in the path wins.
REGION_KEYWORDS: tuple[tuple[str, str], ...] = tuple(_TABLES.maps["region_keywords"].items())

MANOEUVRES = ("inspection", "palpation", "percussion", "auscultation")

# Words of an examination key that name no body part or sign ("Breast_Examination/Palpation").
EXAM_FILLER = _TABLES.sets["exam_filler"]

# Keyword in an examination key -> how learners ask for it, when the key's own words are not
# what they type ("Rectovaginal_Examination" is asked for as "PR").
EXAM_ASKED_AS: tuple[tuple[str, list[str]], ...] = tuple(
    (key, [part.strip() for part in value.split("|")])
    for key, value in _TABLES.maps["exam_asked_as"].items()
)

# Words of a finding's text that learners use to ask for it, wherever the record filed it
# ("Tender uterus" under Abdominal_Examination is asked for as "palpate the uterus").
FINDING_TEXT_CUES: tuple[tuple[str, str], ...] = tuple(_TABLES.maps["finding_text_cues"].items())


def normal_vitals(age: float) -> dict[str, float]:
    """Typical resting vitals for the age (used when a record gives none or only words)."""
    if age < 1:
        return dict(heart_rate=130, systolic_bp=80, diastolic_bp=50, resp_rate=40, spo2=98)
    if age < 5:
        return dict(heart_rate=110, systolic_bp=95, diastolic_bp=60, resp_rate=28, spo2=98)
    if age < 12:
        return dict(heart_rate=90, systolic_bp=100, diastolic_bp=65, resp_rate=20, spo2=98)
    return dict(heart_rate=76, systolic_bp=120, diastolic_bp=78, resp_rate=16, spo2=98)


# A vital-sign key's words -> the vital it gives, first match wins; checked against every
# Vital_Signs key of the 107 MedQA records (Temperature, Blood_Pressure,
# Blood_Pressure_Right_Upper_Extremity, Heart_Rate, Pulse, Respiratory_Rate, Respirations,
# Oxygen_Saturation, SO2). Oxygen first: "pulse oximetry" is a saturation, not a pulse.
VITAL_KEYS: tuple[tuple[str, str], ...] = (
    (r"\b(s[pa]?o2|o2 sat\w*|sats?|oxygen|saturation|oximetry)\b", "spo2"),
    (r"\btemp(erature)?\b", "temperature_c"),
    (r"\b(blood pressure|bp|systolic)\b", "blood_pressure"),
    (r"\b(heart rate|pulse( rate)?|hr)\b", "heart_rate"),
    (r"\b(resp\w*|breathing rate|rr)\b", "resp_rate"),
)
# Keys under Vital_Signs that are measurements, not vitals the monitor shows: kept as findings.
MEASUREMENT_KEYS = re.compile(r"\b(weight|height|length|bmi|head circumference|muac)\b")
# A key that says the vitals are normal without giving them ("Within_Normal_Limits": true).
NORMAL_WORDS = re.compile(
    r"^(within )?normal( limits| range)?( for age)?$|^normothermic$|^appropriate for age$"
    r"|^(within normal (limits|range))$",
    re.IGNORECASE,
)
# Words a record gives instead of a number: above or below the normal range for age.
HIGH_WORDS = re.compile(
    r"\b(elevated|raised|high|increased|tachy\w*|febrile|fever|pyrexi\w*|hypertensi\w*)\b",
    re.IGNORECASE,
)
LOW_WORDS = re.compile(
    r"\b(low(?!-grade)|decreased|reduced|brady\w*|hypotherm\w*|hypotensi\w*)\b", re.IGNORECASE
)

_LABEL = {
    "temperature_c": "temperature", "blood_pressure": "blood pressure",
    "heart_rate": "heart rate", "resp_rate": "respiratory rate", "spo2": "oxygen saturation",
}  # fmt: skip
_UNIT = {"temperature_c": " °C", "heart_rate": "/min", "resp_rate": "/min", "spo2": "%"}
_NUMBER = r"(\d+(?:\.\d+)?)"
# The vitals the monitor colours, with the band each is coloured by.
_BANDED = (
    ("temperature_c", "temperature_c"), ("heart_rate", "heart_rate"), ("resp_rate", "resp_rate"),
    ("spo2", "spo2"), ("blood_pressure", "systolic_bp"),
)  # fmt: skip


@dataclass
class VitalsReading:
    """The case's vitals, which of them the record gives as a number, and the record's
    Vital_Signs entries that are measurements rather than vitals (kept as findings)."""

    vitals: dict[str, float]
    from_record: set[str] = field(default_factory=set)
    measurements: list[tuple[str, str]] = field(default_factory=list)


def vital_for_key(key: str) -> str | None:
    words = key.replace("_", " ").lower()
    return next((vital for pattern, vital in VITAL_KEYS if re.search(pattern, words)), None)


def _number_for(vital: str, text: str) -> dict[str, float] | None:
    """The record's number(s) for ``vital`` from its text, or None."""
    if vital == "temperature_c":
        if m := re.search(_NUMBER + r"\s*°?\s*C\b", text):
            return {vital: float(m[1])}
        if m := re.search(_NUMBER + r"\s*°?\s*F\b", text):
            return {vital: round((float(m[1]) - 32) * 5 / 9, 1)}
        if (m := re.fullmatch(r"\s*" + _NUMBER + r"\s*", text)) and 30 <= float(m[1]) <= 43.5:
            return {vital: float(m[1])}
        return None
    if vital == "blood_pressure":
        m = re.search(r"(\d{2,3})\s*/\s*(\d{2,3})", text)
        return {"systolic_bp": float(m[1]), "diastolic_bp": float(m[2])} if m else None
    if vital == "spo2":
        m = re.search(r"(\d{2,3})\s*%", text) or re.fullmatch(r"\s*(\d{2,3})\s*", text)
        return {vital: float(m[1])} if m and 40 <= float(m[1]) <= 100 else None
    m = re.search(r"(\d{1,3})", text)
    return {vital: float(m[1])} if m else None


def _from_words(vital: str, text: str, age: float, normal: dict[str, float]) -> tuple[dict, str]:
    """A number for a vital the record gives in words, and how it was chosen: above or below
    the normal range for age when the words say so, else normal for age."""
    names = ("systolic_bp", "diastolic_bp") if vital == "blood_pressure" else (vital,)
    band = bands_for(age).get(names[0])
    high, low = HIGH_WORDS.search(text), LOW_WORDS.search(text)
    if band is not None and (high or low) and not (high and low):
        value = (band.high + band.alarm_high) / 2 if high else (band.low + band.alarm_low) / 2
        if vital == "blood_pressure":
            shift = value - normal["systolic_bp"]
            chosen = {"systolic_bp": value, "diastolic_bp": normal["diastolic_bp"] + shift / 2}
        else:
            chosen = {vital: value}
        return chosen, ("above" if high else "below") + " the normal range for age"
    return {n: normal[n] for n in names}, "normal for age"


def _shown(vital: str, values: dict[str, float]) -> str:
    if vital == "blood_pressure":
        return f"{values['systolic_bp']:g}/{values['diastolic_bp']:g} mmHg"
    value = round(values[vital], 1) if vital == "temperature_c" else int(round(values[vital]))
    return f"{value:g}{_UNIT[vital]}"


def parse_vitals(raw: Any, age: float, report: list[str], where: str) -> VitalsReading:
    """The record's Vital_Signs -> the case's vitals. Every key is read as a vital, kept as a
    measurement, or named in the report; every vital the record does not give as a number is
    named in the report with the number used in its place."""
    normal: dict[str, float] = {**normal_vitals(age), "temperature_c": 36.8}
    vitals = dict(normal)
    reading = VitalsReading(vitals)
    given: dict[str, tuple[str, str]] = {}  # vital -> (key, text), first key that gives it
    says_normal = None
    for key, value in (raw if isinstance(raw, dict) else {}).items():
        text = " ".join(str(value).split())
        vital = vital_for_key(key)
        words = key.replace("_", " ").strip()
        if vital is not None:
            given.setdefault(vital, (key, text))
        elif MEASUREMENT_KEYS.search(words.lower()):
            reading.measurements.append((key, text))
        elif NORMAL_WORDS.match(words) and str(value).lower() in ("true", "yes"):
            says_normal = key
        else:
            reading.measurements.append((key, text))
            report.append(f"{where}: Vital_Signs/{key} {text!r} is no vital sign the simulator "
                          "reads; kept as an examination finding")  # fmt: skip
    for vital in _LABEL:
        key, text = given.get(vital, ("", ""))
        numbers = _number_for(vital, text) if key else None
        if numbers is not None:
            vitals.update(numbers)
            reading.from_record.update(numbers)
            continue
        if key and _provided(text):
            chosen, how = _from_words(vital, text, age, normal)
            said = f"Vital_Signs/{key} is {text!r}, not a number"
        else:
            chosen, how = _from_words(vital, "", age, normal)
            said = (
                f"Vital_Signs/{says_normal} is true (no numbers)"
                if says_normal
                else f"Vital_Signs/{key} is {text!r}"
                if key
                else "not in Vital_Signs"
            )
        vitals.update(chosen)
        report.append(f"{where}: {_LABEL[vital]}: {said}; used {_shown(vital, vitals)} ({how})")
    for name, value in vitals.items():
        vitals[name] = round(value, 1) if name == "temperature_c" else int(round(value))
    return reading


def general_normal(reading: VitalsReading, age: float, findings: list[dict]) -> str:
    """What general inspection shows where the record describes none. The catalog's default
    ("Alert, comfortable at rest, well perfused ...") would contradict a record whose patient is
    febrile, tachypnoeic or hypoxic, or confused or jaundiced under another key; this says only
    what the record gives: no (further) general appearance, and the record's vital signs that
    lie outside the normal range for age."""
    bands = bands_for(age)
    outside = [
        f"{_LABEL[vital]} {_shown(vital, reading.vitals)}"
        for vital, band_name in _BANDED
        if band_name in reading.from_record
        and bands[band_name].level(reading.vitals[band_name]) != "normal"
    ]
    described = any(
        f["region"] == "general" and "/Vital_Signs/" not in f["source"] for f in findings
    )
    text = (
        "Nothing more is recorded on general inspection."
        if described
        else ("No general appearance is recorded.")
    )
    if outside:
        text += " Vital signs outside the normal range for age: " + ", ".join(outside) + "."
    return text


def measurement_findings(reading: VitalsReading) -> list[dict]:
    """The record's Vital_Signs entries that are no vital (weight, height, BMI) as findings."""
    return [
        {
            "id": slug("vital-signs-" + key, 60),
            "region": "general",
            "manoeuvre": "special",
            "name": human(key),
            "finding": text,
            "cues": [human(key).lower()],
            "source": f"Physical_Examination_Findings/Vital_Signs/{key}",
        }
        for key, text in reading.measurements
        if _provided(text)
    ]


def _region_for(path: list[str]) -> str | None:
    """The region of the most specific key that names one; "general" only when none other does
    ("Neurological_Examination/General" is neurological)."""
    found = []
    for key in reversed(path):
        lowered = key.lower()
        found += [region for keyword, region in REGION_KEYWORDS if keyword in lowered][:1]
    specific = [r for r in found if r != "general"]
    return (specific or found or [None])[0]


def _exam_cues(path: list[str], finding: str) -> list[str]:
    """How a learner asks for a finding: its full name, the subject of its most specific key
    that names one ("cranial nerves", "breast"), the usual words for it, and the body parts its
    text names."""
    cues = [" - ".join(human(p) for p in path).lower()]
    for key in reversed(path):
        subject = [w for w in human(key).lower().split() if w not in EXAM_FILLER]
        if subject:
            cues.append(" ".join(subject))
            break
    lowered = "/".join(path).lower()
    cues += [cue for keyword, asked in EXAM_ASKED_AS if keyword in lowered for cue in asked]
    text = finding.lower()
    cues += [cue for pattern, cue in FINDING_TEXT_CUES if re.search(pattern, text)]
    return list(dict.fromkeys(cues))


def _names_manoeuvre(path: list[str]) -> bool:
    return any(m in key.lower() for key in path for m in MANOEUVRES)


def _manoeuvre_for(path: list[str], region: str) -> str:
    """The manoeuvre a key names; else inspection for the general region (an appearance, a
    pallor or a jaundice is seen: "General_Appearance" is what general inspection shows, not
    a special test beside the default), else special."""
    for key in reversed(path):
        for manoeuvre in MANOEUVRES:
            if manoeuvre in key.lower():
                return manoeuvre
    return "inspection" if region == "general" else "special"


def _subject(path: list[str]) -> str:
    """What a finding's key path says it is about, below the examination it is filed under
    ("General_Examination/Generalized_Lymphadenopathy" -> "Generalized lymphadenopathy"), or
    "" when its last key only says how it was examined ("Abdominal_Examination/Inspection")."""
    if not [w for w in human(path[-1]).lower().split() if w not in EXAM_FILLER]:
        return ""
    parts = [
        human(key).lower()
        for key in (path[1:] or path)
        if [w for w in human(key).lower().split() if w not in EXAM_FILLER]
    ]
    text = ", ".join(parts)
    return text[:1].upper() + text[1:]


def _stems(text: str) -> set[str]:
    return {w[:5] for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2}


def finding_text(path: list[str], value: str) -> str:
    """The finding as the learner reads it. A bare value names nothing ("Present", "Intact.",
    "4/5" under ".../Generalized_Lymphadenopathy", ".../Cranial_Nerves", ".../Right_Upper_Limb_
    Strength"): it is said with what its key is about, "Generalized lymphadenopathy: present."."""
    value = value.strip()
    subject = _subject(path)
    if not subject or len(value.split()) > 3 or _stems(value) & _stems(subject):
        return value
    said = value[:1].lower() + value[1:] if value[1:2].islower() else value
    return f"{subject}: {said}" + ("" if said.endswith((".", "!", "?")) else ".")


def build_findings(exam_raw: dict, report: ImportReport, where: str) -> list[dict]:
    """Every examination key but the vital signs -> a finding filed by region and manoeuvre,
    keeping its key path as ``source``; a key that names no region stays under its own name."""
    findings = []
    for path, value in _leaves({k: v for k, v in exam_raw.items() if k != "Vital_Signs"}, []):
        if not _provided(value):
            continue
        region = _region_for(path)
        name = " - ".join(human(p) for p in path)
        if region is None:
            region = "general"
            report.unmapped.append(f"{where}: examination {'/'.join(path)} kept under its name")
        findings.append(
            {
                "id": slug("-".join(path), 60),
                "region": region,
                "manoeuvre": _manoeuvre_for(path, region),
                "name": name,
                "finding": finding_text(path, value),
                "cues": _exam_cues(path, value),
                "source": "Physical_Examination_Findings/" + "/".join(path),
                # no manoeuvre named: filed as special, it answers any manoeuvre of its region
                **(
                    {"any_manoeuvre": True}
                    if not _names_manoeuvre(path) and region != "general"
                    else {}
                ),
            }
        )
    return findings
