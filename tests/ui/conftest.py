"""UI test helpers: every screen a test visits is saved as a PNG for people to look at."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SCREENSHOTS = Path(os.environ.get("SIMDESK_SCREENSHOTS", Path(__file__).parents[2] / "artifacts"))


@pytest.fixture
def screenshot():
    def save(widget, name: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        assert widget.grab().save(str(path)), f"could not save {path}"
        return path

    return save


PASSPHRASE = "a quiet river at dawn"


@pytest.fixture(autouse=True)
def tour_seen(simdesk_home):
    """The first-run tour is marked as seen, in the real device database, so that it does not
    open over the window in tests about other things; ``test_help.py`` clears the mark."""
    from simdesk.core.paths import locations
    from simdesk.core.store.profiles import ProfileManager

    manager = ProfileManager.for_locations(locations().ensure())
    manager.device.set_setting("ui.tour_done", "1")
    manager.close()


def open_signed_in(qtbot, *, name: str, start_model: bool, existing: bool = False):
    """The real main window at 1280x720, set up at first start by ``name`` (the instructor),
    or, with ``existing``, signed in to that existing profile."""
    from simdesk.ui.main_window import MainWindow

    win = MainWindow(start_model=start_model)
    qtbot.addWidget(win)
    win.resize(1280, 720)
    win.show()
    win.ask_for_profile()
    qtbot.waitUntil(lambda: win.profile_dialog is not None, timeout=20_000)
    dialog = win.profile_dialog
    if existing:
        dialog.name_box.setCurrentIndex(dialog.name_box.findData(name))
    else:
        qtbot.keyClicks(dialog.name_edit, name)
    qtbot.keyClicks(dialog.passphrase_edit, PASSPHRASE)
    if not existing:
        qtbot.keyClicks(dialog.confirm_edit, PASSPHRASE)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: win.overview is not None, timeout=30_000)
    return win


def visit_settings_help_and_instructor(qtbot, win, check) -> None:
    """Show every settings tab, help, the tour, the change-passphrase dialog and the instructor's
    gate and tabs, calling ``check(widget, label)`` on each; ends on the cases page, dialogs
    closed. The screen-by-screen tests (layouts, Alt keys) share this walk."""
    win.navigate("settings")
    for index in range(win.settings.tabs.count()):
        win.settings.tabs.setCurrentIndex(index)
        check(win, f"settings-{win.settings.tabs.tabText(index).replace('&', '').lower()}")
    win.navigate("cases")
    win.show_help()
    check(win.help_dialog, "help")
    win.help_dialog.reject()
    win.show_tour()
    check(win.tour, "tour")
    win.tour.skip()
    win.change_passphrase()
    check(win.passphrase_dialog, "change-passphrase")
    win.passphrase_dialog.reject()
    win.open_instructor()
    instructor = win.instructor_dialog
    check(instructor, "instructor-gate")
    instructor.passphrase_edit.setText(PASSPHRASE)
    instructor.unlock_button.click()
    qtbot.waitUntil(lambda: instructor.stack.currentWidget() is instructor.tabs, timeout=30_000)
    for index in range(instructor.tabs.count()):
        instructor.tabs.setCurrentIndex(index)
        check(instructor, f"instructor-{instructor.tabs.tabText(index).replace('&', '').lower()}")
    instructor.reject()
