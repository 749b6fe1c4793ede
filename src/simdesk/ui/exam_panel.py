"""The examination panel: pick a region, then a manoeuvre (or the whole region), or type a sign.

The engine examines what a typed request names (``Encounter.examine(text)``); a button sends
"<Region>: <manoeuvre>" ("Abdomen: palpate"), which the engine's :class:`ExamMatcher` reads as
exactly that region and manoeuvre, and which the transcript and the debrief show as sent.
Buttons are offered for the manoeuvres a region has (the catalog's normal or the case's own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

if TYPE_CHECKING:
    from simdesk.core.cases.catalog import Catalog
    from simdesk.core.cases.schema import Case

WHOLE = "whole"
BUTTON_TEXT = {
    WHOLE: "Whole region",
    "inspection": "Inspect",
    "palpation": "Palpate",
    "percussion": "Percuss",
    "auscultation": "Auscultate",
    "special": "Special tests",
}


def _may_be_pregnant(case: Case) -> bool:
    return case.patient.sex == "female" and 10 <= case.patient.age_years <= 60


def exam_requests(case: Case, catalog: Catalog) -> dict[str, dict[str, str]]:
    """For each region, the request text of each manoeuvre (and ``whole``) it has: the catalog's
    normal findings there or the case's own."""
    from simdesk.core.cases.schema import MANOEUVRE_ORDER
    from simdesk.core.sim.matching import exam_request_text

    found: dict[str, dict[str, str]] = {}
    for region, entry in catalog.examination.regions.items():
        own = any(f.region == region for f in case.examination.findings)
        if region == "obstetric" and not own and not _may_be_pregnant(case):
            continue  # no obstetric examination of a man or a child
        wanted = {*entry.normal, *(f.manoeuvre for f in case.examination.findings
                                   if f.region == region)}  # fmt: skip
        found[region] = {WHOLE: exam_request_text(region, None)}
        for manoeuvre in MANOEUVRE_ORDER:
            if manoeuvre in wanted:
                found[region][manoeuvre] = exam_request_text(region, manoeuvre)
    return found


class ExamPanel(QWidget):
    """Emits ``examine_requested(text)``; shows the findings the page hands back."""

    examine_requested = Signal(str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(QLabel("Region:"))
        self.regions = QListWidget()
        self.regions.setObjectName("examRegions")
        self.regions.setMaximumWidth(190)
        self.regions.currentItemChanged.connect(lambda *_: self._region_changed())
        self.regions.itemActivated.connect(lambda _item: self._examine(WHOLE))
        left.addWidget(self.regions, 1)
        layout.addLayout(left)
        right = QVBoxLayout()
        grid = QGridLayout()
        self.buttons: dict[str, QPushButton] = {}
        for n, key in enumerate(BUTTON_TEXT):
            button = QPushButton(BUTTON_TEXT[key])
            button.clicked.connect(lambda _=False, k=key: self._examine(k))
            grid.addWidget(button, n // 3, n % 3)
            self.buttons[key] = button
        right.addLayout(grid)
        row = QHBoxLayout()
        self.free_text = QLineEdit()
        self.free_text.setPlaceholderText("Or name a sign: e.g. capillary refill, Kernig's sign")
        self.free_text.returnPressed.connect(self._examine_text)
        row.addWidget(self.free_text, 1)
        go = QPushButton("Examine")
        go.clicked.connect(self._examine_text)
        row.addWidget(go)
        right.addLayout(row)
        self.findings = QListWidget()
        self.findings.setObjectName("examFindings")
        self.findings.setWordWrap(True)
        right.addWidget(QLabel("Findings:"))
        right.addWidget(self.findings, 1)
        layout.addLayout(right, 1)
        self.requests: dict[str, dict[str, str]] = {}

    def set_case(self, case: Case, catalog: Catalog) -> None:
        from simdesk.core.sim.matching import region_label

        self.requests = exam_requests(case, catalog)
        self.regions.clear()
        self.findings.clear()
        for region in self.requests:
            item = QListWidgetItem(region_label(region))
            item.setData(Qt.ItemDataRole.UserRole, region)
            self.regions.addItem(item)
        self.regions.setCurrentRow(0)

    def region(self) -> str | None:
        item = self.regions.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item else None

    def _region_changed(self) -> None:
        available = self.requests.get(self.region() or "", {})
        for key, button in self.buttons.items():
            # Disabled, never hidden: the buttons keep their places between regions.
            button.setEnabled(key in available)

    def _examine(self, key: str) -> None:
        text = self.requests.get(self.region() or "", {}).get(key)
        if text:
            self.examine_requested.emit(text)

    def _examine_text(self) -> None:
        text = self.free_text.text().strip()
        if text:
            self.free_text.clear()
            self.examine_requested.emit(text)

    def add_finding(self, minute: float, text: str, abnormal: bool) -> None:
        item = QListWidgetItem(f"[{minute:g} min] {text}")
        if abnormal:
            font = item.font()
            font.setBold(True)
            item.setFont(font)
        self.findings.insertItem(0, item)
        self.findings.setCurrentRow(0)
