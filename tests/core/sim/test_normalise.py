"""A question read in plain words before it is matched: chat spellings and misspelt topic words."""

import pytest

from simdesk.core.sim import normalise as nm
from simdesk.core.sim.disclosure import FactMatcher


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("any alergies?", "any allergies?"),  # a letter left out
        ("any medicaton?", "any medication?"),
        ("any famly history of heart problems", "any family history of heart problems"),
        ("any vomitting", "any vomiting"),  # a letter doubled
        ("do u take any medecines", "do you take any medicines"),  # a vowel for a vowel
        ("have u had an operation before", "have you had an operation before"),
        ("wat brings u in", "what brings you in"),
        ("is ur pain worse after activity", "is your pain worse after activity"),
    ],
)
def test_chat_spellings_and_misspelt_topic_words_are_read_as_words(typed, read):
    assert nm.normalise(typed) == read


@pytest.mark.parametrize(
    "word",
    # one letter from a topic word, but real words: never "corrected" into another topic
    ["fewer", "couch", "codeine", "stood", "pulls", "setting", "showing", "version", "pending"],
)
def test_real_words_are_never_changed(word):
    assert nm.normalise(f"any {word} today") == f"any {word} today"


def test_no_known_word_is_changed_and_the_case_keeps_its_own():
    from simdesk.core.sim.disclosure import SLANG

    # Chat spellings ("thx", "r") are known words that are normalised by design.
    known = sorted(w for w in nm.known_words() if w.isalpha() and w not in SLANG)
    assert len(known) > 5000
    assert all(nm.normalise(w) == w for w in known[::7])
    assert nm.normalise("any alergies") == "any allergies"
    assert nm.normalise("any alergies", case_words={"alergies"}) == "any alergies"


def test_typing_edits_are_counted_and_consonant_swaps_are_not_typing():
    assert nm.edit_distance("alergies", "allergies", 2) == 1
    assert nm.edit_distance("medciation", "medication", 2) == 1  # neighbours swapped
    # w for v is another word, not a slip: it costs as much as leaving one out and adding one
    assert nm.edit_distance("fewer", "fever", 2) == 2
    assert nm.edit_distance("medecine", "medicine", 2) == 1
    assert nm.edit_distance("pulls", "pills", 2) == 2  # a vowel for a vowel only in long words


def test_a_misspelt_topic_word_discloses_what_the_spelt_one_does(tb_case):
    matcher = FactMatcher(tb_case.facts)
    assert [f.id for f in matcher.match("any alergies?").facts] == ["allergies"]
    assert [f.id for f in matcher.match("r u alergic to anything").facts] == ["allergies"]
