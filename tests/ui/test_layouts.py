"""Every screen at 1280x720 and 1366x768, at 10 and 14 pt: no label's or button's text is cut
off (the text's width against the widget's), nothing is wider or taller than the screen, and
each screen is saved to ``artifacts/layout/`` for people to look at.

The real window on a real encrypted profile; the model is not started (authored replies).
"""

from __future__ import annotations

import re

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QLabel,
    QMessageBox,
    QRadioButton,
    QTabBar,
    QWidget,
)

from simdesk.ui.theme import Display, apply_display
from tests.ui.conftest import PASSPHRASE, SCREENSHOTS

TB = "pulmonary-tb-miner"
SIZES = [(1280, 720), (1366, 768)]
POINTS = [10, 14]


def _plain(text: str) -> str:
    return re.sub(r"&(?!&)", "", text)


def clipped(root: QWidget) -> list[str]:
    """Labels, buttons and tabs under ``root`` whose text does not fit the widget."""
    found = []
    for widget in [root, *root.findChildren(QWidget)]:
        if not widget.isVisible() or widget.width() <= 0:
            continue
        name = f"{type(widget).__name__} {widget.objectName() or ''}".strip()
        if isinstance(widget, QLabel) and widget.text() and widget.pixmap().isNull():
            if widget.wordWrap():
                need = widget.heightForWidth(widget.width())
                if need > widget.height() + 1:
                    found.append(f"{name} {widget.text()[:60]!r}: needs {need} px high, "
                                 f"has {widget.height()}")  # fmt: skip
            elif (need := widget.minimumSizeHint().width()) > widget.width() + 1:
                found.append(f"{name} {widget.text()[:60]!r}: needs {need} px, "
                             f"has {widget.width()}")  # fmt: skip
        elif isinstance(widget, QAbstractButton) and widget.text():
            text = _plain(widget.text())
            need = widget.fontMetrics().horizontalAdvance(text) + 4
            if isinstance(widget, QCheckBox | QRadioButton):
                need += 18  # the box or the dot
            if not widget.icon().isNull():
                need += widget.iconSize().width()
            if need > widget.width():
                found.append(f"{name} {text!r}: needs {need} px, has {widget.width()}")
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                text = _plain(widget.tabText(index))
                need = widget.fontMetrics().horizontalAdvance(text)
                if need > widget.tabRect(index).width():
                    found.append(f"tab {text!r}: needs {need} px, has "
                                 f"{widget.tabRect(index).width()}")  # fmt: skip
    return found


@pytest.fixture
def display():
    app = QApplication.instance()

    def use(points: int) -> None:
        apply_display(app, Display(points, False))

    yield use
    apply_display(app, Display())


