"""Issue 17's targets on cases nobody here tuned on: AgentClinic records split by case.

The hold-out records, phrasings, diagnosis variants and MTS-Dialog questions were frozen before the
first run (tests/eval/unseen/). Figures measured on the frozen hold-out are pinned here so a
regression fails the suite; unmet targets are strict xfails carrying the measured figure.
"""

import re

import pytest

from simdesk.core.assess import terminology
from tests.eval import unseen


@pytest.fixture(scope="module")
def own():
    return unseen.history_eval("holdout")


@pytest.fixture(scope="module")
def mts():
    return unseen.history_eval("holdout", mts=True)


def test_the_split_is_by_case_and_frozen():
    split = unseen.split()
    assert len(split["holdout"]) == 38 and len(split["tuning"]) == 69
    assert not set(split["holdout"]) & set(split["tuning"])
    assert min(split["holdout"]) > 12  # the fixture sample the project tuned on is never held out
    assert set(unseen.imported()) == set(unseen.records())  # every record imports and loads


# Hold-out, measured 2026-12-06: own phrasings recall 1.000 at precision 0.998 (1881 asked
# where the record mentions the topic); MTS-Dialog questions 0.964 at 0.995.
def test_history_recall_and_precision_on_the_holdout_phrasings(own):
    assert own.asked >= 900
    assert own.recall >= 0.95 and own.precision >= 0.97, own.misses[:20] + own.wrong[:20]


def test_history_recall_and_precision_on_real_clinicians_questions(mts):
    assert mts.asked >= 1200
    # 0.961 @ 1.000 on 2026-12-07 (0.945 before the what-else questions' wider grammar)
    assert mts.recall >= 0.955 and mts.precision >= 0.97, mts.misses[:20] + mts.wrong[:20]


@pytest.fixture(scope="module")
def hpi():
    return unseen.history_eval("holdout", book="hpi")


# Hold-out, measured 2026-12-07 on the dimensions of the presenting illness (hpi_holdout.yaml,
# frozen before the first run): recall 0.985 at precision 0.995 (599 asked where the record
# mentions the dimension, and a pain where the question names one; 0.953 at 0.989 before verbs
# about "it" were read by class, with the same judge; 0.529 at 0.928 before the dimensions were
# topics, with the judge of then). Now development data: the learned dimension reader is trained
# on its phrasings (with it 0.990 at 0.994, none off-case).
def test_history_recall_and_precision_on_the_presenting_illness_dimensions(hpi):
    assert hpi.asked >= 580
    assert hpi.recall >= 0.98 and hpi.precision >= 0.99, hpi.misses[:20] + hpi.wrong[:20]
    for topic in ("site", "radiation", "character", "severity", "timing", "previous"):
        answered, asked = hpi.by_topic[topic]
        assert asked and answered / asked >= 0.75, (topic, answered, asked)


def test_presenting_illness_dimensions_off_case_disclose_nothing(hpi):
    # Measured 0 of 1223 (227 before the dimensions were topics; 39 before a verb about "it" was
    # read as asking what the complaint does and a grade word as a severity only of a symptom:
    # 29 "Have you noticed anything that sets it off?" read as the review of systems' "noticed
    # anything", 10 "extreme ranges of motion"/"extreme irritability" read as a severity). Those
    # 39 are no longer unseen: their cause was known when they were fixed.
    assert hpi.off_case >= 1200
    assert hpi.off_case_disclosed == 0, hpi.wrong


@pytest.fixture(scope="module")
def hpi2():
    return unseen.history_eval("holdout", book="hpi", edition="2")


