"""A learner changes their own passphrase; the instructor's screens (learners, reports with
charts, the cohort, passphrase resets through the recovery wrap, the audit log).

Dialogs only collect what was typed and show what they are given: the main window runs the
store work on its database thread (``db.run``) and hands the results back.
"""

from __future__ import annotations

import html
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from simdesk.ui.profile_dialog import min_passphrase, strength_hint
from simdesk.ui.progress_page import ProgressPage


def _secret() -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    return edit


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("dialogError")
    label.setWordWrap(True)
    label.setStyleSheet("color: #a40000;")
    label.setMinimumHeight(2 * label.fontMetrics().lineSpacing())
    return label


class NewPassphraseDialog(QDialog):
    """Old (or nothing, for a reset) and new passphrase twice; emits ``submitted(old, new)``."""

    submitted = Signal(str, str)

    def __init__(self, title: str, intro: str, parent=None, *, ask_old: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setModal(True)
        layout = QVBoxLayout(self)
        label = QLabel(intro)
        label.setWordWrap(True)
        label.setMinimumWidth(420)
        layout.addWidget(label)
        form = QFormLayout()
        self.old_edit, self.new_edit, self.repeat_edit = _secret(), _secret(), _secret()
        if ask_old:
            form.addRow("Current passphrase:", self.old_edit)
        form.addRow("New passphrase:", self.new_edit)
        self.strength = QLabel()
        self.strength.setWordWrap(True)
        self.strength.setMinimumHeight(2 * self.strength.fontMetrics().lineSpacing())
        form.addRow("", self.strength)
        form.addRow("Repeat it:", self.repeat_edit)
        layout.addLayout(form)
        self.new_edit.textChanged.connect(self._strength)
        self.error_label = _error_label()
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change passphrase")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        (self.old_edit if ask_old else self.new_edit).setFocus()
        self.ask_old = ask_old

    def _strength(self, text: str) -> None:
        hint, colour = strength_hint(text, min_passphrase())
        self.strength.setText(hint)
        self.strength.setStyleSheet(f"color: {colour};" if colour else "")

    def _submit(self) -> None:
        new = self.new_edit.text()
        if self.ask_old and not self.old_edit.text():
            return self.show_error("Type your current passphrase.")
        if len(new) < min_passphrase():
            return self.show_error(f"Use at least {min_passphrase()} characters.")
        if new != self.repeat_edit.text():
            return self.show_error("The two new passphrases are not the same.")
        self.buttons.setEnabled(False)
        self.error_label.setText("Changing…")
        self.submitted.emit(self.old_edit.text(), new)

    def show_error(self, message: str) -> None:
        self.buttons.setEnabled(True)
        self.error_label.setText(message)


def _table(headers: list[str]) -> QTableWidget:
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(headers)
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setTabKeyNavigation(False)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setStretchLastSection(True)
    return table


def fill(table: QTableWidget, rows: list[list[str]]) -> None:
    table.setRowCount(len(rows))
    for r, row in enumerate(rows):
        for c, text in enumerate(row):
            item = QTableWidgetItem(text)
            item.setToolTip(text)
            table.setItem(r, c, item)
    if rows:
        table.setCurrentCell(0, 0)


class InstructorDialog(QDialog):
    """The instructor's screens, shown once their passphrase has been checked.

    ``run(work, on_done)`` is the main window's database runner; ``work`` receives the
    :class:`InstructorSession` and the profile manager.
    """

    def __init__(self, run: Callable, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Instructor")
        self.resize(1000, 620)
        self.run = run
        self.session = None
        self.cases: list = []  # the library's cases, for report titles and recommendations
        layout = QVBoxLayout(self)
        self.stack = QStackedWidget()
        layout.addWidget(self.stack, 1)

        gate = QWidget()
        column = QVBoxLayout(gate)
        intro = QLabel("The instructor's screens show learners' progress and the audit log, and "
                       "reset passphrases. Type the instructor's passphrase.")  # fmt: skip
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.passphrase_edit = _secret()
        self.passphrase_edit.setAccessibleName("Instructor passphrase")
        self.passphrase_edit.returnPressed.connect(self._unlock)
        column.addWidget(self.passphrase_edit)
        self.unlock_button = QPushButton("Open the instructor screens")
        self.unlock_button.clicked.connect(self._unlock)
        column.addWidget(self.unlock_button)
        self.gate_error = _error_label()
        column.addWidget(self.gate_error)
        column.addStretch(1)
        self.stack.addWidget(gate)

        self.tabs = QTabWidget()
        self.tabs.setObjectName("instructorTabs")
        learners = QWidget()
        column = QVBoxLayout(learners)
        self.learners = _table(["Learner", "Attempts", "Unfinished", "Last attempt"])
        column.addWidget(self.learners, 1)
        row = QHBoxLayout()
        self.reset_button = QPushButton("Reset passphrase…")
        self.reset_button.setToolTip("Through the recovery key; the learner's progress is kept")
        self.reset_button.clicked.connect(self._ask_reset)
        self.report_button = QPushButton("Show progress report")
        self.report_button.clicked.connect(self._show_report)
        self.add_button = QPushButton("Add a learner…")
        for button in (self.add_button, self.reset_button, self.report_button):
            row.addWidget(button)
        row.addStretch(1)
        column.addLayout(row)
        self.tabs.addTab(learners, "Learners")
        self.report = ProgressPage()
        self.report.export_button.hide()
        self.report.practise_button.hide()
        self.tabs.addTab(self.report, "Reports")
        self.cohort = _table(["Learner", "Scored attempts", "Mean score", "Best score",
                              "Cases played"])  # fmt: skip
        self.tabs.addTab(self.cohort, "Cohort")
        audit = QWidget()
        column = QVBoxLayout(audit)
        self.audit_warning = QLabel()
        self.audit_warning.setWordWrap(True)
        self.audit_warning.setStyleSheet("color: #a40000;")
        column.addWidget(self.audit_warning)
        self.audit = _table(["When", "Who", "What", "Profile", "Detail"])
        column.addWidget(self.audit, 1)
        self.tabs.addTab(audit, "Audit log")
        self.stack.addWidget(self.tabs)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout.addWidget(close)
        self.reset_dialog: NewPassphraseDialog | None = None
        self.passphrase_edit.setFocus()

    # -- the gate -------------------------------------------------------------------------------

    def _unlock(self) -> None:
        passphrase = self.passphrase_edit.text()
        if not passphrase:
            self.gate_error.setText("Type the instructor's passphrase.")
            return
        self.unlock_button.setEnabled(False)
        self.gate_error.setText("Checking…")
        self.run(lambda _s, profiles: profiles.unlock_instructor(passphrase),
                 self._unlocked, self._gate_failed)  # fmt: skip

    def _gate_failed(self, message: str) -> None:
        self.unlock_button.setEnabled(True)
        self.gate_error.setText(message)
        self.passphrase_edit.selectAll()
        self.passphrase_edit.setFocus()

    def _unlocked(self, session) -> None:
        self.session = session
        self.passphrase_edit.clear()
        self.stack.setCurrentWidget(self.tabs)
        self.refresh()

    # -- the screens ----------------------------------------------------------------------------

    def refresh(self) -> None:
        from simdesk.ui.learner_view import cohort_rows

        self.run(lambda session, profiles: cohort_rows(profiles, session), self._show_cohort)
        self.run(lambda session, profiles: profiles.audit_log(session), self._show_audit)

    def _show_cohort(self, rows) -> None:
        fill(self.learners, [[r.name, str(r.attempts), str(r.unfinished), r.last] for r in rows])
        fill(self.cohort, [[r.name, str(r.scored), r.mean, r.best, str(r.cases)] for r in rows])
        for button in (self.reset_button, self.report_button):
            button.setEnabled(bool(rows))

    def _show_audit(self, result) -> None:
        entries, problems = result
        fill(self.audit, [[f"{e.at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.profile, e.detail]
                          for e in reversed(entries)])  # fmt: skip
        self.audit_warning.setText(
            "Warning: the audit log has been altered: " + html.escape("; ".join(problems))
            if problems else ""
        )  # fmt: skip

    def selected_learner(self) -> str | None:
        row = self.learners.currentRow()
        item = self.learners.item(row, 0) if row >= 0 else None
        return item.text() if item else None

    def _show_report(self) -> None:
        name = self.selected_learner()
        if name is None:
            return
        from simdesk.ui.learner_view import learner_progress

        def done(view) -> None:
            self.report.show_progress(name, view)
            self.tabs.setCurrentWidget(self.report)

        cases = self.cases
        self.run(lambda session, profiles: learner_progress(profiles, session, name, cases), done)

    def _ask_reset(self) -> None:
        name = self.selected_learner()
        if name is None:
            return
        self.reset_dialog = NewPassphraseDialog(
            f"Reset the passphrase of {name}",
            f"{name} types a new passphrase (at least {min_passphrase()} characters). Their "
            "progress is kept; the reset is written to the audit log.", self, ask_old=False,
        )  # fmt: skip
        dialog = self.reset_dialog

        def reset(_old: str, new: str) -> None:
            def done(_result) -> None:
                dialog.accept()
                self.status.setText(f"The passphrase of {name} was reset.")
                self.refresh()

            self.run(lambda session, profiles: profiles.reset_passphrase(session, name, new),
                     done, dialog.show_error)  # fmt: skip

        dialog.submitted.connect(reset)
        dialog.open()


def select_row(table: QTableWidget, text: str) -> bool:
    for row in range(table.rowCount()):
        if table.item(row, 0).text() == text:
            table.setCurrentCell(row, 0)
            return True
    return False
