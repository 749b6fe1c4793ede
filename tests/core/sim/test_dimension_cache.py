"""The dimension reader's weights are kept in the user cache and loaded, not trained, at later
starts; a damaged file is trained again; training steps aside while the model generates a reply
(issue 12, Deliver 6: nothing competes with the first questions)."""

from __future__ import annotations

import logging
import threading
import time

import pytest

from simdesk.core import background
from simdesk.core.sim import dimensions

pytest.importorskip("wordllama")

QUESTIONS = ["Is it on one side?", "Does the pain travel to other places?", "Do you smoke?"]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    folder = tmp_path / "readers"
    monkeypatch.setenv("SIMDESK_READER_CACHE", str(folder))
    dimensions.forget()
    yield folder
    dimensions.forget()


def _readings(reader):
    return [(r.label, round(r.probability, 5)) for r in map(reader.read, QUESTIONS)]


def _no_training(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("trained although its weights were kept")

    refuse.__defaults__ = dimensions.DimensionReader.__init__.__defaults__  # the same settings
    monkeypatch.setattr(dimensions.DimensionReader, "__init__", refuse)


def test_a_later_start_loads_the_kept_weights_and_does_not_train(cache, monkeypatch):
    trained = dimensions.bundled_reader()
    (kept,) = cache.glob("dimension-reader-*.npz")
    assert kept.stat().st_size < 100_000  # weights only
    dimensions.forget()  # a fresh process
    _no_training(monkeypatch)
    loaded = dimensions.bundled_reader()
    assert loaded is not trained
    assert _readings(loaded) == _readings(trained)
    assert _readings(loaded)[0][0] == "site"


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],  # a partial write
        lambda data: data[:200] + bytes(b ^ 0xFF for b in data[200:400]) + data[400:],
        lambda data: b"",
    ],
)
def test_a_damaged_file_is_said_and_trained_again(cache, caplog, damage):
    trained = _readings(dimensions.bundled_reader())
    (kept,) = cache.glob("dimension-reader-*.npz")
    kept.write_bytes(damage(kept.read_bytes()))
    dimensions.forget()
    with caplog.at_level(logging.WARNING, logger=dimensions.__name__):
        again = dimensions.bundled_reader()
    assert again is not None and _readings(again) == trained
    assert "cache" in caplog.text and "training it again" in caplog.text
    dimensions.forget()
    assert _readings(dimensions.bundled_reader()) == trained  # the file was written again


def test_weights_that_do_not_fit_the_questions_are_trained_again(cache, caplog, monkeypatch):
    import numpy as np

    dimensions.bundled_reader()
    (kept,) = cache.glob("dimension-reader-*.npz")
    with np.load(kept) as stored:
        labels, b = stored["labels"], stored["b"]
    with kept.open("wb") as out:
        np.savez(out, labels=labels, w=np.zeros((3, len(labels)), np.float32), b=b)
    dimensions.forget()
    with caplog.at_level(logging.WARNING, logger=dimensions.__name__):
        assert dimensions.bundled_reader().read(QUESTIONS[0]).label == "site"
    assert "do not fit" in caplog.text


def test_other_questions_are_kept_in_another_file(cache, monkeypatch):
    dimensions.bundled_reader()
    examples = dimensions.load_examples()
    monkeypatch.setattr(dimensions, "load_examples", lambda: examples + [("site", "Which side?")])
    dimensions.forget()
    dimensions.bundled_reader()
    assert len(list(cache.glob("dimension-reader-*.npz"))) == 2


def test_other_training_settings_are_kept_in_another_file(cache, monkeypatch):
    dimensions.bundled_reader()
    l2, steps, rate, other_weight, step = dimensions.DimensionReader.__init__.__defaults__
    monkeypatch.setattr(
        dimensions.DimensionReader.__init__,
        "__defaults__",
        (l2, steps, rate, other_weight + 1, step),
    )
    dimensions.forget()
    dimensions.bundled_reader()
    assert len(list(cache.glob("dimension-reader-*.npz"))) == 2


def test_training_steps_aside_while_a_reply_is_generated(cache):
    with background.replying():
        thread = dimensions.prepare()
        assert thread is not None
        time.sleep(3.0)  # loading alone takes well under this; training waits for the reply
        assert thread.is_alive() and not dimensions._trained
        assert not list(cache.glob("dimension-reader-*.npz"))
    thread.join(60)
    assert dimensions._trained and dimensions._trained[0] is not None
    assert dimensions.prepare() is None  # in memory: nothing more to start


def test_a_question_asked_during_a_reply_does_not_wait_for_the_reply(cache):
    """Somebody waiting for the reader lets the paused training go on at full speed."""
    got = []
    with background.replying():
        dimensions.prepare()
        time.sleep(0.5)
        asker = threading.Thread(target=lambda: got.append(dimensions.bundled_reader()))
        asker.start()
        asker.join(60)  # would wait out the whole reply (30 s at most) without the wake-up
        assert got and got[0] is not None


def test_training_runs_openblas_on_one_thread_and_gives_the_threads_back(cache, monkeypatch):
    """OpenBLAS's threads only spin on these small matrices (2.4 s of CPU instead of 0.3 s)."""
    import numpy  # noqa: F401

    functions = dimensions.blas_threads()
    if functions is None:
        pytest.skip("no OpenBLAS whose thread count can be set here")
    get, put = functions
    put(2)
    seen = []
    softmax = dimensions.DimensionReader._softmax

    def counted(self, z):
        seen.append(get())
        return softmax(self, z)

    monkeypatch.setattr(dimensions.DimensionReader, "_softmax", counted)
    dimensions.bundled_reader()  # no weights kept yet: trained here
    assert seen and set(seen) == {1}
    assert get() == 2