# The second, independent HPI hold-out book (hpi_holdout2.yaml, written by someone who had not seen
# the first book's results), first measured 2026-12-07 after the verbs about "it" and the grade
# words were fixed on tuning: recall 0.642 at precision 0.943 (882 asked), off-case 65 of 1626
# (0.588 at 0.845 and 246 off-case with the code before those fixes, measured after them). With
# the judge of 2026-12-07 (no bare "onset" as how it began; a pain question only on a record with
# a pain): 0.676 at 0.939 (818 asked), off-case 65 of 1414 (0.620 at 0.839, 222, before). With
# a question naming another complaint asked only where the record mentions it: 0.712 at 0.945
# (767 asked), off-case 62 of 1387.
# Those hold-out figures are recorded and the book is now DEVELOPMENT data: the learned dimension
# reader (simdesk.core.sim.dimensions) is trained on its phrasings. With it: 0.970 at 0.965,
# off-case 35 of 1387 - a fitted figure, not an unseen one; the reader's unseen figures are the
# cross-validated one below and the third book's. With frames that read their complement as their
# condition (topics.py: "worse when you ... cough?" is aggravating, "bad enough to stop you
# working?" severity, "there when you woke up?" and "trigger it at the very beginning?" how it
# came on), fixed on this book's 35 off-case questions and so not an unseen figure: 0.982 at
# 0.976, off-case 0 of 1387.
def test_presenting_illness_dimensions_on_the_second_holdout_book(hpi2):
    assert hpi2.asked >= 760 and hpi2.off_case >= 1380
    assert hpi2.recall >= 0.98 and hpi2.precision >= 0.975, hpi2.misses[:20] + hpi2.wrong[:20]
    assert hpi2.off_case_disclosed == 0, hpi2.wrong


# Target 0.90 @ 0.95, 0 off-case: met on this (development, fitted) book; not an unseen result.
def test_presenting_illness_dimensions_second_holdout_target(hpi2):
    assert hpi2.recall >= 0.90 and hpi2.precision >= 0.95 and hpi2.off_case_disclosed == 0


@pytest.fixture(scope="module")
def hpi3():
    return unseen.history_eval("holdout", book="hpi", edition="3")


# The third HPI hold-out book (hpi_holdout3.yaml, 88 questions written 2026-12-07 by someone who
# had seen no other book nor any result; frozen), first run on 1c00a83: 0.733 at 0.917, off-case
# 114 of 1875; with the judge of a question naming a complaint (above): 0.815 at 0.932 (958
# asked), off-case 94 of 1697. With the learned dimension reader (trained on the other four
# books, never on this one), run once: 0.912 at 0.940, off-case 94 of 1697; after main's importer
# changes of the same hour: 0.913 at 0.939, 94; after the off-case rule (dfb7c87) and the frames
# (c30f772), both designed on the development books only: 0.921 at 0.945, 86 of 1697.
# Those hold-out figures are recorded and the book is now DEVELOPMENT data (2026-12-07): its
# misses were read and the reader is trained on its phrasings. Left out of the reader's training
# (benchmarks/dimension_cv.py): 0.930 at 0.947, off-case 42 of 1697; with a named symptom's
# dimension read over its review of systems and no one-word question read by the classifier:
# 0.933 at 0.969, 6. Fitted, a figure of fitting, not an unseen one: 0.968 at 0.957, off-case 2
# of 1697; with those two: 0.971 at 0.974, 0.
def test_presenting_illness_dimensions_on_the_third_holdout_book(hpi3):
    assert hpi3.asked >= 950 and hpi3.off_case >= 1690
    assert hpi3.recall >= 0.97 and hpi3.precision >= 0.97, hpi3.misses[:20] + hpi3.wrong[:20]
    assert hpi3.off_case_disclosed == 0, hpi3.wrong


# Target 0.90 @ 0.95, 0 off-case: met on this (development, fitted) book; not an unseen result.
def test_presenting_illness_dimensions_third_holdout_target(hpi3):
    assert hpi3.recall >= 0.90 and hpi3.precision >= 0.95 and hpi3.off_case_disclosed == 0


@pytest.fixture(scope="module")
def hpi4():
    return unseen.history_eval("holdout", book="hpi", edition="4")


