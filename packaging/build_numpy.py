"""Build numpy without BLAS for the desktop bundle, once per set of options, and install it.

numpy's PyPI wheel carries OpenBLAS (28 MB with its Fortran runtime). In simdesk numpy only holds
llama-cpp-python's token and logit arrays; llama.cpp does the model's arithmetic. So the bundle
(``make bundle``) installs a numpy built from source with ``-Dblas=none -Dlapack=none`` (numpy's
own lapack_lite covers ``numpy.linalg``). Portable as the PyPI wheel: numpy's default CPU
baseline, no ``-march=native``; its runtime SIMD dispatch is left out (``cpu-dispatch=none``),
which halves the build and the library, as nothing here sorts or sums large arrays.

The wheel goes into the wheelhouse keyed by version, options and Python ABI
(``~/.cache/simdesk/wheelhouse/numpy-<key>/``, or under ``$SIMDESK_WHEELHOUSE``) and is installed
from there with pip's index and cache off. First build: several minutes on 2 cores.

    python packaging/build_numpy.py             # build if needed, then install into this Python
    python packaging/build_numpy.py --print-dir # the wheelhouse folder for these options
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import wheelhouse as wh  # packaging/wheelhouse.py, beside this script

VERSION = "2.4.6"
SETUP_ARGS = ["-Dblas=none", "-Dlapack=none", "-Dallow-noblas=true", "-Dcpu-dispatch=none"]


def build_key() -> str:
    return wh.key([VERSION, *SETUP_ARGS, *wh.abi_parts()])


def wheelhouse() -> Path:
    return wh.folder(f"numpy-{build_key()}")


def find_wheel(folder: Path) -> Path | None:
    return wh.find_wheel(folder, "numpy", VERSION)


def build(target: Path) -> Path:
    print(f"Building numpy {VERSION} without BLAS for the bundle (several minutes)...")
    setup_args = [f"-Csetup-args={arg}" for arg in SETUP_ARGS]
    return wh.build(f"numpy=={VERSION}", "numpy", VERSION, target, pip_args=setup_args)


def install(wheel: Path) -> None:
    wh.install(wheel, f"numpy=={VERSION}")
    check = "import numpy; c = numpy.show_config(mode='dicts'); print(c['Build Dependencies'])"
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    if "openblas" in out.stdout.lower():
        raise SystemExit(f"numpy in {sys.prefix} still uses OpenBLAS: {out.stdout.strip()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print-dir", action="store_true", help="print the wheelhouse folder")
    args = parser.parse_args(argv)
    folder = wheelhouse()
    if args.print_dir:
        print(folder)
        return 0
    wheel = find_wheel(folder) or build(folder)
    print(f"numpy {VERSION} without BLAS from {wheel}")
    install(wheel)
    return 0


if __name__ == "__main__":
    sys.exit(main())
