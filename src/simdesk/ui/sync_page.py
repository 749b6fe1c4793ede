"""The Sync page (Settings -> Sync) and the background sync that runs while the app is open.

The page shows whether this computer is enrolled with a programme hub, what is pending, what
was sent and when, anything quarantined and any problem with its fix; it enrols with a token,
sends now, previews exactly what will be shared, and lets the signed-in learner opt out. Sync
itself runs on a worker thread (network and database never on the GUI thread): every few
minutes, after each submitted attempt, and on "Send now".
"""

from __future__ import annotations

import json
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from simdesk.ui.operations import ATTEMPT_FINISHED, Operations, Task
from simdesk.ui.workers import describe_error

INTERVAL_MS = 5 * 60 * 1000
REQUEST_TIMEOUT_S = 10.0  # per request in the app, so that closing the window waits little
STOP_WAIT_S = 2 * REQUEST_TIMEOUT_S + 5


class SyncPage(QWidget):
    enrol_requested = Signal(str)
    send_requested = Signal()
    share_toggled = Signal(bool)
    preview_requested = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("syncPage")
        column = QVBoxLayout(self)
        self.heading = QLabel("<h3>Sharing progress with your programme</h3>")
        column.addWidget(self.heading)
        intro = QLabel(
            "When this computer is enrolled with your programme's hub, each submitted attempt is "
            "sent as anonymised statements: a random pseudonym, the case, scores and which rubric "
            "items were met. Never your name, passphrase or anything you typed."
        )
        intro.setWordWrap(True)
        column.addWidget(intro)
        self.status = QLabel("Reading the sync state…")
        self.status.setObjectName("syncStatus")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        column.addWidget(self.status)
        self.problem = QLabel("")
        self.problem.setObjectName("syncProblem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #b00020;")
        self.problem.hide()
        column.addWidget(self.problem)
        row = QHBoxLayout()
        self.token = QLineEdit()
        self.token.setPlaceholderText("Enrolment token from the hub admin (starts with sdhub1.)")
        self.enrol_button = QPushButton("Enrol")
        self.enrol_button.clicked.connect(self._enrol)
        self.token.returnPressed.connect(self._enrol)
        row.addWidget(self.token, 1)
        row.addWidget(self.enrol_button)
        column.addLayout(row)
        buttons = QHBoxLayout()
        self.send_button = QPushButton("Send now")
        self.send_button.clicked.connect(self.send_requested)
        self.preview_button = QPushButton("Show what is shared")
        self.preview_button.clicked.connect(self.preview_requested)
        buttons.addWidget(self.send_button)
        buttons.addWidget(self.preview_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        self.share = QCheckBox("Share my anonymised progress with the programme")
        self.share.setChecked(True)
        self.share.setEnabled(False)
        self.share.toggled.connect(self._share_changed)
        column.addWidget(self.share)
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("syncPreview")
        self.preview.setReadOnly(True)
        self.preview.hide()
        column.addWidget(self.preview, 1)
        column.addStretch(0)
        self._loading = False

    def _enrol(self) -> None:
        token = self.token.text().strip()
        if token:
            self.enrol_requested.emit(token)

    def _share_changed(self, on: bool) -> None:
        if not self._loading:
            self.share_toggled.emit(on)

    def set_busy(self, busy: bool, what: str = "") -> None:
        for button in (self.send_button, self.enrol_button):
            button.setEnabled(not busy)
        if busy and what:
            self.status.setText(what)

    def show_status(self, status, learner: str, shares: bool | None) -> None:
        """``status``: :class:`simdesk.core.sync.outbox.Status`; ``shares`` None: nobody in."""
        if status.enrolled:
            site = f" (site {status.site})" if status.site else ""
            lines = [
                f"<b>Enrolled</b> with {status.hub}{site}.",
                f"Waiting to be sent: <b>{status.pending}</b>. Sent: {status.sent}.",
            ]
            lines.append(f"Last sent: {status.last_sent or 'never'}; last try: "
                         f"{status.last_try or 'never'}.")  # fmt: skip
            if status.quarantined:
                lines.append(f"<b>{len(status.quarantined)} statement(s) held back</b> "
                             "(kept on this computer, not sent):")  # fmt: skip
                lines += [f"&nbsp;&nbsp;{sid}: {why}" for sid, why in status.quarantined[:5]]
        else:
            lines = ["<b>Not enrolled.</b> Nothing leaves this computer. Ask your programme's "
                     "hub admin for an enrolment token and paste it below."]  # fmt: skip
            if status.pending:
                lines.append(f"{status.pending} statement(s) are kept until it is enrolled.")
        self.status.setText("<br>".join(lines))
        if status.problem:
            self.problem.setText(f"Problem: {status.problem}\nFix: {status.fix}")
            self.problem.show()
        else:
            self.problem.hide()
        self._loading = True
        self.share.setEnabled(shares is not None)
        self.share.setChecked(bool(shares) if shares is not None else True)
        self.share.setText(
            f"Share {learner}'s anonymised progress with the programme"
            if learner
            else "Share my anonymised progress with the programme (sign in first)"
        )
        self._loading = False

    def show_preview(self, statements: list[dict]) -> None:
        if statements:
            text = json.dumps(statements, indent=2)
        else:
            text = "Nothing is waiting to be sent. Each submitted attempt adds three statements."
        self.preview.setPlainText(text)
        self.preview.show()

    def show_error(self, text: str) -> None:
        self.problem.setText(text)
        self.problem.show()


class SyncController(QObject):
    """Runs sync off the GUI thread and keeps the page up to date."""

    def __init__(self, page: SyncPage, profiles, ops: Operations, parent=None,
                 interval_ms: int = INTERVAL_MS):  # fmt: skip
        super().__init__(parent)
        self.page = page
        self._profiles = profiles  # a callable returning the ProfileManager
        self._ops = ops
        ops.store_changed.connect(self._store_changed)
        self.learner = ""  # the signed-in profile's name, "" when locked
        self.task: Task | None = None
        self._queue: list = []
        self.stopped = False
        self.timer = QTimer(self)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.send)
        page.send_requested.connect(self.send)
        page.enrol_requested.connect(self.enrol)
        page.share_toggled.connect(self.set_share)
        page.preview_requested.connect(self.preview)

    def stop(self) -> None:
        """Stop the timer and let a sync in flight finish its request (the window is closing and
        the device database is about to close): it stops between batches, bounded."""
        self.timer.stop()
        self.stopped = True
        self._queue.clear()
        if self.task is not None:
            self.task.cancel()
            self.task.wait(STOP_WAIT_S)

    def _store_changed(self, what: str) -> None:
        if what == ATTEMPT_FINISHED:  # its statements are queued: send them now
            self.send()

    def set_learner(self, name: str) -> None:
        self.learner = name
        if not self.timer.isActive():
            self.timer.start()
        self.refresh()

    def _outbox(self):
        from simdesk.core.sync.outbox import Outbox

        return Outbox(self._profiles().device)

    def _run(self, work, on_done, busy: str = "") -> None:
        """Run ``work(cancelled)`` in the window's pool, one sync job at a time, in order."""
        self._queue.append((work, on_done, busy))
        if self.task is None:
            self._next()

    def _next(self) -> None:
        if self.task is not None or not self._queue or self.stopped:
            return
        work, on_done, busy = self._queue.pop(0)
        self.page.set_busy(True, busy)

        def done(result) -> None:
            self.task = None
            self.page.set_busy(False)
            on_done(result)
            self._next()

        def failed(exc: Exception) -> None:
            self.task = None
            self.page.set_busy(False)
            self.page.show_error(describe_error(exc))
            self._next()

        self.task = self._ops.background(lambda _report, cancelled: work(cancelled),
                                         success=done, failure=failed)  # fmt: skip

    def _state(self):
        from simdesk.core.store.profiles import profile_slug

        outbox = self._outbox()
        shares = None
        if self.learner:
            shares = not outbox.opted_out(profile_slug(self.learner))
        return outbox.status(), shares

    def refresh(self) -> None:
        learner = self.learner
        self._run(
            lambda _cancelled: self._state(),
            lambda state: self.page.show_status(state[0], learner, state[1]),
        )

    def send(self) -> None:
        learner = self.learner

        def work(cancelled):
            outbox = self._outbox()
            if outbox.endpoint() is not None and outbox.counts().get("pending", 0):
                outbox.sync(
                    tries=2,
                    timeout=REQUEST_TIMEOUT_S,
                    cancelled=cancelled,
                    sleep=lambda s: None if cancelled() else time.sleep(min(s, 5)),
                )
            return self._state()

        self._run(work, lambda state: self.page.show_status(state[0], learner, state[1]),
                  "Sending…")  # fmt: skip

    def enrol(self, token: str) -> None:
        learner = self.learner

        def work(_cancelled):
            from simdesk.core.store.profiles import INSTRUCTOR
            from simdesk.core.sync.client import SyncError

            if not learner or self._profiles().get(learner).role != INSTRUCTOR:
                raise SyncError(
                    "Only the instructor enrols this computer with a programme.",
                    "Ask your instructor to sign in and enrol it here.",
                )
            self._outbox().enrol(token, timeout=REQUEST_TIMEOUT_S)
            return self._state()

        def enrolled(state) -> None:
            self.page.token.clear()
            self.page.show_status(state[0], learner, state[1])
            self.send()

        self._run(work, enrolled, "Enrolling…")

    def set_share(self, on: bool) -> None:
        from simdesk.core.store.profiles import profile_slug

        learner = self.learner
        if not learner:
            return

        def work(_cancelled):
            self._outbox().set_opt_out(profile_slug(learner), not on)
            return self._state()

        self._run(work, lambda state: self.page.show_status(state[0], learner, state[1]))

    def preview(self) -> None:
        learner = self.learner

        def work(_cancelled):
            return [json.loads(r.body) for r in self._outbox().pending_batch(30)], self._state()

        def show(result) -> None:
            statements, state = result
            self.page.show_status(state[0], learner, state[1])
            self.page.show_preview(statements)

        self._run(work, show)
