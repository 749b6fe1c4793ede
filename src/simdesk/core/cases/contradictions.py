"""The contradiction list: per case and fact, what a shown reply must never say.

``catalog/contradictions.yaml`` beside the bundled cases holds hand-written regular expressions
(case-insensitive) for replies that contradict or go beyond a fact; the reply guard applies those
of the disclosed facts at run time. A case without entries has none.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

from simdesk.core.errors import CaseError

FILE = "contradictions.yaml"


def default_path() -> Path:
    from simdesk.core.cases.catalog import default_catalog_dir

    return default_catalog_dir() / FILE


def load_contradictions(path: Path | None = None) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """``(case id, fact id or "*", patterns)`` entries, checked; none if the file is absent."""
    path = (path or default_path()).resolve()
    try:
        stamp = path.stat().st_mtime_ns
    except OSError:
        return ()
    return _load(path, stamp)


@functools.lru_cache(maxsize=4)
def _load(path: Path, _stamp: int) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    fix = "Each entry needs `case`, `fact` and a list of regular expressions under `patterns`."
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    except (OSError, yaml.YAMLError) as exc:
        what = f"Cannot read the contradiction list {path}: {exc}"
        raise CaseError(what, fix, path=path) from exc
    if not isinstance(rows, list):
        raise CaseError(f"{path}: the contradiction list is not a list", fix, path=path)
    out = []
    for n, row in enumerate(rows, 1):
        if not (
            isinstance(row, dict) and isinstance(row.get("case"), str)
            and isinstance(row.get("fact"), str) and isinstance(row.get("patterns"), list)
        ):  # fmt: skip
            raise CaseError(f"{path}: entry {n} is malformed", fix, path=path)
        for pattern in row["patterns"]:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                raise CaseError(
                    f"{path}: entry {n} ({row['case']}/{row['fact']}): bad pattern "
                    f"{pattern!r}: {exc}", "Fix the regular expression.", path=path,
                ) from exc  # fmt: skip
        out.append((row["case"], row["fact"], tuple(str(p) for p in row["patterns"])))
    return tuple(out)


def never_says(case_id: str, fact_ids: set[str], path: Path | None = None) -> list[str]:
    """The patterns that apply when ``fact_ids`` of ``case_id`` are disclosed."""
    ids = set(fact_ids) | {"*"}
    return [p for case, fact, patterns in load_contradictions(path)
            if case == case_id and fact in ids for p in patterns]  # fmt: skip
