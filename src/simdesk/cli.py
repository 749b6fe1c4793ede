"""The ``simdesk`` command: the desktop app by default, sub-commands for headless work."""

from __future__ import annotations

import argparse
import sys

from simdesk import __version__
from simdesk.core.cases.library import load_library
from simdesk.core.cases.loader import load_case
from simdesk.core.errors import CaseError
from simdesk.core.paths import bundled_cases_dir, locations


def _validate(paths: list[str]) -> int:
    from pathlib import Path

    if not paths:
        entries = load_library(bundled_cases_dir(), locations().user_cases)
        results = [(e.path, e.error) for e in entries]
    else:
        results = []
        for raw in paths:
            path = Path(raw)
            files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
            for file in files:
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


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="simdesk", description="Offline clinical case simulator.")
    parser.add_argument("--version", action="version", version=f"simdesk {__version__}")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("gui", help="start the desktop app (the default)")
    cases = sub.add_parser("cases", help="work with case files")
    cases_sub = cases.add_subparsers(dest="cases_command", required=True)
    validate = cases_sub.add_parser("validate", help="check case files and report every problem")
    validate.add_argument("paths", nargs="*", help="case files or folders (default: the library)")
    args = parser.parse_args(argv)

    if args.command in (None, "gui"):
        from simdesk.ui.app import run_gui

        return run_gui()
    if args.command == "cases" and args.cases_command == "validate":
        return _validate(args.paths)
    parser.error(f"unknown command {args.command}")
    return 2


if __name__ == "__main__":
    sys.exit(main())
