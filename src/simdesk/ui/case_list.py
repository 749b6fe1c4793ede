"""The case library: every case with its specialty, setting, difficulty, time and the learner's
status; search and filters; the recommended next case with its reason; broken cases with the
reason they cannot be played."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from simdesk.core.text import joined_words

if TYPE_CHECKING:
    from simdesk.core.cases.library import CaseEntry

COLUMNS = ("Case", "Specialty", "Setting", "Difficulty", "Time", "Status")
CASE_SHARE = 0.4  # the case column keeps at least this share of the table's width
SPECIALTY_CHARS = (14, 22)  # a long specialty is cut to between these many letters' width
DROPPED_FIRST = ("Setting", "Difficulty", "Time", "Specialty")  # hidden in turn when narrow
STATUS = COLUMNS.index("Status")
ANY = "Any"
NEW, IN_PROGRESS, DONE, BROKEN = "New", "In progress", "Done", "Cannot be played"
STATUS_LABELS = (NEW, IN_PROGRESS, "Exam in progress", f"{DONE} 100%")  # the table's
STATUS_PADDING = 12  # a cell's margins beside its text


@dataclass(frozen=True)
class CaseStatus:
    """The learner's standing with one case, read from their store."""

    state: str  # NEW, IN_PROGRESS or DONE
    best: float | None = None  # best score of a finished attempt
    paused: str | None = None  # the mode of an unfinished attempt ("practice" or "exam")

    @property
    def label(self) -> str:
        done = f"{DONE} - best {self.best:.0f}%" if self.best is not None else ""
        if self.paused is None:
            return done or self.state
        paused = "Exam in progress" if self.paused == "exam" else IN_PROGRESS
        return f"{paused} ({done})" if done else paused

    @property
    def short_label(self) -> str:
        """The table's: an unfinished attempt says only that, a finished one its best score
        ("Done 40%"); the tooltip and the preview say it whole. 'Done - best 40%' widened the
        column until the case titles were cut at 1366x768."""
        if self.paused is None:
            return f"{DONE} {self.best:.0f}%" if self.best is not None else self.state
        return "Exam in progress" if self.paused == "exam" else IN_PROGRESS


@dataclass(frozen=True)
class Suggestion:
    case_id: str
    title: str
    reason: str


def setting_label(setting: str) -> str:
    return setting.replace("_", " ")


