"""Sign-in dialog: set up the instructor at first run, unlock a profile, or add a learner.

The dialog only collects what was typed and emits it; the caller does the slow work (key
derivation, opening the database) on the database thread and reports back.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
)

SETUP, UNLOCK, CREATE = "setup", "unlock", "create"

INTROS = {
    SETUP: "Welcome to simdesk. Set up this computer: you are its instructor. You will create "
    "the learners' profiles and can reset a learner's forgotten passphrase. Choose a passphrase "
    "of at least {min} characters - a few words you will remember. Nobody can reset "
    "the instructor's passphrase, so keep it safe.",
    UNLOCK: "Choose your profile and type your passphrase.",
    CREATE: "New learner profile. The learner types their own passphrase (at least "
    "{min} characters); the instructor confirms with theirs. Nobody can read the "
    "learner's progress without one of them.",
}
TITLES = {SETUP: "Set up simdesk", UNLOCK: "Unlock your profile", CREATE: "New learner profile"}
BUTTONS = {SETUP: "Set up", UNLOCK: "Unlock", CREATE: "Create profile"}


def min_passphrase() -> int:
    # Imported when a dialog opens, not at start-up: the store pulls in SQLAlchemy.
    from simdesk.core.store.profiles import MIN_PASSPHRASE

    return MIN_PASSPHRASE


def strength_hint(passphrase: str, minimum: int) -> tuple[str, str]:
    """A plain-words verdict on a new passphrase and its colour; long phrases beat symbols."""
    if not passphrase:
        return "", ""
    if len(passphrase) < minimum:
        return f"Too short: {minimum - len(passphrase)} more characters needed.", "#a40000"
    kinds = sum(
        any(test(c) for c in passphrase)
        for test in (str.islower, str.isupper, str.isdigit, lambda c: not c.isalnum())
    )
    words = len(passphrase.split())
    if len(set(passphrase)) <= 3:
        return "Weak: it repeats the same few characters.", "#a40000"
    if words >= 4 or len(passphrase) >= 20:
        return "Strong: a long phrase is hard to guess and easy to remember.", "#1e6b30"
    if words >= 3 or len(passphrase) >= 14 or kinds >= 3:
        return "Fair: adding another word makes it much stronger.", "#8a5a00"
    return "Weak: use three or four words you will remember.", "#a40000"


@dataclass(frozen=True)
class ProfileRequest:
    mode: str
    name: str
    passphrase: str
    instructor_passphrase: str = ""


class ProfileDialog(QDialog):
    """Asks for a profile and passphrase. Emits ``submitted`` with a :class:`ProfileRequest`."""

    submitted = Signal(object)

    forgot_requested = Signal()

    def __init__(self, profiles: list, parent=None, *, mode: str | None = None) -> None:
        """``profiles``: names, or ``(name, role)`` pairs; the instructor is labelled as such."""
        super().__init__(parent)
        self.setModal(True)
        layout = QVBoxLayout(self)
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.intro.setMinimumWidth(460)
        layout.addWidget(self.intro)
        self.form = QFormLayout()
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self.name_box = QComboBox()
        self.name_box.setAccessibleName("Profile")
        for profile in profiles:
            name, role = profile if isinstance(profile, tuple) else (profile, "")
            label = f"{name} (instructor)" if role == "instructor" else name
            self.name_box.addItem(label, name)
        # A learner's own profile first: the instructor's is not chosen for them unsaid.
        learners = [n for n in range(self.name_box.count())
                    if not self.name_box.itemText(n).endswith("(instructor)")]  # fmt: skip
        if learners:
            self.name_box.setCurrentIndex(learners[0])
        self.name_edit = QLineEdit()
        self.name_edit.setPlaceholderText("e.g. Amina K.")
        self.passphrase_edit = self._secret()
        self.confirm_edit = self._secret()
        self.instructor_edit = self._secret()
        self.form.addRow("Profile:", self.name_box)
        self.form.addRow("Name:", self.name_edit)
        self.form.addRow("Passphrase:", self.passphrase_edit)
        self.strength = QLabel()
        self.strength.setObjectName("passphraseStrength")
        self.strength.setWordWrap(True)
        self.form.addRow("", self.strength)
        self.passphrase_edit.textChanged.connect(self._update_strength)
        self.form.addRow("Repeat it:", self.confirm_edit)
        self.form.addRow("Instructor passphrase:", self.instructor_edit)
        layout.addLayout(self.form)
        self.error_label = QLabel()
        self.error_label.setObjectName("dialogError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #a40000;")
        # Room for three wrapped lines: a long message is never cut off.
        self.error_label.setMinimumHeight(3 * self.error_label.fontMetrics().lineSpacing())
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.switch_button = QPushButton()
        self.buttons.addButton(self.switch_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.switch_button.clicked.connect(
            lambda: self.set_mode(CREATE if self.mode == UNLOCK else UNLOCK)
        )
        self.forgot_button = QPushButton("Forgot your passphrase?")
        self.forgot_button.setFlat(True)
        self.forgot_button.clicked.connect(self._forgot)
        self.buttons.addButton(self.forgot_button, QDialogButtonBox.ButtonRole.HelpRole)
        self.buttons.accepted.connect(self._submit)
        layout.addWidget(self.buttons)
        self.set_mode(mode or (UNLOCK if profiles else SETUP))

    @staticmethod
    def _secret() -> QLineEdit:
        edit = QLineEdit()
        edit.setEchoMode(QLineEdit.EchoMode.Password)
        return edit

    @property
    def creating(self) -> bool:
        return self.mode != UNLOCK

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self.setWindowTitle(TITLES[mode])
        self.intro.setText(INTROS[mode].format(min=min_passphrase()))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(BUTTONS[mode])
        self.form.setRowVisible(self.name_box, mode == UNLOCK)
        self.form.setRowVisible(self.name_edit, mode != UNLOCK)
        self.form.setRowVisible(self.confirm_edit, mode != UNLOCK)
        self.form.setRowVisible(self.strength, mode != UNLOCK)
        self.form.setRowVisible(self.instructor_edit, mode == CREATE)
        self.switch_button.setVisible(mode != SETUP and self.name_box.count() > 0)
        self.switch_button.setText("New learner profile…" if mode == UNLOCK else "Back to sign-in")
        self.forgot_button.setVisible(mode == UNLOCK)
        self.error_label.clear()
        self.strength.setMinimumHeight(
            2 * self.strength.fontMetrics().lineSpacing() if mode != UNLOCK else 0
        )
        self.adjustSize()
        # The cursor goes where the first thing is typed.
        (self.passphrase_edit if mode == UNLOCK else self.name_edit).setFocus()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        (self.passphrase_edit if self.mode == UNLOCK else self.name_edit).setFocus()

    def _forgot(self) -> None:
        """Say what to do: a learner's passphrase is reset by the instructor, in person."""
        self.error_label.setStyleSheet("color: palette(text);")
        self.error_label.setText(
            "Ask your instructor: they reset a learner's passphrase from Instructor → Learners "
            "(Ctrl+I) and you choose a new one; your progress is kept. The instructor's own "
            "passphrase cannot be reset."
        )
        self.adjustSize()
        self.forgot_requested.emit()

    def _update_strength(self, text: str) -> None:
        hint, colour = strength_hint(text, min_passphrase()) if self.creating else ("", "")
        self.strength.setText(hint)
        self.strength.setStyleSheet(f"color: {colour};" if colour else "")
        if self.strength.sizeHint().height() > self.strength.height():
            self.adjustSize()

    def name(self) -> str:
        if self.mode == UNLOCK:
            return self.name_box.currentData() or ""
        return self.name_edit.text().strip()

    def _submit(self) -> None:
        passphrase = self.passphrase_edit.text()
        if self.creating:
            if not self.name():
                return self.show_error("Please type a name.")
            if len(passphrase) < min_passphrase():
                return self.show_error(f"Use at least {min_passphrase()} characters.")
            if passphrase != self.confirm_edit.text():
                return self.show_error("The two passphrases are not the same.")
        if self.mode == CREATE and not self.instructor_edit.text():
            return self.show_error("The instructor types their passphrase to add a learner.")
        self.set_busy(True)
        self.submitted.emit(
            ProfileRequest(self.mode, self.name(), passphrase, self.instructor_edit.text())
        )

    def set_busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        if busy:
            self.error_label.setText("Unlocking…" if self.mode == UNLOCK else "Creating…")

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.error_label.setStyleSheet("color: #a40000;")
        self.error_label.setText(message)
        self.adjustSize()
        self.passphrase_edit.selectAll()
        self.passphrase_edit.setFocus()
