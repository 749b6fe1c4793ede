"""The main window: profile unlock, case list, encounter; one message bar for every error."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from simdesk import __version__
from simdesk.core.cases.library import CaseEntry, load_library
from simdesk.core.llm.backend import ModelBackend
from simdesk.core.llm.registry import resolve_active_model
from simdesk.core.paths import bundled_cases_dir, locations
from simdesk.core.store.autolock import IdleLock
from simdesk.core.store.profiles import ProfileManager
from simdesk.core.store.repository import LearnerStore
from simdesk.ui.case_list import CaseListPage
from simdesk.ui.encounter import EncounterPage
from simdesk.ui.profile_dialog import CREATE, SETUP, ProfileDialog, ProfileRequest
from simdesk.ui.workers import DbExecutor, ModelBridge, describe_error

IDLE_CHECK_MS = 15_000
ACTIVITY_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel)


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
        self.setStyleSheet("MessageBar { background: #fdecea; } QLabel { color: #611a15; }")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.hide()

    def show_message(self, text: str) -> None:
        self.label.setText(text)
        self.show()


class MainWindow(QMainWindow):
    def __init__(self, *, start_model: bool = True) -> None:
        super().__init__()
        self.setWindowTitle(f"simdesk {__version__}")
        self.resize(1100, 720)
        self.setMinimumSize(800, 560)
        self.locations = locations().ensure()
        self.profiles = ProfileManager.for_locations(self.locations)  # no disk work until used
        self.store: LearnerStore | None = None
        self.profile_name = ""
        self.db = DbExecutor(on_error=self.show_error)

        central = QWidget()
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        self.message_bar = MessageBar()
        column.addWidget(self.message_bar)
        self.pages = QStackedWidget()
        column.addWidget(self.pages, 1)
        self.setCentralWidget(central)
        self.case_list = CaseListPage()
        self.encounter = EncounterPage()
        self.pages.addWidget(self.case_list)
        self.pages.addWidget(self.encounter)
        self.case_list.start_requested.connect(self.start_case)
        self.encounter.ended.connect(self.end_case)

        self.model_status = QLabel("Model: not started")
        self.statusBar().addPermanentWidget(self.model_status)
        self.bridge = ModelBridge()
        self.bridge.loading.connect(lambda p: self.model_status.setText("Model: loading…"))
        self.bridge.ready.connect(self._model_ready)
        self.bridge.failed.connect(self._model_failed)
        self.bridge.reading.connect(self.encounter.on_reading)
        self.bridge.token.connect(self.encounter.on_token)
        self.bridge.done.connect(self.encounter.on_done)
        self.bridge.reply_failed.connect(self.encounter.on_failed)
        self.backend = ModelBackend(
            lambda: resolve_active_model(self.locations), self.bridge.listener
        )
        if start_model:
            self.backend.start()

        self.entries: list[CaseEntry] = load_library(bundled_cases_dir(), self.locations.user_cases)
        self.case_list.set_entries(self.entries)
        self.profile_dialog: ProfileDialog | None = None
        self._attempt = None
        self.idle = IdleLock(0)
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(IDLE_CHECK_MS)
        self.idle_timer.timeout.connect(self._check_idle)
        self.lock_button = QPushButton("Lock")
        self.lock_button.setEnabled(False)
        self.lock_button.clicked.connect(self.lock)
        self.statusBar().addPermanentWidget(self.lock_button)

    # -- profile --------------------------------------------------------------------------

    def ask_for_profile(self) -> None:
        """List the profiles on the db thread, then open the sign-in dialog (non-blocking)."""
        self.db.run(
            lambda: [p.name for p in self.profiles.list()],
            on_done=self._show_profile_dialog,
            on_error=self.show_error,
        )

    def _show_profile_dialog(self, names: list[str]) -> None:
        self.profile_dialog = ProfileDialog(names, self)
        self.profile_dialog.submitted.connect(self._profile_submitted)
        self.profile_dialog.rejected.connect(self.close)
        self.profile_dialog.open()

    def _profile_submitted(self, request: ProfileRequest) -> None:
        profiles = self.profiles

        def sign_in() -> tuple[LearnerStore, float]:
            if request.mode == SETUP:
                store = profiles.setup_instructor(request.name, request.passphrase)
            elif request.mode == CREATE:
                instructor = profiles.unlock_instructor(request.instructor_passphrase)
                store = profiles.create(request.name, request.passphrase, instructor)
            else:
                store = profiles.unlock(request.name, request.passphrase)
            return store, profiles.auto_lock_minutes()

        self.db.run(
            sign_in,
            on_done=lambda result: self._unlocked(request.name, *result),
            on_error=self._unlock_failed,
        )

    def _unlocked(self, name: str, store: LearnerStore, auto_lock_minutes: float) -> None:
        self.store = store
        self.profile_name = name
        self.statusBar().showMessage(f"Signed in as {name}")
        self.lock_button.setEnabled(True)
        self.idle = IdleLock(auto_lock_minutes)
        QApplication.instance().installEventFilter(self)
        self.idle_timer.start()
        if self.profile_dialog is not None:
            self.profile_dialog.rejected.disconnect(self.close)
            self.profile_dialog.accept()

    def _unlock_failed(self, exc: Exception) -> None:
        if self.profile_dialog is not None:
            self.profile_dialog.show_error(describe_error(exc))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Any key press, click or scroll counts as activity for the auto-lock."""
        if event.type() in ACTIVITY_EVENTS:
            self.idle.touch()
        return False

    def _check_idle(self) -> None:
        if self.store is not None and self.idle.expired:
            self.lock()

    def lock(self) -> None:
        """Close the profile (ending any encounter first) and ask for a passphrase again."""
        if self.store is None:
            return
        if self.pages.currentWidget() is self.encounter:
            self.encounter.end_button.click()
        store, self.store, self.profile_name = self.store, None, ""
        self.db.run(store.close)
        self.idle_timer.stop()
        QApplication.instance().removeEventFilter(self)
        self.lock_button.setEnabled(False)
        self.statusBar().showMessage("Locked")
        self.ask_for_profile()

    # -- model ----------------------------------------------------------------------------

    def _model_ready(self, name: str, seconds: float) -> None:
        self.model_status.setText(f"Model: {name} (loaded in {seconds:.1f} s)")

    def _model_failed(self, error: object) -> None:
        self.model_status.setText("Model: unavailable - authored replies only")
        self.show_error(error)

    def show_error(self, error: object) -> None:
        self.message_bar.show_message(
            describe_error(error) if isinstance(error, BaseException) else str(error)
        )

    # -- encounter ------------------------------------------------------------------------

    def start_case(self, entry: CaseEntry) -> None:
        if self.store is None:
            self.show_error("Unlock your profile before starting a case.")
            return
        case, store = entry.case, self.store
        self._attempt = self.db.run(lambda: store.start_attempt(case.meta.id, case.meta.version))
        self.encounter.start(case, self.backend, self.persist_events)
        self.pages.setCurrentWidget(self.encounter)

    def persist_events(self, events) -> None:
        store, attempt = self.store, self._attempt
        self.db.run(lambda: store.append_events(attempt.result(), events))

    def end_case(self) -> None:
        store, attempt = self.store, self._attempt
        if store is not None and attempt is not None:
            self.db.run(lambda: store.end_attempt(attempt.result()))
        self.pages.setCurrentWidget(self.case_list)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.idle_timer.stop()
        QApplication.instance().removeEventFilter(self)
        self.backend.shutdown()
        store = self.store
        if store is not None:
            self.db.run(store.close)
        self.db.run(self.profiles.close)
        self.db.shutdown()
        super().closeEvent(event)
