"""Extract the vocabulary of MTS-Dialog's TrainingSet: the words the question speller knows.

    python scripts/extract_mts_words.py ../shared/data/mts-dialog/MTS-Dialog-TrainingSet.csv

Writes ``cases/catalog/mts_dialog_words.txt``: every alphabetic word of the TrainingSet's
conversations and notes used at least twice (a word seen once may be a typo), one a line. The
speller (simdesk.core.sim.normalise) never corrects a word it knows, so "fewer" is not read as
"fever" nor "codeine" as "cocaine". MTS-Dialog: Ben Abacha, Yim, Fan, Lin, EACL 2023,
github.com/abachaa/MTS-Dialog, CC BY 4.0. Only the TrainingSet is read: the ValidationSet is the
eval's second hold-out.
"""

from __future__ import annotations

import csv
import re
import sys
from collections import Counter
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "cases" / "catalog" / "mts_dialog_words.txt"
_WORD = re.compile(r"[a-z]+")


def main(csv_path: str) -> int:
    counts: Counter[str] = Counter()
    with open(csv_path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            counts.update(_WORD.findall(f"{row['section_text']} {row['dialogue']}".lower()))
    kept = sorted(w for w, n in counts.items() if n >= 2 and len(w) >= 3)
    header = "# MTS-Dialog TrainingSet words used twice or more (CC BY 4.0; Ben Abacha et al.)\n"
    OUT.write_text(header + "".join(f"{w}\n" for w in kept), encoding="utf-8")
    print(f"{len(kept)} words -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
