"""Occupancy over real HTTP against the local stack, as a sensor or a dashboard would call it."""

from __future__ import annotations

import random
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.http_client import ApiClient


def sensor_name(prefix: str = "s") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def inside(api: ApiClient, sensor: str, at: str | None = None, prefix: str = "/api") -> int:
    query = f"?atInstant={at}" if at else ""
    response = api.get(f"{prefix}/sensors/{sensor}/occupancy{query}")
    assert response.status == 200, response.body
    return response.json["inside"]


def test_statement_scenario(api: ApiClient) -> None:
    first, second = sensor_name("abc"), sensor_name("abcd")
    listing = api.get("/api/sensors?limit=1000").json["sensors"]
    assert first not in listing and second not in listing

    created = api.post("/api/webhook", {"sensor": first, "ts": "2018-11-14T13:34:49Z", "in": 6, "out": 3})
    assert created.status == 201
    assert created.json == {"sensor": first, "ts": "2018-11-14T13:34:49Z", "in": 6, "out": 3}
    assert api.get(f"/api/sensors/{first}/occupancy").json == {"sensor": first, "inside": 3}

    assert (
        api.post("/api/webhook", {"sensor": first, "ts": "2018-11-14T14:10:00Z", "in": 1, "out": 3}).status
        == 201
    )
    assert (
        api.post("/api/webhook", {"sensor": second, "ts": "2018-11-14T14:05:00Z", "in": 2, "out": 1}).status
        == 201
    )

    between = api.get(f"/api/sensors/{first}/occupancy?atInstant=2018-11-14T14:00:00Z")
    assert between.json == {"sensor": first, "inside": 3, "at": "2018-11-14T14:00:00Z"}
    assert inside(api, first) == 1
    assert inside(api, first, "2018-11-14T14:00:00Z", prefix="") == 3  # the /sensors alias
    assert inside(api, second) == 1
    assert {first, second} <= set(api.get("/api/sensors?limit=1000").json["sensors"])


def test_unknown_sensor_is_404(api: ApiClient) -> None:
    response = api.get(f"/api/sensors/{sensor_name('ghost')}/occupancy")
    assert response.status == 404
    assert "unknown sensor" in response.json["message"]


def test_replay_and_conflict(api: ApiClient) -> None:
    sensor = sensor_name()
    event = {"sensor": sensor, "ts": "2024-02-01T08:00:00Z", "in": 4, "out": 0}
    assert api.post("/api/webhook", event).status == 201
    replay = api.post("/api/webhook", {**event, "ts": "2024-02-01T09:00:00+01:00"})
    assert (replay.status, replay.json) == (200, event)
    conflict = api.post("/api/webhook", {**event, "in": 5})
    assert conflict.status == 409
    assert inside(api, sensor) == 4


@pytest.mark.parametrize(
    "body",
    [
        {"sensor": "x", "ts": "2024-01-01T00:00:00Z", "in": "6", "out": 3},
        {"sensor": "x", "ts": "2024-01-01T00:00:00Z", "in": -1, "out": 3},
        {"sensor": "x", "ts": "2024-01-01T00:00:00Z", "in": 1},
        {"ts": "2024-01-01T00:00:00Z", "in": 1, "out": 1},
        {"sensor": "x", "ts": "14/11/2018 13:34", "in": 1, "out": 1},
        {"sensor": "x", "ts": "2024-02-30T00:00:00Z", "in": 1, "out": 1},
        {"sensor": "x" * 500, "ts": "2024-01-01T00:00:00Z", "in": 1, "out": 1},
    ],
)
def test_invalid_reports_are_422_naming_the_field(api: ApiClient, body: dict) -> None:
    response = api.post("/api/webhook", body)
    assert response.status == 422, response.body
    assert response.json["errors"] and all(e["field"] for e in response.json["errors"])


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"sensor": "x", "in": NaN}', b"not json at all", b"[" * 50_000 + b"]" * 50_000, b"\xff\xfe\x00"],
)
def test_malformed_bodies_are_400(api: ApiClient, raw: bytes) -> None:
    response = api.post("/api/webhook", raw=raw)
    assert response.status == 400, response.body
    assert response.json["message"]


def test_huge_body_is_rejected_without_5xx(api: ApiClient) -> None:
    response = api.post("/api/webhook", raw=b'{"sensor": "' + b"a" * 2_000_000 + b'"}')
    assert response.status == 413
    beyond_gateway_limit = api.post("/api/webhook", raw=b"x" * (11 * 1024 * 1024))
    assert beyond_gateway_limit.status == 413


def test_events_posted_out_of_order(api: ApiClient) -> None:
    sensor = sensor_name("late")
    rng = random.Random(3)
    start = datetime(2024, 6, 1, tzinfo=UTC)
    events = [
        {"sensor": sensor, "ts": (start + timedelta(minutes=17 * i)).isoformat(), "in": rng.randint(0, 5),
         "out": rng.randint(0, 5)}
        for i in range(40)
    ]  # fmt: skip
    shuffled = events[:]
    rng.shuffle(shuffled)
    for event in shuffled:
        assert api.post("/api/webhook", event).status == 201
    for probe in (5, 100, 333, 680):
        moment = start + timedelta(minutes=probe)
        expected = sum(e["in"] - e["out"] for e in events if datetime.fromisoformat(e["ts"]) <= moment)
        assert inside(api, sensor, moment.strftime("%Y-%m-%dT%H:%M:%SZ")) == max(expected, 0)


def test_concurrent_posts_with_duplicates_count_exactly(api: ApiClient) -> None:
    sensor = sensor_name("busy")
    start = datetime(2024, 7, 1, 9, tzinfo=UTC)
    unique = [
        {"sensor": sensor, "ts": (start + timedelta(seconds=37 * i)).isoformat(), "in": 2, "out": 1}
        for i in range(70)
    ]
    posts = unique + random.Random(5).sample(unique, 30)  # 100 posts, 30 of them retries
    random.Random(9).shuffle(posts)
    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(lambda body: api.post("/api/webhook", body).status, posts))
    assert statuses.count(201) == 70
    assert statuses.count(200) == 30
    assert inside(api, sensor) == 70
    assert inside(api, sensor, (start + timedelta(seconds=37 * 9)).strftime("%Y-%m-%dT%H:%M:%SZ")) == 10