# The fourth HPI hold-out book (hpi_holdout4.yaml, 88 questions written 2026-12-07 before its
# first run by someone who had seen no other book, the reader's training data nor any result; 15
# of its questions happen to equal a training phrasing once case and punctuation are dropped),
# first run on 2e225ee, with the learned reader, the off-case rule and the frames: 0.825 at 0.927,
# off-case 153 of 1850 - the honest figure for wording nobody here had seen.
# Now DEVELOPMENT data (2026-12-07): its misses were read and the reader is trained on its
# phrasings. Left out of the reader's training (benchmarks/dimension_cv.py, the 15 equal
# questions left out too): 0.810 at 0.926, 153 before; 0.822 at 0.926, 102 of 1850 with books
# 3-4 in training; 0.827 at 0.955, 65 with the two rules above. Fitted, not an unseen figure:
# 0.957 at 0.952, 27; with the two rules 0.962 at 0.974, off-case 24 of 1850 (target not met).
# Session of 2026-12-07 17:27 UTC: 0.963 at 0.972 with the reader's veto (d24f0d0), then, with
# books 8, 10 and 11 in the training data (3253fe5), 0.896 at 0.972, off-case 2: two of its own
# questions on what else comes with it ("Assoc sx?", "Apart from this, how have you been feeling
# in yourself?") are now read as other (associated 0.64 -> 0.21, 0.55 -> 0.17), associated
# 223 -> 157 of 257; each of a class's examples weighs less as the class grows. A fitted figure
# that fell; left out of training (dimension_cv) it went 0.839 -> 0.880 at 0.969, 26 -> 6.
def test_presenting_illness_dimensions_on_the_fourth_holdout_book(hpi4):
    assert hpi4.asked >= 990 and hpi4.off_case >= 1840
    assert hpi4.recall >= 0.895 and hpi4.precision >= 0.97, hpi4.misses[:20] + hpi4.wrong[:20]
    assert hpi4.off_case_disclosed <= 2, hpi4.wrong


@pytest.fixture(scope="module")
def hpi5():
    return unseen.history_eval("holdout", book="hpi", edition="5")


# The fifth HPI hold-out book (hpi_holdout5.yaml, 88 questions written 2026-12-07 before its first
# run by someone who had seen no other book, the reader's training data nor any result), never
# read: no question of it, miss or off-case, has been printed. First run at the start of the
# session of 2026-12-07 11:52 UTC (code of 211dcfc): 0.870 at 0.933, off-case 152 of 1849.
# Second run on the session's final code (books 3-4 and the labelled MTS questions in the
# reader's training, the symptom-naming and review-of-systems rules, the one-word rule): 0.950
# at 0.970, off-case 69 of 1849. 27 of its 88 questions equal a training example once case and
# punctuation go (11 before books 3-4 joined the training data); with the reader trained
# without those 27 (the test below): 0.901 at 0.957, off-case 78.
# Session of 2026-12-07 14:33 UTC, aggregate only: 0.957 at 0.969, 91 after a rule reading the
# reader's likeliest dimension at 30 % (removed, 9d89ec1: on the development data it added no
# precision); final code 0.951 at 0.974, off-case 40 of 1849 (the named symptom's dimensions,
# 1d0c08c); reader trained without its 27: 0.889 at
# 0.966, 40 (recall below the target on wording the reader never saw). With the seventh book and
# 150 off-topic questions in the reader's training and "other" weighted twice: 0.957 at 0.974,
# 33; without its 33 questions then equal to a training phrasing: 0.915 at 0.972, 33.
# Session of 2026-12-07 17:27 UTC, aggregate only, at the end: 0.936 at 0.967, 25 of 1849
# (the reader's veto and 0.5 over other topics, 4a3a392 and d24f0d0: 0.965 at 0.969, 21; then
# books 8, 10 and 11 in the training data, 3253fe5, cost its associated symptoms 221 -> 188 of
# 240: 0.936 - a regression in recall, still above the target); without its 37 questions then
# equal to a training phrasing: 0.932 at 0.966, 32.
def test_presenting_illness_dimensions_on_the_fifth_holdout_book(hpi5):
    assert hpi5.asked >= 1010 and hpi5.off_case >= 1840
    assert hpi5.recall >= 0.935 and hpi5.precision >= 0.966
    assert hpi5.off_case_disclosed <= 25


