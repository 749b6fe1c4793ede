"""The CPU variant choice, and proof that nothing native-only was built or installed."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from simdesk.core.llm.cpu import (
    VARIANTS,
    _rank,
    choose_variant,
    cpu_flags,
    crashed_variants,
    variant_libraries,
)

ALL = {name: Path(f"/lib/libggml-cpu-{name}.so") for name in VARIANTS}
HASWELL = frozenset("sse4_2 avx f16c fma avx2 bmi2".split())
SPR = HASWELL | frozenset(
    "avx512f avx512vbmi avx512_vnni avx512_bf16 avx_vnni amx_tile amx_int8".split()
)


def choose(flags, amx=False, crashed=(), override=""):
    return choose_variant(ALL, frozenset(flags), amx=amx, crashed=set(crashed), override=override)


def test_the_highest_level_the_cpu_has_is_chosen():
    assert choose(HASWELL).name == "haswell"
    assert choose({"sse4_2"}).name == "sse42"
    assert choose(()).name == "x64"


def test_amx_is_chosen_only_when_the_os_grants_it():
    assert choose(SPR, amx=True).name == "sapphirerapids"
    refused = choose(SPR, amx=False)
    assert refused.name == "zen4" and "does not grant AMX" in refused.skipped["sapphirerapids"]


def test_a_variant_that_crashed_here_is_passed_over_even_when_asked_for():
    choice = choose(SPR, amx=True, crashed={"sapphirerapids"})
    assert choice.name == "zen4" and "illegal instruction" in choice.skipped["sapphirerapids"]
    assert choose(SPR, amx=True, crashed={"skylakex"}, override="skylakex").name == "sapphirerapids"
    assert choose(SPR, override="skylakex").name == "skylakex"  # asked for: tried first
    assert choose(HASWELL, override="sse42").name == "sse42"  # a lower one too


def test_an_override_the_cpu_lacks_is_passed_over_and_said():
    # llama.cpp refuses to load a variant whose instructions the CPU lacks (no SIGILL to catch):
    # an AVX2 laptop asked for the AMX build gets its own best, and the reason is kept.
    choice = choose(HASWELL, override="sapphirerapids")
    assert choice.name == "haswell"
    assert choice.skipped["sapphirerapids"].startswith("SIMDESK_CPU_VARIANT names it")
    assert "avx512f" in choice.skipped["sapphirerapids"]


def test_an_unknown_override_names_the_installed_variants():
    with pytest.raises(ValueError, match="SIMDESK_CPU_VARIANT=pentium4 .*haswell"):
        choose(HASWELL, override="pentium4")


def lib_dir() -> Path:
    spec = importlib.util.find_spec("llama_cpp")
    assert spec is not None and spec.origin
    return Path(spec.origin).parent / "lib"


def registers(library: Path, pattern: str) -> int:
    """How many instructions in ``library`` use registers matching ``pattern``."""
    disassembly = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", str(library)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return len(re.findall(pattern, disassembly))


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump (binutils) is not installed")
def test_the_installed_build_is_portable():
    """AMX tiles only in the AMX variant, AVX-512 only in AVX-512 variants, AVX only in AVX
    variants, and the libraries every CPU loads (libllama, libggml, libggml-base) use none."""
    libs = lib_dir()
    variants = variant_libraries(libs)
    assert {"x64", "sse42", "haswell", "skylakex"} <= set(variants), "not the portable build"
    avx512 = {n for n, needs in VARIANTS.items() if "avx512f" in needs}
    avx = {n for n, needs in VARIANTS.items() if "avx" in needs}
    for name, path in variants.items():
        assert (registers(path, r"%tmm\d") > 0) == (name == "sapphirerapids"), name
        assert (registers(path, r"%zmm\d") > 0) == (name in avx512), name
        assert (registers(path, r"%ymm\d") > 0) == (name in avx), name
    for common in ("libllama.so", "libggml.so", "libggml-base.so"):
        assert registers(libs / common, r"%(?:tmm|zmm|ymm)\d") == 0, common


@pytest.mark.model
def test_a_variant_that_dies_while_loading_is_recorded_and_a_lower_one_used(
    default_model, monkeypatch
):
    """On a CPU that advertises AMX the OS does not grant, the AMX variant is asked for and dies
    by itself. A CPU without AVX-512 or AMX never tries it (llama.cpp would refuse it), so
    there the child is sent a real SIGILL while it loads its first choice, as a faulting
    instruction would: the same signal, exit status and path through the backend."""
    import os
    import signal
    import time

    from simdesk.core.llm.backend import ModelBackend, ModelFailed, ModelReady
    from tests.core.llm.test_backend import Recorder

    # tried only where the CPU advertises every flag it needs, AMX included (an AMD EPYC with
    # AVX-512 but no AMX is refused up front, as llama.cpp would refuse the library)
    cpu_can_try_amx = set(VARIANTS["sapphirerapids"]) <= cpu_flags()
    if cpu_can_try_amx:
        monkeypatch.setenv("SIMDESK_CPU_VARIANT", "sapphirerapids")  # tried first
    recorder = Recorder()
    backend = ModelBackend(default_model, recorder, n_ctx=512)
    backend.start()
    killed = None
    try:
        if not cpu_can_try_amx:
            deadline = time.monotonic() + 60
            while not backend.variant and time.monotonic() < deadline:
                time.sleep(0.001)
            killed = backend.variant
            assert killed, "the model process never said which CPU variant it loads"
            os.kill(backend.child_pid, signal.SIGILL)
        ready, _ = recorder.until((ModelReady, ModelFailed))
    finally:
        backend.shutdown()
    assert isinstance(ready, ModelReady)
    if cpu_can_try_amx and ready.variant == "sapphirerapids":
        pytest.skip("AMX really runs on this machine: no variant dies here")
    died = "sapphirerapids" if cpu_can_try_amx else killed
    if not cpu_can_try_amx and ready.variant == killed:
        pytest.skip("the model loaded before the signal arrived: nothing died while loading")
    assert died in crashed_variants() and ready.variant in VARIANTS
    assert ready.variant != died and _rank(ready.variant) < _rank(died)
