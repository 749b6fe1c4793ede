"""Which build of llama.cpp's CPU backend this machine can run.

The portable build (``packaging/build_llama.py``) ships one CPU backend library per x86-64
instruction-set level. ggml would pick the highest its CPUID check accepts, but CPUID says what
the chip has, not what the operating system lets a process use: a sandbox or an old kernel that
does not grant AMX tile state kills the process with SIGILL at the first ``tilezero``. So the
model process chooses itself: the highest level whose every feature appears in the kernel's
``/proc/cpuinfo`` flags (the kernel hides AVX/AVX-512 when it does not save their state), AMX only
if ``arch_prctl(ARCH_REQ_XCOMP_PERM)`` grants it, and never a level that has already died here
with an illegal instruction (recorded per CPU in the cache folder).
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

from simdesk.core.files import atomic_write

# Each variant, lowest first, with the /proc/cpuinfo flags it needs (ggml/src/CMakeLists.txt).
_BASE = ("sse4_2",)
_AVX2 = (*_BASE, "avx", "f16c", "fma", "avx2", "bmi2")
_AVX512 = (*_AVX2, "avx512f")
VARIANTS: dict[str, tuple[str, ...]] = {
    "x64": (),
    "sse42": _BASE,
    "sandybridge": (*_BASE, "avx"),
    "ivybridge": (*_BASE, "avx", "f16c"),
    "piledriver": (*_BASE, "avx", "f16c", "fma"),
    "haswell": _AVX2,
    "alderlake": (*_AVX2, "avx_vnni"),
    "skylakex": _AVX512,
    "cannonlake": (*_AVX512, "avx512vbmi"),
    "cascadelake": (*_AVX512, "avx512_vnni"),
    "icelake": (*_AVX512, "avx512vbmi", "avx512_vnni"),
    "cooperlake": (*_AVX512, "avx512_vnni", "avx512_bf16"),
    "zen4": (*_AVX512, "avx512vbmi", "avx512_vnni", "avx512_bf16"),
    "sapphirerapids": (
        *_AVX512,
        "avx512vbmi",
        "avx512_vnni",
        "avx512_bf16",
        *("amx_tile", "amx_int8"),
    ),
}
AMX_FLAGS = ("amx_tile", "amx_int8")
OVERRIDE_ENV = "SIMDESK_CPU_VARIANT"


@dataclass(frozen=True)
class VariantChoice:
    """The chosen CPU backend library and why the better ones were passed over."""

    name: str
    path: Path | None
    skipped: dict[str, str]  # variant -> reason


def cpu_flags() -> frozenset[str]:
    """The instruction-set flags the kernel reports (empty where /proc/cpuinfo does not exist)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def amx_granted() -> bool:
    """Whether this process may use AMX tiles: Linux asks for permission per process."""
    if not sys.platform.startswith("linux") or platform.machine() != "x86_64":
        return False
    arch_prctl, req_xcomp_perm, xfeature_xtiledata = 158, 0x1023, 18
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.syscall(arch_prctl, req_xcomp_perm, xfeature_xtiledata) == 0
    except (OSError, AttributeError):
        return False


def cpu_fingerprint(flags: frozenset[str] | None = None) -> str:
    """A short id for this CPU model and feature set, to remember which variants crashed on it."""
    from simdesk.core.llm.machine import cpu_name

    flags = cpu_flags() if flags is None else flags
    text = cpu_name() + "\n" + " ".join(sorted(flags))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _crash_file() -> Path:
    from simdesk.core.paths import locations

    return locations().cache / "cpu-variants-crashed.json"


def crashed_variants(fingerprint: str | None = None) -> set[str]:
    """Variants that died with an illegal instruction on this CPU before."""
    try:
        data = json.loads(_crash_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return set(data.get(fingerprint or cpu_fingerprint(), []))


def record_crash(variant: str) -> None:
    """Remember that ``variant`` raised SIGILL here, so the next start picks a lower one."""
    path = _crash_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    key = cpu_fingerprint()
    data[key] = sorted(set(data.get(key, [])) | {variant})
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, json.dumps(data, indent=1).encode())


def variant_libraries(lib_dir: Path) -> dict[str, Path]:
    """The CPU backend libraries of the installed build, by variant name."""
    found = {}
    for path in lib_dir.glob("libggml-cpu-*.so"):
        found[path.name.removeprefix("libggml-cpu-").removesuffix(".so")] = path
    return found


def choose_variant(
    available: dict[str, Path],
    flags: frozenset[str] | None = None,
    amx: bool | None = None,
    crashed: set[str] | None = None,
    override: str | None = None,
) -> VariantChoice:
    """The best variant the CPU and OS support; ``SIMDESK_CPU_VARIANT`` names one to try first."""
    override = override if override is not None else os.environ.get(OVERRIDE_ENV) or None
    if not available:  # a build with the CPU backend linked in (not the portable one)
        return VariantChoice("built-in", None, {})
    crashed = crashed_variants() if crashed is None else crashed
    flags = cpu_flags() if flags is None else flags
    skipped: dict[str, str] = {}
    if override:
        if override not in available:
            raise ValueError(
                f"{OVERRIDE_ENV}={override} names no installed CPU variant "
                f"(installed: {', '.join(sorted(available))})."
            )
        lacking = [f for f in VARIANTS.get(override, ()) if f not in flags]
        if lacking:  # llama.cpp would refuse to load it: chosen as usual, and said
            skipped[override] = f"{OVERRIDE_ENV} names it, but the CPU lacks " + ", ".join(lacking)
        elif override not in crashed:  # tried first; once it has crashed here, chosen as usual
            return VariantChoice(override, available[override], {})
    amx = amx_granted() if amx is None else amx
    best = None
    for name, needs in VARIANTS.items():
        if name not in available or name in skipped:
            continue
        missing = [f for f in needs if f not in flags]
        if missing:
            skipped[name] = "CPU lacks " + ", ".join(missing)
        elif any(f in needs for f in AMX_FLAGS) and not amx:
            skipped[name] = "the OS does not grant AMX to this process"
        elif name in crashed:
            skipped[name] = "died with an illegal instruction here before"
        elif best is None or _rank(name) > _rank(best):
            best = name
    if best is None:
        best = "x64" if "x64" in available else sorted(available)[0]
    return VariantChoice(best, available[best], skipped)


def _rank(name: str) -> tuple[int, int]:
    needs = VARIANTS.get(name, ())
    return (len(needs), list(VARIANTS).index(name) if name in VARIANTS else -1)