class CaseListPage(QWidget):
    """Emits ``start_requested(entry, mode)`` with mode ``practice`` or ``exam``."""

    start_requested = Signal(object, str)
    import_requested = Signal(Path)  # a case file or AgentClinic records, chosen to import

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.entries: list[CaseEntry] = []
        self.statuses: dict[str, CaseStatus] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Case library</h2>"))

        self.recommended = QFrame()
        self.recommended.setObjectName("recommended")
        self.recommended.setFrameShape(QFrame.Shape.StyledPanel)
        row = QHBoxLayout(self.recommended)
        self.recommended_label = QLabel()
        self.recommended_label.setWordWrap(True)
        row.addWidget(self.recommended_label, 1)
        self.recommended_button = QPushButton("Open")
        self.recommended_button.clicked.connect(self._open_recommended)
        row.addWidget(self.recommended_button)
        self.recommended.hide()
        self._suggestion: Suggestion | None = None
        layout.addWidget(self.recommended)

        filters = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search cases: title, patient, complaint… (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_filters)
        filters.addWidget(self.search, 2)
        self.filters: dict[str, QComboBox] = {}
        for name in ("Specialty", "Setting", "Difficulty", "Status"):
            box = QComboBox()
            box.setAccessibleName(f"{name} filter")
            box.setToolTip(f"Show only cases of this {name.lower()}")
            box.currentTextChanged.connect(self._apply_filters)
            filters.addWidget(QLabel(f"{name}:"))
            filters.addWidget(box, 1)
            self.filters[name] = box
        layout.addLayout(filters)

        split = QSplitter(Qt.Orientation.Horizontal)
        self.list = QTableWidget(0, len(COLUMNS))
        self.list.setObjectName("caseTable")
        self.list.setHorizontalHeaderLabels(COLUMNS)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.setTabKeyNavigation(False)
        self.list.verticalHeader().hide()
        self.list.setWordWrap(False)
        header = self.list.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        self.list.itemActivated.connect(lambda _item: self._start("practice"))
        self.list.currentCellChanged.connect(lambda *_: self._show_details())
        split.addWidget(self.list)

        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        self.details = QTextBrowser()
        self.details.setObjectName("caseDetails")
        side_layout.addWidget(self.details, 1)
        buttons = QHBoxLayout()
        self.start_button = QPushButton("Start p&ractice")
        self.start_button.setToolTip("Hints on request; nudges when something is missed (Enter)")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(lambda: self._start("practice"))
        self.exam_button = QPushButton("Start e&xam")
        self.exam_button.setToolTip("Timed, no hints; the debrief comes after you submit")
        self.exam_button.clicked.connect(self._confirm_exam)
        self.confirm: QMessageBox | None = None
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.exam_button)
        side_layout.addLayout(buttons)
        split.addWidget(side)
        split.setStretchFactor(0, 2)  # the table grows twice as fast as the preview
        split.setStretchFactor(1, 1)
        split.setSizes([940, 300])  # the preview wraps; the titles need the width
        split.splitterMoved.connect(lambda *_: self.fit_columns())
        layout.addWidget(split, 1)
        bottom = QHBoxLayout()
        self.count_label = QLabel()
        bottom.addWidget(self.count_label, 1)
        self.import_button = QPushButton("I&mport cases…")
        self.import_button.setToolTip("Add a case file (.yaml) or AgentClinic OSCE records "
                                      "(.jsonl) to this computer's library")  # fmt: skip
        self.import_button.clicked.connect(self.choose_import_file)
        self.import_button.hide()  # the instructor's (set_can_import)
        bottom.addWidget(self.import_button)
        layout.addLayout(bottom)
        self.file_dialog: QFileDialog | None = None
        self.list.setFocus()

    # -- column widths: the case column keeps its share of the table at any text size ---------

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_columns()

    def changeEvent(self, event) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            QTimer.singleShot(0, self, self.fit_columns)  # after the layouts have followed

    def fit_columns(self) -> None:
        """The case column keeps :data:`CASE_SHARE` of the table; the others are shown whole
        (status, time, difficulty, setting: short values of a known set), but for a long
        specialty, cut to the width of :data:`SPECIALTY_CHARS` (its tooltip has it whole). When
        they still do not fit (large text, a narrow window), the columns of
        :data:`DROPPED_FIRST` are hidden in turn: the preview and the filters still show them.
        Recomputed on resize, a text size change (both ways) and new statuses."""
        available = self.list.viewport().width()
        if available <= 0:
            return
        header = self.list.horizontalHeader()
        for column in range(1, len(COLUMNS)):
            self.list.setColumnHidden(column, False)  # measured shown
        wanted = {c: max(self.list.sizeHintForColumn(c), header.sectionSizeHint(c))
                  for c in range(1, len(COLUMNS))}  # fmt: skip
        # The status column is as wide as its longest label from the start, so the case titles
        # do not lose width when a case is played or paused ("Exam in progress", "Done 100%")
        widest = max(self.list.fontMetrics().horizontalAdvance(t) for t in STATUS_LABELS)
        wanted[STATUS] = max(wanted[STATUS], widest + STATUS_PADDING)
        specialty = COLUMNS.index("Specialty")
        floor, cap = (n * self.list.fontMetrics().averageCharWidth() for n in SPECIALTY_CHARS)
        floor = max(floor, header.sectionSizeHint(specialty))
        least = {**wanted, specialty: min(wanted[specialty], floor)}
        room = available - int(CASE_SHARE * available)
        shown = list(wanted)
        for name in DROPPED_FIRST:
            if sum(least[c] for c in shown) <= room:
                break
            shown.remove(COLUMNS.index(name))
        for column in wanted:
            self.list.setColumnHidden(column, column not in shown)
        widths = {c: wanted[c] for c in shown if c != specialty}
        if specialty in shown:
            left = room - sum(widths.values())
            widths[specialty] = max(least[specialty], min(wanted[specialty], left, cap))
        for column, width in widths.items():
            self.list.setColumnWidth(column, width)

    # -- importing (the instructor's) ---------------------------------------------------------

    def set_can_import(self, allowed: bool) -> None:
        self.import_button.setVisible(allowed)

    def choose_import_file(self) -> None:
        self.file_dialog = QFileDialog(self, "Import cases")
        self.file_dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        self.file_dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.file_dialog.setNameFilters(["Cases (*.yaml *.yml *.jsonl)", "All files (*)"])
        self.file_dialog.fileSelected.connect(lambda path: self.import_requested.emit(Path(path)))
        self.file_dialog.open()

    def set_import_busy(self, busy: bool) -> None:
        self.import_button.setEnabled(not busy)
        self.import_button.setText("Importing…" if busy else "I&mport cases…")

    def show_case(self, case_id: str) -> bool:
        """Select ``case_id``, clearing the search and filters if they hide it."""
        if self.select_case(case_id):
            return True
        for box in self.filters.values():
            box.setCurrentText(ANY)
        self.search.clear()
        return self.select_case(case_id)

    # -- content ------------------------------------------------------------------------------

    def set_entries(self, entries: list[CaseEntry]) -> None:
        self.entries = list(entries)
        playable = [e.case for e in self.entries if e.case is not None]
        values = {
            "Specialty": sorted({c.meta.specialty for c in playable}),
            "Setting": sorted({setting_label(c.meta.setting) for c in playable}),
            "Difficulty": [
                d
                for d in ("foundation", "intermediate", "advanced")
                if d in {c.meta.difficulty for c in playable}
            ],
            "Status": [NEW, IN_PROGRESS, DONE, BROKEN],
        }
        for name, box in self.filters.items():
            box.blockSignals(True)
            current = box.currentText()
            box.clear()
            box.addItems([ANY, *values[name]])
            box.setCurrentText(current if current in values[name] else ANY)
            box.blockSignals(False)
        self._fill()

    def set_statuses(self, statuses: dict[str, CaseStatus]) -> None:
        self.statuses = dict(statuses)
        self._fill()

    def set_recommendation(self, suggestion: Suggestion | None) -> None:
        self._suggestion = suggestion
        if suggestion is None:
            self.recommended.hide()
            return
        self.recommended_label.setText(
            f"<b>Recommended next:</b> {_esc(suggestion.title)}<br>"
            f"<i>Why:</i> {_esc(suggestion.reason)}"
        )
        self.recommended.show()

    def status_of(self, entry: CaseEntry) -> CaseStatus | None:
        if entry.case is None:
            return None
        return self.statuses.get(entry.case.meta.id, CaseStatus(NEW))

    def _fill(self) -> None:
        selected = self.current_entry()
        self.list.setRowCount(len(self.entries))
        for row, entry in enumerate(self.entries):
            if entry.case is not None:
                meta, patient = entry.case.meta, entry.case.patient
                cells = (
                    f"{meta.title} — {patient.name}, {patient.age_label}",
                    meta.specialty,
                    setting_label(meta.setting),
                    meta.difficulty,
                    f"{meta.estimated_minutes} min",
                    self.status_of(entry).short_label,
                )
            else:
                cells = (entry.path.name, "", "", "", "", BROKEN)  # the reason is in the details
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, entry)
                if entry.case is None:
                    item.setForeground(QColor("#a40000"))
                    item.setToolTip(str(entry.error))
                if entry.case is not None:  # a long title is cut off in the column
                    item.setToolTip(self.status_of(entry).label if column == STATUS else text)
                self.list.setItem(row, column, item)
        self._apply_filters()
        if selected is not None and not self._select(lambda e: e is selected) or selected is None:
            self._select_first_visible()
        self._show_details()  # the preview shows the status the table shows
        self.fit_columns()

    def _matches(self, entry: CaseEntry) -> bool:
        wanted = {name: box.currentText() for name, box in self.filters.items()}
        status = self.status_of(entry)
        state = BROKEN if status is None else status.state
        if wanted["Status"] not in (ANY, "", state):
            return False
        query = joined_words(self.search.text())
        if entry.case is None:
            others = [wanted[k] for k in ("Specialty", "Setting", "Difficulty")]
            return all(v in (ANY, "") for v in others) and (
                not query or query in joined_words(entry.path.name)
            )
        meta, patient = entry.case.meta, entry.case.patient
        checks = {
            "Specialty": meta.specialty,
            "Setting": setting_label(meta.setting),
            "Difficulty": meta.difficulty,
        }
        if any(wanted[k] not in (ANY, "", v) for k, v in checks.items()):
            return False
        haystack = joined_words(
            " ".join(
                # Not the tags: they name the diagnosis, which the learner finds out by playing.
                [meta.title, meta.specialty, patient.name, patient.presenting_complaint]
            )
        )
        return all(word in haystack for word in query.split())

    def _apply_filters(self) -> None:
        shown = 0
        for row, entry in enumerate(self.entries):
            hidden = not self._matches(entry)
            self.list.setRowHidden(row, hidden)
            shown += not hidden
        broken = sum(1 for e in self.entries if e.case is None)
        note = f"; {broken} cannot be played (see the reason in red)" if broken else ""
        self.count_label.setText(f"{shown} of {len(self.entries)} cases shown{note}.")
        current = self.list.currentRow()
        if current < 0 or self.list.isRowHidden(current):
            self._select_first_visible()

    def _select_first_visible(self) -> None:
        for row in range(self.list.rowCount()):
            if not self.list.isRowHidden(row):
                self.list.setCurrentCell(row, 0)
                return
        self._show_details()

    def _select(self, predicate) -> bool:
        for row, entry in enumerate(self.entries):
            if predicate(entry) and not self.list.isRowHidden(row):
                self.list.setCurrentCell(row, 0)
                return True
        return False

    def select_case(self, case_id: str) -> bool:
        """Make the case with ``case_id`` the current row; False if it is not shown."""
        return self._select(lambda e: e.case is not None and e.case.meta.id == case_id)

    def current_entry(self) -> CaseEntry | None:
        row = self.list.currentRow()
        if row < 0 or row >= len(self.entries) or self.list.isRowHidden(row):
            return None
        return self.entries[row]

    def _show_details(self) -> None:
        entry = self.current_entry()
        playable = entry is not None and entry.case is not None
        self.start_button.setEnabled(playable)
        self.exam_button.setEnabled(playable)
        if entry is None:
            self.details.setHtml("<p>No case matches the search and filters.</p>")
            return
        if entry.case is None:
            self.details.setHtml(
                f"<h3 style='color:#a40000'>{_esc(entry.path.name)} cannot be played</h3>"
                f"<p>File: {_esc(str(entry.path))}</p>"
                f"<p>{_esc(_problems_text(entry)).replace(chr(10), '<br>')}</p>"
                "<p>Fix the file (run <code>simdesk cases validate</code> for every problem) "
                "or ask your instructor. The other cases are not affected.</p>"
            )
            return
        case = entry.case
        meta, patient = case.meta, case.patient
        status = self.status_of(entry)
        paused = status.paused
        self.start_button.setText("Resume p&ractice" if paused == "practice"
                                  else "Start p&ractice")  # fmt: skip
        self.exam_button.setText("Resume e&xam" if paused == "exam" else "Start e&xam")
        self.start_button.setEnabled(paused != "exam")
        self.start_button.setToolTip(
            "Finish your exam on this case first (Resume exam)" if paused == "exam"
            else "Hints on request; nudges when something is missed (Enter)"
        )  # fmt: skip
        resume = (
            "<p><b>You left this case unfinished.</b> It resumes where you left it"
            + (", with the exam time you had left." if paused == "exam" else ".") + "</p>"
            if paused else ""
        )  # fmt: skip
        # Only what a clinician knows at the door: who, where, why they came. Never the
        # learning objectives, tags or guideline, which name the diagnosis and treatment.
        self.details.setHtml(
            f"<h3>{_esc(meta.title)}</h3>"
            f"<p><b>{_esc(patient.name)}</b>, {patient.age_label}, {patient.sex}"
            + (f", {_esc(patient.occupation)}" if patient.occupation else "")
            + "</p>"
            f"<p>Setting: {_esc(setting_label(meta.setting))}<br>"
            f"Complaint: {_esc(patient.presenting_complaint)}</p>"
            f"<p>About {meta.estimated_minutes} min · {meta.difficulty}<br>"
            f"Your status: {_esc(status.label)}</p>{resume}"
            "<p><small>The debrief after the case names the guideline it follows.</small></p>"
        )

    def _start(self, mode: str) -> None:
        entry = self.current_entry()
        if entry is not None and entry.case is not None:
            self.start_requested.emit(entry, mode)

    def _confirm_exam(self) -> None:
        """An exam is timed and cannot be restarted: ask before starting one."""
        entry = self.current_entry()
        if entry is None or entry.case is None:
            return
        status = self.status_of(entry)
        if status is not None and status.paused == "exam":
            self._start("exam")  # resuming needs no confirmation
            return
        minutes = entry.case.meta.estimated_minutes
        self.confirm = QMessageBox(
            QMessageBox.Icon.Question, "Start the exam?",
            f"Start the exam on '{entry.case.meta.title}'?\n\nYou have {minutes} minutes and no "
            "hints. Locking pauses the clock; the exam cannot be started again fresh. The "
            "debrief comes after you submit.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        self.confirm.button(QMessageBox.StandardButton.Yes).setText("&Start exam")
        self.confirm.setDefaultButton(QMessageBox.StandardButton.Cancel)
        self.confirm.accepted.connect(lambda: self._start("exam"))
        self.confirm.open()

    def _open_recommended(self) -> None:
        if self._suggestion is not None:
            for box in self.filters.values():
                box.setCurrentText(ANY)
            self.search.clear()
            self.select_case(self._suggestion.case_id)
            self.list.setFocus()


def _esc(text: str) -> str:
    return html.escape(text)


def _problems_text(entry: CaseEntry) -> str:
    """The validation problems with the file's path said once, not on every line."""
    text = str(entry.error).replace(f"Case file {entry.path} ", "The file ")
    return text.replace(f"{entry.path}:", "line ")
