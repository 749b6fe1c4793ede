"""Review-of-systems questions on imported AgentClinic cases must not disclose a fact of another
system (the 200-question run showed "Any urinary symptoms?" -> "No complications during birth at
39 weeks of gestation.": the topic pattern "urin" matched inside "during"). Real importer, real
matcher; no model."""

import pytest

from simdesk.core.cases.topics import question_topics, text_topics
from simdesk.core.sim.disclosure import FactMatcher
from tests.eval import unseen


@pytest.fixture(scope="module")
def cases():
    return unseen.imported()


def _disclosed(case, question: str) -> list[str]:
    return [f.id for f in FactMatcher(case.facts).match(question).facts]


def test_a_urinary_question_does_not_get_the_birth(cases):
    # agentclinic-003: nothing in the record is about the bladder.
    assert _disclosed(cases[3], "Any urinary symptoms?") == []


def test_a_urinary_question_gets_the_urinary_denial_not_the_rash_during_antibiotics(cases):
    # agentclinic-005: "History of rash during antibiotic treatment" and "treated with amoxicillin
    # ... during which she developed a rash" were disclosed beside the real answer.
    assert _disclosed(cases[5], "Any urinary symptoms?") == ["review-of-systems-13"]


# Written before running, on cases whose history says "during" / "kitchen" and nothing on the
# bladder or the skin.
def test_a_waterworks_question_on_the_staring_episodes_case_discloses_nothing(cases):
    assert _disclosed(cases[12], "Any problems passing water?") == []


def test_an_itching_question_on_the_forgetful_case_discloses_nothing(cases):
    assert _disclosed(cases[99], "Have you had any itching?") == []


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("No complications during birth.", "ros_urinary"),
        ("A cesarean section due to nonreassuring fetal heart rate.", "ros_urinary"),
        ("Retired school teacher.", "ros_constitutional"),
        ("Difficulty in using kitchen appliances.", "ros_skin"),
        ("A cooperative child.", "surgery"),
    ],
)
def test_a_topic_word_inside_another_word_gives_no_topic(text, topic):
    assert topic not in text_topics(text, "history_of_presenting_illness", whole=False)


@pytest.mark.parametrize(
    ("text", "topic"),
    [
        ("Pain during urination.", "ros_urinary"),
        ("Feels tired all day.", "ros_constitutional"),
        ("An itchy rash on the arms.", "ros_skin"),
        ("Had an operation on the knee.", "surgery"),
    ],
)
def test_the_topic_words_themselves_still_give_the_topic(text, topic):
    assert topic in text_topics(text, "history_of_presenting_illness", whole=False)


# "How long have you had this?" names nothing: it asks how long the presenting complaint has
# lasted. The 200-question run showed it answered with "I have been on natalizumab for the past
# year." (agentclinic-002, model text shown): the onset topic routed any fact stating a time.
def test_how_long_this_has_lasted_is_the_complaint_not_a_medicine(cases):
    got = _disclosed(cases[2], "How long have you had this?")
    assert got == ["history-of-presentin-5"]  # "reports new-onset difficulty walking"


def test_how_long_this_has_lasted_is_the_complaint_not_another_symptom(cases):
    # agentclinic-004: fatigue and abdominal pain "for the past 4 weeks", not the neck swelling
    # "for 4 days".
    for question in ("How long have you had this?", "How long has this been going on?"):
        assert _disclosed(cases[4], question) == ["history-of-presentin-5"]


def test_a_duration_question_that_names_a_symptom_is_not_the_complaint(cases):
    assert "history-of-presentin-4" in _disclosed(
        cases[4], "How long have you had the neck swelling?"
    )


# Written from the case file before running: a bundled case (authored cues).
def test_how_long_this_has_lasted_on_the_diarrhoea_case_is_the_diarrhoea():
    from simdesk.core.cases.library import load_library
    from simdesk.core.paths import bundled_cases_dir

    case = next(
        e.case
        for e in load_library(bundled_cases_dir())
        if e.ok and e.case.meta.id == "diarrhoea-severe-dehydration-toddler"
    )
    for question in ("How long has he had this?", "When did this all start?"):
        assert _disclosed(case, question) == ["watery-diarrhoea"], question


# A topic is wider than a question: the 200-question run showed "Any vomiting or diarrhoea?" ->
# "I also have abdominal pain." (model text shown; the matcher had routed every fact of the
# topic). Where the complaint's time is not found, a duration question routed any timed fact.
def test_a_question_on_two_gut_symptoms_does_not_get_another_gut_symptom(cases):
    # agentclinic-004: its gut facts are abdominal pain only; nothing on vomiting or diarrhoea.
    assert _disclosed(cases[4], "Any vomiting or diarrhoea?") == []


def test_a_question_on_gut_symptoms_still_gets_their_denial(cases):
    # agentclinic-005: "Denies nausea, vomiting, dysuria, or recent changes in urine color."
    assert "review-of-systems-13" in _disclosed(cases[5], "Any vomiting or diarrhoea?")


def test_how_long_this_has_lasted_is_not_the_birth(cases):
    # agentclinic-003: "There were no complications during birth at 39 weeks of gestation."
    assert _disclosed(cases[3], "How long have you had this?") == ["history-of-presentin-5"]


