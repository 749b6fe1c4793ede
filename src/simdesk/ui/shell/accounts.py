"""Who is at the keyboard: sign-in, lock and auto-lock, passphrases, adding learners, the
instructor's screens and the first-run tour."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication

from simdesk.app.session import CREATE as NEW_LEARNER
from simdesk.app.session import SET_UP, SIGN_IN
from simdesk.ui.operations import LOCKED, SIGNED_IN
from simdesk.ui.profile_dialog import CREATE, SETUP, ProfileDialog, ProfileRequest
from simdesk.ui.workers import describe_error

IDLE_CHECK_MS = 15_000
ACTIVITY_EVENTS = (QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.Wheel)


class AccountsMixin:
    """The window's profile work. Its sign-in dialog is ``profile_dialog``; the auto-lock is
    polled by ``idle_timer`` (set up in :meth:`_build_accounts`)."""

    def _build_accounts(self) -> None:
        self.profile_dialog: ProfileDialog | None = None
        self.new_learner_dialog: ProfileDialog | None = None
        self.idle_timer = QTimer(self)
        self.idle_timer.setInterval(IDLE_CHECK_MS)
        self.idle_timer.timeout.connect(self._check_idle)

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
            lambda: session.open_profile(request.name, request.passphrase, how=how,
                                         instructor_passphrase=request.instructor_passphrase),
            success=self._unlocked,
            failure=self._unlock_failed,
            changed=SIGNED_IN,
        )  # fmt: skip

    def _unlocked(self, opened) -> None:
        """Signed in: from here on (GUI thread) the window shows the profile as open."""
        previous = self.session.begin(opened)
        if previous is not None:  # not expected: the window locks before anyone signs in
            self.ops.query(previous.close)
        name = self.session.name
        self._apply_role()
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

    def _apply_role(self) -> None:
        """The model, its settings and adding cases are the instructor's; a learner (and
        nobody) sees them without the means to change them."""
        instructor = self.session.is_instructor
        self.settings.set_model_editable(instructor)
        self.case_list.set_can_import(instructor)

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
        self._apply_role()
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
