"""``simdesk cases …``: check case files."""

from __future__ import annotations

import argparse
from pathlib import Path

from simdesk.core.cases.library import load_library
from simdesk.core.cases.loader import load_case
from simdesk.core.errors import CaseError
from simdesk.core.paths import bundled_cases_dir, locations


def register(sub: argparse._SubParsersAction) -> None:
    cases = sub.add_parser("cases", help="work with case files")
    cases_sub = cases.add_subparsers(dest="cases_command", required=True, metavar="ACTION")
    validate = cases_sub.add_parser("validate", help="check case files and report every problem")
    validate.add_argument("paths", nargs="*", help="case files or folders (default: the library)")
    validate.set_defaults(handler=validate_command)


def validate_command(args: argparse.Namespace) -> int:
    results: list[tuple[Path, CaseError | None]] = []
    if not args.paths:
        entries = load_library(bundled_cases_dir(), locations().user_cases)
        results = [(e.path, e.error) for e in entries]
    for raw in args.paths:
        path = Path(raw)
        for file in sorted(path.glob("*.yaml")) if path.is_dir() else [path]:
            try:
                load_case(file)
                results.append((file, None))
            except CaseError as exc:
                results.append((file, exc))
    for path, error in results:
        print(f"ok      {path}" if error is None else f"BROKEN  {error}")
    broken = sum(1 for _, e in results if e is not None)
    print(f"{len(results) - broken} valid, {broken} broken")
    return 1 if broken else 0
