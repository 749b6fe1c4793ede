"""The case library: every case file in the bundled and user folders, broken ones included."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from simdesk.core.cases.loader import load_case
from simdesk.core.cases.schema import Case
from simdesk.core.errors import CaseError


@dataclass(frozen=True)
class CaseEntry:
    """One file in the library: a loaded case, or the reason it could not be loaded."""

    path: Path
    case: Case | None
    error: CaseError | None = None

    @property
    def ok(self) -> bool:
        return self.case is not None


def load_library(*folders: Path) -> list[CaseEntry]:
    """Load every ``*.yaml`` case under the folders. One broken file never stops the others."""
    entries: list[CaseEntry] = []
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.yaml")):
            try:
                entries.append(CaseEntry(path=path, case=load_case(path)))
            except CaseError as exc:
                entries.append(CaseEntry(path=path, case=None, error=exc))
    return entries
