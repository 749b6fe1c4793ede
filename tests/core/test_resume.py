"""Saved as it goes, resumed after a lock, a quit or a crash: the real encrypted store."""

from __future__ import annotations

import pytest

from simdesk.core.assess.modes import AssessedSession
from simdesk.core.consultation import PAGE_SEQ, Consultation
from simdesk.core.errors import SimdeskError
from simdesk.core.sim.events import Note, Result
from simdesk.core.store.db import open_engine
from simdesk.core.store.keys import new_data_key
from simdesk.core.store.repository import LearnerStore


def _store(tmp_path, key=None):
    key = key or new_data_key()
    return LearnerStore(open_engine(tmp_path / "learner.db", key, create=True)), key


def _play_some(consultation, save):
    pending = consultation.ask("How long have you had the cough?")
    save(consultation.unsaved_events())  # the question is saved before the reply comes
    consultation.finish(pending, voiced=False)
    consultation.encounter.examine("listen to the chest")
    consultation.encounter.order("cbc")
    consultation.encounter.treat("oxygen and paracetamol 1 g")  # one order, two items
    consultation.encounter.wait(90)  # the blood count arrives meanwhile
    consultation.encounter.note("cough 6 weeks")
    pending = consultation.ask("Do you smoke?")
    save(consultation.unsaved_events())
    return pending  # the reply is in flight when the power goes


def test_an_encounter_cut_off_mid_reply_resumes_exactly_from_the_store(tmp_path, tb_case):
    store, key = _store(tmp_path)
    attempt = store.start_attempt(tb_case.meta.id, tb_case.meta.version, mode="exam", seed=3)
    first = Consultation(tb_case, seed=3)
    _play_some(first, lambda events: store.append_events(attempt, events, elapsed_s=125.0))
    store.close()  # the power goes: no reply event, no end

    store = LearnerStore(open_engine(tmp_path / "learner.db", key))
    [summary] = store.unfinished(tb_case.meta.id)
    assert (summary.id, summary.mode, summary.seed, summary.elapsed_s) == (attempt, "exam", 3, 125)
    again = Consultation(tb_case, seed=summary.seed)
    replayed = again.replay(store.events(attempt))
    saved = first.encounter.events
    assert [(e.seq, e.kind, e.sim_minute) for e in again.encounter.events[: len(saved)]] == [
        (e.seq, e.kind, e.sim_minute) for e in saved
    ]
    assert again.encounter.vitals == first.encounter.vitals
    assert [r.code for r in again.encounter.results] == ["FBC"]
    assert again.encounter.sim_minute == first.encounter.sim_minute
    # The question cut off mid-reply gets its authored line, and only that is new to save.
    [reply] = again.unsaved_events()
    assert reply.kind == "reply" and reply.guard == "no model: authored line"
    assert replayed.notes == "cough 6 weeks"
    # The prompt goes on from the same transcript: the next question sees the earlier replies.
    assert again.transcript.turns[0] == first.transcript.turns[0]
    assert [t.question for t in again.transcript.turns] == [
        "How long have you had the cough?",
        "Do you smoke?",
    ]
    # And play continues: the log keeps counting from where it was.
    again.encounter.examine("abdomen")
    assert again.unsaved_events()[0].seq == reply.seq + 1
    store.close()


def test_a_changed_case_is_refused_by_name_not_replayed_wrongly(tmp_path, tb_case):
    store, _ = _store(tmp_path)
    attempt = store.start_attempt(tb_case.meta.id, tb_case.meta.version)
    first = Consultation(tb_case)
    first.encounter.order("cbc")
    first.encounter.wait(90)
    events = first.unsaved_events()
    tampered = [e for e in events if e.kind != "result"]  # as if the result never came
    tampered.append(Result(seq=events[-1].seq + 1, sim_minute=0, code="X"))
    store.append_events(attempt, tampered)
    with pytest.raises(SimdeskError, match="does not replay the same way"):
        Consultation(tb_case).replay(store.events(attempt))
    store.close()


def test_notes_saved_before_the_engine_numbered_them_come_back(tmp_path, tb_case):
    store, _ = _store(tmp_path)
    attempt = store.start_attempt(tb_case.meta.id, tb_case.meta.version)
    first = Consultation(tb_case)
    first.encounter.note("first thoughts")
    first.encounter.examine("listen to the chest")
    legacy = Note(seq=PAGE_SEQ + 1, sim_minute=2.0, text="from the old window")
    store.append_events(attempt, [*first.unsaved_events(), legacy])
    again = Consultation(tb_case)
    assert again.replay(store.events(attempt)).notes == "from the old window"
    assert [e.kind for e in again.encounter.events] == ["encounter_started", "note", "exam"]
    store.close()


def test_the_exam_clock_stops_while_paused_and_counts_time_used_before(tb_case):
    now = [100.0]
    session = AssessedSession(tb_case, "exam", time_limit_s=600, clock=lambda: now[0])
    now[0] += 50
    assert session.pause() == 50
    now[0] += 3600  # locked for an hour
    assert session.remaining_s() == 550
    session.resume()
    now[0] += 10
    assert session.remaining_s() == 540
    resumed = AssessedSession(tb_case, "exam", time_limit_s=600, clock=lambda: now[0],
                              elapsed_before_s=session.pause())  # fmt: skip
    now[0] += 40
    assert resumed.remaining_s() == 500
    assert resumed.submit([]).elapsed_s == 100
