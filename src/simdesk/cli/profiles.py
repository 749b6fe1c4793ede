"""``simdesk profiles …`` and ``simdesk audit``: learner profiles from the command line.

Passphrases are never taken from the command line (it shows in process lists and shell history):
they are asked with getpass at a terminal, or read one per line from standard input otherwise.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from simdesk.app.session import Session
from simdesk.core.errors import StoreError
from simdesk.core.paths import locations
from simdesk.core.store.profiles import InstructorSession, ProfileManager


def register(sub: argparse._SubParsersAction) -> None:
    profiles = sub.add_parser("profiles", help="learner profiles on this computer")
    actions = profiles.add_subparsers(dest="profiles_command", required=True, metavar="ACTION")

    def action(name: str, handler, help: str, *arguments: str) -> argparse.ArgumentParser:
        parser = actions.add_parser(name, help=help)
        for argument in arguments:
            parser.add_argument(argument)
        parser.set_defaults(handler=handler)
        return parser

    action("list", list_command, "list the profiles")
    action("setup", setup_command, "set up this computer's instructor (first run)", "name")
    action("create", create_command, "create a learner profile (instructor)", "name")
    action("passwd", passwd_command, "change a profile's passphrase", "name")
    action("reset", reset_command, "reset a learner's forgotten passphrase (instructor)", "name")
    action("rotate-key", rotate_command, "re-encrypt a profile under a new key", "name")
    report = action("report", report_command, "show a learner's progress (instructor)", "name")
    report.add_argument(
        "--out", type=Path, help="also write the progress report to FILE.html or FILE.csv"
    )
    cohort = action("cohort", cohort_command, "write the cohort report (instructor)", "out")
    cohort.description = "Every learner's progress in one report, FILE.html or FILE.csv."
    action("export", export_command, "export a profile to one encrypted file", "name", "file")
    restore = action("import", import_command, "restore a profile from an export file", "file")
    restore.add_argument("--name", help="restore under another name")
    delete = action("delete", delete_command, "delete a learner profile", "name")
    delete.add_argument(
        "--as-instructor", action="store_true", help="authorise with the instructor passphrase"
    )
    audit = sub.add_parser("audit", help="show the audit log (instructor)")
    audit.set_defaults(handler=audit_command)


def _manager() -> ProfileManager:
    """This computer's profiles, opened as the window opens them (through its session)."""
    return Session(locations().ensure()).profiles


def read_passphrase(prompt: str, *, confirm: bool = False) -> str:
    """A passphrase from the terminal (not echoed), or one line of standard input."""
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        if not line:
            raise StoreError(f"No passphrase was given ({prompt.strip()}).", "Type it, or pipe it.")
        return line.rstrip("\r\n")
    passphrase = getpass.getpass(prompt)
    if confirm and getpass.getpass("Repeat it: ") != passphrase:
        raise StoreError("The two passphrases are not the same.", "Run the command again.")
    return passphrase


def _instructor(manager: ProfileManager) -> InstructorSession:
    return manager.unlock_instructor(read_passphrase("Instructor passphrase: "))


def list_command(_args: argparse.Namespace) -> int:
    manager = _manager()
    profiles = manager.list()
    for profile in profiles:
        print(f"{profile.name:30} {profile.role:10} {profile.folder}")
    if not profiles:
        print("No profiles yet. Set up the instructor: simdesk profiles setup NAME")
    return 0


