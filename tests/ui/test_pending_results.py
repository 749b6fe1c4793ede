"""Pending results in the Orders tab's narrow column (about 300 px at 1366x768): a long name
wraps and stays readable. In the GUI walk-through 'Blood glucose (capillary): due in 2 min
(simulated)' already ran under a horizontal scroll bar; a longer name was cut off."""

from __future__ import annotations

from simdesk.core.sim import session
from simdesk.ui.orders_panel import OrdersPanel


def test_a_long_pending_result_wraps_without_a_horizontal_scroll_bar(qtbot):
    panel = OrdersPanel()
    qtbot.addWidget(panel)
    panel.resize(810, 440)  # the Orders tab at 1366x768
    panel.show()
    qtbot.waitExposed(panel)
    names = ["Urea and electrolytes (UE)", "Blood glucose (capillary)"]
    pending = [session.TestResult("X", name, (), None, False, None, 0.0, 120.0) for name in names]
    panel.update_clock(0.0, pending, [])
    qtbot.wait(50)
    lists = panel.pending
    assert lists.viewport().width() < 340  # the narrow column this is about
    assert not lists.horizontalScrollBar().isVisible()
    for row in range(lists.count()):
        item = lists.item(row)
        rect = lists.visualItemRect(item)
        assert rect.width() <= lists.viewport().width(), item.text()
        lines = -(-lists.fontMetrics().horizontalAdvance(item.text()) // rect.width())
        assert rect.height() >= lines * lists.fontMetrics().lineSpacing(), item.text()
