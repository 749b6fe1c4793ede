"""Diagnosis synonyms on the tuning sets only (issue 17 item 5); never the frozen hold-out.

    PYTHONPATH=src python -m benchmarks.synonyms_tuning [--only NAME ...] [--quiet] [--shares]

Prints, for ``diagnoses_tuning.yaml`` and ``diagnoses_tuning_more.yaml``: synonyms accepted, near
misses accepted, exact names accepted, and every miss. ``--only`` keeps the named terminologies
(``terminology.only``), to read one terminology's share; ``--shares`` prints a row for none, each
terminology alone, every one but each, and all (a few minutes).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.eval import unseen  # noqa: E402

PARTS = ("tuning", "tuning_more")  # never "holdout"


def run(quiet: bool = False) -> dict[str, tuple[int, int, int]]:
    """``part -> (synonyms accepted, near misses accepted, exact accepted)``, printed."""
    figures = {}
    for part in PARTS:
        dx = unseen.diagnosis_eval(part)
        syn, near, exact = dx["synonyms accepted"], dx["near misses rejected"], dx["exact"]
        accepted = near.total - near.right
        figures[part] = (syn.right, accepted, exact.right)
        print(
            f"{part:<12} synonyms {syn.right}/{syn.total} ({syn.accuracy:.3f})"
            f"  near misses accepted {accepted}/{near.total}"
            f"  exact {exact.right}/{exact.total}"
        )
        if quiet:
            continue
        for miss in syn.misses:
            print(f"    miss  {miss}")
        for miss in near.misses:
            print(f"    NEAR  {miss}")
        for miss in exact.misses:
            print(f"    EXACT {miss}")
    return figures


def _forget() -> None:
    """The matcher's caches hold verdicts read from the terminologies in use."""
    from simdesk.core.assess import diagnosis

    for value in vars(diagnosis).values():
        if hasattr(value, "cache_clear"):
            value.cache_clear()


def shares() -> None:
    """One row per selection of terminologies: none, each alone, all but each, all."""
    from simdesk.core.assess import terminology

    names = [source.name for source in terminology.SOURCES if source.locate()]
    rows = [(), *((n,) for n in names), *(tuple(m for m in names if m != n) for n in names)]
    for combo in [*rows, tuple(names)]:
        label = " + ".join(combo) or "none (rules, Uberon, MONDO classes)"
        if len(combo) == len(names) - 1 and len(names) > 1:
            label = "all but " + next(n for n in names if n not in combo)
        _forget()
        with terminology.only(*combo):
            found = []
            for part in PARTS:
                dx = unseen.diagnosis_eval(part)
                syn, near = dx["synonyms accepted"], dx["near misses rejected"]
                accepted = near.total - near.right
                found.append(f"{syn.right}/{syn.total}; near {accepted}/{near.total}")
        print(f"{label:<40} " + "  |  ".join(found), flush=True)
    _forget()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="terminologies to keep (default: all)")
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    parser.add_argument("--shares", action="store_true", help="a row per terminology selection")
    args = parser.parse_args()
    if args.shares:
        shares()
        return
    if args.only is None:
        run(args.quiet)
        return
    from simdesk.core.assess import terminology

    with terminology.only(*args.only):
        run(args.quiet)


if __name__ == "__main__":
    main()
