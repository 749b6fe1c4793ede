import re
from pathlib import Path

import pytest
import yaml

from simdesk.core.cases.loader import load_case
from simdesk.core.llm.guard import GuardedStream, ReplyGuard, clean_reply
from simdesk.core.paths import bundled_cases_dir


@pytest.fixture(scope="module")
def asthma_case():
    return load_case(bundled_cases_dir() / "acute-severe-asthma-adult.yaml")


@pytest.fixture(scope="module")
def snakebite_case():
    return load_case(bundled_cases_dir() / "snakebite-russells-viper-labourer.yaml")


@pytest.fixture(scope="module")
def pph_case():
    return load_case(bundled_cases_dir() / "postpartum-haemorrhage-grand-multipara.yaml")


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
        # the medicines' time given to the cough, shown in the window by the GUI benchmark
        ("medications", "I had this cough for about three weeks now."),
    ],
)
def test_guard_rejects_replies_that_go_beyond_the_fact(tb_case, fact_id, reply):
    assert not _guard(tb_case, fact_id).check(reply).ok


@pytest.mark.parametrize(
    ("fact_id", "reply"),
    [
        ("cough-duration", "I have had this cough for about six weeks now."),
        ("medications", "Three weeks ago the pharmacy gave me amoxicillin."),
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


def _stream(case, fact_ids, question):
    guard = ReplyGuard(
        tuple(case.fact(f) for f in fact_ids), persona_words=[case.patient.name],
        forbidden_terms=[case.answer_key.diagnosis.primary], question=question,
    )  # fmt: skip
    return GuardedStream(guard, " ".join(case.fact(f).patient_says for f in fact_ids))


def _feed(stream, text):
    """Feed ``text`` token by token (as the model streams it); the releases, in order."""
    tokens = re.findall(r"\s*\S+", text)
    return [(i, out) for i, token in enumerate(tokens) if (out := stream.feed(token))]


def test_stream_releases_whole_clauses_once_checked_and_never_retracts(tb_case):
    stream = _stream(tb_case, ["smoking"], "Do you smoke?")
    releases = _feed(
        stream, " Yes, I smoke about ten cigarettes a day. I have smoked for fifteen years."
    )
    # "Yes" is released when the next word shows the clause ended, without its comma.
    assert releases[0] == (1, "Yes")
    assert [out for _, out in releases] == ["Yes", ", I smoke about ten cigarettes a day"]
    text, model_used, reason = stream.finish()  # the stream ended: its last clause is checked
    assert text == "Yes, I smoke about ten cigarettes a day. I have smoked for fifteen years."
    assert stream.released_text == text
    assert model_used and reason == "model text passed the guard"


def test_words_that_pass_alone_but_flip_the_fact_together_are_never_shown(asthma_case):
    # Issue 12: asked whether he smokes, a bidi smoker streamed "No... never smoke..." for 47 s.
    stream = _stream(asthma_case, ["smoking", "kiln-work"], "Do you smoke?")
    assert _feed(stream, "No… never smoke… never had… dust… coal smoke…") == []
    assert stream.done
    text, model_used, reason = stream.finish()
    assert (text, model_used) == (stream.authored, False)


def test_a_wrong_time_and_a_negated_fact_stop_the_stream(pph_case):
    # Issue 12: a woman bleeding now streamed "It has started about a week ago, and it has stopped".
    stream = _stream(pph_case, ["heavy-bleeding"], "Is the bleeding still going on?")
    assert _feed(stream, " It has started about a week ago, and it has stopped.") == []
    assert stream.finish()[1] is False
    stream = _stream(pph_case, ["heavy-bleeding"], "Is the bleeding still going on?")
    shown = "".join(
        out for _, out in _feed(stream, " Yes, the blood does not stop, and it has stopped now.")
    )
    assert shown == "Yes, the blood does not stop"
    text, model_used, reason = stream.finish()
    assert text == "Yes, the blood does not stop." and model_used
    assert "stopped at the last checked clause" in reason and "negates" in reason


def test_safe_but_irrelevant_reply_falls_back_to_the_authored_line(tb_case):
    # Issue 12: "Are you coughing anything up?" got "I have had this cough for about six weeks".
    stream = _stream(tb_case, ["cough-duration"], "Are you coughing anything up?")
    assert _feed(stream, " I have had this cough for about six weeks now.") == []
    text, model_used, reason = stream.finish()
    assert not model_used and text == tb_case.fact("cough-duration").patient_says
    assert reason == "does not say what was asked"
    stream = _stream(tb_case, ["cough-duration"], "Are you coughing anything up?")
    _feed(stream, " Yes, it brings up yellow phlegm.")
    assert stream.finish() == (
        "Yes, it brings up yellow phlegm.",
        True,
        "model text passed the guard",
    )


def test_a_clause_waits_until_the_reply_answers(tb_case):
    stream = _stream(tb_case, ["cough-duration"], "Are you coughing anything up?")
    assert _feed(stream, " I cough, and it brings up yellow phlegm, most days.")[:1] == [
        (8, "I cough, and it brings up yellow phlegm")
    ]


def test_stream_stops_after_two_sentences_or_the_first_line(tb_case):
    stream = _stream(tb_case, ["smoking"], "Do you smoke?")
    _feed(stream, " Yes. I smoke ten a day. I smoke ten a day.")
    assert stream.done and stream.finish()[0] == "Yes. I smoke ten a day."
    stream = _stream(tb_case, ["smoking"], "Do you smoke?")
    _feed(stream, " Yes, ten a day\nDoctor: and")
    assert stream.done and stream.finish()[0] == "Yes, ten a day"


def test_time_amounts_must_match_the_fact(tb_case):
    guard = _guard(tb_case, "cough-duration")
    assert guard.check("For about six weeks.").ok
    assert not guard.check("For about six days.").ok
    assert not guard.check("It started a month ago.").ok


def _triples(name):
    rows = yaml.safe_load((EVAL / name).read_text())
    return [pytest.param(r, id=f"{r['case']}:{r['question']}->{r['reply']}") for r in rows]


EVAL = Path(__file__).parents[2] / "eval"
# Hold-out misses of the rule, measured on its first run (2026-12-06, 22/26; 24/26 after the
# number-word and "and"-clause fixes; 25/26 once a question's history topic picks the clause
# where no clause shares its words; 26/26 once a "where" question must get a site): pinned so
# that a fix or a regression shows.
HOLDOUT_MISSES: set[str] = set()


@pytest.mark.parametrize("row", _triples("relevance_holdout.yaml"))
def test_relevance_holdout_triples(row, request):
    if f"{row['question']}->{row['reply']}" in HOLDOUT_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known hold-out miss"))
    case = load_case(bundled_cases_dir() / f"{row['case']}.yaml")
    guard = ReplyGuard((case.fact(row["fact"]),), persona_words=[case.patient.name],
                       forbidden_terms=[], question=row["question"])  # fmt: skip
    assert guard.check(row["reply"]).ok == row["relevant"]


# Tuning misses of the rule (2026-12-06, 23/25; 25/25 once how often a habit is done answers a
# yes/no question about it and a word the topic shares with another clause does not answer;
# 2026-12-07, 12 triples added from the 200-question run, 32/37 before: a denial of other
# symptoms was an answer; 37/37 once it is not).
TUNING_MISSES: set[str] = set()


@pytest.mark.parametrize("row", _triples("relevance.yaml"))
def test_relevance_tuning_triples(row, request):
    if f"{row['question']}->{row['reply']}" in TUNING_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known tuning miss"))
    case = _triple_case(row["case"])
    guard = ReplyGuard((case.fact(row["fact"]),), persona_words=[case.patient.name],
                       forbidden_terms=[], question=row["question"])  # fmt: skip
    assert guard.check(row["reply"]).ok == row["relevant"]


def _triple_case(case_id: str):
    """A bundled case, or an imported AgentClinic one (its id starts with "agentclinic-")."""
    if case_id.startswith("agentclinic-"):
        from tests.eval import unseen

        return next(c for c in unseen.imported().values() if c.meta.id == case_id)
    return load_case(bundled_cases_dir() / f"{case_id}.yaml")


def test_clean_reply_keeps_one_line_and_two_sentences():
    assert clean_reply(" Patient: One. Two! Three?\nDoctor: x") == "One. Two!"


def test_a_word_derived_from_a_fact_word_keeps_its_meaning():
    from simdesk.core.cases.schema import Fact

    fact = Fact(
        id="pain", category="history_of_presenting_illness", cues=["pain"],
        content="Abdominal pain, worse on moving.", patient_says="It hurts when I move.",
    )  # fmt: skip
    guard = ReplyGuard((fact,), persona_words=[], forbidden_terms=[])
    assert guard.check_word("painful").ok and guard.check_word("movement").ok
    assert not guard.check_word("painless").ok  # the opposite is not derived


def test_not_sure_is_no_answer_to_a_yes_no_question(tb_case):
    guard = ReplyGuard((tb_case.fact("hiv-status"),), persona_words=[], forbidden_terms=[],
                       question="do you know your status? HIV i mean")  # fmt: skip
    assert not guard.check("I am not sure.").ok  # seen on the default model
    assert guard.check("It was negative two years ago.").ok


def test_a_question_about_a_loss_gets_no_inferred_yes_or_no():
    from simdesk.core.cases.schema import Fact

    fact = Fact(
        id="appetite", category="review_of_systems", cues=["appetite"],
        content="No appetite since yesterday evening.", patient_says="I cannot eat.",
    )  # fmt: skip
    # Seen on the default model: "Have you lost your appetite?" -> "No." (she has none).
    guard = ReplyGuard((fact,), persona_words=[], forbidden_terms=[],
                       question="Have you lost your appetite?")  # fmt: skip
    assert not guard.check("No.").ok and not guard.check("Yes.").ok


def test_no_bare_yes_or_no_for_a_fact_of_mixed_polarity(pph_case):
    # Seen on the default model: "are you still bleeding?" -> "No." for a woman bleeding now.
    guard = ReplyGuard((pph_case.fact("heavy-bleeding"),), persona_words=[], forbidden_terms=[],
                       question="Mama, what's wrong? are you still bleeding?")  # fmt: skip
    assert not guard.check("No.").ok and not guard.check("Yes.").ok


# Relation triples: false replies built from the facts' own words (a wrong site, side, direction
# or region). Hold-out written before the relation rule (3c54d32); first run 12/18, 16/18 after
# two general fixes (a site "of" a site is one site; a phrase after an article or a possessive
# stands whole in one stretch of a fact). Misses pinned so that a fix or a regression shows.
RELATION_MISSES: set[str] = set()


def _relation_verdict(row):
    case = load_case(bundled_cases_dir() / f"{row['case']}.yaml")
    guard = ReplyGuard((case.fact(row["fact"]),), persona_words=[case.patient.name],
                       forbidden_terms=[], question=row["question"])  # fmt: skip
    return guard.check(row["reply"])


def _says_only_the_fact(row):
    return row[True]  # the files' `true:` key reads as the boolean True in YAML


@pytest.mark.parametrize("row", _triples("relations_holdout.yaml") + _triples("relations.yaml"))
def test_relation_triples(row, request):
    if row["reply"] in RELATION_MISSES:
        request.applymarker(pytest.mark.xfail(strict=True, reason="known miss"))
    verdict = _relation_verdict(row)
    if _says_only_the_fact(row):
        assert verdict.ok or not verdict.final, verdict.reason  # a true reply may wait, not fail
    else:
        assert not verdict.ok and verdict.final


def test_a_wrong_site_from_the_facts_own_words_is_never_shown():
    # Seen on the default model (200-question run): "did the pain move from your belly button?"
    # -> "...moved to my right lower back." for a pain that moved to the right lower abdomen.
    case = load_case(bundled_cases_dir() / "acute-appendicitis-nurse.yaml")
    stream = _stream(case, ["pain-migration"], "did the pain move from your belly button?")
    reply = " Yes, it started around my navel, and this morning it moved to my right lower back."
    shown = "".join(out for _, out in _feed(stream, reply))
    assert "back" not in shown
    text, model_used, reason = stream.finish()
    assert text == "Yes, it started around my navel." and model_used
    assert "right lower back" in reason
    reversed_ = _stream(case, ["pain-migration"], "did the pain move from your belly button?")
    assert _feed(reversed_, " It moved from my right lower side to my navel.") == []
    assert reversed_.finish()[1] is False


def test_an_ellipsis_is_a_pause_not_the_end_of_a_negation(asthma_case):
    # Seen with a logit bias on the default model: "Has only ever used a steroid inhaler" passed
    # for a man never prescribed one (he says "Never had... steroid inhaler").
    guard = _guard(asthma_case, "no-controller")
    assert not guard.check("Has only ever used a steroid inhaler.").ok
    assert guard.check("Never had a steroid inhaler.").ok


def _fact(fact_id, content, says):
    from simdesk.core.cases.schema import Fact

    return Fact(id=fact_id, category="review_of_systems", cues=[fact_id], content=content,
                patient_says=says)  # fmt: skip


def test_a_bare_yes_or_no_holds_for_every_thing_asked_about(snakebite_case):
    # Issue 12: "any trouble swallowing or breathing?" got "Yes." where the facts support one.
    swallowing = _fact("dysphagia", "Difficulty swallowing solids for two weeks.",
                       "Food sticks when I swallow, for two weeks now.")  # fmt: skip
    breathing = _fact("breath", "No difficulty breathing.", "My breathing is fine.")
    question = "Any trouble swallowing or breathing?"

    def guard(*facts, asked=question):
        return ReplyGuard(facts, persona_words=[], forbidden_terms=[], question=asked)

    for facts in [(swallowing,), (swallowing, breathing)]:  # one not said; said both ways
        assert not guard(*facts).check("Yes.").ok and not guard(*facts).check("No.").ok
    assert guard(swallowing, asked="Any trouble swallowing?").check("Yes.").ok
    assert guard(breathing, asked="Any trouble breathing?").check("No.").ok
    # Both denied: "No." is the answer, and only "No."
    denied = ReplyGuard((snakebite_case.fact("no-neuro-symptoms"),), persona_words=[],
                        forbidden_terms=[], question=question)  # fmt: skip
    assert denied.check("No.").ok and not denied.check("Yes.").ok
    # Streamed as the model streamed it, nothing reaches the screen.
    stream = GuardedStream(guard(swallowing), swallowing.patient_says)
    assert _feed(stream, " Yes.") == [] and stream.finish()[1] is False


def test_a_question_about_onset_gets_the_time_of_what_it_asks_about(asthma_case):
    # Issue 12, seen with the logit bias: "since what age have you had asthma" ->
    # "One admission last year for two days ..." (a time of the fact, not of the asthma).
    question = "since what age have you had asthma"
    guard = ReplyGuard((asthma_case.fact("asthma-history"),), persona_words=[],
                       forbidden_terms=[], question=question)  # fmt: skip
    assert not guard.check("One admission last year for two days with nebulisers.").ok
    assert guard.check("Asthma since childhood.").ok


@pytest.mark.parametrize(
    "reply",
    [
        "He has had this cough for about six weeks.",  # a patient speaking of himself as "he"
        "The patient has had this cough for about six weeks.",
        "Has had this cough for about six weeks.",  # a note's subjectless verb
        "Yes, has had this cough for about six weeks.",
    ],
)
def test_a_patient_does_not_speak_of_himself_in_the_third_person(tb_case, reply):
    assert not _guard(tb_case, "cough-duration").check(reply).ok
    assert _guard(tb_case, "cough-duration").check("I have had this cough for six weeks.").ok


def test_an_informant_speaks_of_the_patient_in_the_third_person():
    fact = _fact("vomiting", "Vomiting since yesterday, five times.", "Since yesterday, 5 times.")

    def guard(informant):
        return ReplyGuard((fact,), persona_words=[], forbidden_terms=[], informant=informant)

    reply = "He has been vomiting since yesterday, five times."
    assert guard(informant=True).check(reply).ok
    assert not guard(informant=False).check(reply).ok  # the same words from the patient
    assert guard(informant=False).check("I have been vomiting since yesterday, five times.").ok
    assert not guard(informant=True).check("The patient has been vomiting since yesterday.").ok


def test_a_third_party_the_patient_names_may_be_he_or_she(asthma_case):
    # "My mother had asthma; she ..." - the authored line speaks of her as "she".
    fact = _fact("family", "Mother had asthma.", "My mother had asthma, she used a pump.")
    guard = ReplyGuard((fact,), persona_words=[], forbidden_terms=[])
    assert guard.check("My mother had asthma, she used a pump.").ok


def test_a_note_in_the_third_person_is_said_in_the_first():
    fact = _fact("alcohol", "Drinks wine occasionally.", "I drink wine occasionally.")
    guard = ReplyGuard((fact,), persona_words=[], forbidden_terms=[], question="Do you drink?")
    assert not guard.check("Drinks wine occasionally.").ok
    assert not guard.check("Occasionally drinks wine.").ok
    golf = _fact("sport", "Works as a warden, frequently plays golf.", "I play golf often.")
    guard_golf = ReplyGuard((golf,), persona_words=[], forbidden_terms=[])
    assert not guard_golf.check("I work as a warden, frequently plays golf.").ok  # -ly, then -s
    assert guard_golf.check("I work as a warden, I play golf frequently.").ok
    assert guard.check("I drink wine occasionally.").ok
    denial = _fact("ros", "Denies chest pain or palpitations.", "No chest pain, no palpitations.")
    guard = ReplyGuard((denial,), persona_words=[], forbidden_terms=[], question="Any chest pain?")
    assert not guard.check("Denies chest pain.").ok
    assert guard.check("No chest pain.").ok


def test_of_several_facts_the_one_the_question_names_must_be_answered():
    # Seen on an imported case: "Any headache or weakness?" disclosed the weakness and the
    # presenting double vision; "I have double vision." was shown.
    weakness = _fact("weakness", "Weakness in upper limbs", "I also have weakness in upper limbs.")
    vision = _fact("complaint", "Double vision", "I have double vision.")
    guard = ReplyGuard((weakness, vision), persona_words=[], forbidden_terms=[],
                       question="Any headache or weakness?")  # fmt: skip
    assert not guard.check("I have double vision.").ok
    assert guard.check("I have weakness in my upper limbs.").ok


def test_where_no_clause_shares_a_word_with_the_question_its_topic_decides():
    # Seen in the 200-question run: "What's your job?" -> "I am single." (model text, shown);
    # the social fact's clause on work shares no word with "job".
    case = load_case(bundled_cases_dir() / "acute-appendicitis-nurse.yaml")
    guard = ReplyGuard(
        (case.fact("social"),), persona_words=[], forbidden_terms=[], question="What's your job?"
    )
    assert not guard.check("I am single.").ok
    assert guard.check("I am a nurse at a health centre.").ok


def test_a_reply_that_loops_is_never_shown(tb_case):
    # Seen with the logit bias (run-script, the default settings): "How long have you had the
    # cough?" -> "It started with cough for six weeks with yellow sputum for six weeks with ..."
    loop = " It started with cough for six weeks with yellow sputum for six weeks with yellow"
    assert not _guard(tb_case, "cough-duration").check(loop.strip()).ok
    stream = _stream(tb_case, ["cough-duration"], "How long have you had the cough?")
    assert _feed(stream, loop + " sputum for six weeks") == [] and stream.done  # stopped early
    assert stream.finish()[1] is False  # the authored line
    # A clause released before the loop stands; the loop is cut.
    stream = _stream(tb_case, ["cough-duration"], "How long have you had the cough?")
    _feed(stream, " About six weeks, I have had this cough for six weeks, I have had this cough.")
    assert stream.finish()[0] == "About six weeks, I have had this cough for six weeks."
    # Words a reply may well say twice are no loop: "I have lost ..., I have lost ...".
    assert _guard(tb_case, "weight-loss").check("I have lost weight, I have lost 6 kg.").ok
    assert not _guard(tb_case, "night-sweats").check("For weeks now for weeks now for weeks").ok


def _asked(case_id, fact_id, question, informant=False):
    case = load_case(bundled_cases_dir() / f"{case_id}.yaml")
    return ReplyGuard((case.fact(fact_id),), persona_words=[case.patient.name],
                      forbidden_terms=[], question=question, informant=informant)  # fmt: skip


def test_a_where_question_gets_a_site_the_fact_names():
    guard = _asked("bacterial-meningitis-adolescent", "headache", "Where does it hurt?")
    assert guard.check("My whole head is paining me.").ok
    assert not guard.check("It is the worst ever.").ok
    assert not guard.check("Since yesterday evening.").ok  # "since" is a time, not an answer
    guard = _asked("stemi-retired-driver", "chest-pain", "Where is the pain?")
    assert guard.check("It is in the middle of my chest.").ok
    assert not guard.check("Eight out of ten.").ok
    assert not guard.check("It is a heavy pain.").ok


def test_a_how_bad_question_gets_the_facts_own_grade():
    guard = _asked("bacterial-meningitis-adolescent", "headache", "How bad is the headache?")
    assert guard.check("It is the worst ever.").ok  # a grading word, no number
    assert not guard.check("My whole head is paining me.").ok
    guard = _asked("stemi-retired-driver", "chest-pain", "How severe is the pain?")
    assert guard.check("Eight out of ten.").ok
    assert not guard.check("It is in the middle of my chest.").ok


def test_a_yes_no_question_on_the_thing_itself_is_answered_by_saying_it():
    guard = _asked("septic-shock-urosepsis", "vomiting-intake", "Are you vomiting?")
    assert guard.check("Since yesterday I vomit.").ok
    assert not guard.check("Since yesterday.").ok  # a time alone says nothing of the vomiting
    guard = _asked("diarrhoea-severe-dehydration-toddler", "vomiting", "Is he vomiting?", True)
    assert guard.check("He vomits, five or six times.").ok
    # asked for what comes up, the cough itself is no answer (issue 12)
    guard = _asked("pulmonary-tb-miner", "cough-duration", "Are you coughing anything up?")
    assert not guard.check("I have had this cough for about six weeks now.").ok


def test_a_word_the_topic_shares_with_another_clause_does_not_answer():
    guard = _asked("acute-severe-asthma-adult", "kiln-work", "What do you do for a living?")
    assert guard.check("I work at the brick kiln.").ok
    assert not guard.check("Firing started last week.").ok


def _nurse_guard(fact_id, question):
    case = load_case(bundled_cases_dir() / "acute-appendicitis-nurse.yaml")
    patient = case.patient
    return case, ReplyGuard(
        (case.fact(fact_id),), persona_words=[patient.name, patient.occupation],
        forbidden_terms=[], question=question, other_facts=case.facts,
    )  # fmt: skip


@pytest.mark.parametrize(
    "question",
    [
        "what are you worried about",
        "what do you think is going on",
        "do you have any questions for me",
    ],  # fmt: skip
)
def test_a_reply_that_says_the_persona_or_another_fact_does_not_voice_the_fact(question):
    # Seen on the real model (issue 12, a new user): after "do you smoke" got the social line,
    # each of these questions disclosed the concerns and got "I'm a nurse at a health centre."
    # ("health centre" is in the concerns: "leaving the health centre short-staffed"); the
    # debrief then credited "Discussed his fears" to it.
    case, guard = _nurse_guard("concerns", question)
    echo = "I'm a nurse at a health centre."
    assert not guard.check(echo).ok
    stream = GuardedStream(guard, case.fact("concerns").patient_says)
    _feed(stream, " " + echo)
    assert stream.finish() == (case.fact("concerns").patient_says, False, stream.finish()[2])
    assert guard.check("I think it is appendicitis, and I'm scared of an operation.").ok
    # the same words answer the question the persona answers
    assert _nurse_guard("social", "What's your job?")[1].check(echo).ok


def test_an_intensity_the_fact_does_not_give_is_never_shown():
    # Seen on the real model: "any fever" -> "I feel very hot and shivery." where the fact says
    # "hot and a bit shivery" (temperature 37.8).
    _, guard = _nurse_guard("fever", "any fever")
    for reply in ["I feel very hot and shivery.", "Yes, I feel really hot.", "I am so hot.",
                  "I feel hot and very shivery."]:  # fmt: skip
        assert guard.check(reply).reason.startswith("the fact does not say"), reply
    assert guard.check("Since this morning I feel hot and a bit shivery.").ok
    assert guard.check("I feel hot and shivery.").ok
    # A fact that says it strongly allows it for what it says so, not for the rest.
    guard = _asked("cerebral-malaria-child", "fever", "Has he had a fever?", informant=True)
    assert guard.check("He has been very hot for three days.").ok
    assert not guard.check("He has been hot, very shivering.").ok
    # A grade of 7 out of 10 or more is severe: "a very heavy pain" for "8 out of 10".
    guard = _asked("stemi-retired-driver", "chest-pain", "Tell me about the pain.")
    assert guard.check("It is a very heavy pain in the middle of my chest.").ok


def test_a_notes_phrase_copied_from_the_content_is_not_speech():
    from simdesk.core.cases.schema import Fact

    fact = Fact(
        id="pmh", category="past_history", cues=["past illness"],
        content="No significant past medical history.",
        patient_says="I have never had any serious illness.",
    )  # fmt: skip
    guard = ReplyGuard((fact,), persona_words=[], forbidden_terms=[])
    # seen on the default model: the imported case's content said back as the patient's words
    assert not guard.check("No significant past medical history.").ok
    assert guard.check("No, I have never had any serious illness.").ok
    # a phrase the speaker's own line uses may be said
    fact = fact.model_copy(
        update={"content": "History of asthma.", "patient_says": "I have a history of asthma."}
    )
    guard = ReplyGuard((fact,), persona_words=[], forbidden_terms=[])
    assert guard.check("I have a history of asthma.").ok


def test_a_denial_is_never_widened_beyond_what_the_fact_denies():
    """A new user's session: "Ever had anything like this before?" showed the model's "No pain."
    for "I have never had pain like this before" - he is in pain now. A reply may deny a thing
    only as narrowly as the fact does; coordinated denials stand each on their own."""
    case = load_case(bundled_cases_dir() / "acute-appendicitis-nurse.yaml")
    guard = _guard(case, "past-history")
    assert not guard.check("No pain.").ok
    assert "more widely" in guard.check("No pain.").reason
    assert guard.check("No, I have never had pain like this.").ok
    assert guard.check("No operations.").ok
    vomiting = _fact(
        "vomiting", "No vomiting since last night.", "I have not vomited since last night."
    )
    guard = ReplyGuard((vomiting,), persona_words=[], forbidden_terms=[])
    assert not guard.check("I have not vomited.").ok
    assert guard.check("I have not vomited since last night.").ok
    habits = _fact("social", "Does not smoke or chew khat.", "I don't smoke or chew khat.")
    assert ReplyGuard((habits,), persona_words=[], forbidden_terms=[]).check("I don't smoke.").ok


def test_where_it_began_is_where_the_fact_says_it_began():
    """The 200-question run showed the model's "It began in my right lower abdomen." to "did the
    pain move from your belly button?" for a pain that began at the navel and moved there."""
    case = load_case(bundled_cases_dir() / "acute-appendicitis-nurse.yaml")
    guard = _guard(case, "pain-migration")
    assert not guard.check("It began in my right lower abdomen.").ok
    assert guard.check("It started around my navel.").ok
    assert guard.check("It is in my right lower side now.").ok


@pytest.fixture(scope="module")
def toddler_case():
    return load_case(bundled_cases_dir() / "diarrhoea-severe-dehydration-toddler.yaml")


def _informant_guard(case, fact_ids, question, **kwargs):
    informant = case.patient.informant
    return ReplyGuard(
        tuple(case.fact(f) for f in fact_ids), informant=True, question=question,
        persona_words=[case.patient.name, informant.name, informant.relation],
        forbidden_terms=[case.answer_key.diagnosis.primary], **kwargs,
    )  # fmt: skip


def test_still_needs_a_fact_that_says_the_symptom_goes_on(toddler_case):
    # Issue 12, seen in the window: "any fever or fits?" -> "He is still fevered, he has not had
    # any fits." for "Mild fever yesterday" (the grandmother). "Still" says it is there now.
    guard = _informant_guard(toddler_case, ["fever"], "any fever or fits?")
    assert not guard.check("He is still fevered, he has not had any fits.").ok
    assert not guard.check("He keeps getting hot.").ok
    assert guard.check("He was a little hot yesterday, no fits.").ok
    stream = GuardedStream(guard, toddler_case.fact("fever").patient_says)
    assert _feed(stream, " He is still fevered, he has not had any fits.") == []
    assert stream.finish()[:2] == (toddler_case.fact("fever").patient_says, False)
    # A fact that says it goes on ("since this morning he is weak") lets "still" be said.
    weak = _informant_guard(toddler_case, ["lethargy"], "is he weak?")
    assert weak.check("Yes, he is still weak.").ok
    assert weak.check("Since this morning he is still weak.").ok


def test_stopped_needs_no_fact_that_says_it_goes_on(toddler_case, cerebral_malaria_case):
    # The reverse of "still": "it has stopped" for loose motions the fact says he has.
    guard = _informant_guard(toddler_case, ["watery-diarrhoea", "home-fluids-medicines"],
                             "did you give him anything?")  # fmt: skip
    assert not guard.check("The syrup stopped the loose motions.").ok
    assert not guard.check("The loose motions have stopped.").ok
    assert guard.check("The pharmacy gave a syrup to stop the motions.").ok
    # What a fact says ended may be said to have ended.
    ended = _informant_guard(cerebral_malaria_case, ["home-treatment"], "any malaria treatment?")
    assert ended.check("He vomited the first dose. He has not taken any more.").ok


@pytest.fixture(scope="module")
def cerebral_malaria_case():
    return load_case(bundled_cases_dir() / "cerebral-malaria-child.yaml")


def test_no_bare_yes_or_no_to_a_how_or_what_question():
    # Issue 12, seen in the window: "how is the breathing now?" -> "Yes, my breathing is better
    # than before." A yes is no answer to a "how"; refused from its first clause, no "Yes" is
    # released (released text is never taken back), and the authored line is shown.
    from functools import partial

    from simdesk.core.sim.state import contradiction

    now = _fact("state-breathing", "The breathing is better than before since the oxygen.",
                "Breathing... bit easier now.")  # fmt: skip

    def guard(question):
        return ReplyGuard((now,), persona_words=[], forbidden_terms=[], question=question,
                          claims=partial(contradiction, "better"))  # fmt: skip

    reply = "Yes, my breathing is better than before."
    for question in ["how is the breathing now?", "What is your breathing like now?"]:
        assert not guard(question).check(reply).ok
    assert guard("how is the breathing now?").check("My breathing is better than before.").ok
    # A yes/no question takes the yes, and so does a "how" with one ("how is it? any better?").
    for question in ["is the breathing better now?", "how is it now? any better?",
                     "what about the breathing now?"]:  # fmt: skip
        assert guard(question).check(reply).ok
    stream = GuardedStream(guard("how is the breathing now?"), now.patient_says)
    assert _feed(stream, " " + reply) == []
    assert stream.finish()[:2] == (now.patient_says, False)


def test_the_vitals_now_may_show_that_a_symptom_goes_on(toddler_case):
    # "Still" is true where the state shows it now, though the fact speaks of yesterday: the
    # temperature above the normal band ("mild fever yesterday", 38.6 now); and then the fever
    # may not be said to have gone. At 37.9 (the band's top) it is not shown.
    from functools import partial

    from simdesk.core.sim.state import shown_now

    age = toddler_case.patient.age_years
    vitals = {"heart_rate": 170, "systolic_bp": 80, "resp_rate": 42, "spo2": 98}

    def guard(temperature):
        now = partial(shown_now, {**vitals, "temperature_c": temperature}, age)
        return _informant_guard(toddler_case, ["fever"], "any fever or fits?", shown_now=now)

    assert guard(38.6).check("He is still hot, no fits.").ok
    assert not guard(37.9).check("He is still hot, no fits.").ok
    assert not guard(38.6).check("The fever has gone, no fits.").ok
    assert guard(37.9).check("He was a little hot yesterday, no fits.").ok


def test_no_bare_yes_from_a_clause_about_then_when_another_says_now():
    # A new user asked the dehydrated toddler's grandmother "is he drinking eagerly?" and got
    # "Yes, she is very thirsty." from "Drank eagerly yesterday; today drinks only a little":
    # IMCI's 'drinking poorly' (severe dehydration) read as 'drinking eagerly'.
    case = load_case(bundled_cases_dir() / "diarrhoea-severe-dehydration-toddler.yaml")
    for question in ("is he drinking eagerly?", "can he drink, is he drinking eagerly?"):
        guard = ReplyGuard((case.fact("drinking-poorly"),), persona_words=[],
                           forbidden_terms=[], question=question, informant=True)  # fmt: skip
        assert not guard.check("Yes.").ok, question
        assert not guard.check("Yes, he is very thirsty.").ok, question
