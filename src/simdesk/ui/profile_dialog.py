"""First start and unlock: create a learner profile with a passphrase, or unlock an existing one."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
)

from simdesk.core.store.profiles import MIN_PASSPHRASE


class ProfileDialog(QDialog):
    """Asks for a profile and passphrase. Emits ``submitted``; the caller does the slow work."""

    submitted = Signal(str, str, bool)  # name, passphrase, creating

    def __init__(self, profile_names: list[str], parent=None) -> None:
        super().__init__(parent)
        self.creating = not profile_names
        self.setWindowTitle("Create your profile" if self.creating else "Unlock your profile")
        self.setModal(True)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Welcome to simdesk. Your progress is kept encrypted on this computer. Choose a "
            f"name and a passphrase of at least {MIN_PASSPHRASE} characters - a few words you "
            "will remember. Nobody can read your progress without it."
            if self.creating
            else "Choose your profile and type your passphrase."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        if self.creating:
            self.name_edit = QLineEdit()
            self.name_edit.setPlaceholderText("e.g. Amina K.")
            form.addRow("Your name:", self.name_edit)
        else:
            self.name_box = QComboBox()
            self.name_box.addItems(profile_names)
            form.addRow("Profile:", self.name_box)
        self.passphrase_edit = QLineEdit()
        self.passphrase_edit.setEchoMode(QLineEdit.EchoMode.Password)
        form.addRow("Passphrase:", self.passphrase_edit)
        if self.creating:
            self.confirm_edit = QLineEdit()
            self.confirm_edit.setEchoMode(QLineEdit.EchoMode.Password)
            form.addRow("Repeat it:", self.confirm_edit)
        layout.addLayout(form)
        self.error_label = QLabel()
        self.error_label.setObjectName("dialogError")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #a40000;")
        layout.addWidget(self.error_label)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(
            "Create profile" if self.creating else "Unlock"
        )
        self.buttons.accepted.connect(self._submit)
        layout.addWidget(self.buttons)
        intro.setMinimumWidth(440)
        self.adjustSize()

    def name(self) -> str:
        return self.name_edit.text().strip() if self.creating else self.name_box.currentText()

    def _submit(self) -> None:
        passphrase = self.passphrase_edit.text()
        if self.creating:
            if not self.name():
                return self.show_error("Please type your name.")
            if len(passphrase) < MIN_PASSPHRASE:
                return self.show_error(f"Use at least {MIN_PASSPHRASE} characters.")
            if passphrase != self.confirm_edit.text():
                return self.show_error("The two passphrases are not the same.")
        self.set_busy(True)
        self.submitted.emit(self.name(), passphrase, self.creating)

    def set_busy(self, busy: bool) -> None:
        self.buttons.setEnabled(not busy)
        if busy:
            self.error_label.setText("Unlocking…" if not self.creating else "Creating…")

    def show_error(self, message: str) -> None:
        self.set_busy(False)
        self.error_label.setText(message)
        self.passphrase_edit.selectAll()
        self.passphrase_edit.setFocus()
