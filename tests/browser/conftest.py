"""Browser fixtures: one local stack WITH demo data for the module (like `make run`), and a
headless Chromium with a fresh profile per test."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser import chrome
from tests.integration.conftest import RunningStack, start_stack, stop_stack

STARTUP_SECONDS = 600


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
    # The state file appears once the stack is ready: demo data posted and ingested (a report
    # started right away completes). Allow for a busy machine.
    stack = start_stack(tmp_path_factory.mktemp("demo-stack"), startup_seconds=STARTUP_SECONDS)
    yield stack
    stop_stack(stack)


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def browser(demo_stack: RunningStack, downloads: Path) -> Iterator[WebDriver]:
    with chrome.chromium(downloads) as driver:
        yield driver
