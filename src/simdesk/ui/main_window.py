"""The main window: profile unlock, the case library, the encounter, the debrief, the progress
dashboard and settings; one message bar for every error.

Nothing slow runs on the GUI thread: store work and file reads run as ops on the one store
thread, the model on its own thread, long cancellable jobs in the one pool
(:mod:`simdesk.ui.operations`); who is signed in is the Qt-free
:class:`~simdesk.app.session.Session`. Heavy modules (the store, assessment, the model
runtime) are imported by those workers, not before the window is first shown.
"""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
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
from simdesk.app.session import CREATE as NEW_LEARNER
from simdesk.app.session import SET_UP, SIGN_IN, Session
from simdesk.core.errors import SimdeskError
from simdesk.core.paths import bundled_cases_dir, locations
from simdesk.ui.case_list import CaseListPage
from simdesk.ui.debrief import DebriefPage
from simdesk.ui.encounter import EncounterPage
from simdesk.ui.operations import (
    ATTEMPT_CLOSED,
    ATTEMPT_FINISHED,
    LOCKED,
    SIGNED_IN,
    Operations,
    Task,
)
from simdesk.ui.profile_dialog import CREATE, SETUP, ProfileDialog, ProfileRequest
from simdesk.ui.progress_page import ProgressPage
from simdesk.ui.settings_page import ModelSettings, SettingsPage
from simdesk.ui.theme import Display, apply_display
from simdesk.ui.workers import Cancelled, ModelBridge, describe_error

IDLE_CHECK_MS = 15_000
NARRATIVE_SECONDS = 10  # the model's debrief summary is offered only if ready by then
ACTIVITY_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel)
SETTING_KEYS = {"threads": "ui.model_threads", "context": "ui.model_context",
                "font_pt": "ui.font_pt", "high_contrast": "ui.high_contrast"}  # fmt: skip


