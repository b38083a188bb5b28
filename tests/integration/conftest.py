"""Integration fixtures: one local stack per test session, started as a separate
process exactly like `make run` (but on free ports, without demo data), and a
tiny HTTP client that talks to it the way any client would."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from local.aws.least_privilege import ACTIONS_FILE, function_policies, violations
from local.aws.recorded_actions import read_records
from tests.integration.http_client import ApiClient

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120
AUTH_TTL_SECONDS = 3


@dataclass
class RunningStack:
    api_url: str
    state: dict[str, Any]
    state_file: Path
    process: subprocess.Popen[bytes]
    log_file: Path

    def session(self) -> boto3.Session:
        return boto3.Session(
            aws_access_key_id="testing", aws_secret_access_key="testing", region_name=self.state["region"]
        )

    def client(self, service: str) -> Any:
        return self.session().client(service, endpoint_url=self.state["endpoint_url"])


def start_stack(
    workdir: Path,
    *extra: str,
    template: Path | None = None,
    state_file: Path | None = None,
    startup_seconds: float = STARTUP_SECONDS,
) -> RunningStack:
    """Start `python -m local` and wait for its state file (written once the stack is ready).
    `log_file` receives what a user would see on the terminal; the rest is in `logs/stack.log`
    beside the state file."""
    state_file = state_file or workdir / "local.json"
    log_file = workdir / "stack.log"
    command = [sys.executable, "-m", "local", "--port", "0", "--state-file", str(state_file), *extra]
    if template is not None:
        command += ["--template", str(template)]
    # A short authorizer cache TTL so revocation tests need not wait the template's 300 s.
    env = {**os.environ, "SITEPULSE_AUTH_TTL": os.environ.get("SITEPULSE_AUTH_TTL", str(AUTH_TTL_SECONDS))}
    with log_file.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    deadline = time.monotonic() + startup_seconds
    while not state_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            diverted = state_file.with_name("logs") / "stack.log"
            details = diverted.read_text(errors="replace")[-4000:] if diverted.exists() else ""
            raise RuntimeError(
                f"local stack did not start:\n{log_file.read_text(errors='replace')[-4000:]}\n{details}"
            )
        time.sleep(0.2)
    state = json.loads(state_file.read_text())
    return RunningStack(state["api_url"], state, state_file, process, log_file)


def stop_stack(stack: RunningStack) -> int:
    """Ctrl-C, as a developer would. The 10-second promise is checked by its own tests
    (test_isolation, test_startup); a fixture's teardown on a loaded CI machine allows more,
    then a second Ctrl-C (which exits at once by design) before failing."""
    stack.process.send_signal(signal.SIGINT)
    try:
        return stack.process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        stack.process.send_signal(signal.SIGINT)
    try:
        return stack.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        raise


def least_privileged_stack(workdir: Path) -> Iterator[RunningStack]:
    """A stack without demo data for a whole session; when it stops, everything the session made
    each function do must have been granted to it by template.yaml."""
    stack = start_stack(workdir, "--no-demo")
    yield stack
    stop_stack(stack)
    records = read_records(stack.state_file.parent / ACTIONS_FILE)
    assert violations(records, function_policies(ROOT / "template.yaml")) == []


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    yield from least_privileged_stack(tmp_path_factory.mktemp("stack"))


@pytest.fixture(scope="session")
def api(local_stack: RunningStack) -> ApiClient:
    """Authenticated as the stack's demo admin key (every scope)."""
    return ApiClient(local_stack.api_url, local_stack.state["keys"]["admin"])
