"""The case library follows its folders: read at start, re-read when a case is imported in the
app (**Import cases…**, the instructor's) and when a file appears in, changes in or leaves the
user cases folder (``simdesk cases import-agentclinic`` run while the app is open).

Every re-read is an op on the store thread (files, never on the GUI thread), asked for through
``ops.store_changed`` with :data:`~simdesk.ui.operations.LIBRARY_CHANGED`; reads asked for while
one runs are folded into one more.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, QTimer

from simdesk.core.paths import bundled_cases_dir
from simdesk.ui.operations import LIBRARY_CHANGED

WATCH_SETTLE_MS = 400  # a folder event is followed by others (a temporary file, its rename)


class LibraryMixin:
    """The window's ``entries`` (the library as last read) and the watcher of its folder."""

    def _build_library(self) -> None:
        self._library_reading = False
        self._library_stale = False
        self._select_after_read: str | None = None
        self._import_cases_task = None
        self.case_list.import_requested.connect(self.import_cases)
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(WATCH_SETTLE_MS)
        self._settle.timeout.connect(lambda: self.ops.changed(LIBRARY_CHANGED))
        self.library_watcher = QFileSystemWatcher(self)
        self.library_watcher.directoryChanged.connect(lambda _path: self._settle.start())
        folder = self.locations.user_cases
        folder.mkdir(parents=True, exist_ok=True)
        self.library_watcher.addPath(str(folder))

    def _read_library(self):
        from simdesk.core.assess.diagnosis import prepare
        from simdesk.core.cases.catalog import load_catalog
        from simdesk.core.cases.library import load_library
        from simdesk.core.sim import dimensions, understanding

        # The terminology that judges a diagnosis is built once per machine (about 11 s of CPU,
        # in the background): on a first launch now, while the learner signs in and chooses a
        # case, and never while the model generates a reply. The learned readers of questions
        # load (or train once per machine) in the background too, not at the first question.
        prepare()
        dimensions.prepare()
        understanding.warm_up()
        load_catalog()  # warm the cache the encounter reads
        return load_library(bundled_cases_dir(), self.locations.user_cases)

    def reload_library(self) -> None:
        """Read the library again (store thread); one more read if asked while one runs."""
        if self._library_reading:
            self._library_stale = True
            return
        self._library_reading = True
        self.ops.query(self._read_library, success=self._library_read,
                       failure=self._library_failed)  # fmt: skip

    def _library_failed(self, exc: Exception) -> None:
        self._library_reading = False
        self.show_error(exc)

    def _library_read(self, entries) -> None:
        self._library_reading = False
        if self._library_stale:
            self._library_stale = False
            self.reload_library()
        self.entries = entries
        self.case_list.set_entries(entries)
        if self._select_after_read is not None:
            self.case_list.show_case(self._select_after_read)
            self._select_after_read = None
        self._refresh_learner()  # the library changed (not the store): read the statuses for it

    def import_cases(self, source: Path) -> None:
        """Add a case file or AgentClinic records to the library (the instructor's), then show
        them at once: the import runs in the pool, the library is re-read after it."""
        if not self.session.is_instructor:
            self.show_error("Only the instructor adds cases to this computer's library: sign "
                            "in as the instructor (Lock, then choose their name).")  # fmt: skip
            return
        from simdesk.app.case_import import import_cases

        folder = self.locations.user_cases

        def done(result) -> None:
            self.case_list.set_import_busy(False)
            if result.case_ids:
                self._select_after_read = result.case_ids[0]
            self.statusBar().showMessage(result.summary(), 15_000)
            if result.skipped:
                shown = "; ".join(result.skipped[:3])
                more = f" (and {len(result.skipped) - 3} more)" if len(result.skipped) > 3 else ""
                self.show_error(f"{result.summary()} Skipped: {shown}{more}.")
            self.ops.changed(LIBRARY_CHANGED)

        def failed(exc: Exception) -> None:
            self.case_list.set_import_busy(False)
            self.show_error(exc)

        self.case_list.set_import_busy(True)
        self._import_cases_task = self.ops.background(
            lambda _report, _cancelled: import_cases(source, folder), success=done, failure=failed
        )
