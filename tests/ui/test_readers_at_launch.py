"""A first launch learns the dimension reader's weights before any encounter: the window starts
it when it reads the library, so the learner's first questions neither wait for the training nor
compete with it (issue 12, Deliver 6: the first released word)."""

from __future__ import annotations

import pytest

from simdesk.core.sim import dimensions, understanding
from simdesk.ui.main_window import MainWindow

pytest.importorskip("wordllama")


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    cache = tmp_path / "readers"
    monkeypatch.setenv("SIMDESK_READER_CACHE", str(cache))
    dimensions.forget()
    understanding.forget()
    yield cache
    dimensions.forget()


def test_reading_the_library_prepares_the_readers_before_sign_in(qtbot, empty_cache):
    win = MainWindow(start_model=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: bool(win.entries), timeout=30_000)  # the library is read
    qtbot.waitUntil(lambda: bool(dimensions._trained and understanding._trained), timeout=60_000)
    assert win.store is None  # nobody has signed in yet, so no encounter could have started
    assert dimensions._trained[0] is not None
    assert len(list(empty_cache.glob("dimension-reader-*.npz"))) == 1
    win.close()
