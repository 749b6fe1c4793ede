"""``simdesk models …``: list, import, verify, remove and choose GGUF models."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from simdesk.core.errors import ModelError
from simdesk.core.llm.gguf_info import read_gguf_info
from simdesk.core.llm.machine import MIB, available_ram_mb
from simdesk.core.llm.registry import (
    ModelTooLarge,
    check_fits_in_ram,
    effective_kind,
    import_model,
    load_registry,
    model_path,
    remove_model,
    use_model,
    verify_models,
)
from simdesk.core.paths import locations


def register(sub: argparse._SubParsersAction) -> None:
    models = sub.add_parser("models", help="manage the GGUF language models")
    actions = models.add_subparsers(dest="models_command", required=True, metavar="ACTION")
    actions.add_parser("list", help="list registered models").set_defaults(handler=list_command)
    imp = actions.add_parser("import", help="check a GGUF file and copy it into the models folder")
    imp.add_argument("path", type=Path, help="the .gguf file, e.g. on a USB stick")
    imp.add_argument("--name", help="registry name (default: from the file name)")
    imp.add_argument("--sha256", help="expected sha256 (default: FILE.sha256 beside it, if any)")
    imp.add_argument("--use", action="store_true", help="make it the model the app loads")
    imp.set_defaults(handler=import_command)
    verify = actions.add_parser("verify", help="check every model file's GGUF header and sha256")
    verify.set_defaults(handler=verify_command)
    remove = actions.add_parser("remove", help="unregister an imported model and delete its file")
    remove.add_argument("name")
    remove.set_defaults(handler=remove_command)
    use = actions.add_parser("use", help="choose the model the app loads")
    use.add_argument("name")
    use.set_defaults(handler=use_command)


def list_command(_args: argparse.Namespace) -> int:
    locs = locations()
    registry = load_registry(locs)
    free = available_ram_mb()
    for entry in registry.entries:
        path = model_path(entry, locs)
        marker = "*" if entry.name == registry.active_name else " "
        if path.exists():
            try:
                info = read_gguf_info(path)
                kind = f"{entry.kind}->{effective_kind(entry, info)}"
                check_fits_in_ram(entry, path, free)
                state = f"{path.stat().st_size / MIB:.0f} MB"
            except ModelTooLarge as exc:
                state = f"TOO LARGE: {exc.what}"
            except ModelError as exc:
                kind, state = entry.kind, f"BROKEN: {exc.what}"
        else:
            kind = entry.kind
            state = "assembled on first start" if entry.package else "FILE MISSING"
        print(f"{marker} {entry.name:<24} {kind:<16} ctx {entry.context:<6} {state}")
        if entry.recommended_use:
            print(f"    {entry.recommended_use} Licence: {entry.licence or 'unknown'}.")
    print(f"(* = the model the app loads; {free} MB of memory free now)")
    return 0


def _progress(done: int, total: int) -> None:
    print(f"\rcopying {done / MIB:,.0f} / {total / MIB:,.0f} MB", end="", file=sys.stderr)
    if done == total:
        print(file=sys.stderr)


def import_command(args: argparse.Namespace) -> int:
    locs = locations()
    entry = import_model(
        args.path, locs, name=args.name, expected_sha256=args.sha256, progress=_progress
    )
    print(f"imported {entry.name}: {model_path(entry, locs)} (sha256 {entry.sha256})")
    try:
        check_fits_in_ram(entry, model_path(entry, locs))
    except ModelTooLarge as exc:
        print(f"warning: {exc}", file=sys.stderr)
    if args.use:
        use_model(entry.name, locs)
        print(f"{entry.name} is now the model the app loads")
    return 0


def verify_command(_args: argparse.Namespace) -> int:
    results = verify_models(locations())
    for entry, error in results:
        print(f"ok      {entry.name}" if error is None else f"BROKEN  {entry.name}: {error}")
    broken = sum(1 for _, error in results if error is not None)
    print(f"{len(results) - broken} ok, {broken} broken")
    return 1 if broken else 0


def remove_command(args: argparse.Namespace) -> int:
    entry = remove_model(args.name, locations())
    print(f"removed {entry.name} and its file {entry.file}")
    return 0


def use_command(args: argparse.Namespace) -> int:
    entry = use_model(args.name, locations())
    print(f"{entry.name} is now the model the app loads")
    return 0
