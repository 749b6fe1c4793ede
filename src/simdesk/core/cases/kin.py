"""What an informant calls the patient they speak for, from their relation to the patient."""

from __future__ import annotations


def kin_word(relation: str, sex: str) -> str:
    """What the informant calls the patient of ``sex``: "son", "granddaughter", "nephew", "wife",
    "mother", "roommate"."""
    female = sex == "female"
    if relation.startswith("grand"):
        return "granddaughter" if female else "grandson"
    if relation in ("aunt", "uncle"):
        return "niece" if female else "nephew"
    if relation in ("husband", "wife", "spouse"):
        return "wife" if female else "husband"
    if relation in ("boyfriend", "girlfriend"):
        return "girlfriend" if female else "boyfriend"
    if relation in ("fiance", "fiancee"):
        return "fiancee" if female else "fiance"
    if relation in ("daughter", "son"):
        return "mother" if female else "father"
    if relation in ("sister", "brother"):
        return "sister" if female else "brother"
    if relation in ("family member", "relative"):
        return "relative"
    if relation in ("partner", "roommate", "flatmate", "friend"):
        return relation
    return "daughter" if female else "son"