@pytest.fixture(scope="module")
def hpi6():
    return unseen.history_eval("holdout", book="hpi", edition="6")


# The sixth HPI hold-out book (hpi_holdout6.yaml, 88 questions written 2026-12-07 14:36 UTC before
# its first run by someone who had seen no other book, the reader's training data nor any
# result), never read: only its aggregate figures have been printed. First run before any change
# of that session (f562030): 0.937 at 0.962, off-case 89 of 1950; the same on the session's
# final code. 20 of its 88 questions equal a training example once case and punctuation go; with
# the reader trained without them: 0.949 at 0.960, 91. With the seventh book and 150 off-topic
# questions in the reader's training and "other" weighted twice: 0.952 at 0.964, 62 of 1950;
# without its 24 questions then equal to a training phrasing: 0.952 at 0.962, 68.
# Session of 2026-12-07 17:27 UTC, aggregate only, at the end: 0.956 at 0.965, 33 of 1950;
# without its 30 questions then equal to a training phrasing: 0.956 at 0.965, 40.
def test_presenting_illness_dimensions_on_the_sixth_holdout_book(hpi6):
    assert hpi6.asked >= 955 and hpi6.off_case >= 1940
    assert hpi6.recall >= 0.955 and hpi6.precision >= 0.964
    assert hpi6.off_case_disclosed <= 33


@pytest.mark.xfail(strict=True, reason="target 0.90 @ 0.95, 0 off-case; measured 0.956 @ 0.965, 33")
def test_presenting_illness_dimensions_sixth_holdout_target(hpi6):
    assert hpi6.recall >= 0.90 and hpi6.precision >= 0.95 and hpi6.off_case_disclosed == 0


@pytest.fixture(scope="module")
def hpi9():
    return unseen.history_eval("holdout", book="hpi", edition="9")


# The ninth HPI hold-out book (hpi_holdout9.yaml, 88 questions written 2026-12-07 17:35 UTC by a
# helper who had seen no other book, the training data nor any result), never read: only its
# aggregate figures have been printed. First run before any change of that session (on the
# code of 74c701b): 0.952 at 0.958, off-case 94 of 1919. At the end: 0.980 at 0.964, 39; without
# its 27 questions then equal to a training phrasing: 0.951 at 0.963, 39.
def test_presenting_illness_dimensions_on_the_ninth_holdout_book(hpi9):
    assert hpi9.asked >= 970 and hpi9.off_case >= 1910
    assert hpi9.recall >= 0.979 and hpi9.precision >= 0.963
    assert hpi9.off_case_disclosed <= 39


@pytest.mark.xfail(strict=True, reason="target 0.90 @ 0.95, 0 off-case; measured 0.980 @ 0.964, 39")
def test_presenting_illness_dimensions_ninth_holdout_target(hpi9):
    assert hpi9.recall >= 0.90 and hpi9.precision >= 0.95 and hpi9.off_case_disclosed == 0


# The seventh and eighth books (written 2026-12-07 15:33 UTC the same way, by two people who had
# seen no other book): the seventh is DEVELOPMENT data (its misses were read; first run 0.943 at
# 0.949, off-case 86 of 1658; 0.945 at 0.959, 29 after 1d0c08c, fitted); the eighth VALIDATION,
# aggregate only (first run 0.917 at 0.945, 114 of 1703; 0.918 at 0.946, 82 after 1d0c08c). With
# the seventh in the reader's training (and 150 off-topic questions, "other" weighted twice): the
# seventh 0.983 at 0.972, 7 (fitted); the eighth 0.939 at 0.956, 68. Session of 2026-12-07
# 17:27 UTC: the eighth became DEVELOPMENT data (read, then in the training data with books 10,
# 11, 13 and 14, written that day as development data; 15-18 likewise, not in it): seventh
# 0.986 at 0.973, 0; eighth 0.966 at 0.968, 7 (both fitted). The twelfth book, written that day
# as VALIDATION (figures only): first run 0.956 at 0.976, 11 of 1769; at the end 0.961 at 0.976,
# 8 (1 before the travel rule of the session's last commit; the own-phrasings hold-out 2 -> 0).
@pytest.mark.parametrize(
    ("edition", "asked", "recall", "precision", "off_case"),
    [("7", 830, 0.985, 0.972, 0), ("8", 880, 0.965, 0.967, 7), ("12", 920, 0.960, 0.975, 8)],
)
def test_presenting_illness_dimensions_on_the_seventh_eighth_and_twelfth_books(
    edition, asked, recall, precision, off_case
):
    book = unseen.history_eval("holdout", book="hpi", edition=edition)
    assert book.asked >= asked and book.off_case >= 1650  # the seventh: 1658
    assert book.recall >= recall and book.precision >= precision
    assert book.off_case_disclosed <= off_case


