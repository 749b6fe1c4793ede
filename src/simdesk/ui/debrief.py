"""The debrief page: domain scores as a chart, rubric items with evidence that links to the
transcript, teaching points, the vitals over the encounter, the narrative; retry or next case.

The page is filled at once from the deterministic score; the model's narrative is written later
on the model thread (see ``MainWindow``) and replaces the template when it passes the guard.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from simdesk.ui.charts import BarChart, score_colour
from simdesk.ui.vitals import VitalsMonitor

if TYPE_CHECKING:
    from simdesk.core.assess.debrief import Debrief
    from simdesk.core.assess.scoring import Score


class DebriefPage(QWidget):
    """Emits ``retry_requested`` / ``next_requested`` / ``library_requested``."""

    retry_requested = Signal()
    next_requested = Signal()
    library_requested = Signal()
    cancel_narrative = Signal()
    error = Signal(object)
    exported = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 4, 8, 4)
        top = QHBoxLayout()
        self.summary = QLabel()
        self.summary.setObjectName("debriefSummary")
        self.summary.setWordWrap(True)
        top.addWidget(self.summary, 1)
        self.retry_button = QPushButton("&Retry this case")
        self.retry_button.clicked.connect(self.retry_requested)
        self.next_button = QPushButton("&Next case")
        self.next_button.clicked.connect(self.next_requested)
        self.library_button = QPushButton("Case &library")
        self.library_button.clicked.connect(self.library_requested)
        self.pdf_button = QPushButton("Export P&DF…")
        self.pdf_button.setToolTip("Save this debrief with its charts as a PDF (not encrypted)")
        self.pdf_button.clicked.connect(self.request_pdf)
        for button in (self.retry_button, self.next_button, self.library_button, self.pdf_button):
            top.addWidget(button)
        layout.addLayout(top)

        split = QSplitter(Qt.Orientation.Horizontal)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("<b>Scores by domain</b>"))
        self.chart = BarChart()
        self.chart.setObjectName("domainChart")
        column.addWidget(self.chart)
        column.addWidget(QLabel("<b>Vital signs over the encounter</b>"))
        self.monitor = VitalsMonitor()
        column.addWidget(self.monitor)
        column.addWidget(QLabel("<b>Summary</b>"))
        self.narrative = QLabel()
        self.narrative.setObjectName("narrative")
        self.narrative.setWordWrap(True)
        self.narrative.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.narrative.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # Scrolls when the text is long or large: never cut off at the bottom.
        scroll = QScrollArea()
        scroll.setObjectName("narrativeScroll")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(self.narrative)
        column.addWidget(scroll, 1)
        progress_row = QHBoxLayout()
        self.narrative_progress = QProgressBar()
        self.narrative_progress.setRange(0, 0)
        self.narrative_progress.setFormat("The local model is writing a summary…")
        self.narrative_progress.setTextVisible(True)
        progress_row.addWidget(self.narrative_progress, 1)
        self.narrative_cancel = QPushButton("Cancel")
        self.narrative_cancel.clicked.connect(self.cancel_narrative)
        progress_row.addWidget(self.narrative_cancel)
        column.addLayout(progress_row)
        split.addWidget(left)

        self.items = QTextBrowser()
        self.items.setObjectName("rubricItems")
        self.items.setOpenLinks(False)
        self.items.anchorClicked.connect(self._follow)
        split.addWidget(self.items)
        self.transcript = QTextBrowser()
        self.transcript.setObjectName("debriefTranscript")
        split.addWidget(self.transcript)
        split.setSizes([440, 460, 360])
        layout.addWidget(split, 1)
        self.set_narrative_busy(False)
        self.debrief: Debrief | None = None
        self.score: Score | None = None
        self.followed: int | None = None
        self.narrative_done = True
        self.warning: QMessageBox | None = None
        self.file_dialog: QFileDialog | None = None
        self._plan = self._notes = self._mode = self._learner = ""
        self._when: datetime | None = None
        self.printed_text = ""
        self._narrative: tuple[str, bool] = ("", False)

    # -- PDF: warn first, then ask where, then write with Qt's PDF writer ----------------------

    def request_pdf(self) -> None:
        from simdesk.ui.progress_page import EXPORT_WARNING

        self.warning = QMessageBox(
            QMessageBox.Icon.Warning, "Export an unencrypted debrief",
            EXPORT_WARNING.replace("report", "debrief").replace("scores and", "score and"),
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel, self,
        )  # fmt: skip
        self.warning.button(QMessageBox.StandardButton.Save).setText("Choose where to save…")
        self.warning.accepted.connect(self._choose_pdf)
        self.warning.open()

    def _choose_pdf(self) -> None:
        self.file_dialog = QFileDialog(self, "Save the debrief as PDF")
        self.file_dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        self.file_dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.file_dialog.setNameFilters(["PDF (*.pdf)"])
        self.file_dialog.setDefaultSuffix("pdf")
        self.file_dialog.selectFile(self.suggested_file_name())
        self.file_dialog.fileSelected.connect(lambda path: self._export_chosen(Path(path)))
        self.file_dialog.open()

    def suggested_file_name(self) -> str:
        """simdesk-debrief-CASE-DATE.pdf: several debriefs saved in one folder stay apart."""
        case = self.debrief.case_id if self.debrief is not None else "case"
        date = f"-{self._when:%Y-%m-%d-%H%M}" if self._when is not None else ""
        return f"simdesk-debrief-{case}{date}.pdf"

    def _export_chosen(self, path: Path) -> None:
        try:
            self.export_pdf(path)
        except OSError as exc:
            from simdesk.core.errors import SimdeskError

            self.error.emit(SimdeskError(f"Could not write {path}: {exc.strerror or exc}.",
                                         "Choose another folder with free space."))  # fmt: skip
            return
        self.exported.emit(str(path))

    def export_pdf(self, path: Path) -> Path:
        """Write the debrief, its domain chart and vitals chart, to ``path`` (A4, paginated).

        Written beside the target first and renamed into place: never a half-written file.
        """
        from PySide6.QtCore import QMarginsF
        from PySide6.QtGui import QPageLayout, QPageSize, QPdfWriter, QTextDocument

        if self.debrief is None:
            raise ValueError("no debrief to export")
        doc = QTextDocument()
        images = {"chart": self.chart, "vitals": self.monitor}
        for name, widget in images.items():
            picture = widget.grab()
            if picture.width() < 10:  # not laid out yet (page not shown): render at a set size
                widget.resize(640, 220)
                picture = widget.grab()
            doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(f"img:{name}"),
                            picture.toImage())  # fmt: skip
        from simdesk.app.reports import debrief_print_html

        text, by_model = self._narrative
        doc.setHtml(debrief_print_html(
            self.debrief, self.score, colour=score_colour(self.debrief.percent).name(),
            narrative=text, by_model=by_model, plan=self._plan, notes=self._notes, mode=self._mode,
            learner=self._learner, when=self._when,
        ))  # fmt: skip
        self.printed_text = doc.toPlainText()  # what went on paper (tests read it)
        partial = path.with_name(f".{path.name}.partial")
        writer = QPdfWriter(str(partial))
        writer.setPageLayout(QPageLayout(QPageSize(QPageSize.PageSizeId.A4),
                                         QPageLayout.Orientation.Portrait,
                                         QMarginsF(15, 15, 15, 15)))  # fmt: skip
        writer.setTitle(f"simdesk debrief: {self.debrief.title}"
                        + (f" - {self._learner}" if self._learner else ""))  # fmt: skip
        writer.setCreator("simdesk")
        writer.setResolution(150)
        doc.print_(writer)
        del writer  # flushes and closes the file
        partial.replace(path)
        return path

    def show_debrief(
        self, debrief: Debrief, score: Score, *, age_years: float, plan: str = "",
        notes: str = "", mode: str = "", learner: str = "", when: datetime | None = None,
    ) -> None:  # fmt: skip
        """``learner`` and ``when`` (naive UTC, the submission) are printed on the PDF."""
        self.debrief, self.score = debrief, score
        self._plan, self._notes, self._mode = plan, notes, mode
        self._learner, self._when = learner, when
        self.followed: int | None = None
        from simdesk.app import reports  # when a debrief is first shown, not at start-up

        colour = score_colour(debrief.percent).name()
        self.summary.setText(reports.debrief_heading_html(debrief, score, colour=colour, mode=mode))
        self.chart.set_bars([(d.domain, d.percent) for d in score.domains if d.out_of > 0])
        self.monitor.reset(age_years)
        for entry in debrief.timeline:
            self.monitor.record(entry.minute, entry.vitals)
        self.show_narrative(debrief.narrative, by_model=debrief.narrative_by_model)
        self.items.setHtml(reports.debrief_items_html(debrief, score, plan=plan, notes=notes))
        self.transcript.setHtml(reports.transcript_html(debrief))
        self.next_button.setFocus()

    def show_narrative(self, text: str, *, by_model: bool, note: str = "") -> None:
        from simdesk.app.reports import debrief_narrative_html

        self._narrative = (text, by_model)
        self.narrative.setText(debrief_narrative_html(text, by_model=by_model))
        # Why the model's own text was not used is for instructors, not in the learner's way.
        self.narrative.setToolTip(f"The model's text was not used: {note}" if note else "")

    def set_narrative_busy(self, busy: bool) -> None:
        self.narrative_progress.setVisible(busy)
        self.narrative_cancel.setVisible(busy)

    def _follow(self, url: QUrl) -> None:
        target = url.toString()
        if target.startswith("seq:") and self.debrief is not None:
            from simdesk.app.reports import transcript_html

            self.followed = int(target.removeprefix("seq:"))
            self.transcript.setHtml(transcript_html(self.debrief, self.followed))
            self.transcript.scrollToAnchor(f"seq{self.followed}")
