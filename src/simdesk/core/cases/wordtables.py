"""Word tables as data: validated YAML files under ``cases/catalog/``.

A word-table file holds named ``maps`` (word or phrase -> what it stands for), named ``lookups``
(keyword -> a category, where a word may name its own category) and named ``sets`` (lists of
words). Loading checks what a Python literal could not: a map entry that maps a word to
itself, the same key given twice (YAML would silently keep the last) and a key of a set listed
twice are errors naming the file and line; a chain (a maps to b, and b is itself a key of the same
map) is reported as a warning: write the final term instead.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from simdesk.core.errors import CaseError
from simdesk.core.paths import bundled_cases_dir


@dataclass(frozen=True)
class WordTables:
    path: Path
    maps: dict[str, dict[str, str]]  # maps and lookups
    sets: dict[str, frozenset[str]]
    warnings: tuple[str, ...] = field(default=())


def _error(path: Path, line: int, where: str, reason: str, fix: str) -> CaseError:
    return CaseError(f"{path}:{line}: {where}: {reason}", fix, path=path)


def _scalar(node: yaml.Node, path: Path, where: str) -> str:
    if not isinstance(node, yaml.ScalarNode):
        raise _error(path, node.start_mark.line + 1, where, "not a word or phrase",
                     "Write each entry as `word: meaning` on one line.")  # fmt: skip
    return str(node.value)


def load_word_tables(path: Path) -> WordTables:
    """Read and check one word-table file; any error is a :class:`CaseError` with file:line."""
    try:
        root = yaml.compose(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CaseError(
            f"Cannot read word tables {path}: {exc}", "Fix the file.", path=path
        ) from exc
    if not isinstance(root, yaml.MappingNode):
        raise CaseError(f"{path}: no mapping at the top", "Start from a bundled file.", path=path)
    top = {k.value: v for k, v in root.value}
    maps: dict[str, dict[str, str]] = {}
    sets: dict[str, frozenset[str]] = {}
    warnings: list[str] = []
    sections = [(n, b, True) for n, b in getattr(top.get("maps"), "value", [])]
    sections += [(n, b, False) for n, b in getattr(top.get("lookups"), "value", [])]
    for name_node, body, synonyms in sections:
        name = name_node.value
        table: dict[str, str] = {}
        lines: dict[str, int] = {}
        for key_node, value_node in getattr(body, "value", []):
            where = f"maps.{name}"
            key = _scalar(key_node, path, where)
            value = _scalar(value_node, path, f"{where}.{key}")
            line = key_node.start_mark.line + 1
            if key in table:
                raise _error(path, line, f"{where}.{key}",
                             f"given twice (also line {lines[key]}: {table[key]!r})",
                             "Keep one entry per word.")  # fmt: skip
            if key == value and synonyms:
                raise _error(path, line, f"{where}.{key}", "maps a word to itself",
                             "Remove the entry: a word already stands for itself.")  # fmt: skip
            table[key], lines[key] = value, line
        for key, value in table.items() if synonyms else ():
            chained = [w for w in value.split() if w in table and w != key]
            if chained:
                warnings.append(
                    f"{path}:{lines[key]}: maps.{name}.{key}: {value!r} is itself mapped "
                    f"({chained[0]!r} -> {table[chained[0]]!r}): a chain; write the final term"
                )
        maps[name] = table
    for name_node, body in getattr(top.get("sets"), "value", []):
        name = name_node.value
        seen: dict[str, int] = {}
        for node in getattr(body, "value", []):
            word = _scalar(node, path, f"sets.{name}")
            line = node.start_mark.line + 1
            if word in seen:
                raise _error(path, line, f"sets.{name}.{word}",
                             f"listed twice (also line {seen[word]})",
                             "Keep one entry per word.")  # fmt: skip
            seen[word] = line
        sets[name] = frozenset(seen)
    return WordTables(path, maps, sets, tuple(warnings))


@functools.cache
def bundled_word_tables(name: str) -> WordTables:
    """``cases/catalog/<name>.yaml``, loaded once."""
    return load_word_tables(bundled_cases_dir() / "catalog" / f"{name}.yaml")
