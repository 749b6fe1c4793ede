"""No two controls of one screen share an Alt key (a mnemonic: the underlined letter).

A new user pressed Alt+P on the case library and got the Profile menu, not "Start practice":
both claimed it. Every screen and dialog of the real window is walked here and the Alt keys of
its visible buttons, labels with a buddy, tabs and menu-bar menus are collected; each must be
unique within its window (the window's menu bar is part of every page's screen). The entries of
each menu are checked the same way.
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QGroupBox,
    QLabel,
    QMenu,
    QMenuBar,
    QMessageBox,
    QTabBar,
    QWidget,
)

from tests.ui.conftest import open_signed_in, visit_settings_help_and_instructor

TB = "pulmonary-tb-miner"


def alt_keys(window: QWidget) -> dict[str, list[str]]:
    """Alt key -> the controls of ``window`` (shown now, this window's own) that claim it."""
    keys: dict[str, list[str]] = defaultdict(list)

    def claim(text: str, what: str) -> None:
        key = QKeySequence.mnemonic(text)
        if not key.isEmpty():
            keys[key.toString()].append(f"{what} {text!r}")

    for widget in [window, *window.findChildren(QWidget)]:
        if widget.window() is not window or not widget.isVisible():
            continue
        kind = type(widget).__name__
        if isinstance(widget, QAbstractButton):
            claim(widget.text(), kind)
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            claim(widget.text(), "label")
        elif isinstance(widget, QGroupBox):
            claim(widget.title(), "group")
        elif isinstance(widget, QTabBar):
            for index in range(widget.count()):
                if widget.isTabVisible(index):
                    claim(widget.tabText(index), "tab")
        elif isinstance(widget, QMenuBar):
            for action in widget.actions():
                if action.isVisible():
                    claim(action.text(), "menu")
    return dict(keys)


def clashes(window: QWidget) -> dict[str, list[str]]:
    return {key: claims for key, claims in alt_keys(window).items() if len(claims) > 1}


def menu_clashes(window: QWidget) -> dict[str, list[str]]:
    found = {}
    for menu in window.findChildren(QMenu):
        keys: dict[str, list[str]] = defaultdict(list)
        for action in menu.actions():
            key = QKeySequence.mnemonic(action.text())
            if action.isVisible() and not key.isEmpty():
                keys[key.toString()].append(action.text())
        found.update({f"{menu.title()} {k}": v for k, v in keys.items() if len(v) > 1})
    return found


def test_alt_keys_are_found_and_a_clash_is_reported(qtbot):
    """The check itself: it sees a clash (two buttons on Alt+P) and none once they differ."""
    from PySide6.QtWidgets import QHBoxLayout, QPushButton

    window = QWidget()
    qtbot.addWidget(window)
    row = QHBoxLayout(window)
    first, second = QPushButton("&Print"), QPushButton("&Practise")
    row.addWidget(first)
    row.addWidget(second)
    window.show()
    assert clashes(window) == {"Alt+P": ["QPushButton '&Print'", "QPushButton '&Practise'"]}
    second.setText("P&ractise")
    assert clashes(window) == {} and set(alt_keys(window)) == {"Alt+P", "Alt+R"}


def test_every_screen_has_unique_alt_keys(qtbot, simdesk_home):
    seen: dict[str, dict[str, list[str]]] = {}
    found: dict[str, dict[str, list[str]]] = {}

    def check(window: QWidget, screen: str) -> None:
        qtbot.wait(20)
        seen[screen] = alt_keys(window)
        if clash := clashes(window):
            found[screen] = clash

    win = open_signed_in(qtbot, name="Amina K.", start_model=False)  # the instructor
    try:
        check(win, "cases")
        assert {"Alt+P", "Alt+I", "Alt+H"} <= set(seen["cases"]), seen["cases"]  # menus seen
        assert win.case_list.select_case(TB)
        win.case_list.exam_button.click()
        check(win.case_list.confirm, "confirm exam")
        win.case_list.confirm.button(QMessageBox.StandardButton.Cancel).click()
        win.case_list.start_button.click()
        page = win.encounter
        page.ask("How long have you had the cough?")
        for title in ("Examine", "Orders", "Treat", "Timeline", "Notes"):
            page.show_tab(title)
            check(win, f"encounter {title}")
        page.end_button.click()
        check(page.confirm, "confirm end")
        page.confirm.button(QMessageBox.StandardButton.Cancel).click()
        page.open_diagnosis()
        check(page.dialog, "diagnosis and plan")
        assert {"Alt+A", "Alt+P", "Alt+S"} <= set(seen["diagnosis and plan"])
        page.dialog.reject()
        page.submit(["pulmonary tuberculosis"], "Sputum Xpert")
        qtbot.waitUntil(lambda: win.overview.progress.attempts == 1, timeout=20_000)
        check(win, "debrief")
        assert "Alt+R" in seen["debrief"]
        win.debrief.pdf_button.click()
        check(win.debrief.warning, "debrief PDF warning")
        win.debrief.warning.reject()
        win.navigate("progress")
        check(win, "progress")
        win.progress.export_button.click()
        check(win.progress.warning, "report export warning")
        win.progress.warning.reject()
        visit_settings_help_and_instructor(qtbot, win, check)
        win.lock()
        qtbot.waitUntil(lambda: win.profile_dialog.isVisible(), timeout=10_000)
        check(win.profile_dialog, "unlock")
        win.profile_dialog.forgot_button.click()
        check(win.profile_dialog, "unlock, forgotten passphrase")
        menus = menu_clashes(win)
        qtbot.waitUntil(win.ops.idle, timeout=10_000)
    finally:
        win.close()
    assert len(seen) >= 20, sorted(seen)
    report = [f"{screen}: {key} is claimed by {', '.join(claims)}"
              for screen, c in found.items() for key, claims in c.items()]  # fmt: skip
    assert not found, "\n".join(report)
    assert not menus, menus
