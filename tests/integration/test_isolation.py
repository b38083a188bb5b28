"""Each function isolated like Lambda, seen from outside the stack: a variable missing from a
function's `Environment` in template.yaml fails that function locally (as it would in AWS),
the others keep working, the failure is in that function's own log, and Ctrl-C stops the
stack within seconds while requests are in flight."""

from __future__ import annotations

import http.client
import json
import shutil
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import ROOT, RunningStack, start_stack
from tests.integration.http_client import ApiClient

# OccupancyReadFunction's variables (the only function reading the occupancy table read-only).
READ_ENVIRONMENT = (
    "          OCCUPANCY_TABLE: !Ref OccupancyTable\n"
    "          PAGE_TOKEN_SECRET_ARN: !Ref PageTokenSecret\n"
    "      Policies:\n"
    "        - DynamoDBReadPolicy: {TableName: !Ref OccupancyTable}\n"
)


@pytest.fixture(scope="module")
def stack_without_read_table(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningStack]:
    """The stack started from a copy of template.yaml where OccupancyReadFunction lost OCCUPANCY_TABLE."""
    workdir = tmp_path_factory.mktemp("missing-env")
    project = workdir / "project"
    project.mkdir()
    for name in ("functions", "layers", "statemachine"):
        (project / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "events", project / "events")
    text = (ROOT / "template.yaml").read_text()
    assert text.count(READ_ENVIRONMENT) == 1
    without_table = READ_ENVIRONMENT.replace("          OCCUPANCY_TABLE: !Ref OccupancyTable\n", "")
    (project / "template.yaml").write_text(text.replace(READ_ENVIRONMENT, without_table))
    stack = start_stack(workdir, "--no-demo", "--no-schedules", template=project / "template.yaml")
    yield stack
    if stack.process.poll() is None:
        stack.process.kill()


def test_a_function_missing_a_template_variable_fails_while_the_others_work(
    stack_without_read_table: RunningStack,
) -> None:
    api = ApiClient(stack_without_read_table.api_url, stack_without_read_table.state["keys"]["admin"])
    sensor = f"iso-{time.time_ns()}"
    written = api.post("/api/webhook", {"sensor": sensor, "ts": "2024-01-01T10:00:00Z", "in": 2, "out": 0})
    assert written.status == 201, written.body  # the write function has OCCUPANCY_TABLE
    for _ in range(2):  # every cold start fails the same way
        failed = api.get(f"/api/sensors/{sensor}/occupancy")
        assert failed.status == 500 and failed.json == {"message": "Internal Server Error"}
    # Other functions are unaffected.
    reading = {"temperature": 20.5, "recorded_at": "2024-12-10T16:45:00"}
    assert api.post("/api/v1/buildings/b1/rooms/r1/temperatures", reading).status == 201
    assert api.get("/api/v1/buildings/b1/rooms").status == 200

    log = stack_without_read_table.state_file.parent / "logs" / "OccupancyReadFunction.log"
    records = [json.loads(line) for line in log.read_text().splitlines()]
    assert {r["function_name"] for r in records} == {"sitepulse-local-OccupancyReadFunction"}
    errors = [r for r in records if r.get("level") == "ERROR"]
    assert errors and "OCCUPANCY_TABLE" in json.dumps(errors)
    write_log = stack_without_read_table.state_file.parent / "logs" / "OccupancyWriteFunction.log"
    assert "OCCUPANCY_TABLE" not in write_log.read_text()


def worker_processes(stack: RunningStack) -> list[int]:
    """The stack's worker processes (awslambdaric children of its process)."""
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            status = (proc / "status").read_text()
            cmdline = (proc / "cmdline").read_bytes()
        except OSError:
            continue
        ppid = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("PPid:"))
        if ppid == stack.process.pid and b"awslambdaric" in cmdline:
            pids.append(int(proc.name))
    return pids


def test_ctrl_c_stops_the_stack_within_seconds_under_load(stack_without_read_table: RunningStack) -> None:
    api = ApiClient(stack_without_read_table.api_url, stack_without_read_table.state["keys"]["admin"])
    stop = threading.Event()
    answered = [0]

    def hammer(i: int) -> None:
        while not stop.is_set():
            try:
                api.post(
                    "/api/webhook", {"sensor": f"load-{i}", "ts": "2024-01-01T10:00:00Z", "in": 1, "out": 0}
                )
                api.get("/api/v1/buildings/b1/rooms")
                answered[0] += 1
            except (OSError, http.client.HTTPException):
                return  # the stack went away mid-request (even mid-body): expected

    threads = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while answered[0] < 16 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert answered[0] >= 16
    workers = worker_processes(stack_without_read_table)
    assert len(workers) >= 2
    started = time.monotonic()
    stack_without_read_table.process.send_signal(signal.SIGINT)
    assert stack_without_read_table.process.wait(timeout=30) == 0
    elapsed = time.monotonic() - started
    stop.set()
    assert elapsed < 10, f"took {elapsed:.1f} s to stop"
    assert not stack_without_read_table.state_file.exists()
    time.sleep(0.5)
    assert [pid for pid in workers if Path(f"/proc/{pid}").exists()] == []  # no worker outlives it
