"""`python -m local --parameter-overrides ThrottlingBurstLimit=3 ThrottlingRateLimit=0.2`: the
stack throttles each route as the deployed HTTP API would with those parameters, seen by a
client: 429 `{"message": "Too Many Requests"}` past the burst, served again once the rate
allows, other routes unaffected."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.conftest import RunningStack, start_stack
from tests.integration.http_client import ApiClient

BURST = 3
RATE = 0.2  # requests per second: one token every 5 s


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[RunningStack]:
    running = start_stack(
        tmp_path,
        "--no-demo",
        "--no-schedules",
        "--parameter-overrides",
        f"ThrottlingBurstLimit={BURST}",
        f"ThrottlingRateLimit={RATE}",
    )
    yield running
    if running.process.poll() is None:
        running.process.kill()
        running.process.wait()


def test_past_the_burst_a_route_answers_429_until_the_rate_refills_it(stack: RunningStack) -> None:
    api = ApiClient(stack.api_url, stack.state["keys"]["admin"])
    rooms = "/api/v1/buildings/b1/rooms"
    started = time.monotonic()
    answers = [api.get(rooms) for _ in range(BURST + 4)]
    refilled = int((time.monotonic() - started) * RATE)  # tokens back while we sent (0 unless slow)
    statuses = [a.status for a in answers]
    assert statuses[:BURST] == [404] * BURST  # served (an empty stack)
    assert set(statuses[BURST:]) <= {404, 429}
    assert statuses.count(404) <= BURST + refilled
    assert statuses.count(429) >= 4 - refilled >= 1
    assert next(a for a in answers if a.status == 429).json == {"message": "Too Many Requests"}
    reading = {"temperature": 20.5, "recorded_at": "2024-12-10T16:45:00"}
    assert api.post("/api/v1/buildings/b1/rooms/r1/temperatures", reading).status == 201  # its own bucket
    time.sleep(1.1 / RATE)  # at least one token back
    assert api.get(rooms).status == 200  # a client that waits and resends is served
    terminal = stack.log_file.read_text(errors="replace")
    assert f"GET {rooms} 429 " in terminal and "TemperatureReadFunction (throttled)" in terminal
