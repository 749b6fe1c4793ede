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
import hashlib
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

VERSION = "2.4.6"
SETUP_ARGS = ["-Dblas=none", "-Dlapack=none", "-Dallow-noblas=true", "-Dcpu-dispatch=none"]


def build_key() -> str:
    parts = [VERSION, *SETUP_ARGS, sys.implementation.cache_tag or "", sysconfig.get_platform(),
             str(sysconfig.get_config_var("SOABI"))]  # fmt: skip
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def wheelhouse() -> Path:
    root = os.environ.get("SIMDESK_WHEELHOUSE")
    base = Path(root) if root else Path.home() / ".cache" / "simdesk" / "wheelhouse"
    return base / f"numpy-{build_key()}"


def find_wheel(folder: Path) -> Path | None:
    wheels = sorted(folder.glob(f"numpy-{VERSION}-*.whl"))
    return wheels[-1] if wheels else None


def build(target: Path) -> Path:
    print(f"Building numpy {VERSION} without BLAS for the bundle (several minutes)...")
    with tempfile.TemporaryDirectory(prefix="simdesk-numpy-") as scratch:
        subprocess.run(
            [
                sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-cache-dir",
                "--no-binary", "numpy", f"numpy=={VERSION}", "--wheel-dir", scratch,
                *(f"-Csetup-args={arg}" for arg in SETUP_ARGS),
            ],
            check=True,
        )  # fmt: skip
        built = find_wheel(Path(scratch))
        if built is None:
            raise SystemExit("pip reported success but left no numpy wheel.")
        target.mkdir(parents=True, exist_ok=True)
        partial = target / (built.name + ".partial")
        shutil.copyfile(built, partial)
        os.replace(partial, target / built.name)  # a half-copied wheel is never found
    return target / built.name


def install(wheel: Path) -> None:
    subprocess.run(
        [
            sys.executable, "-m", "pip", "install", "--no-index", "--no-cache-dir", "--no-deps",
            "--force-reinstall", "--find-links", str(wheel.parent), f"numpy=={VERSION}",
        ],
        check=True,
    )  # fmt: skip
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