def test_how_long_this_has_lasted_on_a_case_with_only_a_medicine_time_is_not_documented(cases):
    # agentclinic-005: its only time is the 12 days of amoxicillin for sinusitis.
    assert _disclosed(cases[5], "How long have you had this?") == []


# Written from the case facts before running.
def test_how_long_this_has_lasted_on_the_wrist_case_is_the_wrist_pain(cases):
    # agentclinic-030: "a 3-day history of pain in his left wrist"; not the camping trip.
    assert _disclosed(cases[30], "How long have you had this?") == ["history-of-presentin-7"]


def test_a_diarrhoea_question_still_gets_the_loose_bowel_movements(cases):
    # agentclinic-044: "Bloody loose bowel movements" (the record's words for diarrhoea).
    got = _disclosed(cases[44], "Any diarrhoea?")
    assert any("loose bowel" in f.content for f in cases[44].facts if f.id in got)


# The last 200-question run showed "Any tiredness, loss of appetite or weight change?" ->
# "No fever. I haven't had a fever, pain, or any discharge from the swelling." (agentclinic-016,
# model text shown): tiredness, appetite and weight were not read as specific symptoms, so the
# constitutional topic routed every fact on it, a denial of other symptoms among them.
def test_a_constitutional_question_does_not_get_a_denial_of_other_symptoms(cases):
    # agentclinic-016: "No fever"; "denies having a fever, pain, or any discharge".
    assert _disclosed(cases[16], "Any tiredness, loss of appetite or weight change?") == []


def test_a_constitutional_question_still_gets_the_weight_loss_it_names(cases):
    # agentclinic-020: "Denies fever, weight loss, changes in bowel or bladder function."
    got = _disclosed(cases[20], "Any tiredness, loss of appetite or weight change?")
    assert got == ["review-of-systems-11"]


def test_a_denial_of_the_whole_system_still_answers_its_symptoms(cases):
    # agentclinic-020: "changes in bowel or bladder function" names no specific symptom.
    for question in ("Any nausea, vomiting or diarrhoea?", "Any pain passing urine?"):
        assert _disclosed(cases[20], question) == ["review-of-systems-11"], question


# Record 22 (reactive arthritis; tuning split), from the s6 walk (F14, F3).
def test_an_eye_question_gets_the_conjunctivitis_not_another_systems_line(cases):
    # "any red or sore eyes?" said "I get anxiety. I haven't had recent flu-like symptoms ...": no
    # topic read the eyes, the classifier read the review of systems at large, and the record's
    # "Bilateral inflammation of the conjunctiva" had no eye topic.
    for question in ("any red or sore eyes?", "any problems with your eyes?"):
        assert _disclosed(cases[22], question) == ["history-of-presentin-4"]


def test_an_eye_question_on_a_record_silent_on_the_eyes_discloses_nothing(cases):
    # Record 3 says nothing about the eyes: no other system's line is said instead.
    assert _disclosed(cases[3], "any red or sore eyes?") == []


@pytest.mark.parametrize(
    "question",
    [
        "any medicines or allergies?",
        "any allergies or medicines?",
        "do you take any medicines, and any allergies?",
        "r u on any medicines or have any allergies?",
    ],
)
def test_medicines_and_allergies_asked_in_clauses_of_their_own_are_both_asked(question):
    # "allergies" narrowed "medicines" away wherever both were named (F3).
    assert {"medications", "allergies"} <= question_topics(question)


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        ("are you allergic to any medicines?", {"allergies"}),
        ("any drug allergies?", {"allergies"}),
        ("does anyone in your family have diabetes or heart disease?", {"family"}),
        ("any heart disease or diabetes in the family?", {"family"}),
        ("are you allergic to anything, food or medicines?", {"allergies"}),
        ("any pain while urinating or change in frequency?", {"ros_urinary"}),
    ],
)
def test_a_topic_narrowed_in_its_own_clause_or_by_the_family_stays_narrowed(question, topics):
    assert question_topics(question) == topics


@pytest.mark.parametrize(
    "question", ["any hearing problems?", "any problems with your ears?", "any nosebleeds?"]
)
def test_a_system_no_fact_mentions_discloses_nothing_not_another_systems_lines(cases, question):
    # No topic pattern reads these; the learned classifier read the review of systems (or the
    # past history) as a whole, and every line of it was said: on record 22 "I get anxiety. I
    # haven't had recent flu-like symptoms ..." (65 to 69 of the 69 tuning records disclosed).
    assert _disclosed(cases[22], question) == []


def test_a_system_read_by_the_classifier_still_gets_the_fact_that_names_it(cases):
    assert _disclosed(cases[68], "any bruising?") == ["review-of-systems-9"]
    assert _disclosed(cases[54], "any hearing problems?") == ["review-of-systems-15"]


def test_each_system_of_a_compound_question_is_answered(cases):
    # "I also have pain during urination." only (s6 walk F14): the urine's fact was found by its
    # words and the eyes, asked in a clause of their own, were dropped.
    disclosed = _disclosed(cases[22], "have you had any pain passing urine, discharge or red eyes?")
    assert {"history-of-presentin-2", "history-of-presentin-4"} <= set(disclosed)


def test_where_the_pain_is_behind_the_eyes_still_asks_where():
    # the eye is a system of the review of systems and a place: 'site' is not narrowed away
    assert "site" in question_topics("where is the pain, behind your eyes?")
