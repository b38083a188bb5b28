"""The browser keeps the API's answers and revalidates them: a repeated read goes out with
If-None-Match and comes back 304, and the page still sees the full answer."""

from __future__ import annotations

import time

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.console_session import demo_keys
from tests.integration.conftest import RunningStack
from tests.integration.http_client import ApiClient

# The console's own way of reading the API (`api()` in app.js): the key in Authorization,
# `cache: "no-cache"` (revalidate every time).
TWO_READS = """
const [path, key, done] = arguments;
const read = () => fetch(path, {headers: {Authorization: `Bearer ${key}`}, cache: "no-cache"})
  .then(async (response) => [response.status, await response.text()]);
read().then(([, first]) => read().then(([status, second]) => done([status, first, second])));
"""


def test_a_repeated_read_is_revalidated_with_a_304(demo_stack: RunningStack, browser: WebDriver) -> None:
    if demo_stack.log_file == demo_stack.state_file:
        pytest.skip("a stack started elsewhere: its access log is not readable here")
    key, _ = demo_keys(demo_stack.state)
    sensor = ApiClient(demo_stack.api_url, key).get("/api/sensors").json["sensors"][0]
    # The original API's alias: the console itself never reads it, so these log lines are ours.
    path = f"/sensors/{sensor}/occupancy"
    browser.get(f"{demo_stack.api_url}/")
    status, first, second = browser.execute_async_script(TWO_READS, path, key)
    assert status == 200 and first == second and '"inside"' in first  # the stored answer, served
    deadline = time.monotonic() + 10
    lines: list[str] = []
    while time.monotonic() < deadline and len(lines) < 2:
        log = demo_stack.log_file.read_text(errors="replace")
        lines = [line for line in log.splitlines() if line.startswith(f"GET {path} ")]
        time.sleep(0.2)
    assert [line.split()[2] for line in lines] == ["200", "304"], lines
