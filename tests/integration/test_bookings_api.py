"""Bookings over real HTTP against the local stack, as the hotel system and a dashboard call it.

Hotels and event ids are random per test: the stack is shared by the whole session and an
event id is a global idempotency key."""

from __future__ import annotations

import random
import threading
import uuid
from typing import Any
from urllib.parse import urlencode

import pytest

from sitepulse.common.timestamps import parse_instant
from tests.integration.http_client import ApiClient
from tests.unit.bookings.reference import expected_values, random_stream


def fresh_hotel() -> int:
    return uuid.uuid4().int % (2**31 - 2) + 1


def fresh_ids(count: int = 10_000) -> int:
    """The first of `count` event ids no other test uses."""
    return (uuid.uuid4().int % 2**32) * count + 1


def event(hotel: int, event_id: int, timestamp: str, status: int, room: str = "room-1") -> dict[str, Any]:
    return {
        "id": event_id,
        "hotel_id": hotel,
        "timestamp": timestamp,
        "rpg_status": status,
        "room_id": room,
        "night_of_stay": "2024-05-01",
    }


def dashboard(api: ApiClient, hotel: int, period: str = "day", year: int = 2024) -> list[dict[str, Any]]:
    response = api.get(f"/api/dashboard?hotel_id={hotel}&year={year}&period={period}")
    assert response.status == 200, response.body
    assert response.json["hotel_id"] == hotel and response.json["period"] == period
    return response.json["values"]


def bookings_on(api: ApiClient, hotel: int, night: str) -> int:
    return next(v["bookings"] for v in dashboard(api, hotel) if v["period"] == night)


def list_all(api: ApiClient, limit: int, **query: Any) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    token = None
    while True:
        params = {**query, "limit": limit, **({"next_token": token} if token else {})}
        response = api.get(f"/api/events?{urlencode(params)}")
        assert response.status == 200, response.body
        events += response.json["events"]
        token = response.json["next_token"]
        if token is None:
            return events


@pytest.mark.parametrize("booking_first", [True, False], ids=["booking-first", "cancellation-first"])
def test_done_when_booking_and_its_cancellation_leave_zero(api: ApiClient, booking_first: bool) -> None:
    hotel, first_id = fresh_hotel(), fresh_ids()
    book = event(hotel, first_id, "2024-03-01T10:00:00Z", 1)
    cancel = event(hotel, first_id + 1, "2024-03-02T10:00:00Z", 2)
    ordered = (book, cancel) if booking_first else (cancel, book)
    first = api.post("/api/events", ordered[0])
    assert first.status == 201 and first.json == ordered[0]
    assert bookings_on(api, hotel, "2024-05-01") == (1 if booking_first else 0)
    assert api.post("/api/events", ordered[1]).status == 201
    assert bookings_on(api, hotel, "2024-05-01") == 0
    assert dashboard(api, hotel, "month")[4] == {"period": "2024-05", "bookings": 0}
    assert dashboard(api, hotel, "year") == [{"period": "2024", "bookings": 0}]
    # Retries after a timeout change nothing; the same id with another payload is refused.
    assert api.post("/api/events", book).status == 200
    assert api.post("/api/events", {**cancel, "rpg_status": 1}).status == 409
    assert bookings_on(api, hotel, "2024-05-01") == 0
    listed = api.get(f"/api/events?hotel_id={hotel}").json["events"]
    assert [e["id"] for e in listed] == [first_id, first_id + 1]


def test_aliases_and_missing_id_over_http(api: ApiClient) -> None:
    hotel = fresh_hotel()
    body = {
        "hotel_id": hotel,
        "event_timestamp": "2024-03-01T10:00:00",
        "status": 1,
        "room_reservation_id": "0013e338-0158-4d5c-8698-aebe00cba360",
        "night_of_stay": "2024-05-01",
    }
    created = api.post("/api/events", body)
    assert created.status == 201
    assert created.json["rpg_status"] == 1 and created.json["timestamp"] == "2024-03-01T10:00:00Z"
    replay = api.post("/api/events", body)  # a retry without id is still recognised
    assert (replay.status, replay.json) == (200, created.json)
    assert bookings_on(api, hotel, "2024-05-01") == 1