@pytest.mark.parametrize(
    ("edition", "recall", "precision", "off_case"),
    [("5", 0.931, 0.965, 32), ("6", 0.955, 0.964, 40), ("9", 0.950, 0.962, 39)],
)
def test_a_hold_out_book_read_by_a_reader_that_never_saw_its_questions(
    monkeypatch, edition, recall, precision, off_case
):
    dimensions = pytest.importorskip("simdesk.core.sim.dimensions")
    pytest.importorskip("wordllama")
    book = unseen.phrasings("holdout", "hpi", edition)
    held = {_key(q) for qs in book["history"].values() for q in qs}
    held |= {_key(q) for q in book.get("off_topic") or []}
    examples = [e for e in dimensions.load_examples() if _key(e[1]) not in held]
    assert len(examples) < len(dimensions.load_examples())  # some were equal
    monkeypatch.setattr(dimensions, "_trained", [
        dimensions.DimensionReader(examples, dimensions.Embedder())
    ])  # fmt: skip
    strict = unseen.history_eval("holdout", book="hpi", edition=edition)
    assert strict.recall >= recall and strict.precision >= precision
    assert strict.off_case_disclosed <= off_case


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", text.lower()))


@pytest.mark.xfail(strict=True, reason="target 0.90 @ 0.95, 0 off-case; measured 0.936 @ 0.967, 25")
def test_presenting_illness_dimensions_fifth_holdout_target(hpi5):
    assert hpi5.recall >= 0.90 and hpi5.precision >= 0.95 and hpi5.off_case_disclosed == 0


def test_the_dimension_reader_generalises_to_a_book_it_was_not_trained_on(monkeypatch):
    # Cross-validation by book: the reader trained without the second book's phrasings reads it
    # as it would a new book. Measured 2026-12-07 with the judge of then: 0.820 at 0.950, off-case
    # 65 of 1414 (the patterns alone: 0.676 at 0.939, 65; naive Bayes over word and character
    # n-grams trained on the same data instead: 0.724 at 0.939, 63); with the judge of a question
    # naming a complaint: 0.866 at 0.955, off-case 62 of 1387 (the patterns alone: 0.712 at
    # 0.945, 62). A question the reader finds on the presenting illness but of no one dimension
    # ("other" below TUNING.dimension_other_max) not matched by its words: 0.862 at 0.960, 35 (the
    # 27 gone were one question, "has it been getting better, worse, or staying the same since it
    # started?", matched by its words to the complaint's fact). With the frames above (fixed on
    # this book, so not unseen): 0.872 at 0.974, off-case 0 of 1387.
    # With books 3-4 (now development data) and MTS-Dialog's hand-labelled presenting-illness
    # questions that ask no dimension (as "other") also in training: 0.910 at 0.974, 0 of 1387.
    # With the seventh book and 150 off-topic questions in training and "other" weighted twice
    # (off-topic talk was read as a dimension): 0.877 at 0.973, 0 (the fresh books gained).
    dimensions = pytest.importorskip("simdesk.core.sim.dimensions")
    pytest.importorskip("wordllama")
    book = unseen.phrasings("holdout", "hpi", "2")["history"]
    left_out = {q for questions in book.values() for q in questions}
    examples = [e for e in dimensions.load_examples() if e[1] not in left_out]
    reader = dimensions.DimensionReader(examples, dimensions.Embedder())
    monkeypatch.setattr(dimensions, "_trained", [reader])
    crossed = unseen.history_eval("holdout", book="hpi", edition="2")
    assert crossed.asked >= 760 and crossed.off_case >= 1380
    assert crossed.recall >= 0.876 and crossed.precision >= 0.972, crossed.misses[:20]
    assert crossed.off_case_disclosed == 0, crossed.wrong


