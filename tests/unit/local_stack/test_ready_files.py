"""What the stack publishes once ready (env file, state file, banner) and the one-line
summaries of scheduled runs."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from local.aws.scheduler import Scheduler, summarize
from local.lambdas.workers import FunctionError
from local.ready import ReadyStack, banner, env_text, state_document, write_atomically
from local.template import Schedule

RESOURCES = {
    "tables": {"OccupancyTable": "sitepulse-local-OccupancyTable"},
    "buckets": {"DataBucket": "sitepulse-local-databucket"},
}


def ready_stack(tmp_path: Path, **overrides: Any) -> ReadyStack:
    values: dict[str, Any] = {
        "api_url": "http://127.0.0.1:3000",
        "endpoint": "http://127.0.0.1:45678",
        "state_file": tmp_path / ".sitepulse" / "local.json",
        "startup_seconds": 12.34,
        "resources": RESOURCES,
        "demo_lines": ["occupancy: 4 sensor events"],
        "schedule_lines": ["IngestFunction at start-up: 3 files, 10 rows accepted, 0 rejected in 1.0 s"],
    }
    return ReadyStack(**{**values, **overrides})


def sourced(env_file: Path, *names: str) -> dict[str, str]:
    script = f"set -eu; source {env_file}; " + "; ".join(f'printf "%s\\0" "${{{n}:-<unset>}}"' for n in names)
    output = subprocess.run(["bash", "-c", script], capture_output=True, check=True, env={}).stdout.decode()
    return dict(zip(names, output.split("\0")[:-1], strict=True))


def test_env_file_exports_what_curl_aws_and_boto3_need(tmp_path: Path) -> None:
    ready = ready_stack(tmp_path)
    write_atomically(ready.env_file, env_text(ready))
    values = sourced(
        ready.env_file,
        "SITEPULSE_API_URL",
        "API",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "SITEPULSE_DATA_BUCKET",
        "SITEPULSE_KEY",
    )
    assert values == {
        "SITEPULSE_API_URL": "http://127.0.0.1:3000",
        "API": "http://127.0.0.1:3000",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:45678",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "SITEPULSE_DATA_BUCKET": "sitepulse-local-databucket",
        "SITEPULSE_KEY": "<unset>",  # no demo keys: no key variable
    }


def test_env_file_exports_the_admin_demo_key_quoted_for_the_shell(tmp_path: Path) -> None:
    keys = {"admin": "sp_adm'in$HOME`x`", "sensor-gateway": "sp_sensor"}
    ready = ready_stack(tmp_path, demo_keys=keys)
    write_atomically(ready.env_file, env_text(ready))
    values = sourced(ready.env_file, "SITEPULSE_KEY", "SITEPULSE_KEY_ADMIN", "SITEPULSE_KEY_SENSOR_GATEWAY")
    assert values == {
        "SITEPULSE_KEY": keys["admin"],
        "SITEPULSE_KEY_ADMIN": keys["admin"],
        "SITEPULSE_KEY_SENSOR_GATEWAY": "sp_sensor",
    }


def test_state_document_and_atomic_write(tmp_path: Path) -> None:
    ready = ready_stack(tmp_path, demo_keys={"admin": "sp_x"})
    write_atomically(ready.state_file, json.dumps(state_document(ready)))
    state = json.loads(ready.state_file.read_text())
    assert state["api_url"] == ready.api_url and state["endpoint_url"] == ready.endpoint
    assert state["region"] == "us-east-1"
    assert state["tables"] == RESOURCES["tables"] and state["buckets"] == RESOURCES["buckets"]
    assert state["env_file"] == str(ready.env_file)
    assert state["demo_keys"] == {"admin": "sp_x"}
    assert sorted(p.name for p in ready.state_file.parent.iterdir()) == ["local.json"]  # no temp file left


def test_banner_lists_urls_data_keys_aws_and_stop(tmp_path: Path) -> None:
    ready = ready_stack(tmp_path, demo_keys={"admin": "sp_admin_secret", "reader": "sp_reader_secret"})
    text = banner(ready)
    for expected in (
        "ready (started in 12.3 s)",
        "http://127.0.0.1:3000/api/docs",
        "Console      http://127.0.0.1:3000/",
        "occupancy: 4 sensor events",
        "IngestFunction at start-up: 3 files",
        "admin        sp_admin_secret",
        "reader       sp_reader_secret",
        "http://127.0.0.1:45678",
        "source ",
        "Ctrl-C",
    ):
        assert expected in text, expected
    assert "Demo keys" in text


def test_banner_stays_within_25_lines_whatever_is_loaded(tmp_path: Path) -> None:
    ready = ready_stack(
        tmp_path,
        demo_lines=[f"domain {i}: " + "x" * 300 for i in range(20)],
        schedule_lines=[f"Fn{i} at start-up: done" for i in range(5)],
        demo_keys={f"key-{i}": "sp_" + "s" * 40 for i in range(10)},
    )
    lines = banner(ready).splitlines()
    assert len(lines) <= 25
    assert max(map(len, lines)) <= 140


def test_banner_says_when_there_is_no_demo_data(tmp_path: Path) -> None:
    text = banner(ready_stack(tmp_path, demo_lines=[], schedule_lines=[]))
    assert "none (started without demo data)" in text
    assert "Demo keys" not in text


# ---------------------------------------------------------------- scheduled runs


INGESTION_RESULT = {
    "run_id": "r1",
    "objects": [
        {"key": f"incoming/store_status/{i}.csv", "status": "Done", "accepted": 1000, "rejected": i}
        for i in range(150)
    ]
    + [{"key": "incoming/timezones/bad.csv", "status": "Failed", "accepted": 0, "rejected": 0}],
    "waiting": 2,
}


def test_summarize_counts_files_and_rows() -> None:
    assert summarize(INGESTION_RESULT) == (
        "151 files, 150,000 rows accepted, 11,175 rejected, 1 files failed, 2 files left for the next run"
    )
    assert summarize({"objects": [], "waiting": 0}) == "0 files, 0 rows accepted, 0 rejected"
    assert summarize({"statusCode": 200}) == "done"
    assert summarize(None) == "done"


class _Runtime:
    def __init__(self, result: Any = None, error: bool = False) -> None:
        self.result, self.error = result, error

    def invoke(self, function: str, event: Any) -> Any:
        if self.error:
            raise FunctionError({"errorMessage": "x" * 5000, "errorType": "E", "stackTrace": []})
        return self.result


def test_a_scheduled_run_prints_one_short_line_and_logs_the_result_elsewhere() -> None:
    terminal: list[str] = []
    details: list[str] = []
    scheduler = Scheduler(
        [Schedule("IngestFunction", "rate(1 hour)")],
        _Runtime(INGESTION_RESULT),  # type: ignore[arg-type]
        terminal.append,
        details.append,
    )
    phrases = scheduler.run_startup()
    assert len(terminal) == 1
    assert terminal[0].startswith("schedule IngestFunction (rate(1 hour)): 151 files, 150,000 rows accepted")
    assert terminal[0].endswith(" s") and len(terminal[0]) < 200
    assert phrases == [
        terminal[0].replace("schedule IngestFunction (rate(1 hour)):", "IngestFunction at start-up:")
    ]
    assert len(details) == 1 and '"run_id": "r1"' in details[0]


@pytest.mark.parametrize("schedules", [1, 2])
def test_a_failed_run_is_one_bounded_line(schedules: int) -> None:
    terminal: list[str] = []
    scheduler = Scheduler(
        [Schedule(f"Fn{i}", "rate(5 minutes)") for i in range(schedules)],
        _Runtime(error=True),  # type: ignore[arg-type]
        terminal.append,
        lambda text: None,
    )
    phrases = scheduler.run_startup()
    assert len(terminal) == len(phrases) == schedules
    assert all("failed after" in line and len(line) < 300 for line in terminal)
