"""The diagnosis-and-plan dialog: a ranked differential (most likely first) and a plan."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
)


class DiagnosisDialog(QDialog):
    """Collects the differential and the plan; the page records them when it is accepted."""

    def __init__(self, parent=None, *, exam: bool = False) -> None:
        super().__init__(parent)
        self.setWindowTitle("Diagnosis and plan")
        self.setModal(True)
        self.setMinimumWidth(520)
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Your differential diagnosis, <b>most likely first</b>. Type a diagnosis and "
            "press Enter to add it; Alt+Up/Alt+Down move the selected one."
        )
        intro.setWordWrap(True)  # whole at any text size
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.entry = QLineEdit()
        self.entry.setPlaceholderText("A diagnosis, as you would write it in the notes")
        self.entry.returnPressed.connect(self.add_current)
        row.addWidget(self.entry, 1)
        add = QPushButton("&Add")
        add.setAutoDefault(False)
        add.clicked.connect(self.add_current)
        row.addWidget(add)
        layout.addLayout(row)
        self.ranked = QListWidget()
        self.ranked.setObjectName("differential")
        layout.addWidget(self.ranked)
        moves = QHBoxLayout()
        for text, step in (("Move &up", -1), ("Move &down", 1)):
            button = QPushButton(text)
            button.setAutoDefault(False)
            button.clicked.connect(lambda _=False, s=step: self.move(s))
            moves.addWidget(button)
        remove = QPushButton("&Remove")
        remove.setAutoDefault(False)
        remove.clicked.connect(self.remove_current)
        moves.addWidget(remove)
        moves.addStretch(1)
        layout.addLayout(moves)
        plan_label = QLabel("&Plan (management, follow-up, safety-netting):")
        layout.addWidget(plan_label)
        self.plan = QPlainTextEdit()
        plan_label.setBuddy(self.plan)  # Alt+P
        self.plan.setTabChangesFocus(True)
        self.plan.setPlaceholderText(
            "Investigations, treatment, referral, follow-up, safety-netting…"
        )
        self.plan.setMaximumHeight(110)
        layout.addWidget(self.plan)
        # What a user expects of a plan, said where it is typed: what it names counts, but a
        # test named here gives no result and a treatment here is not given now.
        plan_help = QLabel(
            "Tests and treatments named in the plan count as planned; to see a result or give "
            "a treatment now, use the Orders and Treat tabs before submitting."
        )
        plan_help.setObjectName("planHelp")
        plan_help.setWordWrap(True)
        layout.addWidget(plan_help)
        note = "submits the attempt: it is locked and scored" if exam else "ends the encounter"
        self.note = QLabel(f"Submitting {note}; the debrief follows.")
        layout.addWidget(self.note)
        self.error = QLabel()
        self.error.setStyleSheet("color: #a40000;")
        layout.addWidget(self.error)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Submit")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setAutoDefault(False)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setDefault(False)
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.entry.setFocus()

    def add_current(self) -> None:
        text = " ".join(self.entry.text().split())
        if text:
            self.ranked.addItem(text)
            self.ranked.setCurrentRow(self.ranked.count() - 1)
            self.entry.clear()
            self.error.clear()

    def move(self, step: int) -> None:
        row = self.ranked.currentRow()
        target = row + step
        if row >= 0 and 0 <= target < self.ranked.count():
            self.ranked.insertItem(target, self.ranked.takeItem(row))
            self.ranked.setCurrentRow(target)

    def remove_current(self) -> None:
        row = self.ranked.currentRow()
        if row >= 0:
            self.ranked.takeItem(row)

    def keyPressEvent(self, event) -> None:
        """Enter in the entry adds a diagnosis (never submits); Alt+Up/Down reorder."""
        key = event.key()
        if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.focusWidget() is self.entry:
            return
        if event.modifiers() & Qt.KeyboardModifier.AltModifier and key in (
            Qt.Key.Key_Up,
            Qt.Key.Key_Down,
        ):
            self.move(-1 if key == Qt.Key.Key_Up else 1)
            return
        super().keyPressEvent(event)

    def differential(self) -> list[str]:
        return [self.ranked.item(n).text() for n in range(self.ranked.count())]

    def _submit(self) -> None:
        self.add_current()  # a diagnosis typed but not yet added still counts
        if not self.differential():
            self.error.setText("Add at least one diagnosis (type it and press Enter).")
            self.entry.setFocus()
            return
        self.accept()
