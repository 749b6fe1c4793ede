"""The main window: the case library, the encounter, the debrief, the progress dashboard and
settings behind one navigation bar; one message bar for every error.

Its jobs live in :mod:`simdesk.ui.shell`, one module each (accounts, attempts, the learner's
pages, the case library, the model); this module lays the window out, navigates, opens help
and closes. Nothing slow runs on the GUI thread: store work and file reads run as ops on the one
store thread, the model on its own thread, long cancellable jobs in the one pool
(:mod:`simdesk.ui.operations`); who is signed in is the Qt-free
:class:`~simdesk.app.session.Session`. Heavy modules (the store, assessment, the model runtime)
are imported by those workers, not before the window is first shown.
"""

from __future__ import annotations

from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from simdesk import __version__
from simdesk.app.session import Session
from simdesk.core.paths import locations
from simdesk.ui import refcounts
from simdesk.ui.case_list import CaseListPage
from simdesk.ui.debrief import DebriefPage
from simdesk.ui.encounter import EncounterPage
from simdesk.ui.operations import Operations
from simdesk.ui.progress_page import ProgressPage
from simdesk.ui.settings_page import ModelSettings, SettingsPage
from simdesk.ui.shell.accounts import AccountsMixin
from simdesk.ui.shell.attempts import AttemptsMixin
from simdesk.ui.shell.learner import LearnerMixin
from simdesk.ui.shell.library import LibraryMixin
from simdesk.ui.shell.message_bar import MessageBar
from simdesk.ui.shell.model import ModelMixin
from simdesk.ui.workers import Cancelled, ModelBridge, describe_error

__all__ = ["MainWindow", "MessageBar"]


