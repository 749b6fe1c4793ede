"""The typed encounter log in the store: saved as it is, read back typed, old attempts still load.

``tests/fixtures/log_v1_attempt.json`` holds the rows simdesk 0.1 (before the typed log: ``text``
in its own column, the other fields in ``data``, notes and the plan numbered from 1,000,000)
wrote for one attempt at the cerebral malaria case, with the score it gave then. Generated once
by running that version; never edit it.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import insert

from simdesk.core.assess.attempts import load_history
from simdesk.core.assess.scoring import score
from simdesk.core.cases.loader import load_case
from simdesk.core.errors import StoreError
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim import events as ev
from simdesk.core.sim.session import Encounter
from simdesk.core.store.db import open_engine
from simdesk.core.store.keys import new_data_key
from simdesk.core.store.models import AttemptEvent
from simdesk.core.store.repository import LearnerStore

V1 = json.loads(
    (Path(__file__).parents[2] / "fixtures" / "log_v1_attempt.json").read_text(encoding="utf-8")
)


def _store(tmp_path) -> LearnerStore:
    return LearnerStore(open_engine(tmp_path / "learner.db", new_data_key(), create=True))


def _insert_v1(store: LearnerStore) -> int:
    attempt = store.start_attempt(V1["case_id"], V1["case_version"])
    rows = [{**row, "attempt_id": attempt, "at": datetime.fromisoformat(row["at"])}
            for row in V1["rows"]]  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(insert(AttemptEvent), rows)
    return attempt


def test_an_attempt_saved_by_the_previous_version_loads_typed_and_scores_the_same(tmp_path):
    store = _store(tmp_path)
    attempt = _insert_v1(store)
    log = store.events(attempt)
    rows = sorted(V1["rows"], key=lambda row: row["seq"])
    assert [(e.seq, e.kind) for e in log] == [(row["seq"], row["kind"]) for row in rows]
    question = next(e for e in log if isinstance(e, ev.Question))
    assert (question.text, question.fact_ids) == ("How long has he had the fever?", ("fever",))
    reply = next(e for e in log if isinstance(e, ev.Reply))
    assert reply.question_seq == question.seq and reply.model_text_used is False
    note = next(e for e in log if isinstance(e, ev.Note))
    assert note.text == "Febrile child, GCS low." and note.at == datetime.fromisoformat(
        next(r for r in V1["rows"] if r["kind"] == "note")["at"]
    )
    case = load_case(bundled_cases_dir() / "cerebral-malaria-child.yaml")
    result = score(case, log)
    assert result.percent == V1["percent"] and result.diagnosis.outcome == V1["diagnosis"]
    assert {i.id: i.status for i in result.items} == V1["items"]
    [history] = load_history(store)
    assert (history.case_id, history.percent) == (V1["case_id"], V1["percent"])
    store.close()


def test_events_are_stored_as_they_are_and_come_back_equal(tmp_path):
    case = load_case(bundled_cases_dir() / "cerebral-malaria-child.yaml")
    encounter = Encounter(case, seed=3)
    turn = encounter.ask("Has he had any fits?")
    encounter.record_reply(turn, "Yes, twice.", model_text_used=True, reason="ok")
    encounter.examine("check the pupils")
    encounter.order("malaria RDT")
    encounter.treat("IV artesunate")
    encounter.wait(30)
    encounter.note("Seizures x2.")
    encounter.diagnose(["cerebral malaria"])
    encounter.plan("Artesunate, glucose.")
    encounter.end()
    store = _store(tmp_path)
    attempt = store.start_attempt(case.meta.id, case.meta.version)
    store.append_events(attempt, encounter.events)
    back = store.events(attempt)
    assert back == encounter.events  # every field, wall time included
    # The engine numbers notes and the plan with everything else: one sequence, no gaps.
    assert [e.seq for e in back] == list(range(len(back)))
    with store.engine.connect() as conn:
        [(data,)] = conn.exec_driver_sql(
            "SELECT data FROM attempt_events WHERE kind = 'plan'"
        ).all()
    assert json.loads(data) == ev.dump_event(encounter.events[-2])
    store.close()


def test_a_damaged_or_newer_event_is_refused_with_the_fix(tmp_path):
    store = _store(tmp_path)
    attempt = store.start_attempt("cerebral-malaria-child", "1.0.0")
    bad = {"seq": 0, "kind": "question", "sim_minute": 1.0, "at": datetime(2026, 1, 1),
           "text": "", "attempt_id": attempt}  # fmt: skip
    with store.engine.begin() as conn:
        conn.execute(insert(AttemptEvent), [
            {**bad, "data": {"v": 2, "seq": 0, "kind": "question", "sim_minute": 1.0}},
            {**bad, "seq": 1, "data": {"v": 7, "seq": 1, "kind": "telepathy", "sim_minute": 1.0}},
        ])  # fmt: skip
    with pytest.raises(StoreError, match=r"Event 0 \(question\) of attempt 1 .*text: Field"):
        store.events(attempt)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM attempt_events WHERE seq = 0")
    with pytest.raises(StoreError, match="newer simdesk") as info:
        store.events(attempt)
    assert "Update simdesk" in info.value.fix
    store.close()
