"""`make run` as a new user meets it: started with demo data, the stack announces itself
only when ready — a report started the moment the state file appears completes — the
terminal stays short and readable, `.sitepulse/env` makes the local-stack page's example
(docs/local-stack.md) work as written, and Ctrl-C stops everything within seconds, even
mid-ingestion or mid-report."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, RunningStack, start_stack
from tests.integration.http_client import ApiClient

DEMO_STARTUP_SECONDS = 1200  # demo data + the first ingestion run; minutes on a busy 2-core machine
ENV_EXAMPLE_MARKER = "<!-- tests/integration/test_startup.py runs the next block as written -->"


@pytest.fixture(scope="module")
def demo_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    workdir = tmp_path_factory.mktemp("demo")
    stack = start_stack(
        workdir, state_file=workdir / ".sitepulse" / "local.json", startup_seconds=DEMO_STARTUP_SECONDS
    )
    try:
        yield stack
    finally:
        if stack.process.poll() is None:
            stack.process.kill()
            stack.process.wait()


def _terminal(stack: RunningStack) -> str:
    return stack.log_file.read_text(encoding="utf-8", errors="replace")


def _wait_for(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _exits_within(process: subprocess.Popen[bytes], seconds: float) -> float:
    started = time.monotonic()
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError(f"still running {seconds} s after Ctrl-C") from None
    assert code == 0
    return time.monotonic() - started


def test_a_report_started_as_soon_as_the_stack_is_ready_completes(demo_stack: RunningStack) -> None:
    """Runs first: the state file has just appeared, nothing else has happened since."""
    api = ApiClient(demo_stack.api_url, demo_stack.state["keys"]["admin"])
    started = api.post("/api/reports")
    assert started.status == 202, started.body
    report_id = started.json["report_id"]
    deadline = time.monotonic() + 600
    while True:
        report = api.get(f"/api/reports/{report_id}").json
        if report["status"] != "Running":
            break
        assert time.monotonic() < deadline, report
        time.sleep(2)
    assert report["status"] == "Complete", report
    assert report["stores"] == 300  # every demo store was ingested before the banner


def test_files_appear_ready_and_the_banner_says_what_is_there(demo_stack: RunningStack) -> None:
    state_dir = demo_stack.state_file.parent
    assert (state_dir / "env").exists()
    _wait_for(lambda: "Stop" in _terminal(demo_stack), 10, "the banner")
    terminal = _terminal(demo_stack)
    lines = terminal.splitlines()
    start = next(i for i, line in enumerate(lines) if "Sitepulse local stack is ready" in line)
    end = next(i for i in range(start, len(lines)) if "Ctrl-C" in lines[i])
    banner = lines[start : end + 1]
    assert len(banner) <= 25, banner
    text = "\n".join(banner)
    assert re.search(r"ready \(started in \d+\.\d s\)", text)
    for expected in (
        demo_stack.api_url,
        f"{demo_stack.api_url}/api/docs",
        f"Console      {demo_stack.api_url}/",
        demo_stack.state["endpoint_url"],
        f"source {state_dir / 'env'}",
        "occupancy:",
        "temperature:",
        "store uptime:",
        "bookings:",
        "IngestFunction at start-up: 189 files",
    ):
        assert expected in text, expected
    # The start-up ingestion ran (and printed its line) before the banner.
    assert terminal.index("schedule IngestFunction") < terminal.index("Sitepulse local stack is ready")


def test_start_up_prints_little_and_no_function_logs(demo_stack: RunningStack) -> None:
    terminal = _terminal(demo_stack)
    assert len(terminal.encode()) < 30 * 1024, f"{len(terminal)} bytes on the terminal"
    for noise in ('"level"', '"_aws"', "CloudWatchMetrics", "UserWarning", "Traceback", "{'run_id'"):
        assert noise not in terminal, noise
    logs = demo_stack.state_file.parent / "logs"
    assert "schedule IngestFunction result" in (logs / "stack.log").read_text(errors="replace")
    # The functions' own logs are kept, one file per function.
    assert "object ingested" in (logs / "IngestFunction.log").read_text(errors="replace")


def test_every_request_gets_one_access_line(demo_stack: RunningStack) -> None:
    api = ApiClient(demo_stack.api_url, demo_stack.state["keys"]["admin"])
    api.post("/api/webhook", {"sensor": "enc:a", "ts": "2024-05-06T08:55:00Z", "in": 1, "out": 0})
    api.get("/api/sensors/enc%3Aa/occupancy")
    api.get("/no/such/route")
    _wait_for(lambda: "GET /no/such/route 404" in _terminal(demo_stack), 5, "the access lines")
    terminal = _terminal(demo_stack)
    assert re.search(r"^POST /api/webhook 201 \d+ ms OccupancyWriteFunction$", terminal, re.M)
    assert re.search(r"^GET /api/sensors/enc%3Aa/occupancy 200 \d+ ms OccupancyReadFunction$", terminal, re.M)
    assert re.search(r"^GET /no/such/route 404 \d+ ms -$", terminal, re.M)


def _env_example() -> str:
    page = (ROOT / "docs" / "local-stack.md").read_text(encoding="utf-8")
    after = page.split(ENV_EXAMPLE_MARKER, 1)[1]
    return re.search(r"```bash\n(.*?)```", after, re.S).group(1)  # type: ignore[union-attr]


def test_the_env_example_runs_as_written_after_sourcing_the_env_file(
    demo_stack: RunningStack, tmp_path: Path
) -> None:
    example = _env_example()
    assert "source .sitepulse/env" in example
    workdir = demo_stack.state_file.parent.parent  # holds .sitepulse/, as the project root does
    venv = workdir / ".venv"
    if not venv.exists():
        venv.symlink_to(ROOT / ".venv")
    # A clean shell: nothing from the developer's AWS setup helps (or breaks) the example.
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", example],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    tables = set(demo_stack.state["tables"].values())
    assert tables <= set(json.loads(lines[0].replace("'", '"')))
    assert int(lines[1]) >= 1  # the demo's timezones file, in the data bucket
    assert lines[2] == "200"


def test_ctrl_c_stops_within_10_seconds_while_reports_run(demo_stack: RunningStack) -> None:
    """Runs last (it stops the module's stack)."""
    api = ApiClient(demo_stack.api_url, demo_stack.state["keys"]["admin"])
    for now in ("2023-01-24T12:00:00Z", "2023-01-23T12:00:00Z", None):
        response = api.post("/api/reports", {"now": now} if now else None)
        assert response.status in (200, 202)
    time.sleep(1)
    assert api.get(f"/api/reports/{response.json['report_id']}").json["status"] == "Running"
    assert _exits_within(demo_stack.process, 10) < 10
    assert not demo_stack.state_file.exists()
    assert not demo_stack.state_file.with_name("env").exists()
    assert "stopping" in _terminal(demo_stack)


def test_ctrl_c_during_the_start_up_ingestion_exits_fast_and_publishes_nothing(tmp_path: Path) -> None:
    state_file = tmp_path / ".sitepulse" / "local.json"
    terminal = tmp_path / "terminal.log"
    with terminal.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "local", "--port", "0", "--state-file", str(state_file)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(
            lambda: "running the schedules once before ready" in terminal.read_text(errors="replace"),
            DEMO_STARTUP_SECONDS,
            "the start-up ingestion",
        )
        time.sleep(3)  # well into the ingestion of 189 files
        assert process.poll() is None
        assert _exits_within(process, 10) < 10
    finally:
        if process.poll() is None:
            process.kill()
    assert not state_file.exists() and not state_file.with_name("env").exists()
    assert "Sitepulse local stack is ready" not in terminal.read_text(errors="replace")
