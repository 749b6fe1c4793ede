"""The learner's pages follow their store: statuses and the recommendation in the library,
the progress dashboard; the progress report export."""

from __future__ import annotations

from pathlib import Path

from simdesk.ui.operations import LIBRARY_CHANGED, LOCKED


class LearnerMixin:
    """Connected to ``ops.store_changed``: no page is refreshed by hand after a store op."""

    def _store_changed(self, what: str) -> None:
        """The learner's pages follow the store: statuses, the recommendation, progress; the
        library follows its folder."""
        if what == LIBRARY_CHANGED:
            self.reload_library()  # its statuses are read again when it has been read
            return
        if what == LOCKED:
            self.case_list.set_statuses({})
            self.case_list.set_recommendation(None)
            return
        self._refresh_learner()

    def _refresh_learner(self) -> None:
        """Re-read statuses, recommendations and progress from the store (store thread)."""
        name = self.profile_name
        cases = [e.case for e in self.entries if e.case is not None]
        if self.store is None or not cases:
            return
        from simdesk.ui.learner_view import overview

        self.ops.store(lambda store: overview(store, cases, name), success=self._show_overview)

    def _show_overview(self, result) -> None:
        if self.store is None:
            return
        self.overview = result
        self.case_list.set_statuses(result.statuses)
        self.case_list.set_recommendation(result.suggestions[0] if result.suggestions else None)
        self.progress.show_progress(self.profile_name, result.progress)

    def export_report(self, path: Path) -> None:
        """Write the progress report where the learner chose (they were warned it is plain)."""
        from simdesk.app.reports import learner_report
        from simdesk.core.assess.reports import export

        if self.overview is None:
            return
        history, name = self.overview.history, self.profile_name
        cases = [e.case for e in self.entries if e.case is not None]
        csv = path.suffix.lower() == ".csv"
        self.ops.query(
            lambda: export(learner_report(name, history, cases, csv=csv), path),
            success=lambda p: self.statusBar().showMessage(f"Report saved to {p}", 10_000),
        )
