"""Integration fixtures: one local stack per test session, started as a separate
process exactly like `make run` (but on free ports, without demo data), and a
tiny HTTP client that talks to it the way any client would."""

from __future__ import annotations

import json
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

from local.aws_actions import read_records
from local.least_privilege import ACTIONS_FILE, function_policies, violations
from tests.integration.http_client import ApiClient

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 120


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


def start_stack(workdir: Path, *extra: str, template: Path | None = None) -> RunningStack:
    state_file = workdir / "local.json"
    log_file = workdir / "stack.log"
    command = [sys.executable, "-m", "local", "--port", "0", "--state-file", str(state_file), *extra]
    if template is not None:
        command += ["--template", str(template)]
    with log_file.open("wb") as log:
        process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_SECONDS
    while not state_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"local stack did not start:\n{log_file.read_text(errors='replace')[-4000:]}")
        time.sleep(0.2)
    state = json.loads(state_file.read_text())
    return RunningStack(state["api_url"], state, state_file, process, log_file)


def stop_stack(stack: RunningStack) -> int:
    stack.process.send_signal(signal.SIGINT)
    try:
        return stack.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        raise


@pytest.fixture(scope="session")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    stack = start_stack(tmp_path_factory.mktemp("stack"), "--no-demo")
    yield stack
    stop_stack(stack)
    # At the end of the session: everything every test made each function do was granted to it.
    records = read_records(stack.state_file.parent / ACTIONS_FILE)
    assert violations(records, function_policies(ROOT / "template.yaml")) == []


@pytest.fixture(scope="session")
def api(local_stack: RunningStack) -> ApiClient:
    return ApiClient(local_stack.api_url)
