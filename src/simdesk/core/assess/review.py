"""Spaced repetition of missed rubric items, scheduled by FSRS (the ``fsrs`` package).

A card is made the first time an item is missed; each later attempt at the same case reviews it
(missed: Again, partly met: Hard, met: Good). The deck is a pure function of the attempt history,
so nothing but the attempt results needs storing. There are no minute-long learning steps (an
attempt is a review, and attempts are days apart), fuzzing is off, and card ids come from the
item key, so the same history always gives the same schedule.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from fsrs import Card, Rating, Scheduler

from simdesk.core.assess.attempts import AttemptResult, ItemOutcome, by_time

RATING = {"missed": Rating.Again, "partial": Rating.Hard, "met": Rating.Good}


@dataclass
class ReviewItem:
    key: str  # "case_id:item_id"
    case_id: str
    item: ItemOutcome  # as last seen
    card: Card
    lapses: int = 0  # times missed

    @property
    def due(self) -> datetime:
        return self.card.due


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def update_deck(
    deck: dict[str, ReviewItem], results: Iterable[AttemptResult],
    scheduler: Scheduler | None = None,
) -> dict[str, ReviewItem]:  # fmt: skip
    """Review the deck with newer results, in place: how a front end keeps it after each attempt
    instead of replaying the whole history."""
    # No minute-long learning steps: an attempt is a review, and attempts are days apart.
    scheduler = scheduler or Scheduler(learning_steps=(), relearning_steps=(), enable_fuzzing=False)
    for result in by_time(results):
        when = _utc(result.finished_at)
        for item in result.items:
            key = f"{result.case_id}:{item.id}"
            review = deck.get(key)
            if review is None:
                if item.status == "met":
                    continue
                card = Card(card_id=zlib.crc32(key.encode()), due=when)
                review = deck[key] = ReviewItem(key, result.case_id, item, card)
            review.card, _log = scheduler.review_card(review.card, RATING[item.status], when)
            review.item = item
            review.lapses += item.status == "missed"
    return deck


def schedule(history: Iterable[AttemptResult]) -> list[ReviewItem]:
    """Replay the whole history through FSRS: one card per rubric item ever missed."""
    return sorted(update_deck({}, history).values(), key=lambda r: (r.due, r.key))


def due(deck: Iterable[ReviewItem], now: datetime) -> list[ReviewItem]:
    """The items due for review at ``now``, most overdue first."""
    moment = _utc(now)
    return sorted((r for r in deck if r.due <= moment), key=lambda r: (r.due, r.key))
