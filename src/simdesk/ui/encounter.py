"""The encounter page: a patient header, the conversation with streamed replies, Stop."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from simdesk.core.cases.schema import Case
from simdesk.core.consultation import Consultation, PendingReply
from simdesk.core.llm.backend import ModelBackend, ReplyDone
from simdesk.core.sim.session import Event


@dataclass
class Line:
    speaker: str
    text: str


class EncounterPage(QWidget):
    """Plays one case. Model work goes to the backend thread; events go to ``persist``."""

    ended = Signal()
    reply_finished = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        self.header = QLabel()
        self.header.setObjectName("patientHeader")
        self.header.setWordWrap(True)
        layout.addWidget(self.header)
        self.transcript = QTextBrowser()
        self.transcript.setObjectName("transcript")
        layout.addWidget(self.transcript, 1)
        self.status = QLabel()
        self.status.setObjectName("replyStatus")
        layout.addWidget(self.status)
        row = QHBoxLayout()
        self.question_edit = QLineEdit()
        self.question_edit.setPlaceholderText("Ask the patient a question and press Enter…")
        self.question_edit.returnPressed.connect(self.ask_current)
        row.addWidget(self.question_edit, 1)
        self.ask_button = QPushButton("Ask")
        self.ask_button.clicked.connect(self.ask_current)
        row.addWidget(self.ask_button)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the patient's reply (Esc)")
        self.stop_button.setEnabled(False)
        self.stop_button.clicked.connect(self.stop)
        row.addWidget(self.stop_button)
        self.end_button = QPushButton("End encounter")
        self.end_button.clicked.connect(self.end)
        row.addWidget(self.end_button)
        layout.addLayout(row)
        QShortcut(QKeySequence("Esc"), self, activated=self.stop)
        self.consultation: Consultation | None = None
        self.lines: list[Line] = []
        self._pending: PendingReply | None = None
        self._request_id: int | None = None
        self.tokens_received = 0

    def start(
        self, case: Case, backend: ModelBackend, persist: Callable[[list[Event]], None]
    ) -> None:
        self.consultation = Consultation(
            case, prompt_format=backend.prompt_format, context_tokens=backend.n_ctx
        )
        self.backend = backend
        self.persist = persist
        p = case.patient
        self.header.setText(
            f"<b>{html.escape(p.name)}</b> · {p.age_label} · {p.sex} · "
            f"{html.escape(case.meta.setting.replace('_', ' '))}<br>"
            f"Presenting complaint: {html.escape(p.presenting_complaint)}"
        )
        self.lines = [Line(p.name, p.opening_line)]
        self._render()
        self._save_events()
        self.question_edit.setFocus()

    # -- asking ---------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._pending is not None

    def ask_current(self) -> None:
        question = self.question_edit.text().strip()
        if question and not self.busy:
            self.question_edit.clear()
            self.ask(question)

    def ask(self, question: str) -> None:
        assert self.consultation is not None
        pending = self.consultation.ask(question)
        self.lines.append(Line("You", question))
        self.lines.append(Line(self.consultation.case.patient.name, ""))
        self._pending = pending
        if pending.prompt is None:
            self._finish(stopped=False)
            return
        self._request_id = self.backend.submit(pending.prompt, stop=pending.stop)
        self._set_busy(True, "The patient is thinking…")
        self._render()

    def on_reading(self, request_id: int) -> None:
        if request_id == self._request_id:
            self.status.setText("The patient is thinking… (reading the conversation)")

    def on_token(self, request_id: int, text: str) -> None:
        if request_id != self._request_id or self._pending is None:
            return  # a stale request: drop its tokens
        self.tokens_received += 1
        released = self._pending.stream.feed(text)
        if released:
            self.status.setText("The patient is answering…")
            self.lines[-1].text += released
            self._render()

    def on_done(self, done: ReplyDone) -> None:
        if done.request_id == self._request_id:
            self._finish(stopped=done.cancelled)

    def on_failed(self, request_id: int, _error: object) -> None:
        if request_id == self._request_id:
            self._finish(stopped=False)

    def stop(self) -> None:
        if self._request_id is not None and self.busy:
            self.backend.cancel(self._request_id)
            self.status.setText("Stopping…")

    def _finish(self, *, stopped: bool) -> None:
        assert self.consultation is not None and self._pending is not None
        result = self.consultation.finish(self._pending, stopped=stopped)
        self.lines[-1].text = result.text
        self._pending = None
        self._request_id = None
        self._set_busy(False, "")
        self._render()
        self._save_events()
        self.reply_finished.emit(result.text)

    def _set_busy(self, busy: bool, status: str) -> None:
        self.stop_button.setEnabled(busy)
        self.ask_button.setEnabled(not busy)
        self.status.setText(status)

    def _save_events(self) -> None:
        assert self.consultation is not None
        events = self.consultation.unsaved_events()
        if events:
            self.persist(events)

    def end(self) -> None:
        self.stop()
        self.ended.emit()

    # -- view -----------------------------------------------------------------------------

    def _render(self) -> None:
        parts = []
        for line in self.lines:
            colour = "#1d4f91" if line.speaker == "You" else "#2e6b30"
            parts.append(
                f'<p><b style="color:{colour}">{html.escape(line.speaker)}:</b> '
                f"{html.escape(line.text)}</p>"
            )
        self.transcript.setHtml("".join(parts))
        bar = self.transcript.verticalScrollBar()
        bar.setValue(bar.maximum())
