"""Browser fixtures: one local stack WITH demo data for the module (like `make run`), and a
headless Chromium with a fresh profile per test."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser import chrome
from tests.integration import conftest as integration_conftest
from tests.integration.conftest import RunningStack, start_stack, stop_stack

STARTUP_SECONDS = 600
INGESTION_SECONDS = 600


@pytest.fixture(scope="session")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    if not chrome.available():
        pytest.skip(
            "Debian chromium and chromedriver are not installed (apt-get install chromium chromium-driver)"
        )
    running = os.environ.get("SITEPULSE_STACK_STATE")
    if running:  # a stack already started with demo data (`make run`'s state file): quicker while developing
        state_file = Path(running)
        state = json.loads(state_file.read_text())
        yield RunningStack(state["api_url"], state, state_file, None, state_file)  # type: ignore[arg-type]
        return
    # Demo data is posted through the API before the state file appears: allow for a busy machine.
    integration_conftest.STARTUP_SECONDS = max(integration_conftest.STARTUP_SECONDS, STARTUP_SECONDS)
    stack = start_stack(tmp_path_factory.mktemp("demo-stack"))
    wait_for_first_ingestion(stack)
    yield stack
    stop_stack(stack)


def wait_for_first_ingestion(stack: RunningStack, seconds: float = INGESTION_SECONDS) -> None:
    """The start-up run of the hourly ingestion loads the demo polls after the state file is
    written; a report started before it ends would find no polls."""
    deadline = time.monotonic() + seconds
    while "schedule IngestFunction" not in stack.log_file.read_text(errors="replace"):
        if stack.process.poll() is not None or time.monotonic() > deadline:
            stop_stack(stack)
            raise RuntimeError("the demo stack's first ingestion did not finish")
        time.sleep(1)


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(demo_stack: RunningStack, downloads: Path) -> Iterator[WebDriver]:
    with chrome.chromium(downloads) as driver:
        yield driver
