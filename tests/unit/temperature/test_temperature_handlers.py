"""The temperature handlers end to end in-process (payload v2 events), against DynamoDB in moto:
status codes, response shapes, and every bad input answered 4xx naming the field."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import ModuleType
from typing import Any

import pytest

from tests.unit.common.tokens import forged
from tests.unit.conftest import http_event, lambda_context

ROOM_PATH = "/api/v1/buildings/{building}/rooms/{room}"


@pytest.fixture
def write(load_function: Any) -> ModuleType:
    return load_function("TemperatureWriteFunction")


@pytest.fixture
def read(load_function: Any) -> ModuleType:
    return load_function("TemperatureReadFunction")


def call(module: ModuleType, event: dict[str, Any]) -> tuple[int, Any]:
    response = module.handler(event, lambda_context())
    return response["statusCode"], json.loads(response["body"])


def post(
    write: ModuleType, body: Any, building: str = "viboo", room: str = "meeting-room-1"
) -> tuple[int, Any]:
    path = ROOM_PATH.format(building=building, room=room) + "/temperatures"
    return call(write, http_event("POST", path, body))


def average(
    read: ModuleType, building: str = "viboo", room: str = "meeting-room-1", **query: str
) -> tuple[int, Any]:
    path = ROOM_PATH.format(building=building, room=room) + "/temperatures/average"
    return call(read, http_event("GET", path, query=query or None))


def rooms(read: ModuleType, building: str = "viboo", **query: str) -> tuple[int, Any]:
    return call(read, http_event("GET", f"/api/v1/buildings/{building}/rooms", query=query or None))


def test_seed_example(write: ModuleType, read: ModuleType) -> None:
    body = {"temperature": 10.5, "recorded_at": "2024-12-10T16:45:00"}
    stored = {
        "building": "viboo",
        "room": "meeting-room-1",
        "temperature": 10.5,
        "recorded_at": "2024-12-10T16:45:00Z",
    }
    assert post(write, body) == (201, stored)
    assert post(write, body) == (200, stored)  # a retry: nothing changes
    status, conflict = post(write, {**body, "temperature": 11})
    assert status == 409 and "2024-12-10T16:45:00Z" in conflict["message"]

    assert average(read, end="2024-12-10T16:45:00.000001") == (
        200,
        {
            "building": "viboo",
            "room": "meeting-room-1",
            "duration": "15m",
            "from": "2024-12-10T16:30:00.000001Z",
            "to": "2024-12-10T16:45:00.000001Z",
            "average_temperature": 10.5,
            "readings": 1,
        },
    )
    # `+` of an offset typed unencoded into a URL arrives as a space; it still means the offset.
    assert average(read, end="2024-12-10T17:45:00 01:00")[1]["to"] == "2024-12-10T16:45:00Z"
    assert average(read, duration="PT15M", end="2024-12-10T16:59:59.999999Z")[1]["readings"] == 1
    # The reading sits exactly at end − duration: outside the window.
    assert average(read, duration="PT15M", end="2024-12-10T17:00:00Z") == (
        200,
        {
            "building": "viboo",
            "room": "meeting-room-1",
            "duration": "PT15M",
            "from": "2024-12-10T16:45:00Z",
            "to": "2024-12-10T17:00:00Z",
            "average_temperature": None,
            "readings": 0,
        },
    )


def test_default_window_is_the_last_15_minutes(write: ModuleType, read: ModuleType) -> None:
    now = datetime.now(UTC)
    for minutes, value in ((20, 100.0), (10, 20.0), (1, 21.0)):
        assert (
            post(
                write, {"temperature": value, "recorded_at": (now - timedelta(minutes=minutes)).isoformat()}
            )[0]
            == 201
        )
    status, result = average(read)
    assert status == 200
    assert (result["duration"], result["average_temperature"], result["readings"]) == ("15m", 20.5, 2)
    to = datetime.fromisoformat(result["to"])
    assert now <= to <= datetime.now(UTC)
    assert datetime.fromisoformat(result["from"]) == to - timedelta(minutes=15)


def test_unknown_building_or_room_is_404(write: ModuleType, read: ModuleType) -> None:
    assert average(read)[0] == 404
    assert rooms(read)[0] == 404
    assert post(write, {"temperature": 20, "recorded_at": "2024-12-10T16:45:00"})[0] == 201
    status, body = average(read, room="meeting-room-2")
    assert status == 404 and "meeting-room-2" in body["message"]
    assert average(read, building="elsewhere")[0] == 404
    assert rooms(read, building="elsewhere")[0] == 404


def test_rooms_listing(write: ModuleType, read: ModuleType) -> None:
    for index, room in enumerate(["c", "a", "b:2", "b.1"]):
        at = f"2024-12-10T16:4{index}:00"
        assert post(write, {"temperature": 20 + index, "recorded_at": at}, room=room)[0] == 201
    assert post(write, {"temperature": 30, "recorded_at": "2024-12-10T10:00:00"}, room="a")[0] == 201  # late
    status, first = rooms(read, limit="3")
    assert status == 200
    assert first["building"] == "viboo"
    assert first["rooms"] == [
        {
            "room": "a",
            "readings": 2,
            "latest_temperature": 21.0,
            "latest_recorded_at": "2024-12-10T16:41:00Z",
        },
        {
            "room": "b.1",
            "readings": 1,
            "latest_temperature": 23.0,
            "latest_recorded_at": "2024-12-10T16:43:00Z",
        },
        {
            "room": "b:2",
            "readings": 1,
            "latest_temperature": 22.0,
            "latest_recorded_at": "2024-12-10T16:42:00Z",
        },
    ]
    status, second = rooms(read, limit="3", next_token=first["next_token"])
    assert status == 200 and [r["room"] for r in second["rooms"]] == ["c"] and second["next_token"] is None


def field_of(body: dict[str, Any]) -> set[str]:
    return {error["field"] for error in body.get("errors", [])}


GOOD = {"temperature": 21.5, "recorded_at": "2024-12-10T16:45:00"}
BAD_BODIES: list[tuple[Any, int, str | None]] = [
    ({}, 422, "temperature"),
    ({"recorded_at": GOOD["recorded_at"]}, 422, "temperature"),
    ({"temperature": 21.5}, 422, "recorded_at"),
    ({**GOOD, "temperature": "21.5"}, 422, "temperature"),
    ({**GOOD, "temperature": True}, 422, "temperature"),
    ({**GOOD, "temperature": None}, 422, "temperature"),
    ({**GOOD, "temperature": [21.5]}, 422, "temperature"),
    ({**GOOD, "temperature": {"value": 21.5}}, 422, "temperature"),
    ({**GOOD, "temperature": -90.01}, 422, "temperature"),
    ({**GOOD, "temperature": 150.000001}, 422, "temperature"),
    ({**GOOD, "temperature": 10**400}, 422, "temperature"),
    ('{"temperature": 1' + "0" * 5000 + ', "recorded_at": "2024-12-10T16:45:00"}', 400, None),  # int limit
    ('{"temperature": 1e400, "recorded_at": "2024-12-10T16:45:00"}', 422, "temperature"),  # parses as inf
    ('{"temperature": -1e400, "recorded_at": "2024-12-10T16:45:00"}', 422, "temperature"),
    ('{"temperature": NaN, "recorded_at": "2024-12-10T16:45:00"}', 400, None),
    ('{"temperature": Infinity, "recorded_at": "2024-12-10T16:45:00"}', 400, None),
    ('{"temperature": -Infinity, "recorded_at": "2024-12-10T16:45:00"}', 400, None),
    ({**GOOD, "recorded_at": 1733849100}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": None}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": "yesterday"}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": "2024-13-10T16:45:00"}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": "2024-12-10T24:00:00"}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": "1969-12-31T23:59:59Z"}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": "0001-01-01T00:00:00+01:00"}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": "9999-12-31T23:59:59-01:00"}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": "2999-01-01T00:00:00Z"}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": "2024-12-10T16:45:00\u0000"}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": "2024-12-10T16:45:00" + "0" * 5000}, 422, "recorded_at"),
    ({**GOOD, "recorded_at": ["2024-12-10T16:45:00"]}, 422, "recorded_at"),
    ([GOOD], 422, "body"),  # not a batch endpoint: storing only the first would lose the others
    ([GOOD, GOOD], 422, "body"),
    ('"21.5"', 422, "body"),
    ("null", 422, None),
    ("temperature=21.5", 400, None),
    ('{"temperature": 21.5,', 400, None),
    ("[" * 100_000 + "]" * 100_000, 400, None),
    (
        '{"temperature": 21.5, "recorded_at": "2024-12-10T16:45:00", "pad": "' + "x" * 300_000 + '"}',
        413,
        None,
    ),
]


@pytest.mark.parametrize(("body", "status", "field"), BAD_BODIES)
def test_bad_bodies_are_4xx_naming_the_field(
    write: ModuleType, body: Any, status: int, field: str | None
) -> None:
    got, answer = post(write, body)
    assert got == status, answer
    assert answer["message"]
    if field is not None:
        assert field in answer["message"]
        assert field in field_of(answer) or "errors" not in answer


@pytest.mark.parametrize(
    ("building", "room", "field"),
    [
        ("vi%23boo", "r1", "building"),  # '#' would break the key layout
        ("a%00b", "r1", "building"),
        ("b1", "r%20", "room"),
        ("b1", "x" * 129, "room"),
        ("%C3%A9", "r1", "building"),
    ],
)
def test_bad_ids_are_422(write: ModuleType, read: ModuleType, building: str, room: str, field: str) -> None:
    status, body = post(write, GOOD, building=building, room=room)
    assert status == 422 and field in field_of(body)
    status, body = average(read, building=building, room=room)
    assert status == 422 and field in field_of(body)


def test_longest_ids_are_fine(write: ModuleType, read: ModuleType) -> None:
    building, room = "B" * 128, "_.:-" * 32
    assert post(write, GOOD, building=building, room=room)[0] == 201
    assert average(read, building=building, room=room, end="2024-12-10T16:45:00")[1]["readings"] == 1


@pytest.mark.parametrize(
    ("query", "field", "reason"),
    [
        ({"duration": "0m"}, "duration", "longer than zero"),
        ({"duration": "367d"}, "duration", "366 days"),
        ({"duration": "P1Y"}, "duration", "years and months"),
        ({"duration": "fifteen minutes"}, "duration", "ISO 8601"),
        ({"duration": ""}, "duration", "ISO 8601"),
        ({"duration": "-15m"}, "duration", "ISO 8601"),
        ({"duration": "9" * 100}, "duration", "64"),
        ({"end": "nope"}, "end", "ISO 8601"),
        ({"end": ""}, "end", "ISO 8601"),
        ({"end": "2024-02-30T00:00:00"}, "end", "ISO 8601"),
        ({"end": "1969-12-31T00:00:00Z"}, "end", "1970"),
        ({"end": "9999-12-31T23:00:00-01:00"}, "end", "9999"),
        ({"end": "0001-01-01T00:00:00+05:00"}, "end", "1970"),
        ({"end": "2024-12-10T16:45:00\u0007"}, "end", "ISO 8601"),
    ],
)
def test_bad_average_queries_are_422(
    write: ModuleType, read: ModuleType, query: dict[str, str], field: str, reason: str
) -> None:
    assert post(write, GOOD)[0] == 201
    status, body = average(read, **query)
    assert status == 422, body
    assert field_of(body) == {field} and reason in body["message"]


def test_bad_listing_queries_are_422(write: ModuleType, read: ModuleType) -> None:
    assert post(write, GOOD)[0] == 201
    assert post(write, GOOD, building="other")[0] == 201
    viboo = {"building": "viboo"}
    foreign = forged("rooms", {"pk": {"S": "BLDG#other"}, "sk": {"S": "ROOM#meeting-room-1"}}, viboo)
    numeric = forged("rooms", {"pk": {"S": "BLDG#viboo"}, "sk": {"N": "1"}}, viboo)
    weird = forged("rooms", {"pk": {"S": "BLDG#viboo"}, "sk": {"S": "ROOM#" + "x" * 1200}}, viboo)
    cases = [
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"next_token": "garbage!"}, "next_token"),
        ({"next_token": forged("rooms", {"a": {"S": "b"}}, viboo)}, "next_token"),
        ({"next_token": foreign}, "next_token"),
        ({"next_token": numeric}, "next_token"),
        ({"next_token": weird}, "next_token"),
        ({"next_token": "x" * 3000}, "next_token"),
    ]
    for query, field in cases:
        status, body = rooms(read, **query)
        assert status == 422 and field_of(body) == {field}, (query, body)


def test_events_files_invoke(write: ModuleType, read: ModuleType) -> None:
    """Every events/ file of these functions is a valid payload v2 event the handler answers."""
    from pathlib import Path

    events = Path(__file__).resolve().parents[3] / "events"
    write_event = json.loads((events / "TemperatureWriteFunction.json").read_text())
    read_event = json.loads((events / "TemperatureReadFunction.json").read_text())
    status, stored = call(write, write_event)
    assert status == 201 and stored["building"] == write_event["pathParameters"]["building"]
    status, result = call(read, read_event)
    assert status == 200 and result["readings"] == 1
    assert result["average_temperature"] == json.loads(write_event["body"])["temperature"]
