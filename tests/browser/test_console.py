"""The console in a real browser (headless Debian Chromium) against a local stack with demo data:
the key form, every page with its data, a report from trigger to downloaded CSV, a read-only
key refused on the store page. Any browser console error or any request leaving 127.0.0.1
fails the test."""

from __future__ import annotations

import csv
import io
import json
import time
import urllib.request
from pathlib import Path

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.browser.chrome import console_errors, leaving_the_machine, requested_urls
from tests.browser.console_session import (
    PAGES,
    WAIT_SECONDS,
    change_key,
    demo_keys,
    enter_key,
    open_page,
    wait_for,
    wait_for_text,
)
from tests.integration.conftest import RunningStack

REPORT_HEADER = [
    "store_id", "uptime_last_hour", "uptime_last_day", "uptime_last_week",
    "downtime_last_hour", "downtime_last_day", "downtime_last_week",
]  # fmt: skip


def assert_clean(driver: WebDriver, key: str, allowed_errors: tuple[str, ...] = ()) -> None:
    urls = requested_urls(driver)
    assert urls, "the performance log recorded no request"
    assert leaving_the_machine(urls) == []
    assert not [url for url in urls if key in url], "the API key appeared in a URL"
    assert console_errors(driver, allowed_errors) == []


def test_every_page_shows_the_demo_data(demo_stack: RunningStack, browser: WebDriver) -> None:
    key, _ = demo_keys(demo_stack.state)
    enter_key(browser, demo_stack.api_url, key)
    assert browser.execute_script("return sessionStorage.getItem('sitepulse.apiKey')") == key
    assert key not in browser.current_url
    for link in PAGES:
        open_page(browser, link)
        assert browser.find_element(By.CSS_SELECTOR, "nav a[aria-current='page']").text == link
        assert browser.find_elements(By.CSS_SELECTOR, "main .message.error, main .message.forbidden") == []
    # Occupancy: the 24/7 lobby always has people inside; its chart has a table view.
    open_page(browser, "Occupancy")
    rows = browser.find_elements(By.CSS_SELECTOR, "#page-occupancy table tbody tr")
    assert any(row.text.startswith("lobby") for row in rows)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#occupancy-chart details table tbody tr")) >= 96
    # Temperature: rooms with their latest reading, a week of hourly averages, an average.
    open_page(browser, "Temperature")
    Select(browser.find_element(By.ID, "duration")).select_by_value("1d")  # hourly rooms: a day has readings
    wait_for_text(browser, "#average .big", "°C")  # the day's average, once re-rendered
    hours = "#temperature-chart details table tbody tr"
    week = 7 * 24
    WebDriverWait(browser, WAIT_SECONDS).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, hours)) == week)
    # Bookings: twelve month bars, keyboard-operable, and the day view of the chosen month.
    open_page(browser, "Bookings")
    months = browser.find_elements(By.CSS_SELECTOR, "#month-chart rect.bar-hit")
    assert len(months) == 12
    months[2].send_keys("\n")  # March, with the keyboard
    wait_for_text(browser, "#days-title", "of Mar", seconds=20)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#day-chart rect.bar")) == 31
    assert_clean(browser, key)


def test_a_report_from_trigger_to_downloaded_csv(
    demo_stack: RunningStack, browser: WebDriver, downloads: Path
) -> None:
    key, _ = demo_keys(demo_stack.state)
    enter_key(browser, demo_stack.api_url, key)
    open_page(browser, "Store uptime")
    browser.find_element(By.ID, "trigger-report").click()
    wait_for(browser, "#report-bar")
    seen_progress = set()

    def finished(driver: WebDriver) -> bool:
        status = driver.find_element(By.ID, "report-status").text
        seen_progress.add(status)
        return status.startswith(("Complete", "Failed"))

    # The status line is re-rendered on every poll of the report: a stale read is just retried.
    stale = (StaleElementReferenceException,)
    WebDriverWait(browser, 240, poll_frequency=0.3, ignored_exceptions=stale).until(finished)
    status = browser.find_element(By.ID, "report-status").text
    assert status.startswith("Complete"), status
    link = browser.find_element(By.ID, "download-report")
    url = link.get_attribute("href")
    link.click()
    report_id = browser.find_element(By.CSS_SELECTOR, "label[for='report-bar']").text.split()[-1]
    target = downloads / f"report-{report_id}.csv"
    deadline = time.monotonic() + 30
    while not target.exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    assert target.exists(), list(downloads.iterdir())
    rows = list(csv.reader(io.StringIO(target.read_text())))
    assert rows[0] == REPORT_HEADER
    with urllib.request.urlopen(urllib.request.Request(url)) as response:  # the same bytes the link serves
        assert response.read().decode() == target.read_text()
    request = urllib.request.Request(f"{demo_stack.api_url}/api/reports/{report_id}")
    request.add_header("Authorization", f"Bearer {key}")
    with urllib.request.urlopen(request) as response:
        report = json.loads(response.read())
    assert len(rows) - 1 == report["stores"] > 0
    # The page lists it and shows the stores with the most downtime, from that CSV.
    wait_for(browser, "#most-downtime table")
    worst = browser.find_elements(By.CSS_SELECTOR, "#most-downtime tbody tr")
    by_downtime = sorted(rows[1:], key=lambda r: (-float(r[6]), r[0]))[:10]
    assert [row.text.split()[0] for row in worst] == [r[0] for r in by_downtime]
    assert any(
        report_id in (a.get_attribute("href") or "")
        for a in browser.find_elements(By.CSS_SELECTOR, "#past-reports a")
    )
    assert_clean(browser, key)


def test_a_read_only_key_cannot_start_a_report(demo_stack: RunningStack, browser: WebDriver) -> None:
    key, reader = demo_keys(demo_stack.state)
    if reader is None:
        pytest.skip("this stack has no read-only key (access control not present)")
    enter_key(browser, demo_stack.api_url, key)
    open_page(browser, "Store uptime")
    change_key(browser, reader)
    open_page(browser, "Store uptime")  # reports:read is enough to see the page
    browser.find_element(By.ID, "trigger-report").click()
    refusal = wait_for(browser, "#report-progress .message.forbidden")
    assert "not allowed to start reports" in refusal.text and "403" in refusal.text
    # The refused POST is the only error: Chromium logs the 403 response itself.
    assert_clean(
        browser,
        reader,
        allowed_errors=("/api/reports - Failed to load resource: the server responded with a status of 403",),
    )


def test_a_bad_key_gets_a_clear_message_and_the_key_form(
    demo_stack: RunningStack, browser: WebDriver
) -> None:
    browser.get(f"{demo_stack.api_url}/")
    field = wait_for(browser, "input[name='api_key']")
    field.clear()
    field.send_keys("sp_notarealkeyatall_" + "x" * 43)
    browser.find_element(By.CSS_SELECTOR, "#key-form button[type='submit']").click()
    refusal = wait_for(browser, "main .message.forbidden")
    assert "refused (403 Forbidden)" in refusal.text
    assert "unknown, mistyped, revoked or expired" in refusal.text
    assert browser.find_element(By.ID, "key-form").is_displayed()
    assert_clean(
        browser,
        "sp_notarealkeyatall_",
        allowed_errors=("Failed to load resource: the server responded with a status of 403",),
    )