def test_the_eval_rules_agree_on_what_a_record_mentions():
    # A record text that is a right answer to a topic (topic_answers) means the record mentions
    # the topic (topic_present). They disagreed on #105 ("No other significant past medical
    # history aside from the recurrent bronchitis.", read as saying nothing) and on record
    # sentences the importer kept though the eval reads them as saying nothing (#18 "No additional
    # systemic symptoms mentioned.", #106 "No other abnormalities noted in the systems review; the
    # rest of the examination shows no abnormalities."): all 18 hold-out off-case disclosures.
    records, cases = unseen.records(), unseen.imported()
    both = [
        (number, topic, fact.content)
        for number, case in cases.items()
        for topic in unseen.TOPICS
        if not unseen.topic_present(records[number], topic)
        for fact in case.facts
        if unseen.topic_answers(fact, topic)
    ]
    assert both == []


def test_no_off_case_disclosures(own, mts):
    # Measured 0 of 1875 (own) and 0 of 2403 (MTS); was 10 + 8, all of them the disagreement the
    # test above pins (benchmarks/case_quality.py --off-case lists any).
    assert own.off_case >= 1800 and mts.off_case >= 2400
    assert own.off_case_disclosed == 0 and mts.off_case_disclosed == 0, own.wrong + mts.wrong


# Hold-out, measured 2026-12-06: vital signs asked as an examination 266/266; regions 0.955
# (2026-12-07: 0.977, "resp exam" no longer read as the vital signs).
def test_examination_requests_on_the_holdout():
    exams = unseen.exam_eval("holdout")
    assert exams["vitals"].accuracy >= 0.95, exams["vitals"].misses[:20]
    assert exams["regions"].accuracy >= 0.95, exams["regions"].misses[:20]


# Hold-out, measured: common test names 0.976; the records' own test names 0.972.
def test_orders_on_the_holdout():
    orders = unseen.order_eval("holdout")
    assert orders["common names"].accuracy >= 0.95, orders["common names"].misses[:20]
    assert orders["record names"].accuracy >= 0.95, orders["record names"].misses[:20]


@pytest.fixture(scope="module")
def diagnoses():
    return unseen.diagnosis_eval("holdout")


def test_diagnosis_near_misses_are_never_accepted(diagnoses):
    assert diagnoses["near misses rejected"].accuracy == 1.0, diagnoses[
        "near misses rejected"
    ].misses
    assert diagnoses["exact"].accuracy == 1.0, diagnoses["exact"].misses


