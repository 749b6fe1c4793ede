"""``simdesk doctor``: what this machine has, what simdesk finds, and how the model runs here."""

from __future__ import annotations

import argparse
import platform
import queue
from pathlib import Path

from simdesk import __version__
from simdesk.core.cases.library import load_library
from simdesk.core.errors import SimdeskError
from simdesk.core.llm.backend import (
    ModelBackend,
    ModelCrash,
    ModelFailed,
    ModelReady,
    ReplyDone,
    ReplyFailed,
)
from simdesk.core.llm.cpu import (
    OVERRIDE_ENV,
    amx_granted,
    choose_variant,
    cpu_flags,
    variant_libraries,
)
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
    _line("ISA", instruction_sets())
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
    _line("llama.cpp", cpu_variants())  # after the probe: it may have found a variant that dies
    return 1 if problems else 0


# Instruction sets worth naming, as /proc/cpuinfo spells them and as people know them.
ISA_NAMES = {
    "sse4_2": "SSE4.2", "avx": "AVX", "f16c": "F16C", "fma": "FMA", "avx2": "AVX2",
    "bmi2": "BMI2", "avx_vnni": "AVX-VNNI", "avx512f": "AVX-512", "avx512_vnni": "AVX-512-VNNI",
    "avx512_bf16": "AVX-512-BF16", "amx_tile": "AMX",
}  # fmt: skip


def instruction_sets() -> str:
    flags = cpu_flags()
    if not flags:
        return "not readable on this system"
    names = [label for flag, label in ISA_NAMES.items() if flag in flags]
    if "amx_tile" in flags and not amx_granted():
        names[-1] = "AMX (not granted by the OS: never used)"
    return " ".join(names) or "none beyond x86-64"


def cpu_variants() -> str:
    """The CPU backend builds installed with llama.cpp, and the one the model process will use."""
    import importlib.util

    spec = importlib.util.find_spec("llama_cpp")  # located, not imported: the child imports it
    if spec is None or spec.origin is None:
        return "PROBLEM: llama-cpp-python is not installed (run make, or packaging/build_llama.py)"
    available = variant_libraries(Path(spec.origin).parent / "lib")
    if not available:
        return "built without CPU variants (not the portable build): it may crash on other CPUs"
    try:
        choice = choose_variant(available)
    except ValueError as exc:
        return f"PROBLEM: {exc}"
    crashed = [
        name for name, why in choice.skipped.items() if "illegal instruction" in why
    ]  # fmt: skip
    note = (
        f" ('{', '.join(crashed)}' died with an illegal instruction here and is not used)"
        if crashed
        else ""
    )
    note += "".join(
        f" ('{name}': {why}; not used)"
        for name, why in choice.skipped.items()
        if why.startswith(OVERRIDE_ENV)
    )
    return f"{len(available)} CPU variants installed; this machine uses '{choice.name}'{note}"


def _probe_model(locs) -> bool:
    """Load the active model in its own process, answer one question, report time and memory.

    A crash there (an illegal instruction, a damaged file) is a finding, not a crash of doctor.
    """
    events: queue.Queue = queue.Queue()
    before = rss_mb()
    backend = ModelBackend(lambda: resolve_active_model(locs), events.put)
    backend.start()
    try:
        event = _next(events, (ModelReady, ModelFailed))
        if isinstance(event, ModelFailed):
            variant = f" (CPU variant '{backend.variant}')" if backend.variant else ""
            _line("load", f"PROBLEM{variant}: {event.error}")
            return False
        _line(
            "load",
            f"{event.path.name} ({event.kind}, context {event.n_ctx}, {event.n_threads} threads) "
            f"in {event.load_seconds:.2f} s, +{event.memory_mb:.0f} MB, "
            f"in its own process on CPU variant '{event.variant}'",
        )
        backend.submit(PROBE_PROMPT, stop=backend.prompt_format.stop, max_tokens=24)
        done = _next(events, (ReplyDone, ReplyFailed, ModelCrash))
        if isinstance(done, ReplyFailed | ModelCrash):
            _line("reply", f"PROBLEM on CPU variant '{backend.variant}': {done.error}")
            return False
        rate = (done.completion_tokens - 1) / done.decode_seconds if done.decode_seconds else 0
        _line(
            "reply",
            f"first token {done.first_token_seconds:.2f} s, {rate:.1f} tokens/s; "
            f"simdesk {rss_mb():.0f} MB (+{rss_mb() - before:.0f} MB), the model process apart",
        )
        return True
    finally:
        backend.shutdown()


def _next(events: queue.Queue, kinds: tuple[type, ...], timeout: float = 300.0):
    while True:
        event = events.get(timeout=timeout)
        if isinstance(event, kinds):
            return event
