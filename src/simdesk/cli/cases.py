"""``simdesk cases …``: check case files and import cases from other formats."""

from __future__ import annotations

import argparse
from pathlib import Path

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.validate import Problem, check_case_file
from simdesk.core.errors import CaseError
from simdesk.core.paths import bundled_cases_dir, locations


def register(sub: argparse._SubParsersAction) -> None:
    cases = sub.add_parser("cases", help="work with case files")
    cases_sub = cases.add_subparsers(dest="cases_command", required=True, metavar="ACTION")
    validate = cases_sub.add_parser("validate", help="check case files and report every problem")
    validate.add_argument("paths", nargs="*", help="case files or folders (default: the library)")
    validate.set_defaults(handler=validate_command)
    importer = cases_sub.add_parser(
        "import-agentclinic", help="convert AgentClinic OSCE records (.jsonl) into case files"
    )
    importer.add_argument("jsonl", type=Path, help="the AgentClinic .jsonl file")
    importer.add_argument(
        "--out", type=Path, default=None, help="folder for the case files (default: your cases)"
    )
    importer.set_defaults(handler=import_agentclinic_command)


def _case_files(paths: list[str]) -> list[Path]:
    folders = [Path(p) for p in paths] or [bundled_cases_dir(), locations().user_cases]
    files: list[Path] = []
    for path in folders:
        if path.is_dir():
            files += sorted(path.glob("*.yaml"))
        elif paths:
            files.append(path)
    return files


def validate_command(args: argparse.Namespace) -> int:
    """Print every problem of every file as ``file:line: yaml.path: reason``; 1 if any error."""
    catalog = load_catalog()  # a broken catalog raises, naming its own problems
    broken = 0
    files = _case_files(args.paths)
    for file in files:
        try:
            _case, problems = check_case_file(file, catalog)
        except CaseError as exc:  # unreadable, not YAML, not a mapping
            problems = [Problem(file, None, "(file)", exc.what)]
        errors = [p for p in problems if not p.warning]
        broken += bool(errors)
        status = f"BROKEN  {file} ({len(errors)} problem(s))" if errors else f"ok      {file}"
        print(status)
        for problem in problems:
            print(f"  {problem}")
    print(f"{len(files) - broken} valid, {broken} broken")
    return 1 if broken else 0


def import_agentclinic_command(args: argparse.Namespace) -> int:
    """Convert every record; report what was written, skipped and left unmapped."""
    from simdesk.importers.agentclinic import import_agentclinic

    out = args.out or locations().user_cases
    report = import_agentclinic(
        args.jsonl, out, bundled_cases_dir() / "catalog" / "investigations.yaml"
    )
    for path in report.written:
        print(f"wrote   {path}")
    for reason in report.skipped:
        print(f"skipped {reason}")
    if report.unmapped:
        print("kept under their own names (no catalog mapping):")
        print("\n".join(f"  {line}" for line in report.unmapped))
    if report.defaults:
        print("vital signs the record does not give as a number (and what the case uses):")
        print("\n".join(f"  {line}" for line in report.defaults))
    if report.units:
        print("lab values kept as the record's text (no unit, or a unit the analyte cannot have):")
        print("\n".join(f"  {line}" for line in report.units))
    print(f"{len(report.written)} imported, {len(report.skipped)} skipped")
    return 0 if report.written or not report.skipped else 1
