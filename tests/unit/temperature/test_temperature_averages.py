"""Averages against a brute-force computation, idempotency, late readings and per-call cost,
through the service and repository over DynamoDB in moto."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from bench.cost import CostMeter
from sitepulse.common.errors import ConflictError, NotFoundError
from sitepulse.common.timestamps import format_instant
from sitepulse.temperature.durations import parse_duration
from sitepulse.temperature.models import ReadingIn
from sitepulse.temperature.repository import TemperatureRepository
from sitepulse.temperature.service import TemperatureService
from tests.unit.temperature.test_temperature_windows import exact_half_even

BASE = datetime(2024, 12, 1, tzinfo=UTC)
Readings = dict[datetime, Decimal]


def reading(at: datetime, temperature: float | str) -> ReadingIn:
    return ReadingIn.model_validate({"temperature": float(temperature), "recorded_at": format_instant(at)})


def random_temperature(rng: random.Random) -> Decimal:
    return (
        Decimal(rng.randrange(-90_000_000, 150_000_001)) / 1_000_000
        if rng.random() < 0.5
        else Decimal(rng.randrange(150, 300)) / 10
    )


def brute_force(readings: Readings, end: datetime, duration: timedelta) -> tuple[float | None, int]:
    inside = [value for at, value in readings.items() if end - duration < at <= end]
    if not inside:
        return None, 0
    return float(exact_half_even(sum(map(Fraction, inside), Fraction(0)), len(inside))), len(inside)


def assert_matches(
    service: TemperatureService, room: str, readings: Readings, end: datetime, duration: str
) -> dict[str, Any]:
    result = service.average("b1", room, duration, format_instant(end)).model_dump(by_alias=True)
    expected = brute_force(readings, end, parse_duration(duration))
    assert (result["average_temperature"], result["readings"]) == expected, (end, duration)
    return result


ODD_DURATIONS = [
    "30s", "15m", "59m", "1h", "PT1H0M0.000001S", "2h", "PT2H59M59.999999S", "3h", "PT3H0.000001S",
    "PT4H17M3.5S", "7h", "P1D", "P1DT2H", "PT26H59M1.000123S", "2d", "P2DT0.000001S",
]  # fmt: skip


def windows(rng: random.Random, readings: Readings, count: int) -> Iterator[tuple[datetime, str]]:
    """Random ends (at odd seconds/microseconds, at reading instants, on and around hour marks)."""
    instants = sorted(readings)
    first, last = instants[0], instants[-1]
    span = int((last - first).total_seconds())
    for index in range(count):
        duration = rng.choice(ODD_DURATIONS)
        kind = index % 4
        if kind == 0:
            end = first + timedelta(
                seconds=rng.randrange(-3600, span + 3600), microseconds=rng.randrange(10**6)
            )
        elif kind == 1:
            end = rng.choice(instants)  # a reading exactly at `end`: inside
        elif kind == 2:
            end = rng.choice(instants) + parse_duration(duration)  # a reading exactly at `start`: outside
        else:
            hour = first.replace(minute=0, second=0, microsecond=0) + timedelta(
                hours=rng.randrange(span // 3600)
            )
            end = hour + rng.choice([timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1)])
        yield end, duration


def test_exact_averages_through_the_write_path(service: TemperatureService) -> None:
    rng = random.Random(20241210)
    readings: Readings = {}
    while len(readings) < 140:
        at = BASE + timedelta(
            seconds=rng.randrange(30 * 3600), microseconds=rng.choice([0, rng.randrange(10**6)])
        )
        readings[at] = random_temperature(rng)
    # Hour marks and their neighbours are where bucket arithmetic would slip.
    for at in (BASE + timedelta(hours=5), BASE + timedelta(hours=5) - timedelta(microseconds=1)):
        readings[at] = Decimal("19.25")
    order = list(readings.items())
    rng.shuffle(order)  # out of order, late readings included
    for at, value in order:
        stored, created = service.record("b1", "r1", reading(at, str(value)))
        assert created and stored.temperature == float(value)
    for at, value in order[:15]:  # client retries: same payload, nothing changes
        assert service.record("b1", "r1", reading(at, str(value)))[1] is False

    for end, duration in windows(rng, readings, 160):
        assert_matches(service, "r1", readings, end, duration)


def per_minute(start: datetime, days: int, rng: random.Random) -> Readings:
    return {
        start + timedelta(minutes=i): Decimal(rng.randrange(1500, 3000)) / 100 for i in range(days * 1440)
    }


def test_exact_long_windows_over_bulk_loaded_data(
    service: TemperatureService, repository: TemperatureRepository
) -> None:
    rng = random.Random(7)
    readings: Readings = {}
    moment = BASE - timedelta(days=40)
    while moment < BASE:
        readings[moment] = random_temperature(rng)
        moment += timedelta(seconds=rng.randrange(60, 1800), microseconds=rng.randrange(10**6))
    repository.bulk_load("b1", "long", readings.items())
    instants = sorted(readings)
    for _ in range(18):
        duration = rng.choice(["3d", "P7DT3H", "P9DT0.5S", "PT200H7M", "30d", "P5W", "P366D"])
        end = rng.choice(instants) + rng.choice(
            [timedelta(0), parse_duration(duration), timedelta(seconds=rng.randrange(86400), microseconds=17)]
        )
        assert_matches(service, "long", readings, end, duration)


def test_bulk_load_builds_exactly_what_the_write_path_builds(
    service: TemperatureService,
    repository: TemperatureRepository,
    dynamodb_client: Any,
    tables: dict[str, str],
) -> None:
    rng = random.Random(3)
    readings = {
        BASE
        + timedelta(seconds=rng.randrange(4 * 3600), microseconds=rng.randrange(10**6)): random_temperature(
            rng
        )
        for _ in range(60)
    }
    for at, value in readings.items():
        service.record("b1", "written", reading(at, str(value)))
    repository.bulk_load("b1", "loaded", readings.items())

    def items_of(room: str) -> list[dict[str, Any]]:
        found = dynamodb_client.scan(TableName=tables["TemperatureTable"])["Items"]
        mine = [i for i in found if i["pk"]["S"].endswith(f"#{room}") or i["sk"]["S"] == f"ROOM#{room}"]
        normalised = []
        for item in mine:
            values = {k: (v.get("S") or Decimal(v["N"])) for k, v in item.items()}
            values["pk"] = values["pk"].replace(room, "*")
            values["sk"] = values["sk"].replace(room, "*")
            values["room"] = values.get("room") and "*"
            normalised.append(values)
        return sorted(normalised, key=lambda v: (v["pk"], v["sk"]))

    assert items_of("written") == items_of("loaded")


def test_boundary_instants(service: TemperatureService) -> None:
    end = datetime(2024, 12, 10, 16, 45, tzinfo=UTC)
    for duration in ("15m", "P2D"):  # one raw Query / buckets plus edges
        room = f"edge-{duration}"
        start = end - parse_duration(duration)
        service.record("b1", room, reading(start, 100))  # exactly end − duration: outside
        service.record("b1", room, reading(start + timedelta(microseconds=1), 10))
        service.record("b1", room, reading(end, 20))  # exactly end: inside
        service.record("b1", room, reading(end + timedelta(microseconds=1), 100))
        result = service.average("b1", room, duration, format_instant(end))
        assert (result.average_temperature, result.readings) == (15.0, 2)

    # Window start on an hour mark: the start instant lies in a bucket the window otherwise covers.
    hour = datetime(2024, 12, 10, 10, tzinfo=UTC)
    service.record("b1", "hour-mark", reading(hour, 100))
    service.record("b1", "hour-mark", reading(hour + timedelta(minutes=30), 10))
    service.record("b1", "hour-mark", reading(hour + timedelta(days=1), 30))
    result = service.average("b1", "hour-mark", "1d", format_instant(hour + timedelta(days=1)))
    assert (result.average_temperature, result.readings) == (20.0, 2)
    result = service.average("b1", "hour-mark", "P1DT0.000001S", format_instant(hour + timedelta(days=1)))
    assert (result.average_temperature, result.readings) == (46.67, 3)


def test_seed_example(service: TemperatureService) -> None:
    stored, created = service.record("viboo", "meeting-room-1", reading(datetime(2024, 12, 10, 16, 45), 10.5))
    assert created and stored.model_dump() == {
        "building": "viboo",
        "room": "meeting-room-1",
        "temperature": 10.5,
        "recorded_at": "2024-12-10T16:45:00Z",
    }
    result = service.average("viboo", "meeting-room-1", None, "2024-12-10T16:45:01")
    assert result.model_dump(by_alias=True) == {
        "building": "viboo",
        "room": "meeting-room-1",
        "duration": "15m",
        "from": "2024-12-10T16:30:01Z",
        "to": "2024-12-10T16:45:01Z",
        "average_temperature": 10.5,
        "readings": 1,
    }


def bucket_and_summary(client: Any, table: str, room: str) -> tuple[Any, Any]:
    bucket = client.get_item(
        TableName=table, Key={"pk": {"S": f"ROOM#b1#{room}"}, "sk": {"S": "HOUR#2024-12-10T16"}}
    )
    summary = client.get_item(TableName=table, Key={"pk": {"S": "BLDG#b1"}, "sk": {"S": f"ROOM#{room}"}})
    return bucket.get("Item"), summary.get("Item")


def test_replays_and_conflicts_change_nothing(
    service: TemperatureService, dynamodb_client: Any, tables: dict[str, str]
) -> None:
    at = datetime(2024, 12, 10, 16, 45)
    assert service.record("b1", "r1", reading(at, 21.5))[1] is True
    before = bucket_and_summary(dynamodb_client, tables["TemperatureTable"], "r1")
    assert before[0]["n"] == {"N": "1"} and before[1]["readings"] == {"N": "1"}

    # Same key, same payload (also written differently: offset, float noise below 1e-6) → replay.
    for same in (
        reading(at, 21.5),
        ReadingIn(temperature=21.5000000001, recorded_at="2024-12-10T17:45:00+01:00"),
    ):
        stored, created = service.record("b1", "r1", same)
        assert created is False and stored.temperature == 21.5
    with pytest.raises(ConflictError, match=r"2024-12-10T16:45:00Z: 21.5"):
        service.record("b1", "r1", reading(at, 22))
    assert bucket_and_summary(dynamodb_client, tables["TemperatureTable"], "r1") == before
    assert service.average("b1", "r1", "1h", "2024-12-10T17:00:00").readings == 1


def test_late_readings_count_but_never_move_latest_back(
    service: TemperatureService, dynamodb_client: Any
) -> None:
    meter = CostMeter(dynamodb_client)
    service.record("b1", "r1", reading(datetime(2024, 12, 10, 16, 50), 22))
    assert meter.requests == {"TransactWriteItems": 1}  # in order: one request

    meter.reset()
    service.record("b1", "r1", reading(datetime(2024, 12, 10, 16, 40), 20))
    assert meter.requests == {"TransactWriteItems": 2}  # late: the "latest" condition fails once

    meter.reset()
    service.record("b1", "r1", reading(datetime(2024, 12, 10, 16, 55), 24))
    assert meter.requests == {"TransactWriteItems": 1}

    (room,) = service.rooms("b1", 10, None).rooms
    assert room.model_dump() == {
        "room": "r1",
        "readings": 3,
        "latest_temperature": 24.0,
        "latest_recorded_at": "2024-12-10T16:55:00Z",
    }
    service.record("b1", "r1", reading(datetime(2024, 12, 10, 16, 45), 21))
    (room,) = service.rooms("b1", 10, None).rooms
    assert (room.readings, room.latest_recorded_at) == (4, "2024-12-10T16:55:00Z")
    assert service.average("b1", "r1", "20m", "2024-12-10T16:55:00").average_temperature == 21.75


def test_unknown_room_is_404_and_known_empty_window_is_null(service: TemperatureService) -> None:
    with pytest.raises(NotFoundError, match="unknown room 'r1' in building 'b1'"):
        service.average("b1", "r1", None, "2024-12-10T16:45:00")
    service.record("b1", "r1", reading(datetime(2024, 12, 10, 16, 45), 21))
    with pytest.raises(NotFoundError):
        service.average("b1", "r2", None, "2024-12-10T16:45:00")
    with pytest.raises(NotFoundError):
        service.average("b2", "r1", None, "2024-12-10T16:45:00")
    empty = service.average("b1", "r1", "P30D", "2024-12-10T16:44:59.999999Z")
    assert (empty.average_temperature, empty.readings) == (None, 0)
    assert empty.from_ == "2024-11-10T16:44:59.999999Z" and empty.to == "2024-12-10T16:44:59.999999Z"


BOUNDS = [("15m", 1), ("3h", 1), ("PT3H1S", 3), ("1d", 3), ("7d", 3), ("30d", 3)]


def test_requests_per_average_call(repository: TemperatureRepository, dynamodb_client: Any) -> None:
    """30 days (and one more) of one reading per minute: the shape the cost bounds are stated for."""
    end = datetime(2024, 12, 10, 16, 45, 30, 250000, tzinfo=UTC)
    readings = per_minute(end - timedelta(days=31), 31, random.Random(11))
    repository.bulk_load("b1", "busy", readings.items())
    service, meter = TemperatureService(repository), CostMeter(dynamodb_client)

    for duration, max_requests in BOUNDS:
        meter.reset()
        result = service.average("b1", "busy", duration, format_instant(end))
        expected = brute_force(readings, end, parse_duration(duration))
        assert (result.average_temperature, result.readings) == expected
        assert meter.requests["Query"] == meter.total_requests  # no GetItem when the window has readings
        assert meter.total_requests <= max_requests, (duration, meter.requests)
    meter.reset()
    service.average("b1", "busy", "15m", format_instant(end))
    assert meter.total_requests == 1

    # Only an empty window pays for the existence check.
    meter.reset()
    assert service.average("b1", "busy", "30d", format_instant(end + timedelta(days=60))).readings == 0
    assert meter.requests == {"Query": 3, "GetItem": 1}


def test_rooms_listing_pages(service: TemperatureService, dynamodb_client: Any) -> None:
    names = [f"room-{i:02d}" for i in range(7)]
    for index, name in enumerate(reversed(names)):
        service.record("b1", name, reading(BASE + timedelta(minutes=index), index))
    service.record("other", "elsewhere", reading(BASE, 1))

    pages: list[list[str]] = []
    token: str | None = None
    while True:
        page = service.rooms("b1", 3, token)
        pages.append([room.room for room in page.rooms])
        token = page.next_token
        if token is None:
            break
    assert pages == [names[:3], names[3:6], names[6:]]
    assert [len(service.rooms("b1", n, None).rooms) for n in (1, 7, 1000)] == [1, 7, 7]
    assert service.rooms("b1", 7, None).next_token is None  # an exactly full page has no empty successor

    foreign = service.rooms("other", 1, None)
    assert foreign.next_token is None
    first_page = service.rooms("b1", 3, None)
    from sitepulse.common.errors import InvalidInputError

    assert first_page.next_token is not None
    with pytest.raises(InvalidInputError, match="next_token"):
        service.rooms("other", 3, first_page.next_token)
    with pytest.raises(NotFoundError, match="unknown building 'nobody'"):
        service.rooms("nobody", 3, None)


def test_write_is_one_request(service: TemperatureService, dynamodb_client: Any) -> None:
    meter = CostMeter(dynamodb_client)
    service.record("b1", "r1", reading(datetime(2024, 12, 10, 16, 45), 21))
    assert meter.requests == {"TransactWriteItems": 1}
    meter.reset()
    service.record("b1", "r1", reading(datetime(2024, 12, 10, 16, 45), 21))  # replay: the Put's condition
    assert meter.requests == {"TransactWriteItems": 1}


def test_stored_temperature_precision(service: TemperatureService) -> None:
    cases: list[tuple[float, float]] = [
        (21.1 + 0.2, 21.3),  # float noise is not a different reading
        (-0.0, 0.0),
        (0.0000004, 0.0),
        (0.0000005, 0.0),  # half-even
        (0.0000015, 0.000002),
        (149.9999996, 150.0),
        (-90, -90.0),
    ]
    for index, (sent, stored) in enumerate(cases):
        result, _ = service.record("b1", "precision", reading(BASE + timedelta(seconds=index), sent))
        assert result.temperature == stored, sent


Clock = Callable[[], datetime]


def test_recorded_at_at_most_five_minutes_ahead(repository: TemperatureRepository) -> None:
    now = datetime(2024, 12, 10, 16, 45, tzinfo=UTC)
    service = TemperatureService(repository, clock=lambda: now)
    assert service.record("b1", "r1", reading(now + timedelta(minutes=5), 20))[1] is True
    from sitepulse.common.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="recorded_at") as raised:
        service.record("b1", "r1", reading(now + timedelta(minutes=5, microseconds=1), 20))
    assert "more than 5 minutes in the future" in raised.value.message
    # Naive means UTC: the same instant with an offset is just as far ahead.
    with pytest.raises(InvalidInputError):
        service.record("b1", "r1", ReadingIn(temperature=20, recorded_at="2024-12-10T17:50:01+01:00"))
