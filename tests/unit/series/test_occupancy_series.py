"""Occupancy series against brute force on random, late and out-of-order events, its cost, and bad input."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from bench.cost import CostMeter
from sitepulse.common.timestamps import format_instant
from tests.unit.conftest import http_event, lambda_context

BASE = datetime(2024, 1, 30, 20, tzinfo=UTC)  # a month boundary and several day boundaries inside


@pytest.fixture
def write(load_function: Any) -> ModuleType:
    return load_function("OccupancyWriteFunction")


@pytest.fixture
def read(load_function: Any) -> ModuleType:
    return load_function("OccupancyReadFunction")


def series(read: ModuleType, sensor: str, **query: str) -> tuple[int, Any]:
    event = http_event(
        "GET",
        f"/api/sensors/{sensor}/occupancy/series",
        query=query,
        route_key="GET /api/sensors/{sensor}/occupancy/series",
        path_parameters={"sensor": sensor},
    )
    response = read.handler(event, lambda_context())
    return response["statusCode"], json.loads(response["body"])


def post(write: ModuleType, sensor: str, ts: datetime, in_count: int, out_count: int) -> None:
    body = {"sensor": sensor, "ts": format_instant(ts), "in": in_count, "out": out_count}
    response = write.handler(http_event("POST", "/api/webhook", body), lambda_context())
    assert response["statusCode"] == 201, response


def brute_inside(events: list[tuple[datetime, int, int]], at: datetime) -> int:
    return max(sum(i - o for ts, i, o in events if ts <= at), 0)


def test_series_matches_brute_force_on_random_out_of_order_events(
    write: ModuleType, read: ModuleType
) -> None:
    rng = random.Random(12)
    events: list[tuple[datetime, int, int]] = []
    instants: set[datetime] = set()
    while len(events) < 400:
        offset = timedelta(
            seconds=rng.randrange(-86400, 4 * 86400), microseconds=rng.choice([0, rng.randrange(10**6)])
        )
        ts = (
            (BASE + offset).replace(second=0) if rng.random() < 0.3 else BASE + offset
        )  # many on minute marks
        if ts in instants:
            continue
        instants.add(ts)
        events.append((ts, rng.randrange(0, 6), rng.randrange(0, 6)))
    for ts, i, o in rng.sample(events, len(events)):  # arrival order unrelated to ts
        post(write, "s1", ts, i, o)
    cases = [
        ("5m", BASE, BASE + timedelta(hours=30)),
        ("1h", BASE - timedelta(days=2), BASE + timedelta(days=5)),
    ]
    cases += [
        ("1d", BASE - timedelta(days=3), BASE + timedelta(days=6)),
        ("PT7M", BASE + timedelta(minutes=13), BASE + timedelta(hours=9)),
    ]
    for _ in range(6):
        start = BASE + timedelta(minutes=rng.randrange(-2000, 5000), seconds=rng.randrange(60))
        step = rng.choice(["5m", "10m", "15m", "25m", "1h", "3h", "90m", "1d"])
        cases.append(
            (step, start, start + timedelta(minutes=rng.randrange(30, 3000), seconds=rng.randrange(60)))
        )
    for step, start, end in cases:
        status, body = series(
            read, "s1", **{"from": format_instant(start), "to": format_instant(end), "step": step}
        )
        assert status == 200, body
        points = body["points"]
        assert points, body
        assert body["from"] == format_instant(start.replace(second=0, microsecond=0))
        assert points[-1]["at"] == body["to"] == format_instant(end.replace(second=0, microsecond=0))
        for point in points:
            at = datetime.fromisoformat(point["at"])
            assert point["inside"] == brute_inside(events, at), (step, start, end, point)


def instant(read: ModuleType, sensor: str, at: str) -> int:
    event = http_event(
        "GET",
        f"/api/sensors/{sensor}/occupancy",
        query={"atInstant": at},
        route_key="GET /api/sensors/{sensor}/occupancy",
        path_parameters={"sensor": sensor},
    )
    response = read.handler(event, lambda_context())
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])["inside"]


def test_boundary_event_counts_at_its_own_point(write: ModuleType, read: ModuleType) -> None:
    post(write, "b", datetime(2024, 3, 1, 10, 0, tzinfo=UTC), 5, 0)
    post(write, "b", datetime(2024, 3, 1, 10, 0, 0, 1, tzinfo=UTC), 0, 1)  # 1 µs later: not at 10:00
    _, body = series(
        read, "b", **{"from": "2024-03-01T09:00:00Z", "to": "2024-03-01T11:00:00Z", "step": "1h"}
    )
    assert [p["inside"] for p in body["points"]] == [5, 4]
    assert [p["at"] for p in body["points"]] == ["2024-03-01T10:00:00Z", "2024-03-01T11:00:00Z"]


def test_every_point_equals_the_instant_reading_with_events_on_step_boundaries(
    write: ModuleType, read: ModuleType
) -> None:
    """Events exactly at points, on hour / day / month boundaries, and just around them."""
    rng = random.Random(7)
    start = datetime(2024, 1, 31, 22, tzinfo=UTC)
    for minutes in range(0, 6 * 60, 15):
        at = start + timedelta(minutes=minutes)
        post(write, "edge", at, rng.randrange(0, 5), rng.randrange(0, 4))
        if rng.random() < 0.5:
            post(write, "edge", at - timedelta(microseconds=1), rng.randrange(0, 3), rng.randrange(0, 3))
    _, body = series(
        read,
        "edge",
        **{
            "from": format_instant(start - timedelta(minutes=15)),
            "to": format_instant(start + timedelta(hours=6)),
            "step": "15m",
        },
    )
    assert len(body["points"]) == 25
    for point in body["points"]:
        assert point["inside"] == instant(read, "edge", point["at"]), point


def test_floor_at_zero_applies_to_the_running_total_only(write: ModuleType, read: ModuleType) -> None:
    post(write, "f", datetime(2024, 3, 1, 10, 1, tzinfo=UTC), 0, 4)
    post(write, "f", datetime(2024, 3, 1, 10, 7, tzinfo=UTC), 6, 0)
    _, body = series(
        read, "f", **{"from": "2024-03-01T10:00:00Z", "to": "2024-03-01T10:15:00Z", "step": "5m"}
    )
    assert [p["inside"] for p in body["points"]] == [0, 2, 2]


def test_cost_is_bounded_by_points_not_history(write: ModuleType, read: ModuleType) -> None:
    for day in range(40):
        post(write, "c", BASE - timedelta(days=day, minutes=day), 2, 1)
    meter = CostMeter(read.service._repository._client)
    status, body = series(
        read, "c", **{"from": "2024-01-29T00:00:00Z", "to": "2024-01-30T00:00:00Z", "step": "1h"}
    )
    assert status == 200 and len(body["points"]) == 24
    assert meter.total_requests == 2  # the summary + one BatchGetItem of 2 day items and 2 month items
    meter.reset()
    status, body = series(
        read, "c", **{"from": "2021-05-05T00:07:00Z", "to": "2024-01-30T00:00:00Z", "step": "1d"}
    )
    assert status == 200 and len(body["points"]) == 1000
    assert meter.total_requests <= 1 + 40  # ≤ 3 aggregates + 1 event per point, 100 keys per BatchGetItem


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"step": "4m"}, "step"),
        ({"step": "2d"}, "step"),
        ({"step": "90s"}, "step"),
        ({"step": "P1M"}, "step"),
        ({"step": "soon"}, "step"),
        ({"from": "2024-01-02T00:00:00Z", "to": "2024-01-01T00:00:00Z"}, "to"),
        ({"from": "2024-01-01T00:00:30Z", "to": "2024-01-01T00:00:59Z"}, "to"),
        ({"from": "2024-01-01T00:00:00Z", "to": "2024-01-05T00:00:00Z", "step": "5m"}, "step"),
        ({"from": "yesterday"}, "from"),
        ({"to": "1969-12-31T23:00:00Z"}, "to"),
        ({"from": "2024-01-01T00:00:00\x00"}, "from"),
    ],
)
def test_bad_ranges_are_422(write: ModuleType, read: ModuleType, query: dict[str, str], field: str) -> None:
    post(write, "v", BASE, 1, 0)
    status, body = series(read, "v", **query)
    assert status == 422, body
    assert body["errors"][0]["field"] == field


def test_1000_points_is_fine_1001_is_not(write: ModuleType, read: ModuleType) -> None:
    post(write, "v", BASE, 1, 0)
    start = datetime(2024, 1, 1, tzinfo=UTC)
    ok = series(
        read,
        "v",
        **{
            "from": format_instant(start),
            "to": format_instant(start + timedelta(minutes=5000)),
            "step": "5m",
        },
    )
    assert ok[0] == 200 and len(ok[1]["points"]) == 1000
    too_many = series(
        read,
        "v",
        **{
            "from": format_instant(start),
            "to": format_instant(start + timedelta(minutes=5001)),
            "step": "5m",
        },
    )
    assert too_many[0] == 422


def test_unknown_sensor_is_404_and_defaults_are_the_last_day(write: ModuleType, read: ModuleType) -> None:
    assert series(read, "nobody")[0] == 404
    post(write, "d", datetime.now(UTC) - timedelta(hours=2), 3, 0)
    status, body = series(read, "d")
    assert status == 200 and body["step"] == "1h" and len(body["points"]) == 24
    assert body["points"][-1]["inside"] == 3 and body["points"][0]["inside"] == 0
