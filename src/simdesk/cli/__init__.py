"""The ``simdesk`` command: the desktop app by default, sub-commands for headless work.

Each sub-command group lives in its own module with a ``register(subparsers)`` function that
adds its parser and sets ``handler`` (a function taking the parsed args, returning an exit code).
"""

from __future__ import annotations

import argparse
import os
import sys
from importlib import import_module

from simdesk import __version__
from simdesk.core.errors import SimdeskError

COMMAND_MODULES = (
    "simdesk.cli.cases",
    "simdesk.cli.play",
    "simdesk.cli.profiles",
    "simdesk.cli.models",
    "simdesk.cli.doctor",
    "simdesk.cli.hub",
    "simdesk.cli.sync",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simdesk", description="Offline clinical case simulator.")
    parser.add_argument("--version", action="version", version=f"simdesk {__version__}")
    parser.add_argument(
        "--self-test", action="store_true",
        help="check this install end to end in a temporary profile (model, cases, scoring)",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    gui = sub.add_parser("gui", help="start the desktop app (the default)")
    gui.set_defaults(handler=_run_gui)
    for name in COMMAND_MODULES:
        import_module(name).register(sub)
    return parser


def _run_gui(_args: argparse.Namespace) -> int:
    from simdesk.ui.app import run_gui

    return run_gui()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--model-process"]:  # a frozen bundle starting its model process
        from simdesk.core.llm.model_process import main as model_process_main

        return model_process_main(argv[1:])
    if not argv:
        # The desktop app: skip importing every sub-command, so the window appears sooner.
        return _run_gui(argparse.Namespace())
    args = build_parser().parse_args(argv)
    handler = getattr(args, "handler", _run_gui)
    if args.self_test:
        from simdesk.cli.selftest import run_self_test

        handler = lambda _args: run_self_test()  # noqa: E731
    try:
        return handler(args)
    except SimdeskError as exc:
        print(f"simdesk: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        if getattr(args, "command", None) != "hub":
            raise
        # The desktop bundle leaves the programme hub out (it runs on a server, not a laptop).
        print(
            f"simdesk: the programme hub is not part of this install ({exc.name} is missing).\n"
            "Run the hub from a Python install: pip install 'simdesk[hub]'.",
            file=sys.stderr,
        )
        return 2
    except BrokenPipeError:
        # Output piped into `head` or similar that stopped reading: not an error of ours.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
