"""The console's Alerts page in Chromium against the demo stack: the demo rules with their state
badges, a rule created from the form (secret shown once) then opened and deleted, and the firing
badge on the occupancy page once a rule on one of its sensors fires."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select

from tests.browser.console_session import demo_keys, enter_key, open_page, wait_for, wait_for_text
from tests.browser.test_console import assert_clean
from tests.integration.conftest import RunningStack


def _post(stack: RunningStack, key: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{stack.api_url}{path}",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_alerts_page_lists_creates_and_deletes_rules(demo_stack: RunningStack, browser: WebDriver) -> None:
    key, _ = demo_keys(demo_stack.state)
    enter_key(browser, demo_stack.api_url, key)
    open_page(browser, "Alerts")
    rules = browser.find_element(By.CSS_SELECTOR, "#page-alerts table").text
    assert "Cafeteria crowded" in rules and "Open space uncomfortable" in rules  # the demo's rules
    assert browser.find_elements(By.CSS_SELECTOR, "#page-alerts table .badge")
    headers = [th.text for th in browser.find_elements(By.CSS_SELECTOR, "#page-alerts table th")]
    assert headers == ["Name", "State", "Kind", "Target", "Condition", "Actions"]

    browser.find_element(By.ID, "alert-name").send_keys("Browser test room")
    Select(browser.find_element(By.ID, "alert-kind")).select_by_value("temperature_outside")
    browser.find_element(By.ID, "alert-url").send_keys("http://127.0.0.1:9/hook")
    for field, value in (
        ("building", "viboo"),
        ("room", "lab"),
        ("min", "18"),
        ("max", "26"),
        ("for", "15m"),
    ):
        browser.find_element(By.ID, f"alert-{field}").send_keys(value)
    browser.find_element(By.ID, "create-alert").click()
    secret = wait_for(browser, "#alert-secret").text
    assert len(secret) >= 40
    wait_for_text(browser, "#page-alerts table", "Browser test room")  # the list reloads

    browser.find_element(By.LINK_TEXT, "Browser test room").click()
    wait_for_text(browser, "#alert-detail", "viboo / lab, outside 18–26 °C for 15m")
    assert "No transition yet." in browser.find_element(By.ID, "alert-detail").text

    browser.find_element(By.CSS_SELECTOR, "button[aria-label='Delete Browser test room']").click()
    deadline = time.monotonic() + 30
    while "Browser test room" in browser.find_element(By.ID, "main").text:
        assert time.monotonic() < deadline, "the deleted rule is still listed"
        time.sleep(0.3)

    # A refused webhook URL: the API's 422 message is shown.
    browser.find_element(By.ID, "alert-name").send_keys("metadata")
    browser.find_element(By.ID, "alert-url").send_keys("http://169.254.169.254/latest")
    browser.find_element(By.ID, "alert-sensor").send_keys("lobby")
    browser.find_element(By.ID, "alert-max").send_keys("1")
    browser.find_element(By.ID, "create-alert").click()
    wait_for_text(browser, "#alert-form-status", "webhook_url")
    assert_clean(browser, key, allowed_errors=("422",))


def test_firing_rule_shows_a_badge_on_its_domain_page(demo_stack: RunningStack, browser: WebDriver) -> None:
    key, _ = demo_keys(demo_stack.state)
    rule = _post(
        demo_stack,
        key,
        "/api/alerts",
        {
            "name": "Lobby busy",
            "kind": "occupancy_above",
            "sensor": "lobby",
            "max": 0,
            "webhook_url": "http://127.0.0.1:9/x",
        },
    )
    _post(
        demo_stack, key, "/api/webhook", {"sensor": "lobby", "ts": "2020-01-01T00:00:00Z", "in": 1, "out": 0}
    )
    enter_key(browser, demo_stack.api_url, key)
    deadline = time.monotonic() + 60
    while True:
        open_page(browser, "Occupancy")
        banners = browser.find_elements(By.CSS_SELECTOR, "#page-occupancy .firing-banner")
        if banners and "Lobby busy" in banners[0].text:
            break
        assert time.monotonic() < deadline, "no firing badge on the occupancy page"
        time.sleep(2)
    banners[0].find_element(By.LINK_TEXT, "Lobby busy (sensor lobby)").click()
    wait_for_text(browser, "#alert-detail", "Recent transitions")
    assert "FIRING" in browser.find_element(By.ID, "alert-detail").text
    assert rule["alert_id"] in browser.current_url
