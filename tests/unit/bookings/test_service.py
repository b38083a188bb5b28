"""The write path and dashboard against moto: idempotency, arrival order, concurrency, and a
brute-force oracle over thousands of random events."""

from __future__ import annotations

import itertools
import random
import threading
from datetime import date
from typing import Any

import boto3
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench.cost import CostMeter
from sitepulse.bookings.ids import derived_event_id
from sitepulse.bookings.models import BookingEventIn
from sitepulse.bookings.repository import BookingRepository
from sitepulse.bookings.service import BookingService
from sitepulse.common.errors import ConflictError
from sitepulse.common.timestamps import parse_instant
from tests.unit.bookings.reference import expected_values, random_stream

NIGHTS = ["2023-12-30", "2023-12-31", "2024-01-01", "2024-01-31", "2024-02-01", "2024-02-29", "2024-12-31"]
_hotels = itertools.count(1000)


def booking(**changes: Any) -> dict[str, Any]:
    return {
        "id": 17,
        "hotel_id": 1,
        "timestamp": "2024-03-01T10:00:00Z",
        "rpg_status": 1,
        "room_id": "r1",
        "night_of_stay": "2024-05-01",
        **changes,
    }


def post(service: BookingService, body: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    stored, created = service.record(BookingEventIn.model_validate(body))
    return stored.model_dump(), created


def values(service: BookingService, hotel_id: int, year: int, period: str) -> list[dict[str, Any]]:
    return service.dashboard(hotel_id, year, period).model_dump()["values"]  # type: ignore[arg-type]


def night_count(service: BookingService, hotel_id: int, night: str) -> int:
    day = date.fromisoformat(night)
    return dict((v["period"], v["bookings"]) for v in values(service, hotel_id, day.year, "day"))[night]


def test_replay_returns_the_stored_event_and_changes_nothing(service: BookingService) -> None:
    first, created = post(service, booking())
    again, created_again = post(service, booking(timestamp="2024-03-01T11:00:00+01:00"))  # same instant
    assert (created, created_again) == (True, False)
    assert again == first == {**booking(), "timestamp": "2024-03-01T10:00:00Z"}
    assert night_count(service, 1, "2024-05-01") == 1
    assert len(service.events(1).events) == 1


def test_same_id_other_payload_conflicts_and_is_not_counted(service: BookingService) -> None:
    post(service, booking())
    for changed in ({"rpg_status": 2}, {"hotel_id": 2}, {"night_of_stay": "2024-05-02"}, {"room_id": "r2"}):
        with pytest.raises(ConflictError, match="event id 17"):
            post(service, booking(**changed))
    # An id is taken whatever the event's age relative to its night (older events take another path).
    post(service, booking(id=18, timestamp="2024-03-02T10:00:00Z"))
    with pytest.raises(ConflictError):
        post(service, booking(id=18, timestamp="2024-01-01T00:00:00Z"))
    with pytest.raises(ConflictError):
        post(service, booking(timestamp="2024-01-01T00:00:00Z"))
    assert night_count(service, 1, "2024-05-01") == 1
    assert night_count(service, 2, "2024-05-02") == 0
    assert [e.id for e in service.events(1).events] == [17, 18]


@pytest.mark.parametrize("booking_first", [True, False])
def test_cancellation_cancels_in_either_arrival_order(service: BookingService, booking_first: bool) -> None:
    book = booking(id=1, timestamp="2024-03-01T10:00:00Z", rpg_status=1)
    cancel = booking(id=2, timestamp="2024-03-02T10:00:00Z", rpg_status=2)
    for body in (book, cancel) if booking_first else (cancel, book):
        post(service, body)
    assert night_count(service, 1, "2024-05-01") == 0
    post(service, booking(id=3, timestamp="2024-03-03T10:00:00Z", rpg_status=1))  # re-booked later
    assert night_count(service, 1, "2024-05-01") == 1


def test_same_timestamp_the_greater_id_is_latest(service: BookingService) -> None:
    post(service, booking(id=9, rpg_status=2))
    post(service, booking(id=8, rpg_status=1))
    assert night_count(service, 1, "2024-05-01") == 0
    post(service, booking(id=10, rpg_status=1))
    assert night_count(service, 1, "2024-05-01") == 1


def test_rooms_and_nights_count_separately(service: BookingService) -> None:
    post(service, booking(id=1, room_id="a"))
    post(service, booking(id=2, room_id="b"))
    post(service, booking(id=3, room_id="a", night_of_stay="2024-05-02"))
    post(service, booking(id=4, room_id="a", timestamp="2024-03-01T10:00:01Z"))  # booked again: still one
    assert night_count(service, 1, "2024-05-01") == 2
    assert night_count(service, 1, "2024-05-02") == 1
    assert values(service, 1, 2024, "year") == [{"period": "2024", "bookings": 3}]


def test_missing_id_is_derived_from_content_so_retries_are_idempotent(service: BookingService) -> None:
    body = booking()
    del body["id"]
    first, created = post(service, body)
    again, created_again = post(service, body)
    assert (created, created_again) == (True, False)
    assert first["id"] == again["id"] >= 2**52
    other, created_other = post(service, {**body, "rpg_status": 2, "timestamp": "2024-03-02T10:00:00Z"})
    assert created_other and other["id"] != first["id"]
    assert night_count(service, 1, "2024-05-01") == 0


def test_derived_id_taken_by_another_event_moves_to_the_next_probe(service: BookingService) -> None:
    body = booking()
    del body["id"]
    parsed = BookingEventIn.model_validate(body)
    squatted = derived_event_id(1, parsed.timestamp, 1, "r1", parsed.night_of_stay)
    post(service, booking(id=squatted, room_id="someone-else"))
    first, created = post(service, body)
    again, created_again = post(service, body)
    expected = derived_event_id(1, parsed.timestamp, 1, "r1", parsed.night_of_stay, probe=1)
    assert (first["id"], again["id"], created, created_again) == (expected, expected, True, False)


def test_costs_two_requests_per_write_and_one_per_dashboard(tables: dict[str, str]) -> None:
    client = boto3.client("dynamodb", region_name="us-east-1")
    meter = CostMeter(client)
    service = BookingService(BookingRepository(client, tables["BookingsTable"]))
    rng = random.Random(3)
    _, arrivals = random_stream(rng, hotel_id=5, events=300, rooms=20, nights=NIGHTS[2:], duplicates=0)
    for body in arrivals:
        meter.reset()
        post(service, body)
        assert meter.total_requests == 2  # GetItem of the reservation-night + one write
    for period in ("day", "month", "year"):
        meter.reset()
        service.dashboard(5, 2024, period)  # type: ignore[arg-type]
        assert dict(meter.requests) == {"Query": 1}


def test_thousands_of_random_events_in_random_order_match_the_oracle(service: BookingService) -> None:
    rng = random.Random(20240501)
    distinct, arrivals = random_stream(rng, hotel_id=7, events=2000, rooms=30, nights=NIGHTS, instants=150)
    other_hotel, other_arrivals = random_stream(
        rng, hotel_id=8, events=200, rooms=5, nights=NIGHTS, first_id=5000
    )
    mixed = arrivals + other_arrivals
    rng.shuffle(mixed)
    outcomes = [post(service, body)[1] for body in mixed]
    assert outcomes.count(True) == len(distinct) + len(other_hotel)  # duplicates were replays
    everything = distinct + other_hotel
    for hotel in (7, 8):
        for year in (2023, 2024):
            for period in ("day", "month", "year"):
                assert values(service, hotel, year, period) == expected_values(
                    everything, hotel, year, period
                )
    assert sum(v["bookings"] for v in values(service, 7, 2024, "year")) > 0  # the stream is not trivial


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**32 - 1), size=st.integers(1, 40), rooms=st.integers(1, 4))
def test_any_arrival_order_matches_the_oracle(
    service: BookingService, seed: int, size: int, rooms: int
) -> None:
    hotel = next(_hotels)
    distinct, arrivals = random_stream(
        random.Random(seed),
        hotel_id=hotel,
        events=size,
        first_id=hotel * 100,
        rooms=rooms,
        nights=NIGHTS[2:4],
        instants=6,
        duplicates=0.3,
    )
    for body in arrivals:
        post(service, body)
    assert values(service, hotel, 2024, "day") == expected_values(distinct, hotel, 2024, "day")


def test_concurrent_writers_on_one_reservation_night(service: BookingService) -> None:
    rng = random.Random(11)
    bodies = [
        booking(id=n, timestamp=f"2024-03-01T10:{rng.randrange(5):02d}:00Z", rpg_status=rng.choice((1, 2)))
        for n in range(1, 61)
    ]
    bodies += [dict(body) for body in bodies[:20]]  # the same events, racing their first copies
    created: list[bool] = []
    barrier = threading.Barrier(8)

    def writer(chunk: list[dict[str, Any]]) -> None:
        barrier.wait()
        created.extend(post(service, body)[1] for body in chunk)

    threads = [threading.Thread(target=writer, args=(bodies[n::8],)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert created.count(True) == 60
    latest = max(bodies, key=lambda b: (parse_instant(b["timestamp"]), b["id"]))
    assert night_count(service, 1, "2024-05-01") == (1 if latest["rpg_status"] == 1 else 0)
