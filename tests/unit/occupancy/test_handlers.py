"""The occupancy handlers end to end in-process, against DynamoDB in moto."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from bench.cost import CostMeter
from tests.unit.conftest import http_event, lambda_context


@pytest.fixture
def write(load_function: Any) -> ModuleType:
    return load_function("OccupancyWriteFunction")


@pytest.fixture
def read(load_function: Any) -> ModuleType:
    return load_function("OccupancyReadFunction")


def post(module: ModuleType, body: Any) -> tuple[int, Any]:
    response = module.handler(http_event("POST", "/api/webhook", body), lambda_context())
    return response["statusCode"], json.loads(response["body"])


def occupancy(module: ModuleType, sensor: str, at: str | None = None) -> tuple[int, Any]:
    query = {"atInstant": at} if at else None
    event = http_event(
        "GET",
        f"/api/sensors/{sensor}/occupancy",
        query=query,
        route_key="GET /api/sensors/{sensor}/occupancy",
        path_parameters={"sensor": sensor},
    )
    response = module.handler(event, lambda_context())
    return response["statusCode"], json.loads(response["body"])


def test_statement_scenario(write: ModuleType, read: ModuleType) -> None:
    listing = read.handler(http_event("GET", "/api/sensors"), lambda_context())
    assert json.loads(listing["body"])["sensors"] == []

    assert post(write, {"sensor": "abc", "ts": "2018-11-14T13:34:49Z", "in": 6, "out": 3})[0] == 201
    assert occupancy(read, "abc") == (200, {"sensor": "abc", "inside": 3})
    assert post(write, {"sensor": "abc", "ts": "2018-11-14T14:10:00Z", "in": 1, "out": 3})[0] == 201
    assert post(write, {"sensor": "abcd", "ts": "2018-11-14T14:11:00Z", "in": 2, "out": 1})[0] == 201

    assert occupancy(read, "abc", "2018-11-14T14:00:00Z") == (
        200,
        {"sensor": "abc", "inside": 3, "at": "2018-11-14T14:00:00Z"},
    )
    assert occupancy(read, "abc")[1]["inside"] == 1
    assert occupancy(read, "abc", "2018-11-14T13:00:00Z")[1]["inside"] == 0  # before the first event
    assert occupancy(read, "abc", "2018-11-14T13:34:49Z")[1]["inside"] == 3  # ts <= atInstant counts
    listing = read.handler(http_event("GET", "/api/sensors"), lambda_context())
    assert json.loads(listing["body"])["sensors"] == ["abc", "abcd"]


def test_replay_returns_stored_event_and_changes_nothing(write: ModuleType, read: ModuleType) -> None:
    event = {"sensor": "s1", "ts": "2024-01-01T10:00:00+01:00", "in": 5, "out": 1}
    assert post(write, event) == (201, {"sensor": "s1", "ts": "2024-01-01T09:00:00Z", "in": 5, "out": 1})
    # Same key, same payload (also through the alias names and another offset): the stored event, 200.
    same = {"sensor": "s1", "ts": "2024-01-01T09:00:00Z", "in_count": 5, "out_count": 1}
    assert post(write, same) == (200, {"sensor": "s1", "ts": "2024-01-01T09:00:00Z", "in": 5, "out": 1})
    status, body = post(write, {**event, "out": 2})
    assert status == 409
    assert "already reported" in body["message"]
    assert occupancy(read, "s1")[1]["inside"] == 4


def test_unknown_sensor_is_404(read: ModuleType) -> None:
    assert occupancy(read, "ghost")[0] == 404
    assert occupancy(read, "ghost", "2024-01-01T00:00:00Z")[0] == 404


def test_bad_at_instant_is_422(write: ModuleType, read: ModuleType) -> None:
    post(write, {"sensor": "s2", "ts": "2024-01-01T00:00:00Z", "in": 1, "out": 0})
    status, body = occupancy(read, "s2", "not-a-time")
    assert status == 422
    assert body["errors"][0]["field"] == "atInstant"


def test_out_of_order_events_answer_as_if_in_order(write: ModuleType, read: ModuleType) -> None:
    rng = random.Random(7)
    start = datetime(2023, 12, 30, 22, tzinfo=UTC)
    events = []
    for i in range(150):
        ts = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 40), seconds=i)
        events.append(
            {"sensor": "shuffled", "ts": ts.isoformat(), "in": rng.randint(0, 9), "out": rng.randint(0, 9)}
        )
    rng.shuffle(events)
    for event in events:
        assert post(write, event)[0] == 201
    for _ in range(40):
        moment = start + timedelta(minutes=rng.randrange(-60, 60 * 24 * 41))
        expected = sum(e["in"] - e["out"] for e in events if datetime.fromisoformat(e["ts"]) <= moment)
        at = moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert occupancy(read, "shuffled", at)[1]["inside"] == max(expected, 0), at
    total = sum(e["in"] - e["out"] for e in events)
    assert occupancy(read, "shuffled")[1]["inside"] == max(total, 0)


def test_request_costs_are_bounded(write: ModuleType, read: ModuleType) -> None:
    meter = CostMeter(write.service._repository._client)
    post(write, {"sensor": "cost", "ts": "2024-03-01T00:00:00Z", "in": 2, "out": 0})
    assert dict(meter.requests) == {"TransactWriteItems": 1}

    read_meter = CostMeter(read.service._repository._client)
    occupancy(read, "cost")
    assert dict(read_meter.requests) == {"GetItem": 1}
    read_meter.reset()
    occupancy(read, "cost", "2024-03-01T00:30:00Z")
    assert read_meter.total_requests <= 3


def test_sensor_list_paginates(write: ModuleType, read: ModuleType) -> None:
    names = [f"p{i:02d}" for i in range(7)]
    for name in reversed(names):
        post(write, {"sensor": name, "ts": "2024-01-01T00:00:00Z", "in": 1, "out": 0})
    seen: list[str] = []
    token = None
    while True:
        query = {"limit": "3"} | ({"next_token": token} if token else {})
        body = json.loads(
            read.handler(http_event("GET", "/api/sensors", query=query), lambda_context())["body"]
        )
        seen += body["sensors"]
        token = body["next_token"]
        if not token:
            break
    assert seen == names
    bad = read.handler(http_event("GET", "/api/sensors", query={"next_token": "garbage!"}), lambda_context())
    assert bad["statusCode"] == 422


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "{",
        "[]",
        "null",
        '"text"',
        '{"sensor": "x", "ts": "2024-01-01T00:00:00Z", "in": NaN, "out": 1}',
        '{"sensor": "x", "ts": "2024-01-01T00:00:00Z", "in": Infinity, "out": 1}',
        '{"sensor": "x", "ts": "2024-01-01T00:00:00Z", "in": 1e400, "out": 1}',
        '{"sensor": "x", "ts": "2024-01-01T00:00:00Z", "in": 99999999999999999999999, "out": 1}',
        '{"sensor": {"nested": [1, 2]}, "ts": [], "in": {}, "out": null}',
        '{"sensor": "x\\u0000y", "ts": "2024-01-01T00:00:00\\u0007Z", "in": 1, "out": 1}',
        "[" * 100_000 + "]" * 100_000,
        '{"sensor": "' + "a" * 300_000 + '"}',
        "\xff\xfe garbage",
        '[{"sensor": "x", "ts": "2024-01-01T00:00:00Z", "in": 1, "out": 1}, {"sensor": "y"}]',
        '{"sensor": "x", "ts": "0001-01-01T00:00:00+01:00", "in": 1, "out": 1}',
        '{"sensor": "x", "ts": "9999-12-31T23:59:59-01:00", "in": 1, "out": 1}',
    ],
)
def test_hostile_bodies_are_4xx(write: ModuleType, read: ModuleType, raw: str) -> None:
    response = write.handler(http_event("POST", "/api/webhook", raw), lambda_context())
    assert 400 <= response["statusCode"] < 500, response
    assert "message" in json.loads(response["body"])
    assert occupancy(read, "x")[0] == 404  # nothing was stored