class MessageBar(QWidget):
    """The one place errors are shown: what went wrong and what to do, with a close button."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        row = QHBoxLayout(self)
        row.setContentsMargins(8, 6, 8, 6)
        self.label = QLabel()
        self.label.setObjectName("messageText")
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row.addWidget(self.label, 1)
        close = QPushButton("Dismiss")
        close.clicked.connect(self.hide)
        row.addWidget(close)
        self.setStyleSheet("MessageBar { background: #fdecea; } QLabel { color: #611a15; }"
                           "QPushButton { color: #611a15; background: #ffffff; }")  # fmt: skip
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.place()
        self.show()
        self.raise_()

    def place(self) -> None:
        """Lie across the top of the page, under the navigation bar."""
        anchor = self.parentWidget().findChild(QWidget, "navigation")
        top = anchor.geometry().bottom() + 1 if anchor is not None else 0
        width = self.parentWidget().width()
        self.setFixedWidth(width)
        self.move(0, top)
        self.adjustSize()


class MainWindow(QMainWindow):
    def __init__(self, *, start_model: bool = True) -> None:
        super().__init__()
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
        self.profile_dialog: ProfileDialog | None = None
        self._current = None  # (entry, mode) of the last encounter
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(IDLE_CHECK_MS)
        self.idle_timer.timeout.connect(self._check_idle)

        self.bridge = ModelBridge()
        self.bridge.loading.connect(self._model_loading)
        self.bridge.ready.connect(self._model_ready)
        self.bridge.failed.connect(self._model_failed)
        self.bridge.crashed.connect(self._model_crashed)
        self.bridge.reading.connect(self.encounter.on_reading)
        self.bridge.token.connect(self.encounter.on_token)
        self.bridge.done.connect(self.encounter.on_done)
        self.bridge.reply_failed.connect(self.encounter.on_failed)
        self.bridge.described.connect(self.encounter.use_model)
        self.model_settings = ModelSettings()
        self.model = self._new_model()
        self.ops.query(self._read_settings, success=lambda s: self._settings_read(s, start_model))
        self.ops.query(self._read_library, success=self._library_read)

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
        self._narrative_task: Task | None = None
        self._import_task: Task | None = None

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

    def show_tour(self) -> None:
        from simdesk.ui.help import TourDialog

        self.tour = TourDialog(self)
        profiles = self.profiles
        self.tour.finished_tour.connect(
            lambda _read: self.ops.query(lambda: profiles.device.set_setting("ui.tour_done", "1"))
        )
        self.tour.open()

    def _maybe_tour(self) -> None:
        """The first sign-in on this computer offers the tour; Skip ends it for good."""
        profiles = self.profiles
        self.ops.query(lambda: profiles.device.setting("ui.tour_done"),
                       success=lambda done: None if done else self.show_tour())  # fmt: skip

    def change_passphrase(self) -> None:
        from simdesk.ui.account import NewPassphraseDialog

        name, profiles = self.profile_name, self.profiles
        if not name:
            return
        dialog = NewPassphraseDialog(
            "Change your passphrase", f"Choose a new passphrase for {name}. Your progress is "
            "kept; the next sign-in uses the new one.", self,
        )  # fmt: skip
        self.passphrase_dialog = dialog

        def changed(_result) -> None:
            dialog.accept()
            self.statusBar().showMessage("Your passphrase was changed.", 10_000)

        dialog.submitted.connect(lambda old, new: self.ops.query(
            lambda: profiles.change_passphrase(name, old, new), success=changed,
            failure=lambda exc: dialog.show_error(describe_error(exc))))  # fmt: skip
        dialog.open()

    def add_learner(self) -> None:
        """A new learner profile while someone is signed in: no need to lock first."""
        session = self.session

        def show(entries) -> None:
            dialog = ProfileDialog(entries, self, mode=CREATE)
            dialog.switch_button.hide()
            self.new_learner_dialog = dialog

            def create(request: ProfileRequest) -> None:
                def work():
                    session.add_learner(request.name, request.passphrase,
                                        request.instructor_passphrase)  # fmt: skip

                def done(_result) -> None:
                    dialog.accept()
                    self.statusBar().showMessage(
                        f"Added {request.name}. They sign in after you lock.", 10_000
                    )

                def failed(exc: Exception) -> None:
                    dialog.show_error(describe_error(exc))

                self.ops.query(work, success=done, failure=failed)

            dialog.submitted.connect(create)
            dialog.open()

        self.ops.query(session.profile_names, success=show)

    def open_instructor(self) -> None:
        """The instructor's screens, behind the instructor's passphrase."""
        from simdesk.ui.account import InstructorDialog

        profiles = self.profiles

        def run(work, on_done, on_error=None):
            dialog = self.instructor_dialog
            report = on_error or (lambda message: dialog.status.setText(message))
            self.ops.query(lambda: work(dialog.session, profiles), success=on_done,
                           failure=lambda exc: report(describe_error(exc)))  # fmt: skip

        self.instructor_dialog = InstructorDialog(run, self)
        self.instructor_dialog.cases = [e.case for e in self.entries if e.case is not None]
        self.instructor_dialog.add_button.clicked.connect(self.add_learner)
        self.instructor_dialog.open()

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
        page = {"cases": self.case_list, "progress": self.progress, "settings": self.settings}[key]
        if key == "settings":
            self._refresh_models()
        self.nav_buttons[key].setChecked(True)
        self.message_bar.hide()
        self.pages.setCurrentWidget(page)

    # -- start-up reads (database thread) -------------------------------------------------

    def _read_settings(self) -> dict[str, str | None]:
        device = self.profiles.device
        return {key: device.setting(name) for key, name in SETTING_KEYS.items()}

    def _settings_read(self, values: dict[str, str | None], start_model: bool) -> None:
        self.model_settings = ModelSettings(
            int(values["threads"] or 0), int(values["context"] or 0)
        )
        display = Display(int(values["font_pt"] or Display().font_pt),
                          values["high_contrast"] == "1")  # fmt: skip
        self.settings.set_values(self.model_settings, display)
        if display != Display():
            apply_display(QApplication.instance(), display)
        if start_model:
            self.model = self._new_model().start()
        else:
            self.model_status.setText("Model: not started")
            self.model_progress.hide()

    def _read_library(self):
        from simdesk.core.cases.catalog import load_catalog
        from simdesk.core.cases.library import load_library

        load_catalog()  # warm the cache the encounter reads
        return load_library(bundled_cases_dir(), self.locations.user_cases)

    def _library_read(self, entries) -> None:
        self.entries = entries
        self.case_list.set_entries(entries)
        self._refresh_learner()  # the library changed (not the store): read the statuses for it

    def _new_model(self):
        """The active model (as ``simdesk play`` uses it), with the window's settings."""
        from simdesk.app.model import ModelService

        return ModelService.active(
            self.locations,
            self.bridge.listener,
            n_ctx=self.model_settings.context or None,
            n_threads=self.model_settings.threads or None,
        )

    @property
    def backend(self):
        """The model's backend (its process, restarts, readiness)."""
        return self.model.backend

    # -- profile --------------------------------------------------------------------------

    def ask_for_profile(self) -> None:
        """List the profiles on the store thread, then open the sign-in dialog (non-blocking)."""
        self.ops.query(self.session.profile_names, success=self._show_profile_dialog)

    def _show_profile_dialog(self, names: list[str]) -> None:
        self.profile_dialog = ProfileDialog(names, self)
        self.profile_dialog.submitted.connect(self._profile_submitted)
        self.profile_dialog.rejected.connect(self.close)
        self.profile_dialog.open()

    def _profile_submitted(self, request: ProfileRequest) -> None:
        session = self.session
        how = {SETUP: SET_UP, CREATE: NEW_LEARNER}.get(request.mode, SIGN_IN)
        self.ops.query(
            lambda: session.sign_in(request.name, request.passphrase, how=how,
                                    instructor_passphrase=request.instructor_passphrase),
            success=lambda _store: self._unlocked(),
            failure=self._unlock_failed,
            changed=SIGNED_IN,
        )  # fmt: skip

    def _unlocked(self) -> None:
        name = self.session.name
        self.who.setText(f"Signed in as <b>{name}</b>")
        self.statusBar().showMessage(f"Signed in as {name}", 5000)
        self.lock_button.setEnabled(True)
        QApplication.instance().installEventFilter(self)
        self.idle_timer.start()
        if self.profile_dialog is not None:
            self.profile_dialog.rejected.disconnect(self.close)
            self.profile_dialog.accept()
        self.navigate("cases")
        self.case_list.list.setFocus()
        for action in (self.add_learner_action, self.change_passphrase_action):
            action.setEnabled(True)
        self.sync.set_learner(name)
        self._maybe_tour()

    def _unlock_failed(self, exc: Exception) -> None:
        if self.profile_dialog is not None:
            self.profile_dialog.show_error(describe_error(exc))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any key press, click or scroll counts as activity for the auto-lock."""
        if event.type() in ACTIVITY_EVENTS:
            self.session.touch()
        return False

    def _check_idle(self) -> None:
        if self.session.should_lock:
            self.lock()

    def lock(self) -> None:
        """Close the profile (leaving any encounter, unscored) and ask for a passphrase again."""
        if self.store is None:
            return
        self._suspend_encounter()
        store = self.session.lock()
        self.overview = None  # the next profile's is read at sign-in
        self.ops.query(store.close)  # behind the encounter's last saves
        self.idle_timer.stop()
        QApplication.instance().removeEventFilter(self)
        self.lock_button.setEnabled(False)
        for action in (self.add_learner_action, self.change_passphrase_action):
            action.setEnabled(False)
        self.who.setText("Locked")
        self.sync.set_learner("")
        self.ops.changed(LOCKED)
        self.pages.setCurrentWidget(self.case_list)
        self.nav_buttons["cases"].setChecked(True)
        self.statusBar().showMessage("Locked")
        self.ask_for_profile()

    # -- learner data ---------------------------------------------------------------------

    def _store_changed(self, what: str) -> None:
        """The learner's pages follow the store: statuses, the recommendation, progress."""
        if what == LOCKED:
            self.case_list.set_statuses({})
            self.case_list.set_recommendation(None)
            return
        self._refresh_learner()

    def _refresh_learner(self) -> None:
        """Re-read statuses, recommendations and progress from the store (store thread)."""
        name = self.profile_name
        cases = [e.case for e in self.entries if e.case is not None]
        if self.store is None or not cases:
            return
        from simdesk.ui.learner_view import overview

        self.ops.store(lambda store: overview(store, cases, name), success=self._show_overview)

    def _show_overview(self, result) -> None:
        if self.store is None:
            return
        self.overview = result
        self.case_list.set_statuses(result.statuses)
        self.case_list.set_recommendation(result.suggestions[0] if result.suggestions else None)
        self.progress.show_progress(self.profile_name, result.progress)

    def export_report(self, path: Path) -> None:
        """Write the progress report where the learner chose (they were warned it is plain)."""
        from simdesk.app.reports import learner_report
        from simdesk.core.assess.reports import export

        if self.overview is None:
            return
        history, name = self.overview.history, self.profile_name
        cases = [e.case for e in self.entries if e.case is not None]
        csv = path.suffix.lower() == ".csv"
        self.ops.query(
            lambda: export(learner_report(name, history, cases, csv=csv), path),
            success=lambda p: self.statusBar().showMessage(f"Report saved to {p}", 10_000),
        )

    # -- model ----------------------------------------------------------------------------

    def _model_loading(self, path: str) -> None:
        self.model_status.setText(f"Model: loading {Path(path).name}…")
        self.model_progress.show()

    def _model_ready(self, name: str, seconds: float) -> None:
        self.model_status.setText(f"Model: {name} (loaded in {seconds:.1f} s)")
        self.model_progress.hide()

    def _model_failed(self, error: object) -> None:
        self.model_status.setText("Model: unavailable - authored replies only")
        self.model_progress.hide()
        self.show_error(error)

    def _model_crashed(self, error: object, restarts_left: int) -> None:
        self.model_status.setText(
            "Model: restarts at your next question"
            if restarts_left
            else "Model: stopped - authored replies only"
        )
        self.show_error(error)

    def show_error(self, error: object) -> None:
        if isinstance(error, Cancelled):
            self.statusBar().showMessage(error.what, 5000)
            return
        self.message_bar.show_message(
            describe_error(error) if isinstance(error, BaseException) else str(error)
        )

    def _reload_model(self) -> None:
        """Stop the model thread (off the GUI thread), then start one with the new settings."""
        if self.encounter.running:
            self.show_error("The model changes after this encounter: finish it, then apply.")
            return
        old = self.model
        self.model_status.setText("Model: restarting…")
        self.model_progress.show()

        def started(_result) -> None:
            self.model = self._new_model().start()

        self.ops.background(lambda _report, _cancelled: old.shutdown(), success=started)

    def _model_settings_changed(self, settings: ModelSettings) -> None:
        self.model_settings = settings
        values = {"threads": str(settings.threads), "context": str(settings.context)}
        self._save_settings(values)
        self._reload_model()

    def _display_changed(self, display: Display) -> None:
        apply_display(QApplication.instance(), display)
        self._save_settings({"font_pt": str(display.font_pt),
                             "high_contrast": "1" if display.high_contrast else "0"})  # fmt: skip

    def _save_settings(self, values: dict[str, str]) -> None:
        profiles = self.profiles

        def save() -> None:
            for key, value in values.items():
                profiles.device.set_setting(SETTING_KEYS[key], value)

        self.ops.query(save)

    def _refresh_models(self) -> None:
        from simdesk.ui.settings_page import model_rows

        where = self.locations
        self.ops.query(lambda: model_rows(where), success=self.settings.set_models)

    def _use_model(self, name: str) -> None:
        from simdesk.core.llm.registry import use_model

        where = self.locations

        def done(_entry) -> None:
            self._refresh_models()
            self._reload_model()

        self.ops.query(lambda: use_model(name, where), success=done)

    def import_model(self, source: Path) -> None:
        """Copy and verify a GGUF file on a task thread, with progress and Cancel."""
        from simdesk.core.llm.registry import import_model

        where = self.locations

        def work(report, cancelled):
            def progress(done: int, total: int) -> None:
                if cancelled():
                    raise Cancelled(f"The import of {source.name} was cancelled.")
                report(done, total)

            return import_model(source, where, progress=progress)

        def finished(entry) -> None:
            self.settings.set_import_busy(False)
            self.statusBar().showMessage(f"Imported the model '{entry.name}'.", 10_000)
            self._refresh_models()

        def failed(exc: Exception) -> None:
            self.settings.set_import_busy(False)
            self.show_error(exc)

        self.settings.set_import_busy(True)
        self._import_task = self.ops.background(
            work, success=finished, failure=failed, progress=self.settings.set_import_progress
        )

    def _cancel_import(self) -> None:
        if self._import_task is not None:
            self._import_task.cancel()

    # -- encounter ------------------------------------------------------------------------

    def start_case(self, entry, mode: str = "practice") -> None:
        """Start a case, or resume its unfinished attempt.

        An unfinished exam is always resumed (locking or quitting never restarts an exam
        fresh); an unfinished practice attempt is resumed when practice is asked for.
        """
        if self.store is None:
            self.show_error("Unlock your profile before starting a case.")
            return
        case = entry.case
        unfinished = self.overview.unfinished.get(case.meta.id) if self.overview else None
        if unfinished is not None and (unfinished.mode == "exam" or mode == "practice"):
            if unfinished.mode != mode:
                self.statusBar().showMessage(
                    "Your exam on this case is unfinished: it resumes where you left it.", 10_000
                )
            self._resume(entry, unfinished)
            return
        self._current = (entry, mode)
        self.ops.store(self.session.new_attempt(case, mode).start)
        self.encounter.start(case, self.model, self.persist_events, mode=mode,
                             model=self.model.description)  # fmt: skip
        self.message_bar.hide()
        self.pages.setCurrentWidget(self.encounter)

    def _resume(self, entry, attempt) -> None:
        """Read the attempt's saved events (store thread), then replay them on the page."""
        store = self.store

        def replay(saved) -> None:
            if self.store is not store:
                return  # locked meanwhile
            # In play from here: whatever the replay saves goes to this attempt.
            self.session.resumed_attempt(attempt.id, attempt.case_id, entry.case.meta.version,
                                         attempt.mode, attempt.seed)  # fmt: skip
            try:
                self.encounter.start(entry.case, self.model, self.persist_events,
                                     mode=attempt.mode, seed=attempt.seed, saved=saved,
                                     elapsed_s=attempt.elapsed_s,
                                     model=self.model.description)  # fmt: skip
            except SimdeskError as exc:
                self.session.attempt = None
                # Kept as saved, closed so that the case can be played again.
                self.ops.store(lambda store: store.end_attempt(attempt.id),
                               changed=ATTEMPT_CLOSED)  # fmt: skip
                self.show_error(exc)
                return
            self._current = (entry, attempt.mode)
            self.overview.unfinished.pop(attempt.case_id, None)
            self.message_bar.hide()
            self.pages.setCurrentWidget(self.encounter)
            self.statusBar().showMessage("Resumed where you left off.", 10_000)

        self.ops.store(lambda store: store.events(attempt.id), success=replay)

    def persist_events(self, events) -> None:
        attempt, played = self.session.attempt, self.encounter.session
        elapsed = played.elapsed_s() if played is not None and played.mode == "exam" else None
        self.ops.store(lambda store: attempt.record(store, events, elapsed_s=elapsed))

    def _suspend_encounter(self) -> None:
        """Lock or quit mid-encounter: save everything, stop the exam clock, keep it open."""
        if not self.encounter.running:
            return
        used = self.encounter.suspend()
        attempt = self.session.attempt
        if self.store is not None and attempt is not None:
            self.ops.store(lambda store: attempt.save_elapsed(store, used))

    def _submitted(self, outcome) -> None:
        """Show the debrief at once; keep the result; let the model write the narrative."""
        from simdesk.core.assess.debrief import build_debrief, model_narrative

        session, attempt, name = self.session, self.session.attempt, self.profile_name
        described = self.model.description  # the model that voiced this attempt, if loaded
        model_id = described.path.stem if described else "none"

        def keep(store):
            result = attempt.finish(store, outcome.case, outcome.submission.score,
                                    outcome.events[-1], name)  # fmt: skip
            session.queue_or_note(store, attempt, result, model_id)
            return result

        self.ops.store(keep, changed=ATTEMPT_FINISHED)
        score = outcome.submission.score
        debrief = build_debrief(outcome.case, score, outcome.events)
        self.debrief.show_debrief(debrief, score, age_years=outcome.case.patient.age_years,
                                  plan=outcome.plan, notes=outcome.notes,
                                  mode=outcome.mode)  # fmt: skip
        self.message_bar.hide()
        self.pages.setCurrentWidget(self.debrief)
        model = self.model
        if not model.ready.is_set():
            return
        deadline = time.monotonic() + NARRATIVE_SECONDS

        def late() -> bool:
            return time.monotonic() > deadline

        def write(_report, cancelled):
            stop = lambda: cancelled() or late()  # noqa: E731
            return model_narrative(score, partial(model.generate, cancelled=stop))

        def written(result) -> None:
            self.debrief.set_narrative_busy(False)
            text, note = result
            if text is None and late():
                note = f"the model's summary was not ready within {NARRATIVE_SECONDS} s"
            if text is not None:
                self.debrief.show_narrative(text, by_model=True)
            else:
                self.debrief.show_narrative(debrief.narrative, by_model=False, note=note)
            self.debrief.narrative_done = True

        def failed(exc: Exception) -> None:
            self.debrief.set_narrative_busy(False)
            self.debrief.narrative_done = True
            if late():  # not offered: the written summary stays
                note = f"the model's summary was not ready within {NARRATIVE_SECONDS} s"
                self.debrief.show_narrative(debrief.narrative, by_model=False, note=note)
            elif not isinstance(exc, Cancelled):
                self.show_error(exc)

        self.debrief.narrative_done = False
        self.debrief.set_narrative_busy(True)
        self._narrative_task = self.ops.background(write, success=written, failure=failed)

    def open_past_debrief(self, attempt_id: int, case_id: str) -> None:
        """Reopen a finished attempt's debrief from Progress (read on the store thread)."""
        from simdesk.ui.learner_view import past_debrief

        entry = next((e for e in self.entries if e.case is not None
                      and e.case.meta.id == case_id), None)  # fmt: skip
        if entry is None or self.store is None:
            self.show_error(f"The case '{case_id}' of that attempt is no longer in the library.")
            return
        case = entry.case

        def show(past) -> None:
            self._current = (entry, "practice")
            self.debrief.show_debrief(past.debrief, past.score, age_years=case.patient.age_years,
                                      plan=past.plan, notes=past.notes, mode=past.mode)  # fmt: skip
            self.debrief.set_narrative_busy(False)
            self.message_bar.hide()
            self.pages.setCurrentWidget(self.debrief)

        self.ops.store(lambda store: past_debrief(store, attempt_id, case), success=show)

    def _cancel_narrative(self) -> None:
        if self._narrative_task is not None:
            self._narrative_task.cancel()

    def _retry(self) -> None:
        if self._current is not None:
            self.start_case(*self._current)

    def _next_case(self) -> None:
        suggestions = self.overview.suggestions if self.overview else []
        current = self._current[0].case.meta.id if self._current else None
        for suggestion in suggestions:
            if suggestion.case_id != current:
                self.navigate("cases")
                self.case_list.select_case(suggestion.case_id)
                return
        self.navigate("cases")

    def _practise(self, case_id: str) -> None:
        self.navigate("cases")
        self.case_list.select_case(case_id)
        self.case_list.list.setFocus()

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
