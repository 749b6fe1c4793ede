"""The model, its settings and adding cases are the instructor's (a new user's finding: learners
could change the model). A learner sees the Model tab greyed out with a note saying who changes
it, keeps the Display tab, has no Import cases button, and a request that reaches the window
anyway is refused; the instructor signed in has all of them.

Real profiles made as a site makes them (``simdesk profiles setup`` / ``create``), the real
window and its device database.
"""

from __future__ import annotations

import io

from simdesk.cli import main
from simdesk.core.paths import locations
from simdesk.core.store.profiles import ProfileManager
from simdesk.ui.settings_page import ModelSettings
from tests.ui.conftest import PASSPHRASE, open_signed_in

TEACHER, TEACHER_PASS = "Teacher Tumi", "the teacher's own passphrase"
LEARNER = "Chipo M."
MODEL_CONTROLS = ("use_button", "import_button", "threads", "context", "apply_model_button")


def cli(monkeypatch, argv: list[str], *lines: str) -> int:
    monkeypatch.setattr("sys.stdin", io.StringIO("".join(f"{line}\n" for line in lines)))
    return main(argv)


def threads_saved() -> str | None:
    manager = ProfileManager.for_locations(locations().ensure())
    try:
        return manager.device.setting("ui.model_threads")
    finally:
        manager.close()


def test_a_learner_sees_the_model_settings_but_cannot_change_them(
    qtbot, monkeypatch, simdesk_home, screenshot
):
    assert cli(monkeypatch, ["profiles", "setup", TEACHER], TEACHER_PASS) == 0
    assert cli(monkeypatch, ["profiles", "create", LEARNER], TEACHER_PASS, PASSPHRASE) == 0
    win = open_signed_in(qtbot, name=LEARNER, start_model=False, existing=True)
    reloads: list[int] = []  # a fake model restart: the model is not started in this test
    monkeypatch.setattr(win, "_reload_model", lambda: reloads.append(1))
    try:
        assert not win.session.is_instructor
        win.navigate("settings")
        page = win.settings
        page.tabs.setCurrentIndex(0)
        qtbot.waitUntil(lambda: page.models.rowCount() >= 1, timeout=20_000)  # still listed
        for name in MODEL_CONTROLS:
            assert not getattr(page, name).isEnabled(), name
        assert page.model_lock_note.isVisible()
        assert "Only the instructor" in page.model_lock_note.text()
        screenshot(win, "62-settings-model-as-a-learner")
        page.tabs.setCurrentIndex(1)
        assert page.font_size.isEnabled() and page.high_contrast.isEnabled()  # everyone's

        # A request that reaches the window anyway (a signal, a stale button) is refused.
        page.model_settings_changed.emit(ModelSettings(threads=3))
        assert win.model_settings != ModelSettings(threads=3) and not reloads
        assert "Only the instructor" in win.message_bar.label.text()
        qtbot.waitUntil(win.ops.idle, timeout=10_000)
        assert threads_saved() in (None, "", "0")

        win.navigate("cases")
        assert not win.case_list.import_button.isVisible()
        win.message_bar.hide()
        win.import_cases(simdesk_home / "anything.yaml")
        assert "Only the instructor adds cases" in win.message_bar.label.text()

        win.lock()  # the instructor signs in on the same window: everything is theirs
        qtbot.waitUntil(lambda: win.profile_dialog.isVisible(), timeout=10_000)
        dialog = win.profile_dialog
        dialog.name_box.setCurrentIndex(dialog.name_box.findData(TEACHER))
        qtbot.keyClicks(dialog.passphrase_edit, TEACHER_PASS)
        dialog.buttons.accepted.emit()
        qtbot.waitUntil(lambda: win.session.name == TEACHER, timeout=30_000)
        assert win.session.is_instructor and win.case_list.import_button.isVisible()
        win.navigate("settings")
        page.tabs.setCurrentIndex(0)
        for name in MODEL_CONTROLS:
            assert getattr(page, name).isEnabled(), name
        assert not page.model_lock_note.isVisible()
        page.threads.setValue(3)
        page.apply_model_button.click()
        assert win.model_settings == ModelSettings(threads=3) and reloads == [1]
        qtbot.waitUntil(win.ops.idle, timeout=10_000)
        assert threads_saved() == "3"
        screenshot(win, "63-settings-model-as-the-instructor")

        win.lock()  # nobody signed in: nobody's
        assert not page.apply_model_button.isEnabled()
        assert not win.case_list.import_button.isVisible()
        qtbot.waitUntil(win.ops.idle, timeout=10_000)
    finally:
        win.close()
