"""An imported record's own tests (no catalog entry) can be found and ordered in the Orders tab."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.loader import load_case
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.session import Encounter
from simdesk.importers.agentclinic import import_agentclinic
from simdesk.ui.orders_panel import OrdersPanel

SAMPLE = Path(__file__).resolve().parents[1] / "fixtures" / "agentclinic"
SAMPLE_FILE = SAMPLE / "agentclinic_medqa_sample.jsonl"  # MIT, see LICENSE.txt


def test_a_records_own_tests_are_listed_and_ordered_by_name(qtbot, tmp_path):
    catalog_file = bundled_cases_dir() / "catalog" / "investigations.yaml"
    report = import_agentclinic(SAMPLE_FILE, tmp_path, catalog_file)
    case = load_case(next(p for p in report.written if "double-vision" in p.name))
    catalog = load_catalog()
    local = [r for r in case.investigations if r.name and catalog.test(r.code) is None]
    assert {r.name for r in local} >= {"Acetylcholine Receptor Antibodies", "Electromyography"}
    panel = OrdersPanel()
    qtbot.addWidget(panel)
    panel.set_case(case, catalog)
    sent: list[str] = []
    panel.order_requested.connect(sent.append)
    search = panel.catalog_search.search
    for typed, name in (("acetylcholine", "Acetylcholine Receptor Antibodies"),
                        ("electromyography", "Electromyography")):  # fmt: skip
        search.clear()
        qtbot.keyClicks(search, typed)
        assert not panel.catalog_search.none_found.isVisibleTo(panel), typed
        qtbot.keyClick(search, Qt.Key.Key_Return)
        code = next(r.code for r in local if r.name == name)
        assert sent[-1] == code
    encounter = Encounter(case)
    outcomes = [encounter.order(code) for code in sent]
    assert [o.status for o in outcomes] == ["pending", "pending"]
