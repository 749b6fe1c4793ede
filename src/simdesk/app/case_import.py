"""Adding cases to this computer's library from the app: a case file (``.yaml``) is checked as
``simdesk cases validate`` checks it and copied into the user cases folder; AgentClinic OSCE
records (``.jsonl``) are converted as ``simdesk cases import-agentclinic`` converts them.

Blocking file work (run it off the GUI thread). Nothing already in the library is overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from simdesk.core.errors import CaseError
from simdesk.core.paths import bundled_cases_dir

CASE_SUFFIXES = (".yaml", ".yml")
RECORD_SUFFIXES = (".jsonl",)


@dataclass(frozen=True)
class CaseImport:
    """What one import added (``case_ids``, in the order written) and what it left out."""

    source: Path
    case_ids: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    def summary(self) -> str:
        added = len(self.case_ids)
        text = f"Imported {added} case{'s' if added != 1 else ''} from {self.source.name}"
        return text + (f"; {len(self.skipped)} skipped." if self.skipped else ".")


def import_cases(source: Path, folder: Path) -> CaseImport:
    """Add the cases in ``source`` to ``folder`` (the user cases folder); see the module."""
    suffix = source.suffix.lower()
    if suffix in RECORD_SUFFIXES:
        return _import_records(source, folder)
    if suffix in CASE_SUFFIXES:
        return _import_case_file(source, folder)
    raise CaseError(
        f"{source.name} is neither a case file (.yaml) nor AgentClinic records (.jsonl).",
        "Choose a simdesk case file (.yaml) or an AgentClinic OSCE file (.jsonl).",
        path=source,
    )


def _import_records(source: Path, folder: Path) -> CaseImport:
    import yaml

    from simdesk.importers.agentclinic import import_agentclinic

    report = import_agentclinic(
        source, folder, bundled_cases_dir() / "catalog" / "investigations.yaml"
    )
    ids = []
    for path in report.written:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        ids.append(str(data["meta"]["id"]))
    return CaseImport(source, ids, list(report.skipped))


def _import_case_file(source: Path, folder: Path) -> CaseImport:
    from simdesk.core.cases.validate import check_case_file
    from simdesk.core.files import atomic_write

    case, problems = check_case_file(source)
    errors = [p for p in problems if not p.warning]
    if case is None:
        first = str(errors[0]).replace(f"{source}:", "line ") if errors else "it cannot be read"
        raise CaseError(
            f"{source.name} is not a playable case ({len(errors)} problem(s); the first: {first}).",
            f"Fix the file (`simdesk cases validate {source}` lists every problem) and import "
            "it again.",
            path=source,
        )
    case_id = case.meta.id
    if (bundled_cases_dir() / f"{case_id}.yaml").exists():
        raise CaseError(
            f"{source.name} has the id '{case_id}' of a case that comes with simdesk.",
            "Give your case its own meta.id and import it again.",
            path=source,
        )
    data = source.read_bytes()
    target = folder / f"{case_id}.yaml"
    if target.exists():
        if target.read_bytes() == data:
            return CaseImport(source, [], [f"{source.name}: already in the library"])
        raise CaseError(
            f"A different case with the id '{case_id}' is already in your cases ({target}).",
            "Give the new case another meta.id, or remove the old file first.",
            path=source,
        )
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write(target, data, mode=0o644)
    return CaseImport(source, [case_id])
