"""The encounter page: the patient header, the conversation with streamed replies and Stop, the
examination, orders and results, treatments, the vitals monitor, the timeline, notes, the
diagnosis-and-plan dialog, hints (practice) and the timer (exam).

The engine (``Consultation``/``Encounter``) is pure Python and quick, so actions run here; model
work goes to the backend thread and store writes go to ``persist`` (the database thread).
Submitting does not score here: judging the diagnosis can wait for the terminology, so the page
shows that it is scoring and hands the attempt on (``submitted``); the window scores and keeps
it off the GUI thread and calls :meth:`EncounterPage.scored` or
:meth:`EncounterPage.scoring_failed`.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QKeySequence,
    QShortcut,
    QTextBlockFormat,
    QTextCharFormat,
    QTextCursor,
)
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from simdesk.core.errors import SimdeskError
from simdesk.ui import gc_on_gui_thread
from simdesk.ui.diagnosis_dialog import DiagnosisDialog
from simdesk.ui.exam_panel import ExamPanel
from simdesk.ui.orders_panel import OrdersPanel, TreatPanel
from simdesk.ui.shortcuts import keep_page_keys
from simdesk.ui.steady import Steady
from simdesk.ui.vitals import VitalsMonitor

if TYPE_CHECKING:
    from simdesk.app.model import ModelDescription, ModelService
    from simdesk.core.assess.modes import AssessedSession
    from simdesk.core.cases.schema import Case
    from simdesk.core.consultation import Consultation, PendingReply
    from simdesk.core.llm.backend import ReplyDone
    from simdesk.core.sim.events import Event

NOTES_SAVE_MS = 1500
TAB_KEYS = {"Examine": "Ctrl+E", "Orders": "Ctrl+O", "Treat": "Ctrl+T", "Timeline": "Ctrl+L",
            "Notes": "Ctrl+N"}  # fmt: skip
KIND_LABELS = {"question": "Asked", "reply": "Patient", "exam": "Examined", "order": "Ordered",
               "result": "Result", "treatment": "Treatment", "wait": "Waited",
               "diagnosis": "Diagnosis"}  # fmt: skip


@dataclass
class Line:
    speaker: str
    text: str


SCORING = "Scoring your diagnosis and plan… the debrief follows."


@dataclass(frozen=True)
class Outcome:
    """A submitted encounter, to be scored (``session.submit``) and kept off the GUI thread."""

    case: Case
    mode: str
    events: list[Event]
    session: AssessedSession
    plan: str
    notes: str


class EncounterPage(QWidget):
    """Plays one case. Model work goes to the backend thread; events go to ``persist``."""

    submitted = Signal(object)  # Outcome: score and keep it (off the GUI thread)
    error = Signal(object)  # an exception or a message for the main window's message bar
    reply_finished = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(8, 4, 8, 4)
        top = QHBoxLayout()
        self.header = QLabel()
        self.header.setObjectName("patientHeader")
        self.header.setWordWrap(True)
        top.addWidget(self.header, 1)
        self.clock = QLabel()
        self.clock.setObjectName("encounterClock")
        self.clock.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        # The clock and the status line change while the model reads: held steady, a new text
        # repaints them and does not lay out the window again (simdesk.ui.steady).
        top.addWidget(Steady(self.clock, lines=2, width_text="Simulated time: 10000 min"))
        outer.addLayout(top)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        self.transcript = QTextBrowser()
        self.transcript.setObjectName("transcript")
        column.addWidget(self.transcript, 1)
        self.status = QLabel()
        self.status.setObjectName("replyStatus")
        self.status.setWordWrap(True)
        # Room for two wrapped lines, so a long order message is never cut in half.
        column.addWidget(Steady(self.status, lines=2))
        row = QHBoxLayout()
        self.question_edit = QLineEdit()
        self.question_edit.setPlaceholderText("Ask the patient a question and press Enter (Ctrl+K)")
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
        column.addLayout(row)
        split.addWidget(left)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        self.monitor = VitalsMonitor()
        column.addWidget(self.monitor)
        self.tabs = QTabWidget()
        self.tabs.setObjectName("encounterTabs")
        self.exam_panel = ExamPanel()
        self.exam_panel.examine_requested.connect(self.examine)
        self.orders_panel = OrdersPanel()
        self.orders_panel.order_requested.connect(self.order)
        self.orders_panel.wait_requested.connect(self.wait)
        self.treat_panel = TreatPanel()
        self.treat_panel.treat_requested.connect(self.treat)
        self.treat_panel.wait_requested.connect(self.wait)
        self.timeline = QListWidget()
        self.timeline.setObjectName("timeline")
        self.timeline.setWordWrap(True)
        self.notes = QPlainTextEdit()
        self.notes.setObjectName("notes")
        self.notes.setPlaceholderText(
            "Your notes for this encounter. They are kept in your encrypted profile."
        )
        self.notes.setTabChangesFocus(True)
        for title, widget in (("Examine", self.exam_panel), ("Orders", self.orders_panel),
                              ("Treat", self.treat_panel), ("Timeline", self.timeline),
                              ("Notes", self.notes)):  # fmt: skip
            index = self.tabs.addTab(widget, title)
            self.tabs.setTabToolTip(index, f"{title} ({TAB_KEYS[title]})")
        column.addWidget(self.tabs, 1)
        split.addWidget(right)
        split.setStretchFactor(0, 2)
        split.setStretchFactor(1, 3)
        split.setSizes([500, 760])
        outer.addWidget(split, 1)

        bottom = QHBoxLayout()
        self.tutor = QLabel()
        self.tutor.setObjectName("tutor")
        self.tutor.setWordWrap(True)
        self.tutor.setStyleSheet("QLabel#tutor { background: #fff4ce; color: #3d2e00; "
                                 "padding: 4px; border-radius: 3px; }")  # fmt: skip
        # The tutor's room is kept while it is hidden: nothing moves under the pointer.
        policy = self.tutor.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.tutor.setSizePolicy(policy)
        self.tutor.setFixedHeight(2 * self.tutor.fontMetrics().lineSpacing() + 12)
        self.tutor.hide()
        bottom.addWidget(self.tutor, 3)
        bottom.addStretch(1)  # keeps the buttons their natural size while the tutor is hidden
        self.hint_button = QPushButton("Hint (Ctrl+H)")
        self.hint_button.clicked.connect(self.hint)
        bottom.addWidget(self.hint_button)
        self.diagnose_button = QPushButton("Diagnose and plan… (Ctrl+D)")
        self.diagnose_button.clicked.connect(self.open_diagnosis)
        bottom.addWidget(self.diagnose_button)
        self.end_button = QPushButton("End and score")
        self.end_button.setToolTip("End the encounter without a diagnosis and see the debrief")
        self.end_button.clicked.connect(self.confirm_end)
        self.confirm: QMessageBox | None = None
        bottom.addWidget(self.end_button)
        self.scoring_bar = QProgressBar()
        self.scoring_bar.setObjectName("scoringBar")
        self.scoring_bar.setRange(0, 0)  # busy: how long the terminology takes is not known
        self.scoring_bar.setMaximumWidth(120)
        self.scoring_bar.setToolTip(SCORING)
        self.scoring_bar.hide()
        bottom.addWidget(self.scoring_bar)
        self.retry_button = QPushButton("Score &again")
        self.retry_button.setToolTip("Scoring did not finish: try once more (nothing was lost)")
        self.retry_button.clicked.connect(self.score_again)
        self.retry_button.hide()
        bottom.addWidget(self.retry_button)
        outer.addLayout(bottom)

        shortcuts: dict[str, Callable[[], None]] = {
            "Esc": self.stop,
            "Ctrl+K": self.question_edit.setFocus,
            "Ctrl+D": self.open_diagnosis,
            "Ctrl+H": self.hint,
            **{key: (lambda t=title: self.show_tab(t)) for title, key in TAB_KEYS.items()},
        }
        for key, slot in shortcuts.items():
            shortcut = QShortcut(QKeySequence(key), self, activated=slot)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        # On X11 the text boxes claim Ctrl+E and Ctrl+K for editing: the page's keys win.
        self.page_keys = keep_page_keys(self, shortcuts)
        self.ticker = QTimer(self)
        self.ticker.setInterval(1000)
        self.ticker.timeout.connect(self._tick)
        self.notes_timer = QTimer(self)
        self.notes_timer.setSingleShot(True)
        self.notes_timer.setInterval(NOTES_SAVE_MS)
        self.notes_timer.timeout.connect(self.save_notes)
        self.notes.textChanged.connect(self.notes_timer.start)

        self.consultation: Consultation | None = None
        self.session: AssessedSession | None = None
        self.lines: list[Line] = []
        self._pending: PendingReply | None = None
        self._queued: list[str] = []
        self._request_id: int | None = None
        self._question_pending = False  # asked; its bookkeeping waits for the reply's first words
        self._saved_notes = ""
        self._timeline_done = 0
        self.tokens_received = 0
        self.dialog: DiagnosisDialog | None = None
        self.scoring = False  # submitted, its score not back yet
        self._ending: Outcome | None = None  # submitted and not yet scored (kept for a retry)
        gc_on_gui_thread.postpone_while(self.replying)

    # -- starting -------------------------------------------------------------------------

    def start(
        self,
        case: Case,
        backend: ModelService,
        persist: Callable[[list[Event]], None],
        *,
        mode: str = "practice",
        seed: int = 0,
        saved: list | None = None,
        elapsed_s: float = 0.0,
        model: ModelDescription | None = None,
    ) -> None:
        """Start a case, or resume an unfinished attempt from its ``saved`` events.

        A resumed exam's clock goes on from ``elapsed_s`` (the time used before the pause).
        ``model``: the loaded model's description; None while it loads (:meth:`use_model`
        follows when it is ready).
        """
        from simdesk.core.assess.modes import AssessedSession
        from simdesk.core.cases.catalog import load_catalog
        from simdesk.core.consultation import Consultation

        self.consultation = Consultation(case, seed=seed)
        if model is not None:
            self.use_model(model)
        limit = case.meta.estimated_minutes * 60.0 if mode == "exam" else None
        self.session = AssessedSession(case, mode, time_limit_s=limit, elapsed_before_s=elapsed_s)
        replayed = self.consultation.replay(saved) if saved is not None else None
        self.backend = backend
        self.persist = persist
        self._pending = self._request_id = None
        self._question_pending = False
        self._queued: list[str] = []  # typed while the patient was answering, asked in turn
        self._saved_notes = ""
        self._timeline_done = 0
        p = case.patient
        self.header.setText(
            f"<b style='font-size:large'>{html.escape(p.name)}</b> · {p.age_label} · {p.sex} · "
            + (f"{html.escape(p.occupation)} · " if p.occupation else "")
            + f"{html.escape(case.meta.setting.replace('_', ' '))}"
            + (
                f" · history from the {html.escape(p.informant.relation)}, "
                f"{html.escape(p.informant.name)}"
                if p.informant
                else ""
            )
            + f"<br>Presenting complaint: {html.escape(p.presenting_complaint)}"
        )
        # the one who answers: "Ask the grandmother" when a carer gives the history
        who = f"the {p.informant.relation}" if p.informant else "the patient"
        self.question_edit.setPlaceholderText(f"Ask {who} a question and press Enter (Ctrl+K)")
        catalog = load_catalog()
        self.exam_panel.set_case(case, catalog)
        self.orders_panel.set_case(case, catalog)
        self.treat_panel.set_case(catalog, case)
        self.timeline.clear()
        self.notes.blockSignals(True)
        self.notes.clear()
        self.notes.blockSignals(False)
        self.monitor.reset(p.age_years)
        self.tutor.hide()
        exam = mode == "exam"
        self.hint_button.setVisible(not exam)
        self.end_button.setText("Submit without diagnosis" if exam else "End and score")
        self.lines = [Line(p.speaker, p.opening_line)]
        if replayed is not None:
            self._restore(replayed)
        self._set_busy(False, "")
        self._set_actions_enabled(True)
        self._ending = None
        self._set_scoring(False)
        self.retry_button.hide()
        self._typing_at: int | None = None
        self._render()
        self._after_action()
        self.tabs.setCurrentIndex(0)
        self.ticker.start()
        self._tick()
        self.question_edit.setFocus()

    def use_model(self, description: ModelDescription) -> None:
        """The model is ready (or was replaced): prompt the next questions for it."""
        if self.consultation is not None:
            self.consultation.use_model(description.prompt_format, description.n_ctx)

    def _restore(self, replayed) -> None:
        """Show a resumed attempt as it was: conversation, findings, treatments, notes."""
        name = self.consultation.case.patient.speaker
        for event in self.encounter.events:
            if event.kind == "question":
                self.lines.append(Line("You", event.text))
            elif event.kind == "reply":
                self.lines.append(Line(name, event.text))
            elif event.kind == "exam" and event.region:
                self.exam_panel.add_finding(event.sim_minute, event.text,
                                            bool(event.finding_ids))  # fmt: skip
            elif event.kind == "treatment" and event.code:
                self.treat_panel.add_given(event.sim_minute, event.text)
        if replayed.notes:
            self._saved_notes = replayed.notes
            self.notes.blockSignals(True)
            self.notes.setPlainText(replayed.notes)
            self.notes.blockSignals(False)
        self.session.nudges(self.encounter.events)  # those were shown before the pause

    @property
    def encounter(self):
        assert self.consultation is not None
        return self.consultation.encounter

    @property
    def running(self) -> bool:
        return self.consultation is not None and not self.encounter.ended

    def show_tab(self, title: str) -> None:
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == title:
                self.tabs.setCurrentIndex(index)
                widget = self.tabs.widget(index)
                focus = {self.exam_panel: self.exam_panel.free_text,
                         self.orders_panel: self.orders_panel.catalog_search.search,
                         self.treat_panel: self.treat_panel.catalog_search.search}  # fmt: skip
                focus.get(widget, widget).setFocus()

    def _allowed(self) -> bool:
        """Whether the mode lets the learner act now; says why not in the message bar."""
        if not self.running:
            return False
        try:
            self.session.check_open()
        except SimdeskError as exc:
            self.error.emit(exc)
            return False
        return True

    # -- asking ---------------------------------------------------------------------------

    @property
    def busy(self) -> bool:
        return self._pending is not None

    def replying(self) -> bool:
        """A reply is on its way on screen (garbage collection waits: see gc_on_gui_thread)."""
        return self._pending is not None and self.isVisible()

    def ask_current(self) -> None:
        """Ask what is typed; while the patient is still answering, it waits and goes next.

        (Return used to be ignored then, and the next question was typed onto the end of it.)
        """
        question = self.question_edit.text().strip()
        if not question:
            return
        self.question_edit.clear()
        if not self.busy:
            self.ask(question)
            return
        self._queued.append(question)
        speaker = self.consultation.case.patient.speaker
        self.status.setText(f"{speaker} is answering…{self._next_hint()}")

    def _next_hint(self) -> str:
        """The questions waiting their turn, for the status line."""
        return " next: " + "; ".join(f"“{q}”" for q in self._queued) if self._queued else ""

    def ask(self, question: str) -> None:
        if not self._allowed():
            return
        pending = self.consultation.ask(question)
        self._pending = pending
        if pending.prompt is not None:
            # The model starts reading now; the page is brought up to date while it reads (its
            # tokens are delivered to this thread, so none is handled before this returns).
            from simdesk.core.llm.prompt import REPLY_TOKENS

            self._request_id = self.backend.submit(
                pending.prompt, stop=pending.stop, max_tokens=REPLY_TOKENS, **pending.options
            )
        speaker = self.consultation.case.patient.speaker
        self.lines.append(Line("You", question))
        self.lines.append(Line(speaker, ""))
        self._append_line(self.lines[-2])
        self._append_line(self.lines[-1], typing=True)
        if pending.prompt is None:
            self._finish(stopped=False)
            return
        # The question took a simulated minute: the clock, the monitor, the results, the
        # timeline, saving the question and the tutor's nudges follow the reply's first words
        # (or its end). The model reads the prompt on every core of a small laptop meanwhile,
        # and whatever this process does then comes out of its time to the first words. While
        # the model is still loading the request waits, and so would they: they go now.
        ready = self.backend.ready.is_set()
        if ready:
            self._question_pending = True
        else:
            self._after_action()
        waiting = "" if ready else " (the model is still loading)"
        self._set_busy(True, f"{speaker} is answering…" + waiting)

    def on_reading(self, request_id: int) -> None:
        if request_id == self._request_id:
            speaker = self.consultation.case.patient.speaker
            self.status.setText(
                f"{speaker} is answering… (reading the conversation){self._next_hint()}"
            )

    def on_token(self, request_id: int, text: str) -> None:
        if request_id != self._request_id or self._pending is None:
            return  # a stale request: drop its tokens
        self.tokens_received += 1
        if self._pending.stream.done:
            return  # already cancelled: tokens still in flight show nothing
        if not self._pending.stream.raw_text:  # the first token: no longer reading
            self.status.setText(
                f"{self.lines[-1].speaker} is answering… (Esc stops){self._next_hint()}"
            )
        released = self._pending.stream.feed(text)
        if released:
            self._append_reply(released)  # painted here, before the question's bookkeeping
            if self._question_pending:
                self._question_pending = False
                self._after_action()
        if self._pending.stream.done:  # nothing more will be shown: stop decoding
            self.backend.cancel(request_id)

    def on_done(self, done: ReplyDone) -> None:
        if done.request_id == self._request_id:
            self._finish(stopped=done.cancelled and not self._pending.stream.failed)

    def on_failed(self, request_id: int, _error: object) -> None:
        if request_id == self._request_id:
            self._finish(stopped=False)

    def stop(self) -> None:
        if self._request_id is not None and self.busy:
            self.backend.cancel(self._request_id)
            self.status.setText("Stopping…")

    def _finish(self, *, stopped: bool) -> None:
        result = self.consultation.finish(self._pending, stopped=stopped)
        shown = self.lines[-1].text
        # Released text is never taken back: the reply starts with what is on screen.
        self._append_reply(result.text[len(shown) :] if result.text.startswith(shown) else "")
        self._clear_typing()
        self._pending = None
        self._request_id = None
        self._question_pending = False  # done now, with the reply's
        self._set_busy(False, "")
        self._after_action()
        self.reply_finished.emit(result.text)
        if self._queued and self._pending is None:
            self.ask(self._queued.pop(0))

    def _set_busy(self, busy: bool, status: str) -> None:
        self.stop_button.setEnabled(busy)
        self.ask_button.setEnabled(not busy)
        self.status.setText(status)

    # -- examination, orders, treatment, time ---------------------------------------------

    def examine(self, request: str) -> None:
        if not self._allowed():
            return
        result = self.encounter.examine(request)
        abnormal = any(line.finding for line in result.lines)
        self.exam_panel.add_finding(self.encounter.sim_minute, result.text, abnormal)
        self._after_action()

    def order(self, request: str) -> None:
        if not self._allowed():
            return
        outcome = self.encounter.order(request)
        self._after_action()
        # In the status line, whose room is reserved: a banner would push the page down.
        self.status.setText(outcome.message)

    def treat(self, request: str) -> None:
        if not self._allowed():
            return
        outcome = self.encounter.treat(request)
        if outcome.code is not None:
            self.treat_panel.add_given(outcome.minute, outcome.message)
        self._after_action()
        self.status.setText(outcome.message)

    def wait(self, minutes: float) -> None:
        if not self._allowed():
            return
        self.encounter.wait(minutes)
        self._after_action()

    def _after_action(self) -> None:
        """Refresh the clock, monitor, results and timeline; save new events; show nudges."""
        encounter = self.encounter
        self.monitor.record(encounter.sim_minute, encounter.vitals)
        self.orders_panel.update_clock(encounter.sim_minute, encounter.pending, encounter.results)
        for event in encounter.events[self._timeline_done :]:
            if event.kind in KIND_LABELS:
                if event.kind == "wait":
                    text = f"{event.minutes:g} minute{'' if event.minutes == 1 else 's'}"
                else:
                    text = event.text
                self.timeline.addItem(f"[{event.sim_minute:g} min] {KIND_LABELS[event.kind]}: "
                                      f"{text}")  # fmt: skip
        self._timeline_done = len(encounter.events)
        self.timeline.scrollToBottom()
        self._save_events()
        # Last action's status line and tutor note go: they were about what came before.
        if not self.busy:
            self.status.clear()
        self.tutor.hide()
        if self.session is not None and not self.session.locked:
            for nudge in self.session.nudges(encounter.events):
                self.show_tutor(nudge.message)
        self._tick()

    def _save_events(self) -> None:
        events = self.consultation.unsaved_events()
        if events:
            self.persist(events)

    def save_notes(self) -> None:
        """Log and store the notes (encrypted, with the attempt) if they changed since last time."""
        text = self.notes.toPlainText()
        if self.running and text != self._saved_notes:
            self._saved_notes = text
            self.encounter.note(text)
            self._save_events()

    # -- help, time, submission -----------------------------------------------------------

    def hint(self) -> None:
        if not self._allowed():
            return
        try:
            self.show_tutor(self.session.hint(self.encounter.events))
        except SimdeskError as exc:
            self.error.emit(exc)

    def show_tutor(self, text: str) -> None:
        self.tutor.setText(f"<b>Tutor:</b> {html.escape(text)}")
        self.tutor.show()

    def _tick(self) -> None:
        if self.consultation is None:
            return
        text = f"Simulated time: {self.encounter.sim_minute:g} min"
        remaining = self.session.remaining_s() if self.session else None
        if remaining is not None:
            minutes, seconds = divmod(int(remaining), 60)
            colour = "#a40000" if remaining < 120 else "inherit"
            text += f"<br><b style='color:{colour}'>Exam: {minutes}:{seconds:02d} left</b>"
            if remaining == 0 and self.running:
                self._set_actions_enabled(False)
                self.show_tutor("Time is up. Submit your diagnosis and plan (Ctrl+D).")
        else:
            text += "<br>Practice mode"
        self.clock.setText(text)

    def _set_actions_enabled(self, enabled: bool) -> None:
        for widget in (self.question_edit, self.ask_button, self.exam_panel, self.orders_panel,
                       self.treat_panel, self.hint_button):  # fmt: skip
            widget.setEnabled(enabled)

    def open_diagnosis(self) -> None:
        if not self.running or (self.dialog is not None and self.dialog.isVisible()):
            return
        self.dialog = DiagnosisDialog(self, exam=self.session.mode == "exam")
        self.dialog.accepted.connect(
            lambda: self.submit(self.dialog.differential(), self.dialog.plan.toPlainText())
        )
        self.dialog.open()

    def confirm_end(self) -> None:
        """End without a diagnosis only after the learner says so: it cannot be undone."""
        if not self.running:
            return
        exam = self.session.mode == "exam"
        self.confirm = QMessageBox(
            QMessageBox.Icon.Question, "End the encounter?",
            "Submit this exam without a diagnosis? It is scored as it stands and locked."
            if exam else "End this encounter without a diagnosis and see the debrief?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        self.confirm.button(QMessageBox.StandardButton.Yes).setText(self.end_button.text())
        self.confirm.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm.accepted.connect(lambda: self.submit([], ""))
        self.confirm.open()

    def submit(self, differential: list[str], plan: str) -> None:
        """Record the diagnosis and plan and end the attempt, then hand it on to be scored.

        The exam clock stops here (the time scoring takes is not the learner's); the page says
        that it is scoring until :meth:`scored` or :meth:`scoring_failed`."""
        if not self.running:
            return
        if self.busy:
            self.backend.cancel(self._request_id)
            self._finish(stopped=True)
        encounter = self.encounter
        self.ticker.stop()
        self.notes_timer.stop()
        self.save_notes()
        if differential:
            encounter.diagnose(differential)
        if plan.strip():
            encounter.plan(plan)
        encounter.end()
        self._save_events()
        self.session.pause()
        self._ending = Outcome(self.consultation.case, self.session.mode, list(encounter.events),
                               self.session, plan.strip(), self.notes.toPlainText())  # fmt: skip
        self._set_scoring(True)
        self.submitted.emit(self._ending)

    def _set_scoring(self, scoring: bool) -> None:
        """While scoring: say so, and take no more actions on the attempt."""
        self.scoring = scoring
        self.scoring_bar.setVisible(scoring)
        if scoring:
            self._set_actions_enabled(False)
            self.retry_button.hide()
            self.tutor.hide()
            self.status.setText(SCORING)
        for button in (self.diagnose_button, self.end_button):
            button.setEnabled(not scoring and self._ending is None)

    def scored(self) -> None:
        """The attempt is scored and kept (the window shows its debrief)."""
        self._ending = None
        self._set_scoring(False)
        self.status.clear()

    def scoring_failed(self, message: str) -> None:
        """Scoring or keeping the result failed: say so, keep the attempt for Score again."""
        self._set_scoring(False)
        self.status.setText(
            f"Scoring did not finish: {message} Your diagnosis, plan and log are saved; "
            "Score again tries once more."
        )
        self.retry_button.show()
        self.retry_button.setFocus()

    def score_again(self) -> None:
        if self._ending is None or self.scoring:
            return
        self._set_scoring(True)
        self.submitted.emit(self._ending)

    def suspend(self) -> float:
        """Put the attempt aside unscored (lock, quit): everything is saved, the exam clock stops.

        Returns the exam time used so far. The attempt stays unfinished and resumes later.
        """
        if not self.running:
            return 0.0
        if self.busy:
            self.backend.cancel(self._request_id)
            self._finish(stopped=True)
        self.ticker.stop()
        self.notes_timer.stop()
        self.save_notes()
        self._save_events()
        used = self.session.pause()
        if self.dialog is not None:
            self.dialog.reject()
        self.consultation = None  # nothing runs on until the attempt is resumed
        self.tutor.hide()
        return used

    # -- view -----------------------------------------------------------------------------

    def _render(self) -> None:
        """Draw the whole transcript (at the start of a case); later lines are appended."""
        self.transcript.clear()
        self._typing_at = None
        for line in self.lines:
            self._append_line(line)

    def _cursor(self) -> QTextCursor:
        cursor = QTextCursor(self.transcript.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor

    def _append_line(self, line: Line, *, typing: bool = False) -> None:
        """Add one line at the end, without redrawing the rest; ``typing`` shows a "…" that
        the first released words replace."""
        cursor = self._cursor()
        block = QTextBlockFormat()
        block.setBottomMargin(6)
        if self.transcript.document().isEmpty():
            cursor.setBlockFormat(block)
        else:
            cursor.insertBlock(block)
        label = QTextCharFormat()
        label.setFontWeight(700)
        label.setForeground(QColor("#1d4f91" if line.speaker == "You" else "#2e6b30"))
        cursor.insertText(f"{line.speaker}: ", label)
        cursor.insertText(line.text, QTextCharFormat())
        if typing:
            self._typing_at = cursor.position()
            hint = QTextCharFormat()
            hint.setFontItalic(True)
            hint.setForeground(QColor("#6b6b6b"))
            cursor.insertText("typing…", hint)
        self._scroll_down()

    def _clear_typing(self) -> None:
        if self._typing_at is None:
            return
        cursor = self._cursor()
        cursor.setPosition(self._typing_at, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        self._typing_at = None

    def _append_reply(self, text: str) -> None:
        """Append released text to the last line (the patient's reply) and paint it now.

        An update() would wait for the event loop: behind the tokens still queued and, at the
        end of a reply, behind the page's own work (clock, monitor, saving) - 5-60 ms seen
        between the text going in and its paint. The window's pending paint is done here, now:
        only what changed (the new words, a scrolled line, the status line), not the whole
        transcript (0.2-0.3 ms, against 0.6-0.9 ms for repainting its viewport)."""
        if not text:
            return
        self._clear_typing()
        self.lines[-1].text += text
        self._cursor().insertText(text, QTextCharFormat())
        self._scroll_down()
        QCoreApplication.sendPostedEvents(self.window(), QEvent.Type.UpdateRequest)

    def _scroll_down(self) -> None:
        bar = self.transcript.verticalScrollBar()
        bar.setValue(bar.maximum())
