import re

import pytest

from simdesk.core.cases.contradictions import load_contradictions, never_says
from simdesk.core.consultation import Consultation
from simdesk.core.errors import CaseError
from simdesk.core.llm.guard import ReplyGuard


def test_the_shipped_list_gives_the_disclosed_facts_patterns_and_the_case_wide_ones():
    patterns = never_says("pulmonary-tb-miner", {"tb-contact"})
    assert r"\b(alone|by myself)\b" in patterns  # the fact's own
    assert r"\b(tuberculosis|cancer|pneumonia|hiv positive)\b" in patterns  # "*": every fact
    assert not any("smok" in p for p in patterns)  # another fact's
    assert never_says("acute-appendicitis-nurse", {"pain-migration"}) == []


def test_the_contradiction_list_is_applied_at_run_time(tb_case):
    # "by myself" passes every general rule (everyday words) but he shares a room with five men.
    reply = " I have a hostel room by myself."
    consultation = Consultation(tb_case)
    pending = consultation.ask("Where do you live?")
    assert "tb-contact" in {f.id for f in pending.turn.facts}
    plain = ReplyGuard(pending.turn.facts, persona_words=[], forbidden_terms=[],
                       question=pending.turn.question)  # fmt: skip
    assert plain.check(reply).ok  # without the list it would be shown
    released = [pending.stream.feed(t) for t in re.findall(r"\s*\S+", reply)]
    assert "".join(released) == ""  # nothing of it streamed
    result = consultation.finish(pending)
    assert not result.model_text_used and result.text == pending.turn.authored_reply
    assert result.reason.startswith("listed contradiction")
    # After a released clause, the reply stops there: what was shown stays, and is true.
    pending = consultation.ask("Where do you live?")
    reply = " I share a hostel room with five men, and I have a room by myself."
    shown = "".join(pending.stream.feed(t) for t in re.findall(r"\s*\S+", reply))
    assert shown == "I share a hostel room with five men"
    result = consultation.finish(pending)
    assert result.text == "I share a hostel room with five men." and result.model_text_used
    assert "listed contradiction" in result.reason


def test_a_broken_list_is_reported_with_its_file(tmp_path):
    path = tmp_path / "contradictions.yaml"
    path.write_text("- {case: x, fact: y, patterns: ['(unclosed']}\n")
    with pytest.raises(CaseError, match="bad pattern"):
        load_contradictions(path)
    path.write_text("- just a line\n")
    with pytest.raises(CaseError, match="malformed"):
        load_contradictions(path)
    assert load_contradictions(tmp_path / "absent.yaml") == ()