def test_random_streams_over_http_match_the_oracle(api: ApiClient) -> None:
    hotel, first_id = fresh_hotel(), fresh_ids()
    rng = random.Random(hotel)
    nights = ["2023-12-31", "2024-01-01", "2024-02-29", "2024-12-31"]
    distinct, arrivals = random_stream(
        rng,
        hotel_id=hotel,
        events=150,
        rooms=6,
        nights=nights,
        first_id=first_id,
        instants=30,
        duplicates=0.2,
    )
    statuses = [api.post("/api/events", body).status for body in arrivals]
    assert statuses.count(201) == len(distinct)
    assert statuses.count(200) == len(arrivals) - len(distinct)
    for year in (2023, 2024):
        for period in ("day", "month", "year"):
            assert dashboard(api, hotel, period, year) == expected_values(distinct, hotel, year, period)
    in_order = sorted(distinct, key=lambda e: (parse_instant(e["timestamp"]), e["id"]))
    assert [e["id"] for e in list_all(api, 40, hotel_id=hotel)] == [e["id"] for e in in_order]
    cancelled_in_2024 = [
        e["id"] for e in in_order if e["rpg_status"] == 2 and e["night_of_stay"] >= "2024-01-01"
    ]
    listed = list_all(api, 7, hotel_id=hotel, rpg_status=2, night_of_stay__gte="2024-01-01")
    assert [e["id"] for e in listed] == cancelled_in_2024


def test_concurrent_writers_on_one_reservation_night(api: ApiClient) -> None:
    hotel, first_id = fresh_hotel(), fresh_ids()
    rng = random.Random(first_id)
    bodies = [
        event(hotel, first_id + n, f"2024-03-01T10:{rng.randrange(6):02d}:00Z", rng.choice((1, 2)))
        for n in range(48)
    ]
    bodies += [dict(body) for body in bodies[:16]]  # each racing its own first copy
    rng.shuffle(bodies)
    statuses: list[int] = []
    barrier = threading.Barrier(8)

    def writer(chunk: list[dict[str, Any]]) -> None:
        barrier.wait()
        statuses.extend(api.post("/api/events", body).status for body in chunk)

    threads = [threading.Thread(target=writer, args=(bodies[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(set(statuses)) == [200, 201]
    assert statuses.count(201) == 48
    latest = max(bodies, key=lambda b: (parse_instant(b["timestamp"]), b["id"]))
    assert bookings_on(api, hotel, "2024-05-01") == (1 if latest["rpg_status"] == 1 else 0)


@pytest.mark.parametrize(
    ("raw", "status", "field"),
    [
        (b'{"hotel_id": 1,', 400, None),
        (b'{"hotel_id": NaN}', 400, None),
        (b"\xff\xfe not utf-8", 400, None),
        (b'{"hotel_id": "1", "timestamp": "2024-03-01T10:00:00Z", "rpg_status": 1, '
         b'"room_id": "r", "night_of_stay": "2024-05-01"}', 422, "hotel_id"),
        (b'{"hotel_id": 1, "timestamp": "2024-03-01T10:00:00Z", "rpg_status": 9, '
         b'"room_id": "r", "night_of_stay": "2024-05-01"}', 422, "rpg_status"),
        (b'{"hotel_id": 1, "timestamp": "2024-03-01T10:00:00Z", "rpg_status": 1, '
         b'"room_id": "r\\u0000", "night_of_stay": "2024-05-01"}', 422, "room_id"),
        (b'[{"hotel_id": 1, "timestamp": "2024-03-01T10:00:00Z", "rpg_status": 1, '
         b'"room_id": "r", "night_of_stay": "2024-05-01"}]', 422, "body"),
        (b'{"room_id": "' + b"x" * 300_000 + b'"}', 413, None),
    ],
)  # fmt: skip
def test_hostile_bodies_are_4xx_naming_the_field(
    api: ApiClient, raw: bytes, status: int, field: str | None
) -> None:
    response = api.post("/api/events", raw=raw)
    assert response.status == status, response.body
    assert "message" in response.json
    if field is not None:
        assert field in [error["field"] for error in response.json["errors"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("/api/events", "hotel_id"),
        ("/api/events?hotel_id=1&updated__gte=%00", "updated__gte"),
        ("/api/events?hotel_id=1&next_token=%E2%9C%93", "next_token"),
        ("/api/dashboard?hotel_id=1&year=2024&period=decade", "period"),
        ("/api/dashboard?hotel_id=1&year=99999", "year"),
    ],
)
def test_bad_queries_are_422(api: ApiClient, query: str, field: str) -> None:
    response = api.get(query)
    assert response.status == 422, response.body
    assert field in [error["field"] for error in response.json["errors"]]
