"""The programme dashboard in a real browser (Debian's chromium through chromedriver): a seeded
programme of four clinics synced from four real devices, k = 5 suppression, devices last seen.
Screenshots go to artifacts/hub-dashboard*.png."""

from __future__ import annotations

import os
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from simdesk.core.assess.attempts import AttemptResult, ItemOutcome
from simdesk.core.store.device import DeviceDb
from simdesk.core.sync.outbox import Outbox
from simdesk.core.sync.statements import AttemptInfo

SCREENSHOTS = Path(os.environ.get("SIMDESK_SCREENSHOTS", Path(__file__).parents[2] / "artifacts"))
# site: (learners, cohort); Rongo has too few learners to be shown.
SITES = {
    "Kisumu East": (8, "2026-09"),
    "Homa Bay": (7, "2026-09"),
    "Migori": (6, "2026-10"),
    "Rongo": (3, "2026-10"),
}
CASES = {
    "pulmonary-tb-miner": ["duration-of-cough", "hiv-status", "tb-contact", "rapid-molecular-test"],
    "severe-pneumonia-infant": ["danger-signs", "oxygen", "amoxicillin-dose", "refer"],
    "diarrhoea-severe-dehydration-toddler": ["skin-pinch", "plan-c", "zinc", "reassess"],
}
# How often each item is missed at first (weak parts of the curriculum); learners improve.
MISS = {"hiv-status": 0.8, "rapid-molecular-test": 0.6, "zinc": 0.7, "reassess": 0.5}


def seeded_attempts(rng: random.Random, learner: int, site_bias: float):
    start = datetime(2026, 9, 3, 9, 0) + timedelta(days=rng.randint(0, 20))
    for n in range(6):
        case_id = list(CASES)[n % 3]
        finished = start + timedelta(days=14 * n + rng.randint(0, 5), hours=rng.randint(0, 8))
        skill = min(0.95, 0.35 + 0.09 * n + site_bias)
        items = []
        for item in CASES[case_id]:
            p_miss = MISS.get(item, 0.3) * (1 - skill)
            status = "missed" if rng.random() < p_miss * 1.6 else "met"
            items.append(ItemOutcome(item, "management", "", status, 1.0, (), ""))
        percent = round(100 * sum(i.status == "met" for i in items) / len(items), 1)
        result = AttemptResult(
            case_id,
            "1.0.0",
            "paediatrics",
            "core",
            finished,
            percent,
            False,
            {"management": percent},
            tuple(items),
            "correct",
            n,
            "",
        )
        yield (
            result,
            AttemptInfo(
                f"{learner}:{n}",
                "practice",
                finished - timedelta(minutes=25),
                finished,
                80.0,
                "gemma-3-270m-q4_k_m",
            ),
        )


@pytest.fixture(scope="module")
def programme(hub, tmp_path_factory):
    """Four clinics, each its own device database, enrolled and synced for real."""
    rng = random.Random(15)
    total = 0
    for s, (site, (learners, cohort)) in enumerate(SITES.items()):
        home = tmp_path_factory.mktemp(f"device{s}")
        device = DeviceDb(home / "device.db", home / "device.key", may_create=True)
        outbox = Outbox(device)
        outbox.enrol(hub.enrol_token(site=site, cohort=cohort))
        for learner in range(learners):
            for result, info in seeded_attempts(rng, 100 * s + learner, 0.05 * s):
                total += outbox.queue_attempt(f"learner-{learner}", result, info)
        report = outbox.sync()
        assert report.pending == 0 and not report.problem
        device.close()
    return total


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not chromium or not driver:
        pytest.fail(
            "Debian's chromium and chromedriver are needed: apt-get install chromium "
            "chromium-driver (.ci/run installs them)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1366,768",
        "--lang=en-GB",
    ):
        options.add_argument(arg)
    options.accept_insecure_certs = True  # the hub's self-signed certificate
    session = webdriver.Chrome(service=Service(driver), options=options)
    session.set_page_load_timeout(60)
    yield session
    session.quit()


def _shot(browser, name: str, height: int | None = None) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if height:
        browser.set_window_size(1366, height)
    path = SCREENSHOTS / name
    assert browser.save_screenshot(str(path))
    return path


def _after_submit(browser, element_id: str):
    """The element once the page the form posted to has loaded: a click on a submit button returns
    before the browser has navigated, so looking at once can still see the old page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 30).until(
        expected_conditions.presence_of_element_located((By.ID, element_id))
    )


def test_the_dashboard_shows_the_programme_and_suppresses_small_groups(hub, programme, browser):
    from selenium.webdriver.common.by import By

    key, secret = hub.credentials("programme-lead")
    browser.get(hub.url + "/admin/")
    assert browser.current_url.endswith("/admin/login")  # not signed in: sent to sign in
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.ID, "secret").send_keys("wrong")
    browser.find_element(By.ID, "sign-in").click()
    assert "wrong secret" in _after_submit(browser, "error").text  # the first page has none
    browser.find_element(By.ID, "key").clear()
    browser.find_element(By.ID, "key").send_keys(key)
    browser.find_element(By.ID, "secret").send_keys(secret)
    browser.find_element(By.ID, "sign-in").click()
    summary = _after_submit(browser, "summary").text
    learners = sum(n for n, _ in SITES.values())
    assert f"by {learners} learners" in summary
    _shot(browser, "hub-dashboard.png")  # what a 1366x768 screen shows first
    by_site = browser.find_element(By.ID, "by-site")
    legend = by_site.text
    assert "Kisumu East" in legend and "Homa Bay" in legend and "Migori" in legend
    assert "Rongo" not in legend  # 3 learners: never drawn
    table = browser.find_element(By.ID, "site-table").text
    rongo = next(line for line in table.splitlines() if line.startswith("Rongo"))
    assert "< 5 learners" in rongo and "%" not in rongo
    kisumu = next(line for line in table.splitlines() if line.startswith("Kisumu East"))
    assert "%" in kisumu
    points = by_site.find_elements(By.CSS_SELECTOR, "circle")
    assert points and all("learners)" in p.get_attribute("textContent") for p in points)
    cases = browser.find_element(By.ID, "by-case").find_elements(By.CSS_SELECTOR, "rect")
    assert len(cases) == 3
    items = browser.find_element(By.ID, "by-item").text
    assert "hiv-status" in items or "zinc" in items  # the seeded weak items come first
    devices = browser.find_element(By.ID, "devices").text
    assert all(site in devices for site in SITES) and "never" not in devices
    _shot(browser, "hub-dashboard-full.png", height=2300)
    browser.set_window_size(1366, 768)
    browser.get(hub.url + "/admin/?period=week")
    assert "(week)" in browser.find_element(By.ID, "summary").text
    _shot(browser, "hub-dashboard-week.png")
