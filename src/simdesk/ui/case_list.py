"""The case library page: every case, broken ones listed with the reason."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from simdesk.core.cases.library import CaseEntry


class CaseListPage(QWidget):
    start_requested = Signal(object)  # CaseEntry

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        title = QLabel("<h2>Cases</h2>Choose a patient to see. Double-click or press Enter.")
        layout.addWidget(title)
        self.list = QListWidget()
        self.list.itemActivated.connect(self._activated)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.start_button = QPushButton("Start case")
        self.start_button.setDefault(True)
        self.start_button.clicked.connect(lambda: self._activated(self.list.currentItem()))
        row.addWidget(self.start_button)
        layout.addLayout(row)

    def set_entries(self, entries: list[CaseEntry]) -> None:
        self.list.clear()
        for entry in entries:
            if entry.case is not None:
                meta, patient = entry.case.meta, entry.case.patient
                text = (
                    f"{meta.title}\n    {patient.name}, {patient.age_label}, {patient.sex} · "
                    f"{meta.specialty} · {meta.setting.replace('_', ' ')} · {meta.difficulty} · "
                    f"about {meta.estimated_minutes} min"
                )
            else:
                text = (
                    f"{entry.path.name} — cannot be played\n    {entry.error.what.splitlines()[0]}"
                )
            item = QListWidgetItem(text)
            item.setData(Qt.ItemDataRole.UserRole, entry)
            if entry.case is None:
                item.setToolTip(str(entry.error))
                item.setForeground(Qt.GlobalColor.darkRed)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)

    def select_case(self, case_id: str) -> bool:
        """Make the case with ``case_id`` the current row; False if it is not listed."""
        for row in range(self.list.count()):
            entry: CaseEntry = self.list.item(row).data(Qt.ItemDataRole.UserRole)
            if entry.case is not None and entry.case.meta.id == case_id:
                self.list.setCurrentRow(row)
                return True
        return False

    def _activated(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        entry: CaseEntry = item.data(Qt.ItemDataRole.UserRole)
        if entry.case is not None:
            self.start_requested.emit(entry)
