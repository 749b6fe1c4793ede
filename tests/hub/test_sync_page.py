"""The Sync page in the real window, against a real hub: enrol with a token, an attempt saved as
the window saves it is queued, Send now, preview, opt out, and a bad token named with its fix."""

from __future__ import annotations

import json
from datetime import datetime

from simdesk.core.store.profiles import profile_slug
from simdesk.core.sync.outbox import Outbox
from tests.hub.conftest import sample_result
from tests.ui.conftest import SCREENSHOTS, open_signed_in

NAME = "Ina Otieno"


def test_the_sync_page_enrols_sends_previews_and_opts_out(qtbot, hub, simdesk_home):
    from simdesk.app.session import Attempt

    win = open_signed_in(qtbot, name=NAME, start_model=False)
    win.navigate("settings")
    settings, page = win.settings, win.settings.sync_page
    settings.tabs.setCurrentWidget(page)
    qtbot.waitUntil(lambda: "Not enrolled" in page.status.text(), timeout=20_000)

    qtbot.keyClicks(page.token, "sdhub1.not-a-token")
    page.enrol_button.click()
    qtbot.waitUntil(page.problem.isVisible, timeout=20_000)
    assert (
        "not an enrolment token" in page.problem.text() and "Copy the whole" in page.problem.text()
    )
    page.token.clear()

    page.token.setText(hub.enrol_token(site="Window clinic"))
    page.enrol_button.click()
    qtbot.waitUntil(lambda: "Enrolled" in page.status.text(), timeout=20_000)
    assert "Window clinic" in page.status.text() and not page.token.text()

    session, profiles = win.session, win.profiles

    def submitted_attempt(store):  # what the window's submit does, on its store thread
        attempt = Attempt("pulmonary-tb-miner", "1.0.0", "exam")
        attempt.start(store)
        result = sample_result(1, finished=datetime(2026, 11, 30, 10, 5))
        result = type(result)(**{**result.__dict__, "attempt_id": attempt.id, "learner": NAME})
        attempt.close(store)
        session.queue_or_note(store, attempt, result, model_id="none")

    win.ops.store(submitted_attempt)
    qtbot.waitUntil(win.ops.idle, timeout=20_000)
    page.send_button.click()
    qtbot.waitUntil(lambda: "Sent: 3" in page.status.text(), timeout=30_000)
    assert (
        "Waiting to be sent: <b>0</b>" in page.status.text() or "sent: <b>0" in page.status.text()
    )
    assert not page.problem.isVisible()

    win.ops.store(submitted_attempt)
    qtbot.waitUntil(win.ops.idle, timeout=20_000)
    page.preview_button.click()
    qtbot.waitUntil(page.preview.isVisible, timeout=20_000)
    shared = json.loads(page.preview.toPlainText())
    assert len(shared) == 3 and NAME not in page.preview.toPlainText()
    assert "Waiting to be sent: <b>3</b>" in page.status.text()
    assert shared[0]["context"]["extensions"]["https://simdesk.org/xapi/ext/model"] == "none"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    assert win.grab().save(str(SCREENSHOTS / "sync-page.png"))

    page.share.setChecked(False)
    qtbot.waitUntil(win.ops.idle, timeout=20_000)
    qtbot.waitUntil(lambda: Outbox(profiles.device).opted_out(profile_slug(NAME)), timeout=20_000)
    win.close()
