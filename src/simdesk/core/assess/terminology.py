"""Synonyms of a diagnosis from a maintained terminology: ICD-10-CM (public domain, via the
``simple-icd-10-cm`` package, which ships the CMS tabular list; nothing is downloaded).

The groups are read once per machine from the package's tabular list (slow) into the user cache
folder (``icd10cm-groups-*.json``, about 1 MB); later starts load that file.

Each ICD-10-CM category or subcategory with a specific title gives one synonym group: its title,
a bracketed name in the title ("Erythema infectiosum [fifth disease]") and its inclusion terms
("Adhesive capsulitis of shoulder": "Frozen shoulder"). Residual codes ("Other ...",
"... unspecified", "NEC") lump different diseases together and give none. A diagnosis's synonyms
are the other names of every group one of whose names is that diagnosis word for word.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import os
import re
import threading
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

from simdesk.core.assess import lexicon
from simdesk.core.files import atomic_write
from simdesk.core.paths import locations

WordKey = Callable[[str], frozenset[str]]
_FORMAT = 1  # bump when the way groups are read changes

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


@functools.cache
def groups(word_key: WordKey) -> list[list[tuple[str, list[str]]]]:
    """The synonym groups as ``(name, its word key)``, built once per machine and kept in the
    user cache folder (keyed by the tabular list and the diagnosis lexicon)."""
    tabular = _tabular()
    if tabular is None:
        return []
    stat = tabular.stat()
    rules = hashlib.sha256(Path(lexicon.PATH).read_bytes()).hexdigest()[:12]
    key = f"{tabular.name}-{stat.st_size}-{rules}-v{_FORMAT}"
    folder = os.environ.get("SIMDESK_TERMINOLOGY_CACHE") or locations().cache / "terminology"
    cache = Path(folder) / f"icd10cm-groups-{key}.json"
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    built = [[(n, sorted(word_key(n))) for n in names] for names in build_groups(tabular)]
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
        for _name, words in names:
            index[frozenset(words)].append(number)
    return dict(index)


def synonyms(diagnosis: str, word_key: WordKey) -> tuple[str, ...]:
    """ICD-10-CM names of the same disease (empty when the terminology does not know it), by
    ``word_key``: the canonical words of a name as the diagnosis matcher reads it."""
    key = word_key(diagnosis)
    found: dict[str, None] = {}
    for number in _index(word_key).get(key, []):
        # A less specific name ("Keratosis" beside "Actinic keratosis") is not a synonym.
        found.update(
            dict.fromkeys(n for n, w in groups(word_key)[number] if not frozenset(w) <= key)
        )
    return tuple(found)
