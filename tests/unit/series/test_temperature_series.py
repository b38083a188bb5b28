"""Temperature series and the buildings listing: brute force on random readings, cost, bad input, pages."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from types import ModuleType
from typing import Any

import pytest

from bench.cost import CostMeter
from sitepulse.common.timestamps import format_instant
from sitepulse.temperature.models import ReadingIn
from sitepulse.temperature.repository import BUILDING_LISTING, TemperatureRepository
from sitepulse.temperature.service import TemperatureService
from tests.unit.conftest import http_event, lambda_context
from tests.unit.temperature.test_temperature_windows import exact_half_even

BASE = datetime(2024, 12, 1, tzinfo=UTC)
LATER = BASE + timedelta(days=400)


@pytest.fixture
def repository(tables: dict[str, str], aws: Any) -> TemperatureRepository:
    return TemperatureRepository(aws.client("dynamodb"), tables["TemperatureTable"])


@pytest.fixture
def service(repository: TemperatureRepository) -> TemperatureService:
    return TemperatureService(repository, clock=lambda: LATER)


def record(service: TemperatureService, building: str, room: str, at: datetime, value: Decimal) -> None:
    reading = ReadingIn.model_validate({"temperature": float(value), "recorded_at": format_instant(at)})
    service.record(building, room, reading)


def brute(readings: dict[datetime, Decimal], first: datetime, last: datetime) -> tuple[float | None, int]:
    inside = [v for at, v in readings.items() if first <= at < last]
    if not inside:
        return None, 0
    return float(exact_half_even(sum(map(Fraction, inside), Fraction(0)), len(inside))), len(inside)


def test_series_matches_brute_force(service: TemperatureService) -> None:
    rng = random.Random(7)
    readings: dict[datetime, Decimal] = {}
    while len(readings) < 200:
        at = BASE + timedelta(
            seconds=rng.randrange(0, 5 * 86400), microseconds=rng.choice([0, rng.randrange(10**6)])
        )
        if rng.random() < 0.2:
            at = at.replace(minute=0, second=0, microsecond=0)  # exactly on a bucket boundary
        readings[at] = (
            Decimal(rng.randrange(-2000, 4000)) / 100
            if rng.random() < 0.7
            else Decimal(rng.randrange(-90_000_000, 150_000_000)) / 10**6
        )
    for at, value in rng.sample(sorted(readings.items()), len(readings)):  # out of order
        record(service, "b", "r", at, value)
    cases = [
        ("1h", BASE, BASE + timedelta(days=5)),
        ("1d", BASE - timedelta(days=1), BASE + timedelta(days=6)),
    ]
    for _ in range(8):
        start = BASE + timedelta(minutes=rng.randrange(-600, 7000), seconds=rng.randrange(3600))
        step = rng.choice(["1h", "2h", "3h", "5h", "PT6H", "1d", "P2D"])
        cases.append(
            (step, start, start + timedelta(minutes=rng.randrange(60, 6000), seconds=rng.randrange(60)))
        )
    for step, start, end in cases:
        body = service.series("b", "r", format_instant(start), format_instant(end), step).model_dump(
            by_alias=True
        )
        assert body["from"] == format_instant(start.replace(minute=0, second=0, microsecond=0))
        assert body["to"] == format_instant(end.replace(minute=0, second=0, microsecond=0))
        assert body["points"][-1]["to"] == body["to"]
        for point in body["points"]:
            first, last = datetime.fromisoformat(point["from"]), datetime.fromisoformat(point["to"])
            assert (point["average_temperature"], point["readings"]) == brute(readings, first, last), (
                step,
                point,
            )


def test_cost_is_one_query(service: TemperatureService, repository: TemperatureRepository) -> None:
    repository.bulk_load(
        "b", "long", ((BASE + timedelta(minutes=30 * i), Decimal(20)) for i in range(2 * 24 * 7))
    )
    meter = CostMeter(repository._client)
    body = service.series("b", "long", format_instant(BASE), format_instant(BASE + timedelta(days=7)), "1h")
    assert len(body.points) == 168 and all(
        p.readings == 2 and p.average_temperature == 20 for p in body.points
    )
    assert meter.total_requests == 1
    meter.reset()
    empty = service.series("b", "long", format_instant(BASE - timedelta(days=30)), format_instant(BASE), "1d")
    assert [p.readings for p in empty.points] == [0] * 30 and meter.total_requests == 2  # + the 404 check


@pytest.fixture
def read(load_function: Any) -> ModuleType:
    return load_function("TemperatureReadFunction")


def get(
    read: ModuleType, path: str, route: str, params: dict[str, str] | None = None, **query: str
) -> tuple[int, Any]:
    event = http_event("GET", path, query=query or None, route_key=f"GET {route}", path_parameters=params)
    response = read.handler(event, lambda_context())
    return response["statusCode"], json.loads(response["body"])


SERIES_ROUTE = "/api/v1/buildings/{building}/rooms/{room}/temperatures/series"


def series(read: ModuleType, room: str, **query: str) -> tuple[int, Any]:
    path = f"/api/v1/buildings/b/rooms/{room}/temperatures/series"
    return get(read, path, SERIES_ROUTE, {"building": "b", "room": room}, **query)


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"step": "30m"}, "step"),
        ({"step": "90m"}, "step"),
        ({"step": "P1Y"}, "step"),
        ({"from": "2024-12-02T00:00:00Z", "to": "2024-12-01T00:00:00Z"}, "to"),
        ({"from": "2024-12-01T00:10:00Z", "to": "2024-12-01T00:50:00Z"}, "to"),
        ({"from": "2024-01-01T00:00:00Z", "to": "2024-03-01T00:00:00Z", "step": "1h"}, "step"),
        ({"from": "2020-01-01T00:00:00Z", "to": "2024-01-01T00:00:00Z", "step": "7d"}, "from"),
        ({"to": "not a date"}, "to"),
    ],
)
def test_bad_series_queries_are_422(read: ModuleType, query: dict[str, str], field: str) -> None:
    status, body = series(read, "r", **query)
    assert status == 422, body
    assert body["errors"][0]["field"] == field


def test_unknown_room_is_404_and_handler_answers(read: ModuleType, service: TemperatureService) -> None:
    assert series(read, "nowhere", **{"from": "2024-12-01T00:00:00Z", "to": "2024-12-02T00:00:00Z"})[0] == 404
    record(service, "b", "r", BASE + timedelta(minutes=30), Decimal("21.5"))
    status, body = series(read, "r", **{"from": "2024-12-01T00:00:00Z", "to": "2024-12-01T03:00:00Z"})
    assert status == 200
    assert [(p["average_temperature"], p["readings"]) for p in body["points"]] == [
        (21.5, 1),
        (None, 0),
        (None, 0),
    ]


def test_buildings_listing_pages_and_tokens(read: ModuleType, service: TemperatureService) -> None:
    assert get(read, "/api/v1/buildings", "/api/v1/buildings") == (200, {"buildings": [], "next_token": None})
    names = ["viboo", "alpha", "b-2", "b-10", "zeta"]
    for index, name in enumerate(names):
        for room in ("r1", "r2"):  # several rooms and readings: one listing entry per building
            record(service, name, room, BASE + timedelta(minutes=index), Decimal(20))
            record(service, name, room, BASE + timedelta(minutes=index, seconds=1), Decimal(21))
    seen, token, pages = [], None, 0
    while True:
        query = {"limit": "2"} | ({"next_token": token} if token else {})
        status, body = get(read, "/api/v1/buildings", "/api/v1/buildings", **query)
        assert status == 200
        seen += body["buildings"]
        pages += 1
        token = body["next_token"]
        if token is None:
            break
    assert seen == sorted(names) and pages == 3
    # Rooms listing still shows rooms only (the building marker shares the partition).
    _, rooms = get(
        read, "/api/v1/buildings/viboo/rooms", "/api/v1/buildings/{building}/rooms", {"building": "viboo"}
    )
    assert [r["room"] for r in rooms["rooms"]] == ["r1", "r2"]
    _, rooms_page = get(
        read,
        "/api/v1/buildings/viboo/rooms",
        "/api/v1/buildings/{building}/rooms",
        {"building": "viboo"},
        limit="1",
    )
    foreign = get(read, "/api/v1/buildings", "/api/v1/buildings", next_token=rooms_page["next_token"])
    assert foreign[0] == 422
    assert get(read, "/api/v1/buildings", "/api/v1/buildings", next_token="garbage!")[0] == 422
    # A well-formed token of this listing whose position is not a building marker is refused too.
    marker = {"pk": {"S": "BLDG#alpha"}, "sk": {"S": "BUILDING"}, "gsi1pk": {"S": "BUILDING"}}
    for position in (
        {**marker, "gsi1sk": {"S": "zeta"}},
        {**marker, "gsi1pk": {"S": "SENSOR"}, "gsi1sk": {"S": "alpha"}},
    ):
        forged = BUILDING_LISTING.token(position, None)
        assert get(read, "/api/v1/buildings", "/api/v1/buildings", next_token=forged)[0] == 422
    resumed = BUILDING_LISTING.token({**marker, "gsi1sk": {"S": "alpha"}}, None)
    assert get(read, "/api/v1/buildings", "/api/v1/buildings", next_token=resumed)[1][
        "buildings"
    ] == names_after("alpha", names)


def names_after(first: str, names: list[str]) -> list[str]:
    return sorted(name for name in names if name > first)


def test_a_key_limited_to_buildings_lists_only_those(read: ModuleType, service: TemperatureService) -> None:
    for name in ("alpha", "beta", "gamma"):
        record(service, name, "r1", BASE, Decimal(20))
    limits = json.dumps({"buildings": ["gamma", "alpha", "nowhere"]})
    grant = {
        "status": "allow",
        "key_id": "k1",
        "scopes": "temperature:read",
        "limits": limits,
        "expires_at": "",
    }
    limited = {"lambda": grant}
    event = http_event("GET", "/api/v1/buildings", route_key="GET /api/v1/buildings", authorizer=limited)
    response = read.handler(event, lambda_context())
    assert json.loads(response["body"])["buildings"] == ["alpha", "gamma"]
    path = "/api/v1/buildings/beta/rooms/r1/temperatures/series"
    params = {"building": "beta", "room": "r1"}
    other = http_event(
        "GET", path, authorizer=limited, route_key=f"GET {SERIES_ROUTE}", path_parameters=params
    )
    assert read.handler(other, lambda_context())["statusCode"] == 403
