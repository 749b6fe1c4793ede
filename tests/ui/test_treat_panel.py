"""The Treat panel takes orders as clinicians write them, with action, dose, route, frequency."""

from __future__ import annotations

from PySide6.QtCore import Qt

from simdesk.core.cases.catalog import load_catalog
from simdesk.core.cases.loader import load_case
from simdesk.core.paths import bundled_cases_dir
from simdesk.core.sim.session import Encounter
from simdesk.ui.orders_panel import TreatPanel


def panel(qtbot, case_id):
    case = load_case(bundled_cases_dir() / f"{case_id}.yaml")
    widget = TreatPanel()
    qtbot.addWidget(widget)
    widget.resize(1366, 420)
    widget.set_case(load_catalog(), case)
    widget.show()
    sent: list[str] = []
    widget.treat_requested.connect(sent.append)
    return case, widget, sent


def test_a_typed_order_keeps_its_verb_and_the_fields_add_dose_route_and_frequency(
    qtbot, screenshot
):
    case, widget, sent = panel(qtbot, "snakebite-russells-viper-labourer")
    search = widget.catalog_search.search
    qtbot.keyClicks(search, "remove the ligature from her thigh")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert sent == ["remove the ligature from her thigh"]
    search.clear()
    qtbot.keyClicks(search, "antiv")  # part of a name: the highlighted row is the order
    qtbot.keyClicks(widget.dose, "10 vials")
    widget.route.setCurrentText("IV")
    widget.frequency.setCurrentText("stat")
    screenshot(widget.window(), "treat-panel-fields")
    qtbot.mouseClick(widget.catalog_search.button, Qt.MouseButton.LeftButton)
    assert sent[-1] == "Snake antivenom 10 vials IV stat"
    assert widget.dose.text() == "" and widget.route.currentText() == ""  # ready for the next
    encounter = Encounter(case)
    outcome = encounter.treat(sent[-1])
    item = outcome.items[0]
    assert (item.code, str(item.dose), item.route, item.frequency) == (
        "antivenom", "10 vial", "iv", "stat")  # fmt: skip
    assert encounter.treat(sent[0]).items[0].intent == "remove"


def test_the_action_field_holds_and_unknown_text_reaches_the_reader(qtbot):
    _case, widget, sent = panel(qtbot, "septic-shock-urosepsis")
    search = widget.catalog_search.search
    widget.action.setCurrentText("Hold")
    qtbot.keyClicks(search, "amlodipine")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert sent == ["hold amlodipine"]
    search.clear()
    qtbot.keyClicks(search, "zzzz")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert sent[-1] == "zzzz"  # the engine answers 'not understood' with suggestions
