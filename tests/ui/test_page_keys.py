"""The encounter's keys work while a text box has the focus, as on Linux (X11).

On X11 Qt's line edits claim Ctrl+E (end of line) and Ctrl+K (delete to the end of the line)
before any shortcut sees them; the offscreen platform of the tests has other key bindings, so a
line edit that claims them as X11's do stands in for it here."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QLineEdit, QPlainTextEdit, QVBoxLayout, QWidget

from simdesk.ui.shortcuts import keep_page_keys
from tests.ui.conftest import open_signed_in

X11_EDITING_KEYS = ("Ctrl+E", "Ctrl+K")


class X11LineEdit(QLineEdit):
    """A line edit with the X11 key bindings' claims (what QLineEdit does on Linux)."""

    def event(self, event):
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and QKeySequence(event.keyCombination()).toString() in X11_EDITING_KEYS
        ):
            event.accept()
            return True
        return super().event(event)


def _page(qtbot):
    page = QWidget()
    box = X11LineEdit()
    notes = QPlainTextEdit()
    layout = QVBoxLayout(page)
    layout.addWidget(box)
    layout.addWidget(notes)
    fired = []
    for key in X11_EDITING_KEYS:
        QShortcut(QKeySequence(key), page, activated=lambda k=key: fired.append(k))
    qtbot.addWidget(page)
    page.show()
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow)
    return page, box, fired


def test_a_text_box_on_x11_swallows_the_page_keys_without_it(qtbot):
    page, box, fired = _page(qtbot)
    box.setFocus()
    qtbot.keyClick(box, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    assert fired == []  # the bug as Linux users met it


def test_the_page_keys_reach_the_page_from_a_text_box(qtbot):
    page, box, fired = _page(qtbot)
    keep_page_keys(page, X11_EDITING_KEYS)
    box.setFocus()
    box.setText("abc")
    box.setCursorPosition(0)
    qtbot.keyClick(box, Qt.Key.Key_E, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(box, Qt.Key.Key_K, Qt.KeyboardModifier.ControlModifier)
    assert fired == ["Ctrl+E", "Ctrl+K"]
    assert box.text() == "abc"  # nothing deleted
    qtbot.keyClicks(box, "x")  # other keys are the box's as before
    assert box.text() == "xabc"


@pytest.fixture
def win(qtbot, simdesk_home):
    window = open_signed_in(qtbot, name="Amina K.", start_model=False)
    yield window
    window.close()


def test_every_text_box_of_the_encounter_hands_its_keys_to_the_page(qtbot, win):
    assert win.case_list.select_case("acute-appendicitis-nurse")
    qtbot.keyClick(win.case_list.list, Qt.Key.Key_Return)
    page = win.encounter
    watched = page.page_keys.watched
    for box in (
        page.question_edit,
        page.exam_panel.free_text,
        page.notes,
        page.orders_panel.catalog_search.search,
        page.treat_panel.catalog_search.search,
    ):
        assert box in watched, box  # fmt: skip
    assert {"Ctrl+E", "Ctrl+K", "Ctrl+D", "Ctrl+H", "Esc"} <= page.page_keys.keys


def test_ctrl_e_puts_the_cursor_where_an_examination_is_typed(qtbot, win):
    # in a real window, Ctrl+E then "obs" and Enter examined the obstetric region of a
    # 46-year-old woman: the focus was on the region list, whose type-ahead picked "Obstetric"
    assert win.case_list.select_case("snakebite-russells-viper-labourer")
    qtbot.keyClick(win.case_list.list, Qt.Key.Key_Return)
    page = win.encounter
    win.activateWindow()
    qtbot.waitUntil(win.isActiveWindow)
    page.show_tab("Examine")
    qtbot.waitUntil(page.exam_panel.free_text.hasFocus)
    qtbot.keyClicks(page.exam_panel.free_text, "obs")
    qtbot.keyClick(page.exam_panel.free_text, Qt.Key.Key_Return)
    assert "Vital signs" in page.encounter.events[-1].text
