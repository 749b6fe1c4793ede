"""``simdesk doctor``: what this machine has, what simdesk finds, and how the model runs here."""

from __future__ import annotations

import argparse
import platform
import queue

from simdesk import __version__
from simdesk.core.cases.library import load_library
from simdesk.core.errors import SimdeskError
from simdesk.core.llm.backend import ModelBackend, ModelFailed, ModelReady, ReplyDone, ReplyFailed
from simdesk.core.llm.machine import (
    available_ram_mb,
    cpu_name,
    physical_cores,
    rss_mb,
    total_ram_mb,
)
from simdesk.core.llm.registry import resolve_active_model, verify_models
from simdesk.core.paths import bundled_cases_dir, locations
from simdesk.core.store.profiles import ProfileManager

PROBE_PROMPT = "Doctor: How are you feeling today?\nNote: Tired, with a cough.\nPatient:"


def register(sub: argparse._SubParsersAction) -> None:
    doctor = sub.add_parser("doctor", help="report the machine, models, database, cases")
    doctor.add_argument("--no-load", action="store_true", help="do not load the active model")
    doctor.set_defaults(handler=doctor_command)


def _line(label: str, text: str) -> None:
    print(f"{label:<10} {text}")


def doctor_command(args: argparse.Namespace) -> int:
    locs = locations()
    problems = 0
    _line("simdesk", f"{__version__} on Python {platform.python_version()}, {platform.platform()}")
    _line("CPU", f"{cpu_name()}; {physical_cores()} physical cores used for the model")
    _line("RAM", f"{available_ram_mb():,} MB free of {total_ram_mb():,} MB")
    _line("data", str(locs.data))
    for entry, error in verify_models(locs):
        problems += error is not None
        _line("model", f"{entry.name}: " + ("ok" if error is None else f"PROBLEM: {error}"))
    manager = ProfileManager.for_locations(locs)
    try:
        if manager.key_file.exists():  # doctor never creates the device database
            _line("database", f"{len(manager.list())} profile(s) in {locs.profiles}")
        else:
            _line("database", "none yet (the first start creates it)")
    except SimdeskError as exc:
        problems += 1
        _line("database", f"PROBLEM: {exc}")
    finally:
        manager.close()
    entries = load_library(bundled_cases_dir(), locs.user_cases)
    broken = [e for e in entries if not e.ok]
    problems += len(broken)
    _line("cases", f"{len(entries) - len(broken)} valid, {len(broken)} broken")
    for entry in broken:
        _line("", f"BROKEN {entry.error}")
    if not args.no_load:
        problems += not _probe_model(locs)
    return 1 if problems else 0


def _probe_model(locs) -> bool:
    """Load the active model on the real backend, answer one question, report time and memory."""
    events: queue.Queue = queue.Queue()
    before = rss_mb()
    backend = ModelBackend(lambda: resolve_active_model(locs), events.put)
    backend.start()
    try:
        event = _next(events, (ModelReady, ModelFailed))
        if isinstance(event, ModelFailed):
            _line("load", f"PROBLEM: {event.error}")
            return False
        _line(
            "load",
            f"{event.path.name} ({event.kind}, context {event.n_ctx}, {event.n_threads} threads) "
            f"in {event.load_seconds:.2f} s, +{event.memory_mb:.0f} MB",
        )
        backend.submit(PROBE_PROMPT, stop=backend.prompt_format.stop, max_tokens=24)
        done = _next(events, (ReplyDone, ReplyFailed))
        if isinstance(done, ReplyFailed):
            _line("reply", f"PROBLEM: {done.error}")
            return False
        rate = (done.completion_tokens - 1) / done.decode_seconds if done.decode_seconds else 0
        _line(
            "reply",
            f"first token {done.first_token_seconds:.2f} s, {rate:.1f} tokens/s; "
            f"process memory {rss_mb():.0f} MB (+{rss_mb() - before:.0f} MB with the model)",
        )
        return True
    finally:
        backend.shutdown()


def _next(events: queue.Queue, kinds: tuple[type, ...], timeout: float = 300.0):
    while True:
        event = events.get(timeout=timeout)
        if isinstance(event, kinds):
            return event
