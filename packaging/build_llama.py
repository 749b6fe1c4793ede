"""Build llama-cpp-python portably, once per set of options, and install it from that build.

``pip install llama-cpp-python`` compiles llama.cpp with ``-march=native``: the library then uses
every instruction the build machine has (AVX-512, AMX...) and dies with an illegal instruction
on an older laptop, or on a machine whose OS does not grant AMX. pip also caches that wheel and
hands it back to every later install whatever the flags. So simdesk builds llama.cpp with
``GGML_NATIVE=OFF GGML_BACKEND_DL=ON GGML_CPU_ALL_VARIANTS=ON``: the CPU backend becomes one
library per x86-64 level (SSE-only ``x64`` to AVX-512/AMX ``sapphirerapids``), and simdesk's model
process loads the best one this CPU and OS really support (``simdesk.core.llm.cpu``).

The wheel goes into a wheelhouse keyed by the version, the options and the Python ABI
(``~/.cache/simdesk/wheelhouse/<key>/``, or ``$SIMDESK_WHEELHOUSE``) and is installed from there
with pip's index and cache off, so a wheel built with other options is never picked up.

    python packaging/build_llama.py            # build if needed, then install into this Python
    python packaging/build_llama.py --print-dir  # the wheelhouse folder for these options
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import zipfile
from pathlib import Path

import wheelhouse as wh  # packaging/wheelhouse.py, beside this script

VERSION = "0.3.36"
HERE = Path(__file__).resolve().parent
VARIANTS_CMAKE = HERE / "install_cpu_variants.cmake"
X86 = platform.machine().lower() in {"x86_64", "amd64", "x64"}

# Options common to every machine: portable code, no tools or multimodal library we do not use.
COMMON = [
    "-DGGML_NATIVE=OFF",
    "-DLLAVA_BUILD=OFF",
    "-DLLAMA_BUILD_TESTS=OFF",
    "-DLLAMA_BUILD_EXAMPLES=OFF",
    "-DLLAMA_BUILD_TOOLS=OFF",
    "-DLLAMA_BUILD_SERVER=OFF",
    "-DLLAMA_CURL=OFF",
]
# On x86-64: one CPU backend per instruction-set level, chosen at run time.
X86_OPTIONS = [
    "-DGGML_BACKEND_DL=ON",
    "-DGGML_CPU_ALL_VARIANTS=ON",
    f"-DCMAKE_PROJECT_llama_cpp_INCLUDE={VARIANTS_CMAKE}",
]
# The levels the x86-64 wheel must carry (the others depend on the compiler's support).
REQUIRED_VARIANTS = ("x64", "sse42", "sandybridge", "haswell", "skylakex", "icelake", "alderlake")


def cmake_args() -> list[str]:
    return COMMON + (X86_OPTIONS if X86 else [])


def build_key() -> str:
    """Everything that changes the built library, hashed: version, options, ABI, platform.

    Not where the checkout is: every clone on the machine shares one build.
    """
    parts = [
        VERSION,
        *(arg.replace(str(VARIANTS_CMAKE), "<variants.cmake>") for arg in cmake_args()),
        VARIANTS_CMAKE.read_text(encoding="utf-8") if X86 else "",
        *wh.abi_parts(),
    ]
    return wh.key(parts)


def wheelhouse() -> Path:
    return wh.folder(build_key())


def find_wheel(folder: Path) -> Path | None:
    return wh.find_wheel(folder, "llama_cpp_python", VERSION)


def check_wheel(wheel: Path) -> list[str]:
    """The CPU variant libraries inside a built wheel; raise if a required one is missing."""
    with zipfile.ZipFile(wheel) as archive:
        names = [Path(n).name for n in archive.namelist()]
    variants = sorted(
        {
            n.removeprefix("libggml-cpu-").removesuffix(".so")
            for n in names
            if n.startswith("libggml-cpu-") and n.endswith(".so")
        }
    )
    if X86:
        missing = [v for v in REQUIRED_VARIANTS if v not in variants]
        if missing:
            raise SystemExit(
                f"The built wheel {wheel} lacks the CPU variants {', '.join(missing)}; "
                "delete it and build again (is the compiler too old for them?)."
            )
    return variants


def build(target: Path) -> Path:
    env = dict(os.environ)
    env["CMAKE_ARGS"] = " ".join(cmake_args())
    env.setdefault("CMAKE_BUILD_PARALLEL_LEVEL", str(os.cpu_count() or 2))
    print(f"Building llama-cpp-python {VERSION} portably (about 10-25 minutes on 2 cores)...")
    print(f"  CMAKE_ARGS={env['CMAKE_ARGS']}")
    return wh.build(
        f"llama-cpp-python=={VERSION}", "llama_cpp_python", VERSION, target,
        env=env, check=check_wheel,
    )  # fmt: skip


def install(wheel: Path) -> None:
    wh.install(wheel, f"llama-cpp-python=={VERSION}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print-dir", action="store_true", help="print the wheelhouse folder")
    parser.add_argument("--no-install", action="store_true", help="build only")
    args = parser.parse_args(argv)
    folder = wheelhouse()
    if args.print_dir:
        print(folder)
        return 0
    wheel = find_wheel(folder)
    if wheel is None:
        wheel = build(folder)
    variants = check_wheel(wheel)
    print(f"llama-cpp-python {VERSION} from {wheel}")
    if variants:
        print(f"  CPU variants: {' '.join(variants)}")
    if not args.no_install:
        install(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
