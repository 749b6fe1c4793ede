"""Settings: the model (registry entries with size, quantisation and licence; import a GGUF file
with progress and Cancel), threads and context size, font size and a high-contrast theme, and the
Sync page (:mod:`simdesk.ui.sync_page`). Values persist in the device database (see
``MainWindow``). The model and its settings are the instructor's (see
``SettingsPage.set_model_editable``); text size and contrast are everyone's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from simdesk.ui.theme import DEFAULT_FONT_PT, Display

CONTEXT_CHOICES = (0, 1024, 2048, 4096, 8192)  # 0: the model's registry value
MODEL_LOCK_NOTE = (
    "<b>Only the instructor changes the model and its settings.</b> Ask your instructor, or "
    "sign in as the instructor (Lock, then choose their name). Text size and contrast are "
    "yours to change (Display)."
)


@dataclass(frozen=True)
class ModelSettings:
    threads: int = 0  # 0: one per physical core
    context: int = 0  # 0: the registry's context for the model


@dataclass(frozen=True)
class ModelRow:
    name: str
    size_mb: float | None
    quantisation: str
    licence: str
    active: bool
    note: str  # "ok", "not assembled yet", or the problem


def model_rows(locations) -> list[ModelRow]:
    """The registered models with what their GGUF headers say. Reads files: not on the GUI."""
    from gguf import LlamaFileType

    from simdesk.core.errors import ModelError
    from simdesk.core.llm.gguf_info import read_gguf_info
    from simdesk.core.llm.registry import load_registry, model_path

    registry = load_registry(locations)
    rows = []
    for entry in registry.entries:
        path = model_path(entry, locations)
        size, quant, note = None, "", "ok"
        if not path.exists():
            note = "assembled on first use" if entry.package else "file missing"
        else:
            try:
                info = read_gguf_info(path)
                size = info.file_size / (1024 * 1024)
                kind = info.metadata.get("general.file_type")
                if isinstance(kind, int):
                    quant = LlamaFileType(kind).name.removeprefix("MOSTLY_")
            except (ModelError, ValueError) as exc:
                note = str(exc).splitlines()[0]
        if not quant:
            quant = next((q for q in ("Q4_K_M", "Q5_K_M", "Q8_0", "F16") if q.lower()
                          in entry.file.lower()), "unknown")  # fmt: skip
        licence = entry.licence or "not stated"
        rows.append(ModelRow(entry.name, size, quant, licence, entry.name == registry.active_name,
                             note))  # fmt: skip
    return rows


class SettingsPage(QWidget):
    """Signals ask the main window to do the work off the GUI thread."""

    use_model_requested = Signal(str)
    import_requested = Signal(Path)
    cancel_import = Signal()
    model_settings_changed = Signal(object)  # ModelSettings
    display_changed = Signal(object)  # Display

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.model_editable = False  # the instructor's (set_model_editable at sign-in)
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("<h2>Settings</h2>"))
        self.tabs = QTabWidget()
        layout.addWidget(self.tabs, 1)

        model_page = QWidget()
        column = QVBoxLayout(model_page)
        self.model_lock_note = QLabel(MODEL_LOCK_NOTE)
        self.model_lock_note.setObjectName("modelLockNote")
        self.model_lock_note.setWordWrap(True)
        column.addWidget(self.model_lock_note)
        column.addWidget(QLabel("Models found on this computer (the patient's voice):"))
        self.models = QTableWidget(0, 6)
        self.models.setObjectName("modelTable")
        self.models.setHorizontalHeaderLabels(
            ["Model", "Size", "Quantisation", "Licence", "In use", "Check"]
        )
        self.models.verticalHeader().hide()
        self.models.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.models.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.models.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.models.setTabKeyNavigation(False)
        header = self.models.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for n in range(1, 6):
            header.setSectionResizeMode(n, QHeaderView.ResizeMode.ResizeToContents)
        self.models.setMaximumHeight(160)
        column.addWidget(self.models)
        buttons = QHBoxLayout()
        self.use_button = QPushButton("&Use the selected model")
        self.use_button.clicked.connect(self._use_selected)
        buttons.addWidget(self.use_button)
        self.import_button = QPushButton("I&mport a model file…")
        self.import_button.setToolTip("Copy a .gguf file (e.g. from a USB stick) and check it")
        self.import_button.clicked.connect(self.choose_import_file)
        buttons.addWidget(self.import_button)
        buttons.addStretch(1)
        column.addLayout(buttons)
        progress = QHBoxLayout()
        self.import_progress = QProgressBar()
        self.import_progress.setFormat("Copying and checking… %p%")
        progress.addWidget(self.import_progress, 1)
        self.import_cancel = QPushButton("Cancel import")
        self.import_cancel.clicked.connect(self.cancel_import)
        progress.addWidget(self.import_cancel)
        column.addLayout(progress)
        self.set_import_busy(False)
        form = QFormLayout()
        self.threads = QSpinBox()
        self.threads.setRange(0, 64)
        self.threads.setSpecialValueText("automatic (one per core)")
        form.addRow("CPU threads for the model:", self.threads)
        self.context = QComboBox()
        for value in CONTEXT_CHOICES:
            self.context.addItem("the model's default" if value == 0 else f"{value} tokens", value)
        form.addRow("Context size:", self.context)
        column.addLayout(form)
        self.apply_model_button = QPushButton("Apply and &reload the model")
        self.apply_model_button.clicked.connect(self._apply_model)
        row = QHBoxLayout()
        row.addWidget(self.apply_model_button)
        row.addStretch(1)
        column.addLayout(row)
        column.addWidget(QLabel("<small>A model change applies when no encounter is open. A "
                                "larger context keeps longer conversations but needs more "
                                "memory.</small>"))  # fmt: skip
        column.addStretch(1)
        self.tabs.addTab(model_page, "Model")

        display_page = QWidget()
        form = QFormLayout(display_page)
        self.font_size = QSpinBox()
        self.font_size.setRange(8, 24)
        self.font_size.setSuffix(" pt")
        self.font_size.setValue(DEFAULT_FONT_PT)
        self.font_size.valueChanged.connect(self._display_changed)
        form.addRow("Text size:", self.font_size)
        self.high_contrast = QCheckBox("High-contrast colours (bright text on black)")
        self.high_contrast.toggled.connect(self._display_changed)
        form.addRow("Theme:", self.high_contrast)
        self.tabs.addTab(display_page, "Display")

        from simdesk.ui.sync_page import SyncPage

        self.sync_page = SyncPage()
        self.tabs.addTab(self.sync_page, "Sync")
        self.file_dialog: QFileDialog | None = None
        self._loading = False
        self.set_model_editable(False)  # until the instructor signs in

    # -- who may change the model -------------------------------------------------------------

    def set_model_editable(self, editable: bool) -> None:
        """The model and its settings are the instructor's: a learner sees them, unchangeable,
        with a note saying who changes them. The display settings are everyone's."""
        self.model_editable = editable
        for widget in (self.use_button, self.import_button, self.threads, self.context,
                       self.apply_model_button):  # fmt: skip
            widget.setEnabled(editable)
        self.model_lock_note.setVisible(not editable)

    # -- values in and out --------------------------------------------------------------------

    def set_values(self, model: ModelSettings, display: Display) -> None:
        self._loading = True
        self.threads.setValue(model.threads)
        index = self.context.findData(model.context)
        self.context.setCurrentIndex(max(index, 0))
        self.font_size.setValue(display.font_pt)
        self.high_contrast.setChecked(display.high_contrast)
        self._loading = False

    def model_settings(self) -> ModelSettings:
        return ModelSettings(self.threads.value(), int(self.context.currentData()))

    def display(self) -> Display:
        return Display(self.font_size.value(), self.high_contrast.isChecked())

    def set_models(self, rows: list[ModelRow]) -> None:
        self.models.setRowCount(len(rows))
        for n, row in enumerate(rows):
            size = f"{row.size_mb:.0f} MB" if row.size_mb is not None else "-"
            cells = (row.name, size, row.quantisation, row.licence, "yes" if row.active else "",
                     row.note)  # fmt: skip
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, row.name)
                item.setToolTip(text)
                self.models.setItem(n, column, item)
            if row.active:
                self.models.setCurrentCell(n, 0)

    def _use_selected(self) -> None:
        if not self.model_editable:
            return
        item = self.models.item(self.models.currentRow(), 0)
        if item is not None:
            self.use_model_requested.emit(item.data(Qt.ItemDataRole.UserRole))

    def _apply_model(self) -> None:
        if not self.model_editable:
            return
        self.model_settings_changed.emit(self.model_settings())

    def _display_changed(self) -> None:
        if not self._loading:
            self.display_changed.emit(self.display())

    # -- import -------------------------------------------------------------------------------

    def choose_import_file(self) -> None:
        if not self.model_editable:
            return
        self.file_dialog = QFileDialog(self, "Import a model file (.gguf)")
        self.file_dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        self.file_dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        self.file_dialog.setNameFilters(["GGUF models (*.gguf)", "All files (*)"])
        self.file_dialog.fileSelected.connect(lambda path: self.import_requested.emit(Path(path)))
        self.file_dialog.open()

    def set_import_busy(self, busy: bool) -> None:
        self.import_progress.setVisible(busy)
        self.import_cancel.setVisible(busy)
        self.import_button.setEnabled(not busy and self.model_editable)
        if busy:
            self.import_progress.setValue(0)

    def set_import_progress(self, done: int, total: int) -> None:
        self.import_progress.setMaximum(max(total, 1))
        self.import_progress.setValue(done)
