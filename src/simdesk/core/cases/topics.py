"""History topics: what a question asks about, and which facts answer it.

The topics live in ``cases/catalog/history_topics.yaml``: each belongs to a history category and
has regular expressions for the questions that ask about it (``asked``) and for the facts that
answer it (``said``; or ``whole_category``: every fact of its category). A fact's topics are its
case file's ``topics`` plus those its content says; a question's topics are those it asks.

A topic may also ``take`` a frame: the head of a construction whose complement, to the end of its
clause, is a condition the topic asks about, not a topic of its own. "Is it worse when you move,
breathe in or cough?" asks what makes it worse, whatever the words after "worse when" name (not
the review of systems' breathing and cough); "is it bad enough to stop you working?" asks how bad
it is (not the occupation). The head asks about its topic; the complement is read by no other.
"""

from __future__ import annotations

import functools
import re
import typing
from dataclasses import dataclass
from pathlib import Path

import yaml

from simdesk.core.cases.schema import Fact, FactCategory
from simdesk.core.errors import CaseError
from simdesk.core.paths import bundled_cases_dir

CATEGORIES = frozenset(typing.get_args(FactCategory))


@dataclass(frozen=True)
class Topic:
    name: str
    category: str
    asked: tuple[re.Pattern, ...]
    said: tuple[re.Pattern, ...]
    whole_category: bool = False
    within: frozenset[str] = (
        frozenset()
    )  # categories whose facts ``said`` applies to (all if empty)
    narrows: frozenset[str] = frozenset()  # broader topics dropped when this one is asked
    takes: tuple[re.Pattern, ...] = ()  # heads of frames whose complement only this topic reads


def _fail(path: Path, line: int, where: str, reason: str, fix: str) -> CaseError:
    return CaseError(f"{path}:{line}: {where}: {reason}", fix, path=path)


def load_topics(path: Path | None = None) -> dict[str, Topic]:
    """Read and check the topics file; any problem is a :class:`CaseError` naming file and line."""
    path = path or bundled_cases_dir() / "catalog" / "history_topics.yaml"
    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text)
    except yaml.YAMLError as exc:
        raise CaseError(
            f"{path}: not valid YAML: {exc}", "Fix the YAML syntax.", path=path
        ) from exc
    data = yaml.safe_load(text)
    nodes = {k.value: v for k, v in root.value} if root is not None else {}
    if not isinstance(data, dict) or not isinstance(data.get("topics"), dict):
        raise CaseError(f"{path}: no 'topics' mapping", "Start from the bundled file.", path=path)
    topics: dict[str, Topic] = {}
    seen: dict[str, tuple[str, int]] = {}
    for key_node, body in nodes["topics"].value:
        name, line = key_node.value, key_node.start_mark.line + 1
        fields = {k.value: v for k, v in body.value} if isinstance(body, yaml.MappingNode) else {}
        category = fields.get("category")
        if category is None or category.value not in CATEGORIES:
            raise _fail(path, line, f"topics.{name}.category",
                        f"{getattr(category, 'value', None)!r} is not a history category",
                        f"Use one of: {', '.join(sorted(CATEGORIES))}.")  # fmt: skip
        compiled: dict[str, list[re.Pattern]] = {"asked": [], "said": [], "takes": []}
        for kind in compiled:
            for node in getattr(fields.get(kind), "value", []) or []:
                where = f"topics.{name}.{kind}"
                try:
                    compiled[kind].append(re.compile(node.value))
                except re.error as exc:
                    raise _fail(path, node.start_mark.line + 1, where, f"bad pattern: {exc}",
                                "Fix the regular expression (backslashes are doubled in "
                                "double-quoted YAML).") from exc  # fmt: skip
                if kind == "asked" and node.value in seen and seen[node.value][0] != name:
                    other, other_line = seen[node.value]
                    raise _fail(path, node.start_mark.line + 1, where,
                                f"the same pattern also asks about {other!r} (line {other_line})",
                                "Keep each question pattern in one topic.")  # fmt: skip
                seen.setdefault(node.value, (name, node.start_mark.line + 1))
        whole = bool(getattr(fields.get("whole_category"), "value", "false") == "true")
        if not compiled["asked"]:
            raise _fail(path, line, f"topics.{name}.asked", "no question patterns",
                        "List at least one pattern of a question that asks about it.")  # fmt: skip
        if not compiled["said"] and not whole:
            raise _fail(path, line, f"topics.{name}", "no fact can have this topic",
                        "Give 'said' patterns or 'whole_category: true'.")  # fmt: skip
        lists = {}
        for kind in ("in", "narrows"):
            node = fields.get(kind)
            lists[kind] = frozenset(getattr(v, "value", "") for v in getattr(node, "value", []))
        bad = lists["in"] - CATEGORIES
        if bad:
            raise _fail(path, fields["in"].start_mark.line + 1, f"topics.{name}.in",
                        f"{sorted(bad)} are not history categories",
                        f"Use categories from: {', '.join(sorted(CATEGORIES))}.")  # fmt: skip
        topics[name] = Topic(
            name, category.value, tuple(compiled["asked"]), tuple(compiled["said"]), whole,
            lists["in"], lists["narrows"], tuple(compiled["takes"]),
        )  # fmt: skip
    for topic in topics.values():
        unknown = topic.narrows - topics.keys()
        if unknown or topic.name in topic.narrows:
            line = nodes_line(nodes["topics"], topic.name)
            raise _fail(path, line, f"topics.{topic.name}.narrows",
                        f"{sorted(unknown) or [topic.name]} cannot be narrowed",
                        "Name other topics of this file.")  # fmt: skip
    return topics


