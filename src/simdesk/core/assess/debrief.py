"""The debrief after an attempt: what went well, what was missed and why it matters, the expected
approach, a timeline with vitals, and a short narrative.

Everything but the narrative is read from the score and the case. The narrative is written by the
local model from the scored items only, and shown only if it passes the reply guard against those
items (no word, number or negation they do not contain); otherwise a template narrative is used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from simdesk.core.assess.events import (
    given_minute,
    order_words,
    read_log,
    replies_by_question,
    vitals_over_time,
)
from simdesk.core.assess.model_text import Generate
from simdesk.core.assess.scoring import ItemResult, Score
from simdesk.core.cases.catalog import Catalog, load_catalog
from simdesk.core.cases.schema import Case, Fact
from simdesk.core.errors import SimdeskError
from simdesk.core.llm.guard import ReplyGuard, clean_reply
from simdesk.core.sim import events as ev

# Words a feedback narrative may use beyond the scored items themselves.
NARRATIVE_WORDS = """you your did well missed next remember encounter case patient score scored
    diagnosis good work should important key point points done need needed try""".split()


@dataclass(frozen=True)
class Point:
    item_id: str
    text: str
    why: str  # the teaching point, or the safety reason


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    minute: float
    kind: str
    text: str
    response: str
    vitals: dict[str, float]


@dataclass(frozen=True)
class Debrief:
    case_id: str
    title: str
    percent: float
    cap: float | None
    diagnosis: str
    went_well: tuple[Point, ...]
    missed: tuple[Point, ...]
    safety: tuple[Point, ...]
    expected_approach: tuple[str, ...]
    timeline: tuple[TimelineEntry, ...]
    narrative: str
    narrative_by_model: bool
    narrative_note: str  # why the model's text was or was not used
    cap_reason: str = ""  # the safety cap in one sentence (empty: no cap)
    key_points: tuple[str, ...] = ()  # the case's summary; expected_approach holds its actions

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def timeline(
    case: Case, events: Iterable[Any], catalog: Catalog | None = None
) -> list[TimelineEntry]:
    """The encounter step by step, with what came back and the vitals at that minute; an order
    made by code is shown by the test's name."""
    log = read_log(events)
    catalog = catalog or load_catalog()
    vitals = vitals_over_time(case, log)
    replies = replies_by_question(log)
    entries = []
    for event in log:
        if isinstance(event, ev.Question):
            text, response = event.text, replies.get(event.seq, "")
        elif isinstance(event, ev.Order):
            text, response = order_words(event, case, catalog), event.text
        elif isinstance(event, ev.Exam | ev.Treatment):
            text, response = event.request, event.text
        elif isinstance(event, ev.Wait):
            text, response = (
                f"waited {event.minutes:g} minute{'' if event.minutes == 1 else 's'}",
                "",
            )
        elif isinstance(event, ev.Result | ev.Diagnosis | ev.Plan):  # a plan is evidence too
            text, response = event.text, ""
        else:
            continue
        minute = given_minute(event) if isinstance(event, ev.Treatment) else event.sim_minute
        entries.append(TimelineEntry(event.seq, minute, event.kind, text, response,
                                     vitals[event.seq]))  # fmt: skip
    return entries


# How the part of an item that was not done is named, by the item's domain.
_NOT_DONE = {"history": "not asked about", "examination": "not examined",
             "investigations": "not requested"}  # fmt: skip


def missing_part(item: ItemResult) -> str:
    """Which part of a partly met item was not done ("not asked about weight loss"); empty
    when the item is met, or missed whole."""
    if item.status != "partial" or not item.missing_names:
        return ""
    names = list(item.missing_names)
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{_NOT_DONE.get(item.domain, 'not done:')} {listed}"


