"""Orders and treatments: catalog search that understands abbreviations, pending results counting
down on the simulated clock, results with abnormal values flagged, treatments given."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
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
    from simdesk.core.cases.catalog import Catalog
    from simdesk.core.cases.schema import Case
    from simdesk.core.sim.session import TestResult


def _shown_name(name: str, code: str) -> str:
    """A test's name, with its code where the code is an abbreviation learners use ("Full blood
    count (FBC)"); an internal identifier ("GROUP_XMATCH") only crowds the column out."""
    if "_" in code or code.lower() in name.lower():
        return name
    return f"{name} ({code})"


class CatalogSearch(QWidget):
    """A search box over catalog rows; Enter or the button acts on the chosen row.

    Rows are ``(code, cells, words)``; a row shows when every typed word is in its words, and
    the engine's own matcher (``best``) puts the entry it would pick for the text first, so
    abbreviations and misspellings ("cbc", "ceftriaxon") find the right entry.
    """

    chosen = Signal(str)

    def __init__(self, headers: list[str], action: str, placeholder: str, parent=None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.search.returnPressed.connect(self._choose)
        row.addWidget(self.search, 1)
        self.button = QPushButton(action)
        self.button.clicked.connect(self._choose)
        row.addWidget(self.button)
        layout.addLayout(row)
        self.none_found = QLabel()
        self.none_found.setObjectName("noneFound")
        self.none_found.setWordWrap(True)
        policy = self.none_found.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.none_found.setSizePolicy(policy)
        self.none_found.hide()
        layout.addWidget(self.none_found)
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.itemActivated.connect(lambda _item: self._choose())
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(headers)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        layout.addWidget(self.table, 1)
        self.rows: list[tuple[str, list[str], str]] = []
        self.best = lambda _text: None
        self.free_text = False  # emit "" for typed text that picks no row

    def set_rows(self, rows: list[tuple[str, list[str], str]], best) -> None:
        """New rows (a new case): the search and its filter start empty."""
        self.rows, self.best = rows, best
        self.search.blockSignals(True)
        self.search.clear()
        self.search.blockSignals(False)
        self.table.setRowCount(len(rows))
        for n, (code, cells, _words) in enumerate(rows):
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)  # long names are cut off in the column
                item.setData(Qt.ItemDataRole.UserRole, code)
                if "not available" in text:
                    item.setForeground(QColor("#8a1c1c"))
                self.table.setItem(n, column, item)
        self._filter()

    def _filter(self) -> None:
        query = joined_words(self.search.text()).split()
        best = self.best(self.search.text()) if query else None
        first = None
        for n, (code, _cells, words) in enumerate(self.rows):
            shown = code == best or all(any(w.startswith(q) for w in words.split()) for q in query)
            self.table.setRowHidden(n, not shown)
            if shown and (first is None or code == best):
                first = n
        if first is not None:
            self.table.setCurrentCell(first, 0)
        self.none_found.setVisible(first is None)
        if first is None:
            self.none_found.setText(
                f"Nothing matches '{self.search.text()}'. Clear the search and type a name or "
                "abbreviation."
            )

    def current_code(self) -> str | None:
        row = self.table.currentRow()
        if row < 0 or self.table.isRowHidden(row):
            return None
        return self.rows[row][0]

    def _choose(self) -> None:
        code = self.current_code()
        if code or (self.free_text and self.search.text().strip()):
            self.chosen.emit(code or "")
        self.search.selectAll()  # the next name typed replaces this one


