"""Small text helpers shared by disclosure and the reply guard: tokens, stems, number words."""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

NUMBER_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20,
    "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90, "hundred": 100, "twice": 2, "once": 1, "single": 1, "couple": 2, "dozen": 12,
}  # fmt: skip


def words(text: str) -> list[str]:
    """Lower-case word tokens; apostrophes stay inside words (don't, patient's)."""
    return _WORD.findall(text.lower().replace("\u2019", "'"))


def joined_words(text: str) -> str:
    """Lower-case words joined by single spaces: how search compares a query with a name."""
    return " ".join(words(text))


def name_key(text: str) -> str:
    """How catalog names and synonyms are compared: :func:`joined_words`, with '&' read as 'and'
    ("A&E" and "a and e" name the same entry)."""
    return joined_words(text.replace("&", " and "))


def stem(word: str) -> str:
    """A deliberately small suffix stripper: enough to join cough/coughs/coughing/coughed and
    bleed/bleeds/bleeding."""
    word = word.removesuffix("'s")
    for suffix in ("ingly", "edly", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix == "ed" and base.endswith("e"):
                break  # bleed, breastfeed, need: "-eed" is the word's own, not a past tense
            if suffix in ("ies", "ied"):
                return base + "y"
            if len(base) >= 4 and base[-1] == base[-2] and base[-1] not in "ls":
                base = base[:-1]  # stopped -> stop
            return base
    return word


def numbers(text: str) -> set[float]:
    """Every number a text states, in digits or words ("six kilograms" -> 6)."""
    found: set[float] = set()
    for match in re.findall(r"\d+(?:\.\d+)?", text):
        found.add(float(match))
    for word in words(text):
        if word in NUMBER_WORDS:
            found.add(float(NUMBER_WORDS[word]))
    return found
