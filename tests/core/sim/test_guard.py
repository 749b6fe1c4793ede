import pytest

from simdesk.core.llm.guard import GuardedStream, ReplyGuard, clean_reply


def _guard(case, *fact_ids):
    key = case.answer_key.diagnosis
    return ReplyGuard(
        tuple(case.fact(f) for f in fact_ids),
        persona_words=[case.patient.name],
        forbidden_terms=[key.primary, *key.aliases],
    )


@pytest.mark.parametrize(
    ("fact_id", "reply"),
    [
        ("smoking", "No, I don't smoke."),  # negation flip, as measured on the default model
        ("smoking", "I smoke about twenty cigarettes a day."),  # a number the fact lacks
        ("smoking", "I smoke only a few cigarettes a day."),  # a vague quantity for "ten"
        ("haemoptysis", "I have no blood when I cough."),
        ("hiv-status", "I have never had a test for HIV."),  # negates what the fact states
        ("occupation", "I am the gold mine manager."),  # a claim absent from the fact
        ("cough-duration", "I think I have tuberculosis."),  # an answer-key term
        ("allergies", "I am allergic to penicillin."),  # positive for a negative fact
        ("fever", "I have had a fever and a kidney infection."),
    ],
)
def test_guard_rejects_replies_that_go_beyond_the_fact(tb_case, fact_id, reply):
    assert not _guard(tb_case, fact_id).check(reply).ok


@pytest.mark.parametrize(
    ("fact_id", "reply"),
    [
        ("cough-duration", "I have had this cough for about six weeks now."),
        ("weight-loss", "I lost about 6 kg over two months."),
        ("allergies", "No, I have no known allergies."),
        ("smoking", "I smoke ten cigarettes a day."),
    ],
)
def test_guard_accepts_faithful_replies(tb_case, fact_id, reply):
    verdict = _guard(tb_case, fact_id).check(reply)
    assert verdict.ok, verdict.reason


def test_nothing_disclosed_means_no_model_text(tb_case):
    assert not ReplyGuard((), persona_words=[], forbidden_terms=[]).check("I feel fine.").ok


def test_stream_releases_checked_words_and_falls_back_on_failure(tb_case):
    fact = tb_case.fact("smoking")
    stream = GuardedStream(_guard(tb_case, "smoking"), fact.patient_says)
    released = "".join(stream.feed(t) for t in [" I", " smoke", " ten", " a", " day"])
    assert released == " I smoke ten a "
    assert stream.finish() == ("I smoke ten a day", True, "model text passed the guard")

    stream = GuardedStream(_guard(tb_case, "smoking"), fact.patient_says)
    released = "".join(stream.feed(t) for t in [" No", ",", " I", " don't", " smoke", "."])
    assert released == ""
    text, model_used, reason = stream.finish()
    assert (text, model_used) == (fact.patient_says, False)
    assert "negation" in reason


def test_clean_reply_keeps_one_line_and_two_sentences():
    assert clean_reply(" Patient: One. Two! Three?\nDoctor: x") == "One. Two!"
