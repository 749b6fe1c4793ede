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
from tests.ui.conftest import PASSPHRASE, SCREENSHOTS, visit_settings_help_and_instructor

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
    visit_settings_help_and_instructor(
        qtbot, win, lambda widget, label: check(widget, f"09-{label}")
    )
    win.lock()
    qtbot.waitUntil(lambda: win.profile_dialog.isVisible(), timeout=10_000)
    qtbot.keyClicks(win.profile_dialog.passphrase_edit, "not the passphrase")
    win.profile_dialog.buttons.accepted.emit()
    qtbot.waitUntil(lambda: "passphrase" in win.profile_dialog.error_label.text().lower()
                    and win.profile_dialog.buttons.isEnabled(), timeout=30_000)  # fmt: skip
    check(win.profile_dialog, "10-unlock-wrong-passphrase")
    win.profile_dialog.forgot_button.click()
    check(win.profile_dialog, "11-unlock-forgot")
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


@pytest.mark.parametrize("points", POINTS)
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_library_columns_stay_whole_once_cases_are_done(qtbot, simdesk_home, display, size,
                                                        points):  # fmt: skip
    """A new user's finding: at 1366x768 the columns were cut to 'ettin', 'ficu' once Status
    read 'Done - best 60%'. Now each column shown is whole (a long specialty alone may be cut,
    its tooltip has it), the status is never dropped, the case column keeps its share, and
    columns give way in a set order only when the text is large."""
    from simdesk.ui.case_list import COLUMNS, DONE, IN_PROGRESS, CaseStatus
    from tests.ui.conftest import open_signed_in

    display(points)
    win = open_signed_in(qtbot, name="Amina K.", start_model=False)
    win.resize(*size)
    page = win.case_list
    ids = [e.case.meta.id for e in page.entries if e.case is not None]
    statuses = {case_id: CaseStatus(DONE, 60.0) for case_id in ids}  # fakes: as if played
    statuses[ids[0]] = CaseStatus(IN_PROGRESS, 60.0, "exam")
    page.set_statuses(statuses)
    qtbot.wait(100)
    table, header = page.list, page.list.horizontalHeader()
    width = table.viewport().width()
    shown = [name for n, name in enumerate(COLUMNS) if not table.isColumnHidden(n)]
    tag = f"{size[0]}x{size[1]}-{points}pt"
    (SCREENSHOTS / "layout").mkdir(parents=True, exist_ok=True)
    assert win.grab().save(str(SCREENSHOTS / "layout" / f"{tag}-02b-cases-played.png"))
    assert {"Case", "Specialty", "Time", "Status"} <= set(shown), (tag, shown)
    if points == 10:
        assert shown == list(COLUMNS), (tag, shown)  # at the usual size nothing gives way
    for name in shown[2:]:  # setting, difficulty, time, status: whole
        column = COLUMNS.index(name)
        need = max(table.sizeHintForColumn(column), header.sectionSizeHint(column))
        assert table.columnWidth(column) >= need, (tag, name, table.columnWidth(column), need)
    assert table.columnWidth(0) >= 0.35 * width, (tag, table.columnWidth(0), width)
    assert sum(table.columnWidth(n) for n in range(len(COLUMNS))
               if not table.isColumnHidden(n)) <= width + 1, tag  # fmt: skip
    assert not table.horizontalScrollBar().isVisible(), tag
    assert table.item(0, 5).toolTip() == "Exam in progress (Done - best 60%)"
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    win.close()


def test_case_titles_stay_whole_once_cases_are_done(qtbot, simdesk_home, display):
    """A new user's finding at 1366x768: once Status read 'Done - best 40%' the case titles
    were cut ('... - Arif Hossain, 1...'), though every title was whole while they were New.
    Now a played case's status is short in the table ('Done 40%'; its tooltip and the preview
    say 'Done - best 40%'), and the titles whole while New stay whole once Done."""
    from simdesk.ui.case_list import DONE, IN_PROGRESS, NEW, CaseStatus
    from tests.ui.conftest import open_signed_in

    display(10)
    win = open_signed_in(qtbot, name="Amina K.", start_model=False)
    win.resize(1366, 768)
    page = win.case_list
    table = page.list
    ids = [e.case.meta.id for e in page.entries if e.case is not None]
    metrics = table.fontMetrics()

    def cut(state):
        statuses = {case_id: CaseStatus(state, 40.0 if state == DONE else None) for case_id in ids}
        if state == DONE:  # and one to resume
            statuses[ids[-1]] = CaseStatus(IN_PROGRESS, None, "practice")
        page.set_statuses(statuses)
        qtbot.wait(100)
        room = table.columnWidth(0) - 12  # the cell's margins
        titles = [table.item(row, 0).text() for row in range(table.rowCount())]
        return table.columnWidth(0), [t for t in titles if metrics.horizontalAdvance(t) > room]

    width_new, cut_new = cut(NEW)
    width_done, cut_done = cut(DONE)
    assert set(cut_done) <= set(cut_new), (width_new, width_done, set(cut_done) - set(cut_new))
    assert abs(width_done - width_new) <= 2, (width_new, width_done)
    assert table.item(0, 5).text() == "Done 40%"
    assert table.item(0, 5).toolTip() == "Done - best 40%"
    qtbot.waitUntil(win.ops.idle, timeout=10_000)
    win.close()