@pytest.mark.parametrize("points", POINTS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_screen_fits_without_clipped_text(qtbot, simdesk_home, display, size, points):
    from simdesk.ui.main_window import MainWindow

    width, height = size
    tag = f"{width}x{height}-{points}pt"
    folder = SCREENSHOTS / "layout"
    folder.mkdir(parents=True, exist_ok=True)
    problems: dict[str, list[str]] = {}

    def check(widget: QWidget, screen: str) -> None:
        qtbot.wait(60)  # let layouts settle
        assert widget.grab().save(str(folder / f"{tag}-{screen}.png"))
        found = clipped(widget)
        if widget.width() > width or widget.height() > height:
            found.append(f"{widget.width()}x{widget.height()} is larger than the screen")
        if found:
            problems[screen] = found

    display(points)
    win = MainWindow(start_model=False)
    qtbot.addWidget(win)
    win.resize(width, height)
    win.show()
    win.ask_for_profile()
    qtbot.waitUntil(lambda: win.profile_dialog is not None and win.profile_dialog.isVisible(),
                    timeout=20_000)  # fmt: skip
    dialog = win.profile_dialog
    qtbot.keyClicks(dialog.name_edit, "Amina K.")
    qtbot.keyClicks(dialog.passphrase_edit, "short")
    dialog.buttons.accepted.emit()  # refused: the message must show in full
    check(dialog, "01-setup-dialog")
    dialog.passphrase_edit.setText(PASSPHRASE)
    dialog.confirm_edit.setText(PASSPHRASE)
    dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: win.overview is not None, timeout=30_000)
    assert (win.width(), win.height()) == size, "the window does not fit this screen"

    check(win, "02-cases")
    table = win.case_list.list
    assert table.columnWidth(0) >= 0.3 * table.viewport().width(), "the case column collapsed"
    assert win.case_list.select_case(TB)
    win.case_list.exam_button.click()
    check(win.case_list.confirm, "03-confirm-exam")
    win.case_list.confirm.button(QMessageBox.StandardButton.Cancel).click()

    win.case_list.start_button.click()
    page = win.encounter
    page.ask("How long have you had the cough?")
    page.examine("listen to the chest")
    page.order("CT head")  # not available here: the status line says so
    page.hint()
    for title in ("Examine", "Orders", "Treat", "Timeline", "Notes"):
        page.show_tab(title)
        check(win, f"04-encounter-{title.lower()}")
    page.end_button.click()
    check(page.confirm, "05-confirm-end")
    page.confirm.button(QMessageBox.StandardButton.Cancel).click()
    page.open_diagnosis()
    check(page.dialog, "06-diagnosis-dialog")
    page.dialog.reject()
    page.submit(["pulmonary tuberculosis"], "Sputum Xpert")
    qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=20_000)
    check(win, "07-debrief")
    win.navigate("progress")
    check(win, "08-progress")
    win.navigate("settings")
    for index in range(win.settings.tabs.count()):
        win.settings.tabs.setCurrentIndex(index)
        check(win, f"09-settings-{index}")
    win.navigate("cases")
    win.show_help()
    check(win.help_dialog, "10-help")
    win.help_dialog.reject()
    win.show_tour()
    check(win.tour, "11-tour")
    win.tour.skip()
    win.change_passphrase()
    check(win.passphrase_dialog, "12-change-passphrase")
    win.passphrase_dialog.reject()
    win.open_instructor()
    instructor = win.instructor_dialog
    check(instructor, "13-instructor-gate")
    instructor.passphrase_edit.setText(PASSPHRASE)
    instructor.unlock_button.click()
    qtbot.waitUntil(lambda: instructor.stack.currentWidget() is instructor.tabs, timeout=30_000)
    for index in range(instructor.tabs.count()):
        instructor.tabs.setCurrentIndex(index)
        check(instructor, f"14-instructor-{index}")
    instructor.reject()
    win.lock()
    qtbot.waitUntil(lambda: win.profile_dialog.isVisible(), timeout=10_000)
    qtbot.keyClicks(win.profile_dialog.passphrase_edit, "not the passphrase")
    win.profile_dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "passphrase" in win.profile_dialog.error_label.text().lower()
                    and win.profile_dialog.buttons.isEnabled(), timeout=30_000)  # fmt: skip
    check(win.profile_dialog, "15-unlock-wrong-passphrase")
    win.profile_dialog.forgot_button.click()
    check(win.profile_dialog, "16-unlock-forgot")
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    win.close()
    assert not problems, "\n".join(f"{s}: {p}" for s, ps in problems.items() for p in ps)


def test_the_case_column_comes_back_when_the_text_gets_smaller(qtbot, simdesk_home, display):
    from tests.ui.conftest import open_signed_in

    win = open_signed_in(qtbot, name="Amina K.", start_model=False)
    table = win.case_list.list
    qtbot.wait(50)
    before = table.columnWidth(0)
    display(13)
    qtbot.wait(100)
    assert table.columnWidth(0) >= 0.3 * table.viewport().width()
    display(10)
    qtbot.wait(100)
    assert abs(table.columnWidth(0) - before) <= 0.05 * before
    win.close()
