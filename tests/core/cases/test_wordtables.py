"""Word tables and history topics as data: checked with file and line (issue 11, item 6)."""

import pytest

from simdesk.core.cases.topics import load_topics, question_topics
from simdesk.core.cases.wordtables import bundled_word_tables, load_word_tables
from simdesk.core.errors import CaseError


def _write(tmp_path, text):
    path = tmp_path / "words.yaml"
    path.write_text(text)
    return path


def test_a_self_map_is_an_error_with_file_and_line(tmp_path):
    path = _write(tmp_path, "maps:\n  synonyms:\n    cough: cough\n")
    with pytest.raises(
        CaseError, match=r"words.yaml:3: maps.synonyms.cough: maps a word to itself"
    ):
        load_word_tables(path)


def test_a_word_given_twice_is_an_error_naming_both_lines(tmp_path):
    path = _write(tmp_path, "maps:\n  synonyms:\n    sob: breath\n    tb: x\n    sob: cough\n")
    with pytest.raises(CaseError, match=r"words.yaml:5: .*given twice \(also line 3"):
        load_word_tables(path)


def test_chains_are_reported(tmp_path):
    path = _write(tmp_path, "maps:\n  synonyms:\n    began: begin\n    begin: start\n")
    tables = load_word_tables(path)
    assert tables.maps["synonyms"] == {"began": "begin", "begin": "start"}
    assert any("words.yaml:3" in w and "chain" in w for w in tables.warnings)


def test_the_bundled_tables_load_without_self_maps():
    tables = bundled_word_tables("disclosure_words")
    assert len(tables.maps["synonyms"]) > 400 and "and" in tables.sets["stopwords"]
    assert all(k != v for table in tables.maps.values() for k, v in table.items())


def test_a_bad_topic_pattern_is_reported_with_its_line(tmp_path):
    path = tmp_path / "topics.yaml"
    path.write_text(
        "schema_version: 1\ntopics:\n  smoking:\n    category: social\n"
        "    asked:\n      - 'smok('\n    said: [smok]\n"
    )
    with pytest.raises(CaseError, match=r"topics.yaml:6: topics.smoking.asked: bad pattern"):
        load_topics(path)


def test_an_unknown_category_is_reported(tmp_path):
    path = tmp_path / "topics.yaml"
    path.write_text(
        "schema_version: 1\ntopics:\n  pets:\n    category: hobbies\n    asked: [pet]\n"
    )
    with pytest.raises(CaseError, match=r"topics.yaml:3: topics.pets.category"):
        load_topics(path)


@pytest.mark.parametrize(
    ("question", "topics"),
    [
        ("Are you allergic to any medicines?", {"allergies"}),  # allergies narrows medicines
        ("Any past surgeries?", {"surgery"}),
        ("Do you smoke or drink?", {"smoking", "alcohol"}),
        ("What football team do you support?", set()),
        # "with family" says who the patient lives with, not what runs in the family
        ("Who is at home: do you stay with your family?", {"living"}),
        ("Is there heart disease in your mother or father?", {"family"}),
        ("Do you use drugs that were never prescribed, recreationally?", {"drugs"}),
        ("Did you see the football on television?", set()),  # "vision" starts a word
    ],
)
def test_questions_are_read_as_topics(question, topics):
    assert question_topics(question) == topics


def test_validate_warns_about_a_fact_no_question_category_can_reach(tmp_path):
    import yaml

    from simdesk.core.cases.validate import check_case_file
    from simdesk.core.paths import bundled_cases_dir

    data = yaml.safe_load((bundled_cases_dir() / "pulmonary-tb-miner.yaml").read_text())
    data["facts"].append(
        {"id": "cars", "category": "history_of_presenting_illness",
         "content": "Likes blue cars.", "patient_says": "I like blue cars."}
    )  # fmt: skip
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    case, problems = check_case_file(path)
    assert case is not None  # a warning, not an error
    assert [p for p in problems if p.warning and "no question category reaches" in p.reason]
