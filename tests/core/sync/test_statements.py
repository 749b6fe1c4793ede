"""The statements an attempt becomes: valid xAPI 1.0.3, anonymised, stable ids, every field
listed in the README."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from simdesk.core.assess.attempts import AttemptResult, ItemOutcome
from simdesk.core.sync.statements import (
    AttemptInfo,
    attempt_statements,
    coarsen,
    field_paths,
    new_pseudonym,
)
from simdesk.hub.validate import check_statement

README = Path(__file__).resolve().parents[3] / "README.md"
NAME, TYPED = "Amina Wanjiru", "zebra-canary-7731 do you cough blood"


def _result(percent: float = 81.0, capped: bool = False) -> AttemptResult:
    items = (
        ItemOutcome("duration-of-cough", "history", TYPED, "met", 1.0, (), "teaching " + TYPED),
        ItemOutcome("hiv-test", "investigations", "Offer HIV test", "missed", 2.0, (), "Offer"),
    )
    return AttemptResult(
        "pulmonary-tb-miner",
        "1.0.0",
        "respiratory",
        "core",
        datetime(2026, 11, 30, 14, 37, 12),
        percent,
        capped,
        {"history": 50.0, "investigations": 0.0, "management": None},
        items,
        "correct",
        7,
        NAME,
    )


INFO = AttemptInfo(
    "sync-id:7",
    "exam",
    datetime(2026, 11, 30, 14, 2, 5),
    datetime(2026, 11, 30, 14, 37, 12),
    95.0,
    "gemma-3-270m-q4_k_m",
)


def test_an_attempt_is_three_valid_statements_with_its_score_rubric_and_context():
    attempted, completed, passed = attempt_statements(_result(), INFO, "sd-abc", "https://hub")
    verbs = [s["verb"]["id"].rsplit("/", 1)[1] for s in (attempted, completed, passed)]
    assert verbs == ["attempted", "completed", "passed"]
    for statement in (attempted, completed, passed):
        check_statement(statement)  # the hub's own validator: raises if not xAPI 1.0.3
        assert statement["result"]["score"] == {"scaled": 0.81, "raw": 81.0, "min": 0, "max": 100}
        ext = statement["result"]["extensions"]
        assert ext["https://simdesk.org/xapi/ext/rubric"] == {
            "duration-of-cough": "met",
            "hiv-test": "missed",
        }
        assert ext["https://simdesk.org/xapi/ext/domains"] == {
            "history": 50.0,
            "investigations": 0.0,
        }
        assert statement["object"]["id"].endswith("/pulmonary-tb-miner/1.0.0")
        assert statement["context"]["extensions"]["https://simdesk.org/xapi/ext/mode"] == "exam"
        assert statement["result"]["duration"] == "PT0H35M7S"
    assert attempted["timestamp"] == "2026-11-30T14:00:00Z" == passed["timestamp"]
    assert passed["result"]["success"] is True
    failed = attempt_statements(_result(90.0, capped=True), INFO, "sd-abc", "https://hub")[2]
    assert failed["verb"]["id"].endswith("/failed") and failed["result"]["success"] is False


def test_nothing_names_the_learner_or_carries_their_words_and_ids_are_stable():
    statements = attempt_statements(_result(), INFO, "sd-abc", "https://hub")
    text = json.dumps(statements)
    for secret in (NAME, "Amina", "zebra-canary", "teaching", "Offer HIV"):
        assert secret not in text
    assert statements[0]["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://hub", "name": "sd-abc"},
    }
    again = attempt_statements(_result(), INFO, "sd-abc", "https://hub")
    assert [s["id"] for s in again] == [s["id"] for s in statements]
    other = attempt_statements(_result(), INFO, "sd-xyz", "https://hub")
    assert not {s["id"] for s in other} & {s["id"] for s in statements}


def test_pseudonyms_are_random_and_times_coarsened():
    made = {new_pseudonym() for _ in range(200)}
    assert len(made) == 200 and all(re.fullmatch(r"sd-[0-9a-f]{32}", p) for p in made)
    assert coarsen(datetime(2026, 1, 2, 13, 59, 59)) == "2026-01-02T13:00:00Z"
    assert coarsen(datetime(2026, 1, 2, 13, 59, 59), hours=6) == "2026-01-02T12:00:00Z"


def test_the_readme_lists_every_field_sent():
    listed = set(re.findall(r"^\| `([^`]+)` \|", README.read_text(), flags=re.M))
    sent = set()
    for statement in attempt_statements(_result(), INFO, "sd-abc", "https://hub"):
        sent |= field_paths(statement)
    assert sent and sent <= listed, sorted(sent - listed)
