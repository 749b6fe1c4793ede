"""The reply guard: model text is shown only if it says nothing the disclosed facts do not say.

A small model invents ("I don't smoke" for a smoker, "a kidney infection" from nothing). Every
word of a generated reply must be everyday English or come from the disclosed facts; numbers must
match; negation must not flip; no answer-key term may appear. The guard runs on the stream: words
are released only once checked, and on failure the authored ``patient_says`` line is shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simdesk.core.cases.schema import Fact
from simdesk.core.text import NUMBER_WORDS, numbers, stem, words

NEGATIONS = frozenset(
    """no not never don't dont didn't didnt doesn't doesnt haven't havent hasn't hasnt isn't
    isnt wasn't wasnt aren't weren't won't can't cannot couldn't without none nothing nobody
    neither nor denies""".split()
)

# Everyday words a patient may use in any reply without adding a clinical claim.
EVERYDAY = frozenset(
    # no quantity words ("a few", "a lot"): those are claims
    """a about above after again all almost also always am an and any anymore anything are
    around as at away back bad be because been before being bit both but by can come comes
    coming could day days did do does doctor doing done down during each early even every
    feel feeling feels felt for from get gets getting go goes going gone good got had has
    have having he her here him his how i i'd i'll i'm i've if in into is it it's its just
    know last later lately like long longer made make may maybe me mean must my myself need
    never new next nights now of off often oh ok okay on once one only or other our out over
    past quite rather really right said same say says see seem seems since sir so some
    something sometimes soon still such sure than thank thanks that that's the their them
    then there these they thing things think this those though through time times to today
    told too took truly up us very was way we week weeks well were what when where which
    while who why will with would yeah yes yet you your ago every month months year years
    morning evening night since started start starts begin began usually also again very
    madam ma'am true really honestly yes""".split()
)


def negated_terms(tokens: list[str], reach: int = 6, content_words: int = 2) -> set[str]:
    """Stems of the first content words that follow a negation (its rough scope)."""
    scoped: set[str] = set()
    for i, word in enumerate(tokens):
        if word in NEGATIONS:
            followers = [
                w for w in tokens[i + 1 : i + 1 + reach] if w not in EVERYDAY and w not in NEGATIONS
            ]
            scoped.update(stem(w) for w in followers[:content_words])
    return scoped


def _allowed_stems(texts: list[str]) -> set[str]:
    allowed = set()
    for text in texts:
        for word in words(text):
            allowed.add(word)
            allowed.add(stem(word))
    return allowed


@dataclass(frozen=True)
class GuardVerdict:
    ok: bool
    reason: str


class ReplyGuard:
    """Checks generated text against the facts disclosed for one turn."""

    def __init__(
        self, facts: tuple[Fact, ...], *, persona_words: list[str], forbidden_terms: list[str]
    ) -> None:
        fact_texts = [t for f in facts for t in (f.content, f.patient_says)]
        self.facts = facts
        self._allowed = _allowed_stems(fact_texts + persona_words)
        self._numbers = numbers(" ".join(fact_texts))
        fact_tokens = [w for text in fact_texts for w in words(text)]
        self._fact_negated = any(w in NEGATIONS for w in fact_tokens)
        self._fact_negated_terms = set().union(
            *(negated_terms(words(t), content_words=4) for t in fact_texts)
        )
        fact_words = _allowed_stems(fact_texts)
        self._forbidden = [
            term.lower() for term in forbidden_terms
            if term.strip() and not all(stem(w) in fact_words for w in words(term))
        ]  # fmt: skip

    def check_word(self, word: str) -> GuardVerdict:
        """Check one complete word of a reply."""
        if word in NEGATIONS and not self._fact_negated:
            return GuardVerdict(False, f"negation '{word}' flips the fact")
        if word.isdigit() or word in NUMBER_WORDS:
            value = float(NUMBER_WORDS.get(word, 0) if not word.isdigit() else word)
            if value not in self._numbers:
                return GuardVerdict(False, f"number '{word}' is not in the fact")
            return GuardVerdict(True, "")
        if word in EVERYDAY or word in self._allowed or stem(word) in self._allowed:
            return GuardVerdict(True, "")
        return GuardVerdict(False, f"word '{word}' is not in the fact")

    def check(self, text: str) -> GuardVerdict:
        """Check a whole reply."""
        if not self.facts:
            return GuardVerdict(False, "no fact was disclosed")
        tokens = words(text)
        if not tokens:
            return GuardVerdict(False, "empty reply")
        lowered = text.lower()
        for term in self._forbidden:
            if re.search(rf"\b{re.escape(term)}\b", lowered):
                return GuardVerdict(False, f"answer-key term '{term}'")
        for word in tokens:
            verdict = self.check_word(word)
            if not verdict.ok:
                return verdict
        if self._fact_negated and not any(w in NEGATIONS for w in tokens):
            return GuardVerdict(False, "the fact is negative but the reply is not")
        unsupported = negated_terms(tokens) - self._fact_negated_terms
        if unsupported:
            return GuardVerdict(False, f"the reply negates '{sorted(unsupported)[0]}'")
        return GuardVerdict(True, "model text passed the guard")


def clean_reply(text: str) -> str:
    """Trim a generated reply to its first line and at most two sentences."""
    text = text.strip().split("\n", 1)[0].strip()
    text = re.sub(r"^(patient|me)\s*:\s*", "", text, flags=re.IGNORECASE)
    sentences = re.split(r"(?<=[.!?])\s+", text)
    return " ".join(sentences[:2]).strip()


class GuardedStream:
    """Releases streamed model text word by word, only after each word passes the guard.

    ``feed`` returns the text that may be shown now; once a word fails, nothing more is released
    and ``finish`` returns the authored line instead.
    """

    def __init__(self, guard: ReplyGuard, authored: str) -> None:
        self.guard = guard
        self.authored = authored
        self._raw = ""
        self._released = 0
        self.failed: GuardVerdict | None = None if guard.facts else GuardVerdict(False, "no fact")

    def feed(self, token: str) -> str:
        if self.failed:
            return ""
        self._raw += token
        first_line = self._raw.lstrip().split("\n", 1)[0]
        lead = len(self._raw) - len(self._raw.lstrip())
        # Release up to the last whitespace: the word after it may still be growing.
        cut = max(first_line.rfind(" "), -1)
        if cut <= 0:
            return ""
        ready = self._raw[: lead + cut + 1]
        pending = ready[self._released :]
        for word in words(pending):
            verdict = self.guard.check_word(word)
            if not verdict.ok:
                self.failed = verdict
                return ""
        self._released = len(ready)
        return pending

    @property
    def released_text(self) -> str:
        return self._raw[: self._released]

    def finish(self) -> tuple[str, bool, str]:
        """The final reply: ``(text_shown, model_text_used, reason)``."""
        if self.failed:
            return self.authored, False, self.failed.reason
        reply = clean_reply(self._raw)
        verdict = self.guard.check(reply)
        if not verdict.ok:
            return self.authored, False, verdict.reason
        return reply, True, verdict.reason
