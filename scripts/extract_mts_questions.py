"""Extract the doctors' questions of MTS-Dialog's TrainingSet, labelled by note section.

    python scripts/extract_mts_questions.py ../shared/data/mts-dialog/MTS-Dialog-TrainingSet.csv

Writes ``cases/catalog/mts_dialog_questions.tsv`` (section TAB question), the small data the
question classifier (simdesk.core.sim.understanding) learns from when it is first used. MTS-Dialog:
Ben Abacha, Yim, Fan, Lin, EACL 2023, github.com/abachaa/MTS-Dialog, CC BY 4.0. Only the
TrainingSet is read: the ValidationSet is the eval's second hold-out.
"""

from __future__ import annotations

import csv
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "cases" / "catalog" / "mts_dialog_questions.tsv"
_TURN = re.compile(r"(?=\b(?:Doctor|Patient|Guest_family|Guest_clinician)\s*:)")
_QUESTION = re.compile(r"[^.?!]*\?")


def questions(dialogue: str) -> list[str]:
    """The question sentences of the doctor's turns."""
    found = []
    for turn in _TURN.split(dialogue):
        turn = " ".join(turn.split())
        if turn.startswith("Doctor:"):
            found += [q.strip() for q in _QUESTION.findall(turn[7:]) if len(q.split()) >= 2]
    return found


def main(csv_path: str) -> int:
    rows = []
    with open(csv_path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            rows += [(row["section_header"], q) for q in questions(row["dialogue"])]
    header = "# MTS-Dialog TrainingSet doctor questions (CC BY 4.0; Ben Abacha et al., EACL 2023)\n"
    OUT.write_text(header + "".join(f"{s}\t{q}\n" for s, q in rows), encoding="utf-8")
    print(f"{len(rows)} questions -> {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
