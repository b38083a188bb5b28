"""The smoke suite (`python -m smoke`, what the deploy pipeline runs against dev and prod) run
against the local stack exactly as CI runs it: a subprocess with the key in its environment.
Here it cannot rot: a good key passes every check, twice (the writes are replays the second
time), and a bad key fails with a non-zero status."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest

from smoke.checks import CHECKS, SMOKE_BUILDING, SMOKE_HOTEL_ID, SMOKE_SENSOR
from tests.integration.conftest import ROOT, RunningStack
from tests.integration.http_client import ApiClient

pytestmark = pytest.mark.integration

SMOKE_SCOPES = [
    "occupancy:read", "occupancy:write", "temperature:read", "temperature:write",
    "bookings:read", "bookings:write", "reports:read", "reports:run",
]  # fmt: skip


def run_smoke(stack: RunningStack, key: str, *, writes: bool) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SMOKE_KEY": key, "SMOKE_WRITES": "1" if writes else "0"}
    return subprocess.run(
        [sys.executable, "-m", "smoke", "--url", stack.api_url, "--timeout", "150"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=200,
        check=False,
    )


def lines(result: subprocess.CompletedProcess[str], verdict: str) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith(verdict)]


@pytest.fixture(scope="module")
def smoke_key(api: ApiClient) -> str:
    """The key docs/deploying.md tells operators to create: the smoke suite's scopes, limited to
    the smoke resources, so a leaked smoke key touches nothing real."""
    created = api.post(
        "/api/keys",
        {
            "name": "smoke",
            "scopes": SMOKE_SCOPES,
            "limits": {"sensors": ["smoke-"], "buildings": [SMOKE_BUILDING], "hotels": [SMOKE_HOTEL_ID]},
        },
    )
    assert created.status == 201, created.body
    return created.json["secret"]


def test_good_key_passes_reads_only_then_writes_then_replays(
    local_stack: RunningStack, api: ApiClient, smoke_key: str
) -> None:
    reads = run_smoke(local_stack, smoke_key, writes=False)
    assert reads.returncode == 0, reads.stdout + reads.stderr
    write_checks = [check for check in CHECKS if check.writes]
    assert len(lines(reads, "SKIP")) == len(write_checks)
    # Without the flag nothing was written.
    assert api.get(f"/api/sensors/{SMOKE_SENSOR}/occupancy").status == 404

    for attempt in ("first", "replay"):
        result = run_smoke(local_stack, smoke_key, writes=True)
        assert result.returncode == 0, f"{attempt} run:\n{result.stdout}{result.stderr}"
        assert len(lines(result, "PASS")) == len(CHECKS), result.stdout
        assert lines(result, "FAIL") == lines(result, "SKIP") == []
        assert "smoke PASSED" in result.stdout

    # The writes landed on the smoke resources only, and the replays counted nothing twice.
    occupancy: Any = api.get(f"/api/sensors/{SMOKE_SENSOR}/occupancy").json
    assert occupancy["inside"] == 1
    reports = api.get("/api/reports").json["reports"]
    assert len([report for report in reports if report["now"].startswith("1970-01-02")]) == 1


def test_bad_key_fails_with_a_non_zero_status(local_stack: RunningStack) -> None:
    result = run_smoke(local_stack, "smoke-not-a-valid-key-either", writes=True)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "smoke FAILED" in result.stdout
    failed = lines(result, "FAIL")
    # Public routes and the refusals still pass; every keyed read and write fails.
    assert len(lines(result, "PASS")) == 5, result.stdout
    assert len(failed) == len(CHECKS) - 5, result.stdout
    assert all("expected" in line for line in failed)


def test_usage_errors_exit_2_without_a_request(tmp_path: Any) -> None:
    env = {key: value for key, value in os.environ.items() if key != "SMOKE_KEY"}
    no_key = subprocess.run(
        [sys.executable, "-m", "smoke", "--url", "http://127.0.0.1:9"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert no_key.returncode == 2 and "usage" in no_key.stderr
    bad_url = subprocess.run(
        [sys.executable, "-m", "smoke", "--url", "ftp://example.org"],
        cwd=ROOT, env={**env, "SMOKE_KEY": "k"}, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert bad_url.returncode == 2


def test_unreachable_stack_fails_every_check_within_the_budget() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "smoke", "--url", "http://127.0.0.1:9", "--timeout", "20"],
        cwd=ROOT, env={**os.environ, "SMOKE_KEY": "k", "SMOKE_WRITES": "1"},
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert len(lines(result, "FAIL")) == len(CHECKS)
    assert "Traceback" not in result.stderr
