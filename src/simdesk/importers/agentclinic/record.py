"""One record -> one case (the builders put together), and the import of a whole file with the
full case checks before anything is written."""

from __future__ import annotations

import json
import re
import tempfile
from pathlib import Path

import yaml
from pydantic import ValidationError

from simdesk.core.cases.kin import kin_word
from simdesk.core.cases.schema import Case
from simdesk.core.cases.validate import check_case_file
from simdesk.core.errors import CaseError
from simdesk.core.files import atomic_write
from simdesk.importers.agentclinic.common import (
    FEMALE_NAMES,
    MALE_NAMES,
    SOURCE_REFERENCE,
    ImportReport,
    _PlainDumper,
    parse_demographics,
    slug,
)
from simdesk.importers.agentclinic.examination import (
    build_findings,
    general_normal,
    measurement_findings,
    parse_vitals,
)
from simdesk.importers.agentclinic.history import _VERB, Voice, build_facts, complaint, dedupe
from simdesk.importers.agentclinic.informant import informant_for, older_informant
from simdesk.importers.agentclinic.investigations import (
    CatalogIndex,
    _import_tests,
    shows_abnormal,
)

# How a record's occupation sentence names the work: "Works as a bank clerk", "Engineer by
# profession", "The patient is a high school student with ...".
_OCCUPATION = (
    re.compile(r"\b(?:works|worked|working|employed) as (?:an? )?(.+?)(?= in | at | for |[.,;]|$)"),
    re.compile(r"^(.+?) by (?:profession|occupation|trade)\b"),
    re.compile(r"^(?:the patient|he|she) is an? (.+?)(?= with| without| in | at |[.,;]|$)"),
)


def stated_occupation(facts: list[dict]) -> str | None:
    """The occupation the record states, in its words, or None: the case leaves out what the
    record does not say (no "not stated" in the header). A bare noun phrase of up to four words
    ("Retired school teacher", "College student") is one; a clause ("Attends preschool",
    "Previously employed") names none."""
    for fact in facts:
        if not str(fact.get("source", "")).endswith("/occupation"):
            continue
        text = fact["content"].strip().rstrip(".").strip()
        lowered = text[0].lower() + text[1:] if text else text
        for pattern in _OCCUPATION:
            if m := pattern.search(lowered):
                return m.group(1).strip()
        words = lowered.split()
        verbish = [w for w in words if w in _VERB or (w.endswith("ed") and w != "retired")]
        if 0 < len(words) <= 4 and not verbish and re.fullmatch(r"[a-z][a-z -]*", lowered):
            return lowered
    return None


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
    # a child's record is told by whoever brought the child: the case names them (issue 12); an
    # older patient's by whoever the record says tells the illness, if anybody does
    older = None if demo.carer else older_informant(osce)
    informant = informant_for(osce, number, older) if demo.carer or older else None
    relation = informant["relation"] if informant else "parent"
    told = informant is not None  # someone else speaks for the patient
    child = kin_word(relation, demo.sex)
    voice = Voice(told, demo.sex, relation)
    facts = dedupe(build_facts(actor, primary, voice, report, where))
    who = f"My {child}" if told else "I"
    said = complaint(primary, voice)  # "Mother reports X": in the mother's words, "X"
    whom = "child" if demo.carer else "patient"
    exam_raw = osce.get("Physical_Examination_Findings") or {}
    reading = parse_vitals(
        exam_raw.get("Vital_Signs") or {}, demo.age_years, report.defaults, where
    )
    findings = build_findings(exam_raw, report, where) + measurement_findings(reading)

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
    # The record's key tests: those whose result is abnormal. A routine test that came back
    # normal (a urea, a glucose, a negative HIV test beside a joint aspirate) is no item: a
    # targeted work-up that leaves it out is correct care (it is still the record's, so ordering
    # it is never "unnecessary").
    key_tests = [
        t for t in investigations if shows_abnormal(t, index, demo.age_years, demo.sex)
    ]  # fmt: skip
    for test in key_tests[:6]:
        # a mapped test by the catalog's name, as the Orders tab lists it ("Ordered US_ABDOMEN."
        # read as a code on a new user's debrief)
        entry = index.catalog.test(test["code"])
        name = test.get("name") or (entry.name if entry else test["code"])
        rubric.append(
            {
                "id": f"test-{slug(test['code'])}"[:60],
                "domain": "investigations",
                "weight": 1,
                "description": f"Ordered {name}.",
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
            **({"occupation": job} if (job := stated_occupation(facts)) else {}),
            "presenting_complaint": primary.lower(),
            "persona": {
                "speech_style": f"the {whom}'s {relation}, answering for the {whom}; plain words"
                if told
                else "plain, short answers",
                "health_literacy": "medium",
                "mood": "concerned",
            },
            "opening_line": f"Good morning, doctor. {who} {'has' if told else 'have'} "
            f"{said[0].lower() + said[1:]}.",
            **({"informant": informant} if informant else {}),
        },
        "vitals": reading.vitals,
        # the catalog's "alert, comfortable at rest ..." is no record's finding
        "examination": {
            "findings": findings,
            "normal": {"general": general_normal(reading, demo.age_years, findings)},
        },
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
    index = CatalogIndex(catalog_file)
    catalog = index.catalog
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