def setup_command(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(f"New passphrase for instructor {args.name}: ", confirm=True)
    _manager().setup_instructor(args.name, passphrase).close()
    print(f"Instructor {args.name} is set up.")
    return 0


def create_command(args: argparse.Namespace) -> int:
    manager = _manager()
    instructor = _instructor(manager)
    passphrase = read_passphrase(f"New passphrase for {args.name}: ", confirm=True)
    manager.create(args.name, passphrase, instructor).close()
    print(f"Created learner profile {args.name}.")
    return 0


def passwd_command(args: argparse.Namespace) -> int:
    old = read_passphrase(f"Current passphrase for {args.name}: ")
    new = read_passphrase(f"New passphrase for {args.name}: ", confirm=True)
    _manager().change_passphrase(args.name, old, new)
    print(f"Changed the passphrase of {args.name}.")
    return 0


def reset_command(args: argparse.Namespace) -> int:
    manager = _manager()
    instructor = _instructor(manager)
    new = read_passphrase(f"New passphrase for {args.name}: ", confirm=True)
    manager.reset_passphrase(instructor, args.name, new)
    print(f"Reset the passphrase of {args.name}.")
    return 0


def rotate_command(args: argparse.Namespace) -> int:
    _manager().rotate_key(args.name, read_passphrase(f"Passphrase for {args.name}: "))
    print(f"Re-encrypted {args.name} under a new key.")
    return 0


def report_command(args: argparse.Namespace) -> int:
    from simdesk.core.assess.attempts import load_history

    manager = _manager()
    instructor = _instructor(manager)
    # One audited opening of the learner's store for both the listing and the report.
    attempts, history = manager.read_learner(
        instructor, args.name, lambda store: (store.attempts(), load_history(store, args.name))
    )
    for attempt in attempts:
        ended = f"{attempt.ended_at:%Y-%m-%d %H:%M}" if attempt.ended_at else "not finished"
        print(f"{attempt.started_at:%Y-%m-%d %H:%M}  {attempt.case_id:40} {ended:16} "
              f"{attempt.events} events")  # fmt: skip
    print(f"{len(attempts)} attempts by {args.name}")
    if args.out:
        from simdesk.app.reports import learner_report
        from simdesk.core.cases.library import load_library
        from simdesk.core.paths import bundled_cases_dir

        entries = load_library(bundled_cases_dir(), locations().user_cases)
        cases = [e.case for e in entries if e.case is not None]
        csv = args.out.suffix.lower() == ".csv"
        _write_report(learner_report(args.name, history, cases, csv=csv), args.out)
    return 0


def cohort_command(args: argparse.Namespace) -> int:
    from simdesk.app.reports import cohort_report
    from simdesk.core.assess.attempts import load_history

    manager = _manager()
    instructor = _instructor(manager)
    cohort = {
        p.name: manager.read_learner(instructor, p.name, lambda s, n=p.name: load_history(s, n))
        for p in manager.learners()
    }
    out = Path(args.out)
    _write_report(cohort_report(cohort, csv=out.suffix.lower() == ".csv"), out)
    print(f"{len(cohort)} learners, {sum(map(len, cohort.values()))} scored attempts")
    return 0


def _write_report(text: str, out: Path) -> None:
    from simdesk.core.assess.reports import export

    export(text, out)
    print(f"Wrote {out}. It is NOT encrypted: keep it safe and delete it when done.")


def export_command(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(f"Passphrase for {args.name}: ")
    target = _manager().export(args.name, passphrase, Path(args.file))
    print(f"Exported {args.name} to {target} (encrypted; it opens with the same passphrase).")
    return 0


def import_command(args: argparse.Namespace) -> int:
    passphrase = read_passphrase(f"Passphrase of the export {args.file}: ")
    profile = _manager().restore(Path(args.file), passphrase, args.name)
    print(f"Restored {profile.name} into {profile.folder}.")
    return 0


def delete_command(args: argparse.Namespace) -> int:
    manager = _manager()
    if args.as_instructor:
        manager.delete(args.name, instructor=_instructor(manager))
    else:
        manager.delete(args.name, passphrase=read_passphrase(f"Passphrase for {args.name}: "))
    print(f"Deleted profile {args.name}.")
    return 0


def audit_command(_args: argparse.Namespace) -> int:
    manager = _manager()
    entries, problems = manager.audit_log(_instructor(manager))
    for entry in entries:
        print(f"{entry.at:%Y-%m-%d %H:%M:%S}  {entry.actor:20} {entry.action:18} "
              f"{entry.profile:20} {entry.detail}")  # fmt: skip
    for problem in problems:
        print(f"WARNING: the audit log has been altered: {problem}")
    return 1 if problems else 0
