"""Import AgentClinic OSCE records (JSON Lines) as simdesk cases.

Each record holds ``OSCE_Examination`` with a patient actor, free-form examination findings,
free-form test results and the correct diagnosis. The importer works from the shape alone, with
no per-record code: examination keys map onto the project's regions and manoeuvres by keyword,
test keys onto catalog codes by name and synonym (``Chest_X-Ray`` -> CXR, ``CBC`` -> FBC), and
whatever maps nowhere stays playable under its own name. Every fact, finding and result keeps
``source`` = its key path in the record, and the importer reports what it could not map.
"""

from __future__ import annotations

import functools
import json
import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.schema import Case
from simdesk.core.cases.validate import check_case_file
from simdesk.core.errors import CaseError
from simdesk.core.files import atomic_write
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.matching import TestMatcher
from simdesk.core.text import words
from simdesk.importers.agentclinic.history import Voice, build_facts

SOURCE_REFERENCE = {
    "title": "AgentClinic: a multimodal agent benchmark to evaluate AI in simulated clinical "
    "environments (MedQA OSCE records)",
    "publisher": "AgentClinic project (Schmidgall et al.), MIT licence",
    "year": 2024,
    "url": "https://github.com/SamuelSchmidgall/AgentClinic",
}

NOT_PROVIDED = re.compile(
    r"^\s*(information\s+)?(not\s+(provided|specified|available|applicable)|none\s+provided|n/?a)\.?\s*$",
    re.IGNORECASE,
)

# Examination: keyword in a key -> region. The most specific key in the path wins.
REGION_KEYWORDS: tuple[tuple[str, str], ...] = (
    ("vital", "general"),
    ("appearance", "general"),
    ("general", "general"),
    ("neuro", "neurological"),
    ("cranial", "neurological"),
    ("reflex", "neurological"),
    ("gait", "neurological"),
    ("coordination", "neurological"),
    ("mental", "neurological"),
    ("motor", "neurological"),
    ("sensat", "neurological"),
    ("sensory", "neurological"),
    ("strength", "neurological"),
    ("power", "neurological"),
    ("tone", "neurological"),
    ("abdom", "abdomen"),
    ("renal_angle", "abdomen"),
    ("liver", "abdomen"),
    ("hepat", "abdomen"),
    ("spleen", "abdomen"),
    ("bowel", "abdomen"),
    ("gastro", "abdomen"),
    ("flank", "abdomen"),
    ("rectal", "genitourinary"),
    ("rectovaginal", "genitourinary"),
    ("pelvic", "genitourinary"),
    ("genital", "genitourinary"),
    ("vaginal", "genitourinary"),
    ("urolog", "genitourinary"),
    ("cardiopulmonary", "cardiovascular"),
    ("cardiac", "cardiovascular"),
    ("cardiovascular", "cardiovascular"),
    ("heart", "cardiovascular"),
    ("murmur", "cardiovascular"),
    ("pulse", "cardiovascular"),
    ("pulmonary", "chest"),
    ("lung", "chest"),
    ("chest", "chest"),
    ("respirat", "chest"),
    ("thorax", "chest"),
    ("breast", "chest"),
    ("neck", "head_neck"),
    ("thyroid", "head_neck"),
    ("lymph", "head_neck"),
    ("head", "head_neck"),
    ("ophthalm", "eyes"),
    ("eye", "eyes"),
    ("slit", "eyes"),
    ("fundus", "eyes"),
    ("pupil", "eyes"),
    ("visual", "eyes"),
    ("ear", "ent"),
    ("audio", "ent"),
    ("hearing", "ent"),
    ("nose", "ent"),
    ("throat", "ent"),
    ("oral", "ent"),
    ("mouth", "ent"),
    ("skin", "skin"),
    ("derma", "skin"),
    ("rash", "skin"),
    ("macul", "skin"),
    ("extremit", "extremities"),
    ("limb", "extremities"),
    ("leg", "extremities"),
    ("knee", "musculoskeletal"),
    ("joint", "musculoskeletal"),
    ("musculo", "musculoskeletal"),
    ("spine", "musculoskeletal"),
    ("back", "musculoskeletal"),
    ("hip", "musculoskeletal"),
    ("shoulder", "musculoskeletal"),
    ("range_of_motion", "musculoskeletal"),
    ("obstet", "obstetric"),
    ("fetal", "obstetric"),
    ("uter", "obstetric"),
)

MANOEUVRES = ("inspection", "palpation", "percussion", "auscultation")

