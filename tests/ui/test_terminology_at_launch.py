"""A first launch builds the terminology that judges a diagnosis before any encounter: the
window starts it when it reads the library, so the learner's first questions do not compete
with an 11-second build (issue 12, Deliver 6: the first released word)."""

from __future__ import annotations

import pytest

from simdesk.core.assess import terminology
from simdesk.ui.main_window import MainWindow
from tests.core.assess.test_terminology import TABULAR


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """A first launch: no terminology cache yet (a made-up terminology, quick to build)."""
    tabular = tmp_path / "tabular.xml"
    tabular.write_text(TABULAR, encoding="utf-8")
    cache = tmp_path / "cache"
    monkeypatch.setenv("SIMDESK_TERMINOLOGY_CACHE", str(cache))
    monkeypatch.setattr(terminology, "SOURCES", (
        terminology.Source("exact", "test", lambda: tabular, terminology.build_groups),
    ))  # fmt: skip
    terminology._forget()
    yield cache
    terminology._forget()


def test_a_first_launch_builds_the_terminology_before_an_encounter_is_offered(qtbot, empty_cache):
    win = MainWindow(start_model=False)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitUntil(lambda: bool(win.entries), timeout=30_000)  # the library is read
    qtbot.waitUntil(lambda: len(list(empty_cache.glob("terminology-groups-*.json"))) == 1,
                    timeout=30_000)  # fmt: skip
    assert win.store is None  # nobody has signed in yet, so no encounter could have started
    assert terminology._tables.cache_info().currsize == 0  # the files only: nothing held
    win.close()