def nodes_line(mapping: yaml.MappingNode, key: str) -> int:
    return next(k.start_mark.line + 1 for k, _ in mapping.value if k.value == key)


# A frame's complement: the rest of its clause, up to the end of the sentence or a coordinated new
# question ("..., or did it just appear?", "... and have you had a fever?").
_COMPLEMENT = (
    r"(?:(?!,? \b(?:and|or|but),? (?:have|has|had|do|does|did|is|are|was|were|any|what|how)\b)"
    r"[^?.!;])*"
)


@functools.cache
def bundled_topics() -> dict[str, Topic]:
    return load_topics()


def question_topics(question: str, topics: dict[str, Topic] | None = None) -> frozenset[str]:
    """The topics a question asks about."""
    text = " ".join(question.lower().replace("\u2019", "'").split())
    known = topics or bundled_topics()
    framed = {t.name for t in known.values() if any(p.search(text) for p in t.takes)}
    for name in framed:
        for head in known[name].takes:
            text = re.sub(f"(?:{head.pattern}){_COMPLEMENT}", " ", text)
    found = framed | {t.name for t in known.values() if any(p.search(text) for p in t.asked)}
    narrowed = {n for name in found for n in known[name].narrows}
    # A background topic (past illnesses, medicines, allergies) asked in a clause of its own,
    # apart from the one that narrows it, is asked too: "any medicines or allergies?" asks both;
    # "any medicine allergies?" and "allergic to anything, food or medicines?" (a frame) do not.
    # Elsewhere a narrowing reads the whole question: the family's "anyone with diabetes or heart
    # disease?" asks about the family's heart, "any other symptoms, such as chest pain?" the
    # chest, "pain passing urine or change in frequency?" the bladder's frequency.
    clauses = [_clause_topics(part, known) for part in CLAUSE.split(text)]
    together = {n for topics in clauses for name in topics for n in known[name].narrows & topics}
    apart = {
        n for topics in clauses for n in topics
        if known[n].category in _BACKGROUND and all(
            known[name].category in _BACKGROUND for name in found if n in known[name].narrows
        )
    } - together  # fmt: skip
    return frozenset(found - (narrowed - apart))


# The parts a question is read in, one topic each at most ("any medicines or allergies?").
CLAUSE = re.compile(r"[?;,.!]|\b(?:or|and|also|plus)\b")
_BACKGROUND = frozenset({"past_history", "medications", "allergies"})


def _clause_topics(clause: str, known: dict[str, Topic]) -> set[str]:
    return {t.name for t in known.values() if any(p.search(clause) for p in t.asked)}


def text_topics(
    text: str, category: str, topics: dict[str, Topic] | None = None, *, whole: bool = True
) -> set[str]:
    """The topics a fact's text gives it, and (``whole``) those its category gives it."""
    lowered = text.lower()
    out = set()
    for topic in (topics or bundled_topics()).values():
        by_category = whole and topic.whole_category and topic.category == category
        in_scope = not topic.within or category in topic.within
        if by_category or (in_scope and any(p.search(lowered) for p in topic.said)):
            out.add(topic.name)
    return out


def fact_topics(fact: Fact, topics: dict[str, Topic] | None = None) -> frozenset[str]:
    """A fact's topics: those its case file names, and those its content and category give it."""
    return frozenset({*fact.topics, *text_topics(fact.content, fact.category, topics)})
