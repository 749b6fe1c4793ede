"""The progress dashboard: competencies, attempts over time, today's review queue, export."""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from simdesk.ui.charts import BarChart, LineChart

EXPORT_WARNING = (
    "An exported report is <b>not encrypted</b>: anyone who can open the file can read your "
    "scores and the items you missed. Save it only where you mean to share it (for example on "
    "your instructor's stick), and delete it when it is no longer needed."
)


@dataclass(frozen=True)
class ReviewRow:
    case_id: str
    case_title: str
    item: str
    why: str
    lapses: int


@dataclass(frozen=True)
class PastAttempt:
    attempt_id: int
    case_id: str
    title: str
    when: str
    percent: float


@dataclass(frozen=True)
class ProgressView:
    """What the dashboard shows, computed off the GUI thread from the learner's history."""

    attempts: int
    mean_percent: float | None
    percents: list[float] = field(default_factory=list)
    domain_mastery: list[tuple[str, float | None]] = field(default_factory=list)
    competencies: list[tuple[str, str, float, float, int]] = field(default_factory=list)
    reviews: list[ReviewRow] = field(default_factory=list)
    past: list[PastAttempt] = field(default_factory=list)  # newest first


class ProgressPage(QWidget):
    """Emits ``practise_requested(case_id)`` and ``export_requested(path)``."""

    practise_requested = Signal(str)
    export_requested = Signal(Path)
    debrief_requested = Signal(int, str)  # attempt id, case id

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.summary = QLabel("<h2>Your progress</h2>")
        self.summary.setObjectName("progressSummary")
        top.addWidget(self.summary, 1)
        self.export_button = QPushButton("&Export report…")
        self.export_button.setToolTip("Save a printable progress report (HTML) or a table (CSV)")
        self.export_button.clicked.connect(self.request_export)
        top.addWidget(self.export_button)
        layout.addLayout(top)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("<b>Mastery by domain</b> (all specialties)"))
        self.mastery_note = QLabel(
            "Mastery is an estimate from all your attempts, not one debrief's score: it starts "
            "from an even guess and recent attempts count most, so one item met in full shows "
            "as 67% until more attempts confirm it."
        )
        self.mastery_note.setObjectName("masteryNote")
        self.mastery_note.setWordWrap(True)
        column.addWidget(self.mastery_note)
        self.domain_chart = BarChart()
        self.domain_chart.setObjectName("masteryChart")
        column.addWidget(self.domain_chart)
        column.addWidget(QLabel("<b>Competencies</b> (domain in a specialty)"))
        self.competencies = QTableWidget(0, 5)
        self.competencies.setObjectName("competencies")
        self.competencies.setHorizontalHeaderLabels(
            ["Specialty", "Domain", "Mastery", "Uncertainty", "Attempts"]
        )
        self.competencies.horizontalHeaderItem(3).setToolTip(
            "How sure the estimate is, in percentage points: fewer attempts, wider margin"
        )
        self.competencies.verticalHeader().hide()
        self.competencies.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.competencies.setTabKeyNavigation(False)
        header = self.competencies.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for n in range(1, 5):
            header.setSectionResizeMode(n, QHeaderView.ResizeMode.ResizeToContents)
        column.addWidget(self.competencies, 1)
        split.addWidget(left)

        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("<b>Score over your attempts</b>"))
        self.line = LineChart()
        self.line.setObjectName("attemptsChart")
        column.addWidget(self.line)
        column.addWidget(QLabel("<b>Due for review today</b> (items you missed, spaced by FSRS)"))
        self.reviews = QListWidget()
        self.reviews.setObjectName("reviewQueue")
        self.reviews.setWordWrap(True)
        self.reviews.itemActivated.connect(lambda _item: self._practise())
        column.addWidget(self.reviews, 1)
        self.practise_button = QPushButton("P&ractise the selected case")
        self.practise_button.clicked.connect(self._practise)
        column.addWidget(self.practise_button)
        column.addWidget(QLabel("<b>Past attempts</b>"))
        self.past = QTableWidget(0, 3)
        self.past.setObjectName("pastAttempts")
        self.past.setHorizontalHeaderLabels(["When", "Case", "Score"])
        self.past.verticalHeader().hide()
        self.past.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.past.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.past.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.past.setTabKeyNavigation(False)
        past_header = self.past.horizontalHeader()
        past_header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        past_header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.past.itemActivated.connect(lambda _item: self._open_debrief())
        column.addWidget(self.past, 1)
        self.open_debrief_button = QPushButton("&Open its debrief")
        self.open_debrief_button.clicked.connect(self._open_debrief)
        column.addWidget(self.open_debrief_button)
        split.addWidget(right)
        split.setSizes([600, 600])
        layout.addWidget(split, 1)
        self.warning: QMessageBox | None = None
        self.file_dialog: QFileDialog | None = None
        self.past_rows: list[PastAttempt] = []

    def show_progress(self, name: str, view: ProgressView) -> None:
        mean = f"mean score {view.mean_percent:.0f}%" if view.mean_percent is not None else ""
        self.summary.setText(
            f"<h2 style='margin:0'>Progress of {html.escape(name)}</h2>"
            f"{view.attempts} scored attempt{'s' if view.attempts != 1 else ''}"
            + (f"; {mean}" if mean else " - finish a case to see your progress here.")
        )
        self.domain_chart.set_bars(view.domain_mastery)
        self.line.set_values(view.percents)
        self.competencies.setRowCount(len(view.competencies))
        for row, (specialty, domain, mean_pct, sd_pct, attempts) in enumerate(view.competencies):
            cells = (specialty, domain, f"{mean_pct:.0f}%", f"± {sd_pct:.0f} points",
                     str(attempts))  # fmt: skip
            for column, text in enumerate(cells):
                self.competencies.setItem(row, column, QTableWidgetItem(text))
        self.reviews.clear()
        for review in view.reviews:
            item = QListWidgetItem(
                f"{review.case_title}: {review.item} (missed {review.lapses}×)\n    {review.why}"
            )
            item.setData(Qt.ItemDataRole.UserRole, review.case_id)
            self.reviews.addItem(item)
        if not view.reviews:
            self.reviews.addItem("Nothing is due today.")
        self.practise_button.setEnabled(bool(view.reviews))
        self.export_button.setEnabled(view.attempts > 0)
        self.past_rows = list(view.past)
        self.past.setRowCount(len(view.past))
        for row, past in enumerate(view.past):
            for column, text in enumerate((past.when, past.title, f"{past.percent:.0f}%")):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.past.setItem(row, column, item)
        self.open_debrief_button.setEnabled(bool(view.past))
        if view.past:
            self.past.setCurrentCell(0, 0)
        if view.reviews:
            self.reviews.setCurrentRow(0)

    def _open_debrief(self) -> None:
        row = self.past.currentRow()
        if 0 <= row < len(self.past_rows):
            past = self.past_rows[row]
            self.debrief_requested.emit(past.attempt_id, past.case_id)

    def _practise(self) -> None:
        item = self.reviews.currentItem()
        case_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        if case_id:
            self.practise_requested.emit(case_id)

    # -- export: warn first, then ask where ---------------------------------------------------

    def request_export(self) -> None:
        self.warning = QMessageBox(
            QMessageBox.Icon.Warning,
            "Export an unencrypted report",
            EXPORT_WARNING,
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
            self,
        )
        self.warning.button(QMessageBox.StandardButton.Save).setText("Choose where to save…")
        self.warning.accepted.connect(self._choose_file)
        self.warning.open()

    def _choose_file(self) -> None:
        self.file_dialog = QFileDialog(self, "Save the progress report")
        self.file_dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.file_dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.file_dialog.setNameFilters(["Printable report (*.html)", "Table for a spreadsheet "
                                         "(*.csv)"])  # fmt: skip
        self.file_dialog.setDefaultSuffix("html")
        self.file_dialog.selectFile("simdesk-progress.html")
        self.file_dialog.fileSelected.connect(lambda path: self.export_requested.emit(Path(path)))
        self.file_dialog.open()