class OrdersPanel(QWidget):
    """Emits ``order_requested(code)`` and ``wait_requested(minutes)``."""

    order_requested = Signal(str)
    wait_requested = Signal(float)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        split = QSplitter(Qt.Orientation.Horizontal)
        self.catalog_search = CatalogSearch(
            ["Test", "Cost", "Takes", "Here"], "Order", "Search tests: FBC, CBC, malaria RDT, CXR…"
        )
        self.catalog_search.chosen.connect(self.order_requested)
        split.addWidget(self.catalog_search)
        right = QWidget()
        column = QVBoxLayout(right)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(QLabel("Pending results:"))
        self.pending = QListWidget()
        self.pending.setObjectName("pendingResults")
        self.pending.setMaximumHeight(90)
        # a long name wraps in the narrow column instead of hiding under a scroll bar
        # ("Urea and electrolytes (UE): due in 120 min (simulated)" at 1366x768)
        self.pending.setWordWrap(True)
        self.pending.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        column.addWidget(self.pending)
        waits = QGridLayout()  # two by two: narrow enough to leave the test list its room
        self.wait_next = QPushButton("Wait for next result")
        self.wait_next.clicked.connect(self._wait_for_next)
        waits.addWidget(self.wait_next, 0, 0)
        for n, minutes in enumerate((5, 15, 30), start=1):
            button = QPushButton(f"Wait {minutes} min")
            button.clicked.connect(lambda _=False, m=minutes: self.wait_requested.emit(float(m)))
            waits.addWidget(button, n // 2, n % 2)
        column.addLayout(waits)
        column.addWidget(QLabel("Results (H high, L low):"))
        self.results = QTextBrowser()
        self.results.setObjectName("results")
        column.addWidget(self.results, 1)
        split.addWidget(right)
        self.catalog_search.setMinimumWidth(300)
        split.setChildrenCollapsible(False)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        split.setSizes([460, 300])
        layout.addWidget(split)
        self._pending: list[TestResult] = []
        self._now = 0.0

    def set_case(self, case: Case, catalog: Catalog) -> None:
        setting = case.meta.setting
        rows = []
        for test in catalog.investigations.tests:
            here = "yes" if test.available_at(setting) else "not available"
            cells = [_shown_name(test.name, test.code), f"${test.cost_usd:g}",
                     f"{test.turnaround_minutes} min", here]  # fmt: skip
            words = joined_words(" ".join([test.code, test.name, *test.synonyms, test.category]))
            rows.append((test.code, cells, words))
        for record in case.investigations:  # an imported record's own tests, as the case names them
            if record.name and catalog.test(record.code) is None:
                minutes = 60 if record.turnaround_minutes is None else record.turnaround_minutes
                cells = [_shown_name(record.name, record.code), "-", f"{minutes} min", "yes"]
                rows.append((record.code, cells, joined_words(f"{record.code} {record.name}")))
        from simdesk.core.sim.matching import TestMatcher

        matcher = TestMatcher(catalog, case)

        def best(text: str) -> str | None:
            entry = matcher.match(text)
            return entry.code if entry is not None else None

        self.catalog_search.set_rows(rows, best)
        self.results.clear()
        self.update_clock(0.0, [], [])

    def update_clock(self, now: float, pending: list[TestResult], arrived: list[TestResult]):
        """Show pending results counting down to ``now`` and every result that has arrived."""
        self._pending, self._now = pending, now
        self.pending.clear()
        for result in sorted(pending, key=lambda r: r.ready_minute):
            left = max(result.ready_minute - now, 0)
            self.pending.addItem(f"{result.name}: due in {left:g} min (simulated)")
        if not pending:
            self.pending.addItem("Nothing pending.")
        self.wait_next.setEnabled(bool(pending))
        self.results.setHtml("".join(result_html(r) for r in reversed(arrived)) or
                             "<p>No results yet. Order a test, then wait for it.</p>")  # fmt: skip

    def _wait_for_next(self) -> None:
        if self._pending:
            soonest = min(r.ready_minute for r in self._pending)
            self.wait_requested.emit(float(max(soonest - self._now, 1)))


def result_html(result: TestResult) -> str:
    """One result as the lab reports it; abnormal values bold, red (high) or blue (low)."""
    rows = []
    for value in result.values:
        shown = f"{value.value:g}" if isinstance(value.value, float | int) else str(value.value)
        ref = f"{value.low:g}–{value.high:g}" if value.low is not None else ""
        colour = {"H": "#b00020", "L": "#1a4fa0"}.get(value.flag, "")
        style = f' style="color:{colour}; font-weight:bold"' if colour else ""
        rows.append(
            f"<tr><td>{html.escape(value.name)}</td><td{style}>{html.escape(shown)} "
            f"{html.escape(value.unit)}</td><td>{ref}</td><td{style}>{value.flag}</td></tr>"
        )
    table = (
        "<table cellspacing=0 cellpadding=2 border=0>"
        "<tr><th align=left>Analyte</th><th align=left>Value</th><th align=left>Range</th>"
        f"<th></th></tr>{''.join(rows)}</table>"
        if rows
        else ""
    )
    report = f"<p>{html.escape(result.report)}</p>" if result.report else ""
    return (
        f"<p><b>{html.escape(result.name)}</b> <small>(back at {result.ready_minute:g} min)"
        f"</small></p>{table}{report}<p></p>"
    )


class TreatPanel(QWidget):
    """Orders as clinicians write them: emits ``treat_requested(order text)``; lists what was
    given, held, removed or planned.

    The search box takes the whole order ("remove the ligature", "ceftriaxone 2 g IV") or a part
    of a name, which picks the highlighted row; the action, dose, route and frequency fields add
    to it. The engine's order reader decides what it means, the same as for typed orders.
    """

    treat_requested = Signal(str)
    wait_requested = Signal(float)  # let time pass to see the treatment work (as on Orders)
    ACTIONS = ("Give", "Stop", "Hold", "Remove", "Reduce", "Continue")
    ROUTES = ("", "IV", "IM", "SC", "oral", "rectal", "sublingual", "inhaled", "IO", "NG")
    FREQUENCIES = ("", "stat", "once daily", "12-hourly", "8-hourly", "6-hourly",
                   "as needed (PRN)")  # fmt: skip

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        self.catalog_search = CatalogSearch(
            ["Treatment", "Kind"], "Order",
            "Order as you would write it: ceftriaxone 2 g IV, hold amlodipine…",
        )  # fmt: skip
        self.catalog_search.chosen.connect(self._order)
        self.catalog_search.free_text = True  # the reader answers what it cannot read
        left.addWidget(self.catalog_search, 1)
        fields = QGridLayout()  # two rows: they fit a narrow Treat tab at large text sizes
        self.action = QComboBox()
        self.action.addItems(self.ACTIONS)
        self.action.setAccessibleName("Action")
        self.dose = QLineEdit()
        self.dose.setPlaceholderText("Dose: 2 g, 20 ml/kg…")
        self.dose.setAccessibleName("Dose")
        self.dose.returnPressed.connect(self.catalog_search._choose)
        self.route = QComboBox()
        self.route.addItems(self.ROUTES)
        self.route.setAccessibleName("Route")
        self.frequency = QComboBox()
        self.frequency.addItems(self.FREQUENCIES)
        self.frequency.setAccessibleName("Frequency")
        self.dose.setMinimumWidth(self.dose.fontMetrics().horizontalAdvance("20 ml/kg/h over") + 16)
        pairs = ((("Action", self.action), ("Dose", self.dose)),
                 (("Route", self.route), ("How often", self.frequency)))  # fmt: skip
        for row, cells in enumerate(pairs):
            for column, (label, widget) in enumerate(cells):
                fields.addWidget(QLabel(label), row, 2 * column)
                fields.addWidget(widget, row, 2 * column + 1)
        fields.setColumnStretch(1, 1)
        fields.setColumnStretch(3, 1)
        left.addLayout(fields)
        layout.addLayout(left, 3)
        column = QVBoxLayout()
        column.addWidget(QLabel("Orders:"))
        self.given = QListWidget()
        self.given.setObjectName("treatmentsGiven")
        self.given.setWordWrap(True)
        column.addWidget(self.given, 1)
        # After a treatment the patient is reassessed when it has had time to work (Plan C:
        # every 15-30 minutes): the clock moves on from here too, not only from Orders.
        waits = QHBoxLayout()
        self.wait_buttons = []
        for minutes in (15, 30):
            button = QPushButton(f"Wait {minutes} min")
            button.setToolTip("Let simulated time pass, then reassess the patient")
            button.clicked.connect(lambda _=False, m=minutes: self.wait_requested.emit(float(m)))
            waits.addWidget(button)
            self.wait_buttons.append(button)
        column.addLayout(waits)
        layout.addLayout(column, 2)
        self.names: dict[str, str] = {}
        self.understood = lambda _text: False

    def set_case(self, catalog: Catalog, case: Case | None = None) -> None:
        from simdesk.core.sim.orders import OrderReader
        from simdesk.core.sim.session import case_treatment_codes

        rows = [
            (t.code, [t.name, t.category],
             joined_words(" ".join([t.code, t.name, *t.synonyms, *t.shared_names])))
            for t in catalog.treatments.treatments
        ]  # fmt: skip
        reader = OrderReader(catalog, case_treatment_codes(case) if case else set())
        self.names = {t.code: t.name for t in catalog.treatments.treatments}
        self.understood = lambda text: reader.read(text).understood

        def best(text: str) -> str | None:
            items = reader.read(text).items
            return items[0].code if items else None

        self.catalog_search.set_rows(rows, best)
        self.given.clear()

    def order_text(self, code: str | None) -> str:
        """The order the fields make: the typed words if they are an order, else the chosen
        row's name; then the action (unless Give), dose, route and frequency."""
        typed = " ".join(self.catalog_search.search.text().split())
        subject = typed if typed and self.understood(typed) else self.names.get(code or "", typed)
        action = self.action.currentText()
        parts = [action.lower() if action != "Give" else "", subject, self.dose.text().strip(),
                 self.route.currentText(), self.frequency.currentText()]  # fmt: skip
        return " ".join(p for p in parts if p)

    def _order(self, code: str) -> None:
        text = self.order_text(code)
        if text:
            self.treat_requested.emit(text)
            self.action.setCurrentIndex(0)
            self.dose.clear()
            self.route.setCurrentIndex(0)
            self.frequency.setCurrentIndex(0)

    def add_given(self, minute: float, text: str) -> None:
        self.given.insertItem(0, f"[{minute:g} min] {text}")