def template_narrative(score: Score) -> str:
    """A deterministic narrative from the scored items."""
    met = [i for i in score.items if i.status == "met"]
    # What is left to earn comes first: a partly met item after one missed whole.
    missed = sorted((i for i in score.items if i.status != "met"),
                    key=lambda i: -(i.weight - i.earned))  # fmt: skip
    parts = [f"You scored {score.percent:g}%."]
    if score.cap is not None:
        parts.append(score.cap_reason())
    if met:
        parts.append("You did well: " + "; ".join(_lower(i.description) for i in met[:3]) + ".")
    if missed:
        top = missed[0]
        what, why = _lower(top.description), top.teaching_point
        # "... by Plan C - Plan C - Ringer's lactate ...": a teaching point that opens with the
        # words the description ends on goes on from them
        head, sep, rest = why.partition(" - ")
        if sep and rest and what.lower().endswith(head.lower()):
            why = rest[:1].upper() + rest[1:]
        parts.append(f"Most important to work on: {what} - {why}")
    return " ".join(parts)


def _lower(text: str) -> str:
    text = text.rstrip(".")
    return text[:1].lower() + text[1:]


NARRATIVE_PROMPT = """Feedback for a trainee after a simulated patient case.

Done well: took a full history of the cough; examined the chest.
Missed: asked about HIV testing.
Feedback: You did well to take a full history of the cough and examine the chest. Next time, \
remember to ask about HIV testing.

Done well: {met}.
Missed: {missed}.
Feedback:"""


def model_narrative(score: Score, generate: Generate) -> tuple[str | None, str]:
    """The model's narrative and the guard's verdict; None when it fails the guard."""
    met = [i.description.rstrip(".") for i in score.items if i.status == "met"][:3]
    missed = [i.description.rstrip(".") for i in score.items if i.status != "met"][:3]
    prompt = NARRATIVE_PROMPT.format(met="; ".join(met) or "nothing yet",
                                     missed="; ".join(missed) or "nothing")  # fmt: skip
    try:
        text = clean_reply(generate(prompt, ("\n",), 60))
    except SimdeskError as exc:
        return None, f"the model could not be asked: {exc.what}"
    items = [i for i in score.items if i.status == "met"][:3] + [
        i for i in score.items if i.status != "met"
    ][:3]
    facts = tuple(
        Fact(id=f"item-{n}", category="presenting_complaint", content=i.description,
             patient_says=i.description, cues=[i.description])
        for n, i in enumerate(items)
    )  # fmt: skip
    verdict = ReplyGuard(facts, persona_words=NARRATIVE_WORDS, forbidden_terms=[]).check(text)
    return (text if verdict.ok else None), verdict.reason


def build_debrief(
    case: Case, score: Score, events: Iterable[Any], generate: Generate | None = None
) -> Debrief:
    """The debrief of a scored attempt; ``generate`` (the local model) writes the narrative."""
    went_well = tuple(
        Point(i.id, i.description, i.teaching_point) for i in score.items if i.status == "met"
    )
    missed = tuple(
        Point(i.id, i.description + (f" (partly: {missing_part(i)})" if missing_part(i) else ""),
              i.teaching_point)
        for i in sorted(score.items, key=lambda i: -(i.weight - i.earned)) if i.status != "met"
    )  # fmt: skip
    safety = tuple(Point(s.ref, s.kind.replace("_", " "), s.description) for s in score.safety)
    actions = case.answer_key.management.expected_actions
    approach = tuple(a.description for a in sorted(actions, key=lambda a: not a.critical))
    narrative, by_model, note = template_narrative(score), False, "no model was asked"
    if generate is not None:
        text, note = model_narrative(score, generate)
        if text is not None:
            narrative, by_model = text, True
    return Debrief(
        case.meta.id, case.meta.title, score.percent, score.cap, score.diagnosis.reason,
        went_well, missed, safety, approach, tuple(timeline(case, events)), narrative, by_model,
        note, score.cap_reason(), tuple(case.answer_key.key_points),
    )  # fmt: skip
