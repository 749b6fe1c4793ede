"""The examination panel: pick a region, then a manoeuvre (or the whole region), or type a sign.

The engine examines what a typed request names (``Encounter.examine(text)``). It has no call
that takes a region and a manoeuvre, so this adapter finds, once per case, a request wording
that the engine's own :class:`ExamMatcher` resolves to exactly that region and manoeuvre;
buttons are offered only for the pairs that resolve.
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
    from simdesk.core.sim.matching import ExamMatcher

WHOLE = "whole"
VERBS = {
    WHOLE: ("examine", "examine the"),
    "inspection": ("inspect", "look at", "observe"),
    "palpation": ("palpate", "feel"),
    "percussion": ("percuss",),
    "auscultation": ("auscultate", "listen to"),
    "special": ("special tests", "reflexes", "pupils", "fundoscopy"),
}
REGION_LABELS = {"ent": "Ear, nose and throat", "head_neck": "Head and neck"}
BUTTON_TEXT = {
    WHOLE: "Whole region",
    "inspection": "Inspect",
    "palpation": "Palpate",
    "percussion": "Percuss",
    "auscultation": "Auscultate",
    "special": "Special tests",
}


def exam_requests(case: Case, catalog: Catalog) -> dict[str, dict[str, str]]:
    """For each region, the request text of each manoeuvre (and ``whole``) the engine resolves."""
    from simdesk.core.cases.schema import MANOEUVRE_ORDER
    from simdesk.core.sim.matching import ExamMatcher

    matcher = ExamMatcher(case, catalog)
    found: dict[str, dict[str, str]] = {}
    for region, entry in catalog.examination.regions.items():
        phrases = [region.replace("_", " "), *entry.synonyms]
        wanted = {None, *entry.normal, *(f.manoeuvre for f in case.examination.findings
                                         if f.region == region)}  # fmt: skip
        for manoeuvre in [None, *MANOEUVRE_ORDER]:
            if manoeuvre not in wanted:
                continue
            key = manoeuvre or WHOLE
            for verb in VERBS[key]:
                text = next(
                    (
                        f"{verb} {phrase}"
                        for phrase in phrases
                        if _resolves(matcher, f"{verb} {phrase}", region, manoeuvre)
                    ),
                    None,
                )
                if text:
                    found.setdefault(region, {})[key] = text
                    break
    return found


def _resolves(matcher: ExamMatcher, text: str, region: str, manoeuvre: str | None) -> bool:
    request = matcher.match(text)
    if request is None or request.region != region or request.finding is not None:
        return False
    return manoeuvre is None or request.manoeuvre == manoeuvre


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
        self.requests = exam_requests(case, catalog)
        self.regions.clear()
        self.findings.clear()
        for region in self.requests:
            item = QListWidgetItem(REGION_LABELS.get(region, region.replace("_", " ").capitalize()))
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
