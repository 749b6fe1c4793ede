"""The session service on real encrypted profiles: sign-in, the attempt in play, auto-lock."""

from __future__ import annotations

import pytest

from simdesk.app.session import CREATE, SET_UP, Session
from simdesk.core.assess.attempts import load_history
from simdesk.core.assess.scoring import score
from simdesk.core.errors import StoreError
from simdesk.core.paths import locations
from simdesk.core.sim.session import Encounter
from simdesk.core.store.profiles import ProfileManager
from tests.conftest import FAST_KDF

PASSPHRASE = "a quiet river at dawn"


@pytest.fixture
def session():
    where = locations().ensure()
    with Session(where, ProfileManager.for_locations(where, kdf=FAST_KDF)) as opened:
        yield opened


def test_sign_in_lock_and_sign_in_again(session):
    session.sign_in("Tumi", PASSPHRASE, how=SET_UP)
    session.add_learner("Chipo", PASSPHRASE, PASSPHRASE)
    assert sorted(session.profile_names()) == [("Chipo", "learner"), ("Tumi", "instructor")]
    assert session.signed_in and session.name == "Tumi"
    store = session.lock()
    assert store is not None and not session.signed_in and session.name == ""
    store.close()
    with pytest.raises(StoreError):
        session.sign_in("Chipo", "not the passphrase at all")
    assert not session.signed_in  # a refused sign-in leaves nobody signed in
    session.sign_in("Chipo", PASSPHRASE)
    assert session.name == "Chipo" and session.store.attempts() == []


def test_opening_a_profile_signs_nobody_in_until_begin(session):
    """The window opens on its store thread and begins on its GUI thread: in between, the
    GUI must still see nobody signed in."""
    opened = session.open_profile("Tumi", PASSPHRASE, how=SET_UP)
    assert not session.signed_in and session.name == "" and session.idle is None
    assert session.begin(opened) is None  # nobody was signed in before
    assert session.store is opened.store and session.name == "Tumi" and session.idle is not None


def test_create_signs_the_new_learner_in(session):
    session.sign_in("Tumi", PASSPHRASE, how=SET_UP)
    session.lock().close()
    session.sign_in("Ama", PASSPHRASE, how=CREATE, instructor_passphrase=PASSPHRASE)
    assert session.name == "Ama"
    with pytest.raises(StoreError):  # a wrong instructor passphrase creates nobody
        session.sign_in("Kofi", PASSPHRASE, how=CREATE, instructor_passphrase="wrong one here")
    assert [n for n, _ in session.profile_names()].count("Kofi") == 0


def test_an_attempt_is_started_recorded_and_finished_through_the_session(session, tb_case):
    store = session.sign_in("Tumi", PASSPHRASE, how=SET_UP)
    attempt = session.new_attempt(tb_case, "exam")
    assert attempt.id is None and session.attempt is attempt
    with pytest.raises(StoreError, match="never saved"):  # nothing can be added before start
        attempt.record(store, [])
    sim = Encounter(tb_case)
    sim.ask("How long have you had the cough?")
    sim.diagnose([tb_case.answer_key.diagnosis.primary])
    sim.end()
    attempt.start(store)
    attempt.record(store, list(sim.events), elapsed_s=12.0)
    assert [e.kind for e in store.events(attempt.id)] == [e.kind for e in sim.events]
    [summary] = store.attempts()
    assert summary.mode == "exam" and summary.elapsed_s == 12.0 and summary.ended_at is None
    result = attempt.finish(store, tb_case, score(tb_case, sim.events), sim.events[-1], "Tumi")
    assert session.queue_for_sync(store, attempt, result, "none") == 0  # not enrolled
    [summary] = store.attempts()
    assert summary.ended_at is not None
    assert [h.percent for h in load_history(store)] == [result.percent]


def test_auto_lock_follows_the_sites_minutes_and_activity(tmp_path):
    where = locations().ensure()
    now = [1000.0]
    with Session(where, ProfileManager.for_locations(where, kdf=FAST_KDF),
                 clock=lambda: now[0]) as session:  # fmt: skip
        assert not session.should_lock  # nobody signed in
        session.sign_in("Tumi", PASSPHRASE, how=SET_UP)
        assert session.idle.idle_seconds == 10 * 60  # the default
        now[0] += 9 * 60
        session.touch()
        now[0] += 9 * 60
        assert not session.should_lock  # the touch started the clock again
        now[0] += 61
        assert session.should_lock
        session.lock().close()
        assert not session.should_lock
