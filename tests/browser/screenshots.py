"""`make screenshots`: docs/console-<page>.png of every console page at 1280×800, from a local
stack with demo data (started here, or the one named by SITEPULSE_STACK_STATE), after one
report has been generated so the store page shows its tables."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.browser import chrome
from tests.browser.conftest import STARTUP_SECONDS
from tests.browser.console_session import PAGES, demo_keys, enter_key, open_page, save_screenshot, wait_for
from tests.integration.conftest import RunningStack, start_stack, stop_stack

DOCS = Path(__file__).resolve().parents[2] / "docs"


def capture(stack: RunningStack, out: Path = DOCS) -> list[Path]:
    key, _ = demo_keys(stack.state)
    written = []
    with tempfile.TemporaryDirectory() as downloads, chrome.chromium(Path(downloads)) as driver:
        enter_key(driver, stack.api_url, key)
        open_page(driver, "Store uptime")
        driver.find_element(By.ID, "trigger-report").click()
        WebDriverWait(driver, 300, poll_frequency=0.5).until(
            lambda d: d.find_element(By.ID, "report-status").text.startswith(("Complete", "Failed"))
        )
        wait_for(driver, "#most-downtime table")
        for link, page in PAGES.items():
            open_page(driver, link)
            path = out / f"console-{page}.png"
            save_screenshot(driver, path)
            written.append(path)
        errors = chrome.console_errors(driver)
        if errors:
            raise RuntimeError(f"browser console errors: {errors}")
    return written


def main() -> int:
    running = os.environ.get("SITEPULSE_STACK_STATE")
    if running:
        state = json.loads(Path(running).read_text())
        paths = capture(RunningStack(state["api_url"], state, Path(running), None, Path(running)))  # type: ignore[arg-type]
    else:
        with tempfile.TemporaryDirectory(prefix="sitepulse-screenshots-") as workdir:
            stack = start_stack(Path(workdir), startup_seconds=STARTUP_SECONDS)
            try:
                paths = capture(stack)
            finally:
                stop_stack(stack)
    for path in paths:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
