"""The model behind the patient: its status line, the settings that shape it (and the
display's), choosing, importing and restarting it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QApplication

from simdesk.ui.settings_page import ModelSettings
from simdesk.ui.theme import Display, apply_display
from simdesk.ui.workers import Cancelled

SETTING_KEYS = {"threads": "ui.model_threads", "context": "ui.model_context",
                "font_pt": "ui.font_pt", "high_contrast": "ui.high_contrast"}  # fmt: skip


class ModelMixin:
    """The window's ``model`` (:class:`simdesk.app.model.ModelService`) and its settings; the
    model thread's events arrive through ``bridge`` (:class:`simdesk.ui.workers.ModelBridge`)."""

    def _connect_model(self) -> None:
        self.bridge.loading.connect(self._model_loading)
        self.bridge.ready.connect(self._model_ready)
        self.bridge.failed.connect(self._model_failed)
        self.bridge.crashed.connect(self._model_crashed)
        self._import_task = None

    def _read_settings(self) -> dict[str, str | None]:
        device = self.profiles.device
        return {key: device.setting(name) for key, name in SETTING_KEYS.items()}

    def _settings_read(self, values: dict[str, str | None], start_model: bool) -> None:
        self.model_settings = ModelSettings(
            int(values["threads"] or 0), int(values["context"] or 0)
        )
        display = Display(int(values["font_pt"] or Display().font_pt),
                          values["high_contrast"] == "1")  # fmt: skip
        self.settings.set_values(self.model_settings, display)
        if display != Display():
            apply_display(QApplication.instance(), display)
        if start_model:
            self.model = self._new_model().start()
        else:
            self.model_status.setText("Model: not started")
            self.model_progress.hide()

    def _new_model(self):
        """The active model (as ``simdesk play`` uses it), with the window's settings."""
        from simdesk.app.model import ModelService

        return ModelService.active(
            self.locations,
            self.bridge.listener,
            n_ctx=self.model_settings.context or None,
            n_threads=self.model_settings.threads or None,
        )

    @property
    def backend(self):
        """The model's backend (its process, restarts, readiness)."""
        return self.model.backend

    def _model_loading(self, path: str) -> None:
        self.model_status.setText(f"Model: loading {Path(path).name}…")
        self.model_progress.show()

    def _model_ready(self, name: str, seconds: float) -> None:
        self.model_status.setText(f"Model: {name} (loaded in {seconds:.1f} s)")
        self.model_progress.hide()

    def _model_failed(self, error: object) -> None:
        self.model_status.setText("Model: unavailable - authored replies only")
        self.model_progress.hide()
        self.show_error(error)

    def _model_crashed(self, error: object, restarts_left: int) -> None:
        self.model_status.setText(
            "Model: restarts at your next question"
            if restarts_left
            else "Model: stopped - authored replies only"
        )
        self.show_error(error)

    def _reload_model(self) -> None:
        """Stop the model thread (off the GUI thread), then start one with the new settings."""
        if self.encounter.running:
            self.show_error("The model changes after this encounter: finish it, then apply.")
            return
        old = self.model
        self.model_status.setText("Model: restarting…")
        self.model_progress.show()

        def started(_result) -> None:
            self.model = self._new_model().start()

        self.ops.background(lambda _report, _cancelled: old.shutdown(), success=started)

    def _instructor_only(self) -> bool:
        """True when the instructor is signed in; otherwise says who changes the model."""
        if self.session.is_instructor:
            return True
        self.show_error("Only the instructor changes the model and its settings: sign in as "
                        "the instructor (Lock, then choose their name).")  # fmt: skip
        return False

    def _model_settings_changed(self, settings: ModelSettings) -> None:
        if not self._instructor_only():
            return
        self.model_settings = settings
        values = {"threads": str(settings.threads), "context": str(settings.context)}
        self._save_settings(values)
        self._reload_model()

    def _display_changed(self, display: Display) -> None:
        apply_display(QApplication.instance(), display)
        self._save_settings({"font_pt": str(display.font_pt),
                             "high_contrast": "1" if display.high_contrast else "0"})  # fmt: skip

    def _save_settings(self, values: dict[str, str]) -> None:
        profiles = self.profiles

        def save() -> None:
            for key, value in values.items():
                profiles.device.set_setting(SETTING_KEYS[key], value)

        self.ops.query(save)

    def _refresh_models(self) -> None:
        from simdesk.ui.settings_page import model_rows

        where = self.locations
        self.ops.query(lambda: model_rows(where), success=self.settings.set_models)

    def _use_model(self, name: str) -> None:
        from simdesk.core.llm.registry import use_model

        if not self._instructor_only():
            return
        where = self.locations

        def done(_entry) -> None:
            self._refresh_models()
            self._reload_model()

        self.ops.query(lambda: use_model(name, where), success=done)

    def import_model(self, source: Path) -> None:
        """Copy and verify a GGUF file on a task thread, with progress and Cancel."""
        from simdesk.core.llm.registry import import_model

        if not self._instructor_only():
            return
        where = self.locations

        def work(report, cancelled):
            def progress(done: int, total: int) -> None:
                if cancelled():
                    raise Cancelled(f"The import of {source.name} was cancelled.")
                report(done, total)

            return import_model(source, where, progress=progress)

        def finished(entry) -> None:
            self.settings.set_import_busy(False)
            self.statusBar().showMessage(f"Imported the model '{entry.name}'.", 10_000)
            self._refresh_models()

        def failed(exc: Exception) -> None:
            self.settings.set_import_busy(False)
            self.show_error(exc)

        self.settings.set_import_busy(True)
        self._import_task = self.ops.background(
            work, success=finished, failure=failed, progress=self.settings.set_import_progress
        )

    def _cancel_import(self) -> None:
        if self._import_task is not None:
            self._import_task.cancel()