class MainWindow(AccountsMixin, AttemptsMixin, LearnerMixin, LibraryMixin, ModelMixin,
                 QMainWindow):  # fmt: skip
    def __init__(self, *, start_model: bool = True) -> None:
        super().__init__()
        refcounts.keep_singletons_alive()  # PySide6 6.12.0 on Python 3.11 loses None's refs
        self.setWindowTitle(f"simdesk {__version__}")
        self.resize(1280, 720)
        self.setMinimumSize(1024, 600)
        self.locations = locations().ensure()
        self.session = Session(self.locations)
        self.entries: list = []
        self.overview = None
        self.ops = Operations(self.session, on_error=self.show_error)
        self.ops.store_changed.connect(self._store_changed)
        self._build()
        self._build_accounts()
        self._build_attempts()
        self._build_library()

        self.bridge = ModelBridge()
        self._connect_model()
        self.bridge.reading.connect(self.encounter.on_reading)
        self.bridge.token.connect(self.encounter.on_token)
        self.bridge.done.connect(self.encounter.on_done)
        self.bridge.reply_failed.connect(self.encounter.on_failed)
        self.bridge.described.connect(self.encounter.use_model)
        self.model_settings = ModelSettings()
        self.model = self._new_model()
        self.ops.query(self._read_settings, success=lambda s: self._settings_read(s, start_model))
        self.reload_library()

    @property
    def profiles(self):
        """The profile manager (use it in ops: it opens the device database on first use)."""
        return self.session.profiles

    @property
    def store(self):
        """The signed-in learner's store, None when locked (ops use it; the GUI never does)."""
        return self.session.store

    @property
    def profile_name(self) -> str:
        return self.session.name

    @property
    def idle(self):
        """The auto-lock clock of the signed-in profile."""
        return self.session.idle

    @idle.setter
    def idle(self, value) -> None:
        self.session.idle = value

    # -- layout ---------------------------------------------------------------------------

    def _build(self) -> None:
        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        nav = QWidget()
        nav.setObjectName("navigation")
        row = QHBoxLayout(nav)
        row.setContentsMargins(8, 4, 8, 4)
        self.nav_group = QButtonGroup(self)
        self.nav_buttons: dict[str, QPushButton] = {}
        for key, text in (("cases", "Cases (Ctrl+1)"), ("progress", "Progress (Ctrl+2)"),
                          ("settings", "Settings (Ctrl+3)")):  # fmt: skip
            button = QPushButton(text)
            button.setCheckable(True)
            button.clicked.connect(lambda _=False, k=key: self.navigate(k))
            self.nav_group.addButton(button)
            row.addWidget(button)
            self.nav_buttons[key] = button
        row.addStretch(1)
        self.who = QLabel("Not signed in")
        row.addWidget(self.who)
        self.lock_button = QPushButton("Lock")
        self.lock_button.setToolTip("Close your profile; your passphrase is needed to come back")
        self.lock_button.setEnabled(False)
        self.lock_button.clicked.connect(self.lock)
        row.addWidget(self.lock_button)
        column.addWidget(nav)
        # Over the page, not in the layout: a message never pushes the page under the pointer.
        self.message_bar = MessageBar(central)
        self.pages = QStackedWidget()
        column.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.case_list = CaseListPage()
        self.encounter = EncounterPage()
        self.debrief = DebriefPage()
        self.progress = ProgressPage()
        self.settings = SettingsPage()
        for page in (self.case_list, self.encounter, self.debrief, self.progress, self.settings):
            self.pages.addWidget(page)
        self.case_list.start_requested.connect(self.start_case)
        self.encounter.submitted.connect(self._submitted)
        self.encounter.error.connect(self.show_error)
        self.debrief.retry_requested.connect(self._retry)
        self.debrief.next_requested.connect(self._next_case)
        self.debrief.library_requested.connect(lambda: self.navigate("cases"))
        self.debrief.cancel_narrative.connect(self._cancel_narrative)
        self.progress.practise_requested.connect(self._practise)
        self.progress.export_requested.connect(self.export_report)
        self.progress.debrief_requested.connect(self.open_past_debrief)
        self.debrief.error.connect(self.show_error)
        self.debrief.exported.connect(
            lambda path: self.statusBar().showMessage(f"Debrief saved to {path}", 10_000)
        )
        self.settings.use_model_requested.connect(self._use_model)
        self.settings.import_requested.connect(self.import_model)
        self.settings.cancel_import.connect(self._cancel_import)
        self.settings.model_settings_changed.connect(self._model_settings_changed)
        self.settings.display_changed.connect(self._display_changed)
        from simdesk.ui.sync_page import SyncController

        # Starts at the first sign-in, when the device database is open.
        self.sync = SyncController(self.settings.sync_page, lambda: self.profiles, self.ops, self)
        for n, key in enumerate(("cases", "progress", "settings"), start=1):
            QShortcut(QKeySequence(f"Ctrl+{n}"), self, activated=lambda k=key: self.navigate(k))
        QShortcut(QKeySequence("Ctrl+F"), self.case_list, activated=self.case_list.search.setFocus)

        self.model_status = QLabel("Model: starting…")
        self.model_progress = QProgressBar()
        self.model_progress.setRange(0, 0)
        self.model_progress.setMaximumWidth(120)
        self.model_progress.setMaximumHeight(14)
        self.statusBar().addPermanentWidget(self.model_progress)
        self.statusBar().addPermanentWidget(self.model_status)
        self.nav_buttons["cases"].setChecked(True)
        self._build_menus()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        profile = bar.addMenu("&Profile")
        self.add_learner_action = profile.addAction("Add a learner…", self.add_learner)
        self.change_passphrase_action = profile.addAction("Change my passphrase…",
                                                          self.change_passphrase)  # fmt: skip
        profile.addSeparator()
        profile.addAction("Lock", QKeySequence("Ctrl+Shift+L"), self.lock)
        instructor = bar.addMenu("&Instructor")
        instructor.addAction("Instructor screens…", QKeySequence("Ctrl+I"),
                             self.open_instructor)  # fmt: skip
        help_menu = bar.addMenu("&Help")
        help_menu.addAction("Guide for this screen", QKeySequence("F1"), self.show_help)
        help_menu.addAction("Keyboard shortcuts", lambda: self.show_help("shortcuts"))
        help_menu.addAction("Take the tour again", self.show_tour)
        for action in (self.add_learner_action, self.change_passphrase_action):
            action.setEnabled(False)
        self.help_dialog = None
        self.tour = None
        self.passphrase_dialog = None
        self.instructor_dialog = None

    def current_topic(self) -> str:
        page = self.pages.currentWidget()
        topics = {self.case_list: "cases", self.encounter: "encounter", self.debrief: "debrief",
                  self.progress: "progress", self.settings: "settings"}  # fmt: skip
        return topics.get(page, "cases")

    def show_help(self, topic: str | None = None) -> None:
        """F1: the offline guide of the screen in front of the learner."""
        from simdesk.ui.help import HelpDialog

        self.help_dialog = HelpDialog(topic or self.current_topic(), self)
        self.help_dialog.open()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.message_bar.isVisible():
            self.message_bar.place()

    def navigate(self, key: str) -> None:
        """Show the library, the dashboard or settings (not in the middle of an encounter)."""
        if self.encounter.running and self.pages.currentWidget() is self.encounter:
            self.show_error(
                "Finish the encounter first: Diagnose and plan (Ctrl+D) or "
                f"{self.encounter.end_button.text()}. Lock keeps it for later."
            )
            return
        if self.encounter.scoring:
            self.show_error("Your attempt is being scored: its debrief follows in a moment.")
            return
        page = {"cases": self.case_list, "progress": self.progress, "settings": self.settings}[key]
        if key == "settings":
            self._refresh_models()
        self.nav_buttons[key].setChecked(True)
        self.message_bar.hide()
        self.pages.setCurrentWidget(page)

    # -- errors ---------------------------------------------------------------------------

    def show_error(self, error: object) -> None:
        if isinstance(error, Cancelled):
            self.statusBar().showMessage(error.what, 5000)
            return
        self.message_bar.show_message(
            describe_error(error) if isinstance(error, BaseException) else str(error)
        )

    # -- closing --------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        self.sync.stop()
        self.idle_timer.stop()
        QApplication.instance().removeEventFilter(self)
        self._suspend_encounter()
        for task in list(self.ops.tasks):
            task.cancel()
        self.model.shutdown()
        self.ops.query(self.session.close)  # behind the last saves
        self.ops.close()
        super().closeEvent(event)
