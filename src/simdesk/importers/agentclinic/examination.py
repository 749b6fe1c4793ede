"""The examination builder: a record's vital signs and free-form examination keys -> vitals and
findings filed by region and manoeuvre, each keeping its key path as ``source``."""

from __future__ import annotations

import re
from typing import Any

from simdesk.core.cases.wordtables import bundled_word_tables
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


def parse_vitals(raw: dict[str, Any], age: float, report: list[str], where: str) -> dict:
    vitals: dict[str, float] = {**normal_vitals(age), "temperature_c": 36.8}
    given = {k.lower(): str(v) for k, v in raw.items()}

    def first_number(pattern: str, text: str) -> float | None:
        m = re.search(pattern, text)
        return float(m.group(1)) if m else None

    for key, text in given.items():
        if "temp" in key:
            celsius = first_number(r"(\d+(?:\.\d+)?)\s*°?\s*C\b", text)
            fahrenheit = first_number(r"(\d+(?:\.\d+)?)\s*°?\s*F\b", text)
            if celsius is not None:
                vitals["temperature_c"] = celsius
            elif fahrenheit is not None:
                vitals["temperature_c"] = round((fahrenheit - 32) * 5 / 9, 1)
            else:
                report.append(f"{where}: temperature {text!r} is not a number; used 36.8 °C")
        elif "pressure" in key:
            if m := re.search(r"(\d{2,3})\s*/\s*(\d{2,3})", text):
                vitals["systolic_bp"], vitals["diastolic_bp"] = float(m[1]), float(m[2])
            else:
                report.append(f"{where}: blood pressure {text!r} is not a number; used normal")
        elif "heart" in key or "pulse" in key:
            if (value := first_number(r"(\d{2,3})", text)) is not None:
                vitals["heart_rate"] = value
            else:
                report.append(f"{where}: heart rate {text!r} is not a number; used normal")
        elif "resp" in key:
            if (value := first_number(r"(\d{1,3})", text)) is not None:
                vitals["resp_rate"] = value
            else:
                report.append(f"{where}: respiratory rate {text!r} is not a number; used normal")
        elif (
            any(k in key for k in ("oxygen", "spo2", "saturation"))
            and (value := first_number(r"(\d{2,3})\s*%", text)) is not None
        ):
            vitals["spo2"] = value
    missing = [k for k in ("temp", "pressure", "heart", "resp") if not any(k in g for g in given)]
    if missing:
        report.append(f"{where}: no {', '.join(missing)} in the record; used normal for age")
    return {k: (round(v, 1) if k == "temperature_c" else int(round(v))) for k, v in vitals.items()}


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


def _manoeuvre_for(path: list[str]) -> str:
    for key in reversed(path):
        for manoeuvre in MANOEUVRES:
            if manoeuvre in key.lower():
                return manoeuvre
    return "special"


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
                "manoeuvre": _manoeuvre_for(path),
                "name": name,
                "finding": value.strip(),
                "cues": _exam_cues(path, value),
                "source": "Physical_Examination_Findings/" + "/".join(path),
            }
        )
    return findings
