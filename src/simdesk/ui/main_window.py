"""The main window: profile unlock, case list, encounter; one message bar for every error."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
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
from simdesk.core.errors import WrongPassphrase
from simdesk.core.llm.backend import ModelBackend
from simdesk.core.llm.registry import resolve_active_model
from simdesk.core.paths import bundled_cases_dir, locations
from simdesk.core.store.profiles import ProfileManager
from simdesk.core.store.repository import LearnerStore
from simdesk.ui.case_list import CaseListPage
from simdesk.ui.encounter import EncounterPage
from simdesk.ui.profile_dialog import ProfileDialog
from simdesk.ui.workers import DbExecutor, ModelBridge, describe_error


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
        self.profiles = ProfileManager(self.locations.profiles)
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

    # -- profile --------------------------------------------------------------------------

    def ask_for_profile(self) -> ProfileDialog:
        """Open the create/unlock dialog (non-blocking); the slow work runs on the db thread."""
        names = [p.name for p in self.profiles.list()]
        self.profile_dialog = ProfileDialog(names, self)
        self.profile_dialog.submitted.connect(self._profile_submitted)
        self.profile_dialog.rejected.connect(self.close)
        self.profile_dialog.open()
        return self.profile_dialog

    def _profile_submitted(self, name: str, passphrase: str, creating: bool) -> None:
        action = self.profiles.create if creating else self.profiles.unlock
        self.db.run(
            lambda: action(name, passphrase),
            on_done=lambda store: self._unlocked(name, store),
            on_error=self._unlock_failed,
        )

    def _unlocked(self, name: str, store: LearnerStore) -> None:
        self.store = store
        self.profile_name = name
        self.statusBar().showMessage(f"Signed in as {name}")
        if self.profile_dialog is not None:
            self.profile_dialog.rejected.disconnect(self.close)
            self.profile_dialog.accept()

    def _unlock_failed(self, exc: Exception) -> None:
        if self.profile_dialog is not None:
            self.profile_dialog.show_error(
                str(exc) if isinstance(exc, WrongPassphrase) else describe_error(exc)
            )

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
        self.backend.shutdown()
        store = self.store
        if store is not None:
            self.db.run(store.close)
        self.db.shutdown()
        super().closeEvent(event)
