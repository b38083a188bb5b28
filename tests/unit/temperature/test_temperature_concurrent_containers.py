"""Concurrent requests to the write function, served by several of its workers at once (as the
local stack and Lambda run them), each see their own request: their own body and path, stored
under their own room — no request state shared between concurrent invocations."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from local.lambdas.workers import FunctionRuntime
from tests.unit.conftest import http_event

PATH = "/api/v1/buildings/b-concurrent/rooms/r{}/temperatures"


def test_concurrent_requests_each_keep_their_own_request(worker_runtime: FunctionRuntime) -> None:
    bodies = [{"temperature": 20 + i / 4, "recorded_at": f"2024-12-10T16:{i:02d}:00"} for i in range(16)]

    def post(i: int) -> tuple[int, Any]:
        result = worker_runtime.invoke(
            "TemperatureWriteFunction", http_event("POST", PATH.format(i), bodies[i])
        )
        return result["statusCode"], json.loads(result["body"])

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(post, range(16)))

    assert answers == [
        (201, {"building": "b-concurrent", "room": f"r{i}", "temperature": 20 + i / 4,
               "recorded_at": f"2024-12-10T16:{i:02d}:00Z"})
        for i in range(16)
    ]  # fmt: skip
    assert len(worker_runtime.worker_pids("TemperatureWriteFunction")) > 1  # served concurrently

    for i in (0, 7, 15):
        path = PATH.format(i) + "/average"
        read = worker_runtime.invoke(
            "TemperatureReadFunction",
            http_event("GET", path, query={"end": f"2024-12-10T16:{i:02d}:00.000001"}),
        )
        average = json.loads(read["body"])
        assert (read["statusCode"], average["room"], average["readings"]) == (200, f"r{i}", 1)
        assert average["average_temperature"] == 20 + i / 4