# Words of an examination key that name no body part or sign ("Breast_Examination/Palpation").
EXAM_FILLER = frozenset(
    "examination exam examinations findings finding general assessment other additional "
    "inspection palpation percussion auscultation and of the on with".split()
)

# Keyword in an examination key -> how learners ask for it, when the key's own words are not
# what they type ("Rectovaginal_Examination" is asked for as "PR").
EXAM_ASKED_AS: tuple[tuple[str, list[str]], ...] = (
    ("rect", ["rectal exam", "PR", "DRE", "digital rectal examination"]),
    ("anal", ["rectal exam", "PR", "anus"]),
    ("breast", ["breast", "breast exam", "breast lump"]),
    ("renal_angle", ["renal angles", "loin tenderness"]),
    ("motor", ["power", "strength", "tone"]),
    ("strength", ["power", "strength"]),
    ("coordination", ["coordination", "finger nose test", "heel shin test"]),
    ("gait", ["gait", "walking"]),
    ("mental", ["mental state", "orientation"]),
    ("slit", ["slit lamp", "lenses"]),
    ("audio", ["hearing"]),
    ("range_of_motion", ["range of movement", "range of motion"]),
)

# Words of a finding's text that learners use to ask for it, wherever the record filed it
# ("Tender uterus" under Abdominal_Examination is asked for as "palpate the uterus").
FINDING_TEXT_CUES: tuple[tuple[str, str], ...] = (
    (r"\buter(us|ine)\b", "uterus"),
    (r"\bfundus\b|\bfundal\b", "fundus"),
    (r"\bcervi(x|cal)\b", "cervix"),
    (r"\bprostat", "prostate"),
    (r"\banal\b|\banus\b|\brectum\b|\brectal\b", "rectal exam"),
    (r"\bbreast", "breast"),
    (r"\bthyroid\b", "thyroid"),
    (r"\bspleen|splenomegaly", "spleen"),
    (r"\bliver\b|hepatomegaly", "liver"),
)

# Keys that only group other results ("Blood_Tests", "Imaging") rather than name one test.
CONTAINER_WORDS = frozenset(
    "blood test tests work bloodwork labs lab laboratory imaging serum biochemistry results "
    "investigations studies panel other additional chemistry".split()
)

# Result keys that name an analyte of a catalog test: (catalog code, analyte key).
ANALYTE_ALIASES: dict[str, tuple[str, str]] = {
    "wbc": ("FBC", "wbc"),
    "white blood cell": ("FBC", "wbc"),
    "white cell count": ("FBC", "wbc"),
    "leukocytes": ("FBC", "wbc"),
    "hemoglobin": ("FBC", "haemoglobin"),
    "haemoglobin": ("FBC", "haemoglobin"),
    "hb": ("FBC", "haemoglobin"),
    "platelets": ("FBC", "platelets"),
    "platelet count": ("FBC", "platelets"),
    "neutrophils": ("FBC", "neutrophils"),
    "lymphocytes": ("FBC", "lymphocytes"),
    "mcv": ("FBC", "mcv"),
    "sodium": ("UE", "sodium"),
    "potassium": ("UE", "potassium"),
    "urea": ("UE", "urea"),
    "bun": ("UE", "urea"),
    "creatinine": ("UE", "creatinine"),
    "bicarbonate": ("UE", "bicarbonate"),
    "glucose": ("GLUCOSE", "glucose"),
    "blood glucose": ("GLUCOSE", "glucose"),
    "alt": ("LFT", "alt"),
    "ast": ("LFT", "ast"),
    "alkaline phosphatase": ("LFT", "alp"),
    "bilirubin": ("LFT", "bilirubin"),
    "albumin": ("LFT", "albumin"),
    "crp": ("CRP", "crp"),
    "esr": ("ESR", "esr"),
    "troponin": ("TROPONIN", "troponin_i"),
    "lactate": ("LACTATE", "lactate"),
    "magnesium": ("MAGNESIUM", "magnesium"),
    "lipase": ("LIPASE", "lipase"),
}

# Whole-panel names that the catalog's synonyms do not spell out.
PANEL_ALIASES = {"electrolytes": "UE", "serum electrolytes": "UE", "renal panel": "UE"}

FEMALE_NAMES = ["Amina", "Grace", "Fatima", "Esther", "Priya", "Wanjiru", "Ngozi", "Thandiwe"]
MALE_NAMES = ["Joseph", "Kofi", "Samuel", "Ravi", "Daniel", "Tendai", "Musa", "Emmanuel"]


