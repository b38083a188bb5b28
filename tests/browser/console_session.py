"""Driving the console like a site manager: the key form, the navigation links, waiting for a
page's data. Shared by the browser tests and `make screenshots`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

PAGES = {
    "Occupancy": "occupancy",
    "Temperature": "temperature",
    "Store uptime": "stores",
    "Bookings": "bookings",
    "Alerts": "alerts",
}
# What each page shows once its demo data is in: a CSS selector that must match.
LOADED = {
    "occupancy": "#page-occupancy svg.chart path.series",
    "temperature": "#page-temperature #temperature-chart svg.chart path.series",
    "stores": "#page-stores #trigger-report",
    "bookings": "#page-bookings #day-chart svg.chart rect.bar",
    "alerts": "#page-alerts #alert-form",
}
WAIT_SECONDS = 60


def wait_for(driver: WebDriver, selector: str, seconds: float = WAIT_SECONDS) -> WebElement:
    return WebDriverWait(driver, seconds).until(ec.visibility_of_element_located((By.CSS_SELECTOR, selector)))


def wait_for_text(driver: WebDriver, selector: str, text: str, seconds: float = WAIT_SECONDS) -> None:
    """Wait until the element matching `selector` shows `text`. The element is found again on
    every poll: a page that re-renders it meanwhile (a stale element) is waited out, not an error."""
    WebDriverWait(driver, seconds).until(ec.text_to_be_present_in_element((By.CSS_SELECTOR, selector), text))


def demo_keys(state: dict[str, Any]) -> tuple[str, str | None]:
    """(key with every scope, read-only key) from the stack's state file. Before access control
    existed any key passed: then a placeholder, and no read-only key."""
    keys = state.get("keys") or {}
    return keys.get("admin", "demo-key-before-access-control"), keys.get("reader")


def enter_key(driver: WebDriver, base_url: str, key: str) -> None:
    driver.get(f"{base_url}/")
    field = wait_for(driver, "input[name='api_key']")
    assert field.get_attribute("type") == "password"
    field.clear()
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#key-form button[type='submit']").click()
    WebDriverWait(driver, 10).until(ec.invisibility_of_element_located((By.ID, "key-form")))


def change_key(driver: WebDriver, key: str) -> None:
    driver.find_element(By.ID, "forget-key").click()
    field = wait_for(driver, "input[name='api_key']")
    field.send_keys(key)
    driver.find_element(By.CSS_SELECTOR, "#key-form button[type='submit']").click()


def open_page(driver: WebDriver, link_text: str) -> str:
    """Follow a navigation link and wait until its page shows data; the page's name."""
    driver.find_element(By.LINK_TEXT, link_text).click()
    page = PAGES[link_text]
    # Present, not "visible": an empty day's bar has no height, yet the chart is there.
    WebDriverWait(driver, WAIT_SECONDS).until(ec.presence_of_element_located((By.CSS_SELECTOR, LOADED[page])))
    return page


def save_screenshot(driver: WebDriver, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    assert driver.save_screenshot(str(path)), path