def test_diagnosis_synonyms_accepted_do_not_regress(diagnoses):
    # Measured 58 of 87 (0.667; near misses 0 of 70; tuning 41 of 45, more tuning 102 of 143)
    # once MONDO's synonyms are no longer dropped for an HPO sign named like them (Boerhaave
    # syndrome), a part of the body named in other words is renamed as Uberon names it, and a
    # proper name with "disease" names the key where MONDO names no other disease so: each
    # gained one tuning phrasing, none a hold-out one (run once, after the three landed).
    # Before: 58 of 87 (0.667; tuning 40 of 45, more tuning 100 of 143) once a part of the
    # body added to the key's own part, the two an HPO part ("hip joint"), is supported.
    # Before: 58 of 87 (0.667; tuning 40 of 45, more tuning 99 of 143) once a MONDO label
    # joining two whole names that MONDO abbreviates by their initials ("chronic lymphocytic
    # leukemia/small lymphocytic lymphoma", "CLL/SLL") names each of them.
    # Before: 57 of 87 (0.655; tuning 40 of 45, more tuning 97 of 143) once a probable
    # misspelling the terminologies write beside the word, and nowhere else, is its spelling
    # ("acathisia").
    # Before: 57 of 87 (0.655; tuning 40 of 45, more tuning 96 of 143) once a less specific
    # name of the same site is correct (a MONDO class the key is filed under, at most three
    # steps up: "pancreatic cancer" for pancreatic adenocarcinoma); near misses still 0.
    # Before: 55 of 87 (0.632; tuning 40 of 45, more tuning 94 of 143) once a MeSH heading
    # that is the name is no longer another concept ("membranous glomerulonephritis" for
    # membranous nephropathy was refused: a wrong rejection the synonym audit listed).
    # Before: 54 of 87 (0.621; tuning 40 of 45, more tuning 94 of 143) after a name a
    # terminology gives the key that is another concept's is no longer its synonym
    # (terminology.synonym_verdicts: "Psychomotor agitation" for akathisia, "Vasovagal syncope"
    # for situational syncope, "Stenosis of aorta" for coarctation); more tuning lost
    # "situational reflex syncope", accepted before through "Reflex syncope".
    # Before: 55 of 87 (0.632; tuning 40 of 45, more tuning 95 of 143 - 90 when this figure
    # was first reached) after a part of the body the complaint or a finding names supports a
    # narrower name (HPO body parts); 54 after
    # word parts' initials, organs kept singular, participles and Latin endings as other forms
    # of a word.
    # Before: 52 of 87 (0.598; tuning 38 of 45) with ICD-10-CM, HPO, MeSH and MONDO (lumped
    # entries kept only when nothing names them apart; MONDO's table ships with simdesk),
    # initials, spelling rules (ae/oe, -our, -re, -ema), shorter names no other group uses, sites
    # the terminology adds, genus initials (in the key's terminology look-up too), shortened
    # names whose nearest terminology names are all the key's (49 before). In an old venv
    # without the newer packages (run make): without MeSH 46, without HPO 44, ICD-10-CM + MONDO
    # 41 (measured before the shortened names). Before MONDO: 48; before MeSH: 42 (ICD-10-CM +
    # HPO); before issue 17: 20.
    hpo, mesh = terminology._hpo_obo() is not None, terminology._mesh_table() is not None
    least = {(True, True): 58, (True, False): 46, (False, True): 44, (False, False): 41}
    assert diagnoses["synonyms accepted"].right >= least[hpo, mesh], diagnoses[
        "synonyms accepted"
    ].misses


@pytest.mark.xfail(strict=True, reason="target 0.95 of standard synonyms accepted; measured 0.667")
def test_diagnosis_synonyms_target(diagnoses):
    assert diagnoses["synonyms accepted"].accuracy >= 0.95


def test_the_judge_reads_how_it_began_and_pain_from_the_record():
    def record(history: str) -> dict:
        return {"OSCE_Examination": {"Patient_Actor": {"History": history}}}

    # a bare onset says when, not how
    assert not unseen.topic_present(record("New-onset cough, onset 3 days ago."), "onset_how")
    assert unseen.topic_present(record("Acute onset of chest pain."), "onset_how")
    assert unseen.topic_present(record("Onset while running."), "onset_how")
    # "where is the pain?" is asked only where the record has a pain
    pain = record("Sharp lower back pain for two days.")
    rash = record("Itchy rash on the left arm for a week.")
    assert unseen._presupposed("Where is the pain?", pain)
    assert not unseen._presupposed("Where is the pain?", rash)
    # a question naming another complaint is asked only where the record mentions one it names
    assert unseen._presupposed("Does the rash come and go?", rash)
    assert not unseen._presupposed("Does the cough come and go?", rash)
    assert unseen._presupposed("Any cough or itching with it?", rash)
    denied = {
        "OSCE_Examination": {
            "Patient_Actor": {"History": "Rash.", "Review_of_Systems": "Denies cough."}
        }
    }
    assert unseen._presupposed("Any cough with it?", denied)
    assert unseen._presupposed("When did it start?", rash)