class _PlainDumper(yaml.SafeDumper):
    """Writes shared lists out in full: case files are read by people, not only by parsers."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


@dataclass
class ImportReport:
    """What one import did: cases written, records skipped, keys that mapped nowhere."""

    written: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    defaults: list[str] = field(default_factory=list)


def slug(text: str, limit: int = 48) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:limit].strip("-") or "x"


def human(key: str) -> str:
    return key.replace("_", " ").strip()


def _provided(value: Any) -> bool:
    return not (isinstance(value, str) and (not value.strip() or NOT_PROVIDED.match(value)))


@dataclass(frozen=True)
class Demographics:
    age_years: float
    sex: str
    carer: bool


def parse_demographics(text: str) -> Demographics:
    lowered = text.lower()
    age = 30.0
    if m := re.search(r"(\d+(?:\.\d+)?)[- ](year|yr)", lowered):
        age = float(m.group(1))
    elif m := re.search(r"(\d+)[- ]month", lowered):
        age = round(int(m.group(1)) / 12, 2)
    elif m := re.search(r"(\d+)[- ](week|day)", lowered):
        age = 0.05 if m.group(2) == "week" else 0.01
    elif "newborn" in lowered or "neonate" in lowered:
        age = 0.01
    female = re.search(r"\b(female|woman|girl|lady|mother)\b", lowered)
    male = re.search(r"\b(male|man|boy|gentleman)\b", lowered)
    sex = "female" if female and not (male and male.start() < female.start()) else "male"
    if not female and not male:
        sex = "female"
    return Demographics(age, sex, carer=age < 12)


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


def _leaves(node: Any, path: list[str]) -> list[tuple[list[str], str]]:
    if isinstance(node, dict):
        out = []
        for key, value in node.items():
            out += _leaves(value, [*path, key])
        return out
    if isinstance(node, list):
        return [(path, "; ".join(str(v) for v in node))]
    return [(path, str(node))]


class CatalogIndex:
    """Test-name lookups over the investigations catalog (names, codes and synonyms)."""

    def __init__(self, catalog_file: Path) -> None:
        data = yaml.safe_load(catalog_file.read_text(encoding="utf-8"))
        self.by_name: dict[str, str] = {}
        self.analytes: dict[str, dict[str, str]] = {}
        for test in data["tests"]:
            for name in (test["code"], test["name"], *test.get("synonyms", [])):
                self.by_name.setdefault(self.norm(name), test["code"])
            self.analytes[test["code"]] = {
                a["key"]: a.get("unit", "") for a in test.get("analytes", [])
            }
        for name, code in PANEL_ALIASES.items():
            self.by_name.setdefault(self.norm(name), code)

    @staticmethod
    def norm(name: str) -> str:
        return " ".join(words(name.replace("_", " ").replace("-", " ")))

    def test_code(self, key: str) -> str | None:
        """The catalog code a record key names: by exact name, else as the engine would read
        the key typed as an order ("Blood_Glucose_Level", "Arterial_Blood_Gases")."""
        exact = self.by_name.get(self.norm(key))
        if exact is not None or _is_container(key):
            return exact
        found = self._orders.match(human(key))
        return getattr(found, "code", None)

    @functools.cached_property
    def _orders(self) -> TestMatcher:
        return TestMatcher(load_catalog())

    def analyte(self, key: str) -> tuple[str, str] | None:
        return ANALYTE_ALIASES.get(self.norm(key))


def _common_path(a: str, b: str) -> str:
    common = []
    for x, y in zip(a.split("/"), b.split("/"), strict=False):
        if x != y:
            break
        common.append(x)
    return "/".join(common)


def _is_container(key: str) -> bool:
    return all(w in CONTAINER_WORDS for w in CatalogIndex.norm(key).split())


@dataclass
class _TestDraft:
    code: str
    name: str | None
    source: str
    results: list[dict] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _import_tests(results: dict, index: CatalogIndex, report: ImportReport, where: str) -> list:
    drafts: dict[str, _TestDraft] = {}

    def draft(code: str, name: str | None, source: str) -> _TestDraft:
        """The draft for ``code``; results found under several keys share their common path."""
        test = drafts.setdefault(code, _TestDraft(code, name, source))
        test.source = _common_path(test.source, source)
        return test

    def add_leaf(test: _TestDraft, path: list[str], value: str, analyte: str | None) -> None:
        number = re.fullmatch(r"\s*(-?\d+(?:\.\d+)?)\s*(\S.*)?", value)
        expected_unit = index.analytes.get(test.code, {}).get(analyte or "")
        if analyte and number and (number.group(2) or "").strip() == expected_unit:
            test.results.append(
                {"analyte": analyte, "value": float(number.group(1)), "unit": expected_unit}
            )
        else:
            label = human(path[-1]) if path[-1].lower() not in ("findings", "result") else ""
            test.lines.append(f"{label}: {value}" if label else value)

    def walk(node: Any, path: list[str], current: _TestDraft | None) -> None:
        key = path[-1]
        hit = index.analyte(key)
        if current is None and hit is not None and not isinstance(node, dict):
            # A lone analyte ("Blood_Tests/Creatinine") joins the catalog test it belongs to.
            test = draft(hit[0], None, "/".join(["Test_Results", *path]))
            add_leaf(test, path, str(node), hit[1])
            return
        code = index.test_code(key)
        if code is not None:
            current = draft(code, None, "/".join(["Test_Results", *path]))
        elif current is None and not _is_container(key):
            local = slug(key).upper().replace("-", "_")
            current = draft(local, human(key), "/".join(["Test_Results", *path]))
            report.unmapped.append(f"{where}: test {'/'.join(path)} kept as {local!r}")
        if isinstance(node, dict):
            for child_key, child in node.items():
                if current is None:
                    walk(child, [*path, child_key], None)
                else:
                    nested = index.test_code(child_key)
                    if nested and nested != current.code and isinstance(child, dict):
                        walk(child, [*path, child_key], None)
                    else:
                        for leaf_path, value in _leaves(child, [*path, child_key]):
                            hit = index.analyte(leaf_path[-1])
                            analyte = hit[1] if hit and hit[0] == current.code else None
                            add_leaf(current, leaf_path, value, analyte)
        elif current is not None:
            add_leaf(
                current,
                path,
                "; ".join(map(str, node)) if isinstance(node, list) else str(node),
                None,
            )

    for key, value in results.items():
        walk(value, [key], None)
    out = []
    for test in drafts.values():
        if not test.results and not test.lines and test.name:
            continue  # an empty record key ("Special_Tests": {}) names no result
        item: dict[str, Any] = {"code": test.code}
        if test.name:
            item["name"] = test.name
        if test.results:
            item["results"] = test.results
        if test.lines:
            item["report"] = " ".join(
                line if line.endswith(".") else line + "." for line in test.lines
            )
        item["source"] = test.source
        out.append(item)
    return out


def record_to_case(record: dict, number: int, index: CatalogIndex, report: ImportReport) -> dict:
    """Build the case data (a dict ready for YAML) from one AgentClinic record."""
    osce = record["OSCE_Examination"]
    actor = osce["Patient_Actor"]
    where = f"record {number}"
    demo = parse_demographics(str(actor.get("Demographics", "")))
    symptoms = actor.get("Symptoms") or {}
    primary = str(symptoms.get("Primary_Symptom") or "a health problem").strip().rstrip(".")
    diagnosis = str(osce["Correct_Diagnosis"]).strip()
    names = FEMALE_NAMES if demo.sex == "female" else MALE_NAMES
    child = "daughter" if demo.sex == "female" else "son"
    facts = build_facts(actor, primary, Voice(demo.carer, demo.sex), report, where)
    who = f"My {child}" if demo.carer else "I"
    exam_raw = osce.get("Physical_Examination_Findings") or {}
    vitals = parse_vitals(exam_raw.get("Vital_Signs") or {}, demo.age_years, report.defaults, where)
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

    investigations = _import_tests(osce.get("Test_Results") or {}, index, report, where)
    primary_dx, aliases = diagnosis, []
    if m := re.fullmatch(r"(.+?)\s*\(([^)]+)\)\s*", diagnosis):
        primary_dx, aliases = m.group(1), [m.group(2)]
    rubric = [
        {
            "id": "presenting-complaint",
            "domain": "history",
            "weight": 2,
            "description": "Explored the presenting complaint.",
            "facts": [f["id"] for f in facts if f["category"] == "presenting_complaint"],
            "teaching_point": f"The record's objective: {osce.get('Objective_for_Doctor', '')}",
        },
        {
            "id": "diagnosis",
            "domain": "diagnosis",
            "weight": 3,
            "description": f"Reached the diagnosis ({diagnosis}).",
            "diagnosis": True,
            "teaching_point": "Imported from an AgentClinic OSCE record: compare your reasoning "
            "with the findings and test results that point to the diagnosis.",
        },
    ]
    for finding in findings[:6]:
        rubric.append(
            {
                "id": f"exam-{finding['id']}"[:60],
                "domain": "examination",
                "weight": 1,
                "description": f"Examined: {finding['name']}.",
                "exams": [finding["id"]],
                "teaching_point": f"Finding in the record: {finding['finding']}",
            }
        )
    for test in investigations[:6]:
        rubric.append(
            {
                "id": f"test-{slug(test['code'])}"[:60],
                "domain": "investigations",
                "weight": 1,
                "description": f"Ordered {test.get('name') or test['code']}.",
                "tests": [test["code"]],
                "teaching_point": "Result in the record: "
                + (test.get("report") or "see the result table."),
            }
        )
    return {
        "schema_version": 1,
        "meta": {
            "id": f"agentclinic-{number:03d}-{slug(primary, 30)}",
            "title": f"{primary[0].upper() + primary[1:]} ({actor.get('Demographics', '')})",
            "version": "1.0.0",
            "specialty": "general",
            "setting": "district_hospital",
            "difficulty": "advanced",
            "learning_objectives": [str(osce.get("Objective_for_Doctor") or "Diagnose.")],
            "tags": ["agentclinic", "imported"],
            "authors": ["AgentClinic (MedQA OSCE)", "imported by simdesk"],
            "references": [SOURCE_REFERENCE],
            "licence": "MIT",
        },
        "patient": {
            "name": names[number % len(names)],
            "age_years": demo.age_years,
            "sex": demo.sex,
            "occupation": "not stated",
            "presenting_complaint": primary.lower(),
            "persona": {
                "speech_style": "the child's parent, answering for the child; plain words"
                if demo.carer
                else "plain, short answers",
                "health_literacy": "medium",
                "mood": "concerned",
            },
            "opening_line": f"Good morning, doctor. {who} {'has' if demo.carer else 'have'} "
            f"{primary[0].lower() + primary[1:]}.",
        },
        "vitals": vitals,
        "examination": {"findings": findings},
        "investigations": investigations,
        "facts": facts,
        "answer_key": {
            "diagnosis": {"primary": primary_dx, "aliases": aliases},
            "rubric": rubric,
        },
    }


def import_agentclinic(
    jsonl: Path, out_dir: Path, catalog_file: Path | None = None
) -> ImportReport:
    """Convert every record of ``jsonl`` into a case file in ``out_dir``.

    A bad record is reported and skipped; it never stops the others. Each file passes the same
    full checks as ``simdesk cases validate`` before it is written, and is written atomically;
    existing files are not overwritten.
    """
    index = CatalogIndex(catalog_file or bundled_cases_dir() / "catalog" / "investigations.yaml")
    catalog = load_catalog()
    report = ImportReport()
    try:
        lines = jsonl.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CaseError(
            f"Cannot read {jsonl}: {exc.strerror or exc}",
            "Check the path to the AgentClinic .jsonl file.",
            path=jsonl,
        ) from exc
    out_dir.mkdir(parents=True, exist_ok=True)
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = record_to_case(json.loads(line), number, index, report)
            Case.model_validate(data)
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            report.skipped.append(f"line {number}: not an AgentClinic OSCE record ({exc!r})")
            continue
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(map(str, first["loc"]))
            report.skipped.append(f"line {number}: {where}: {first['msg']}")
            continue
        target = out_dir / f"{data['meta']['id']}.yaml"
        if target.exists():
            report.skipped.append(f"line {number}: {target} exists; not overwritten")
            continue
        text = yaml.dump(data, Dumper=_PlainDumper, sort_keys=False, allow_unicode=True, width=100)
        errors = _case_check_errors(text, target.name, catalog)
        if errors:
            report.skipped.append(f"line {number}: fails the case checks: {errors[0]}")
            continue
        atomic_write(target, text.encode("utf-8"), mode=0o644)
        report.written.append(target)
    return report


def _case_check_errors(text: str, name: str, catalog) -> list[str]:
    """Every error the library's full case checks find in a case file's text (schema, catalog
    cross-references), so that nothing imported shows as broken in the library."""
    with tempfile.TemporaryDirectory(prefix="simdesk-import-") as folder:
        path = Path(folder) / name
        path.write_text(text, encoding="utf-8")
        _case, problems = check_case_file(path, catalog)
    return [str(p).replace(str(path), name) for p in problems if not p.warning]
