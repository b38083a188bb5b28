"""Every paginated listing refuses hand-crafted tokens before DynamoDB is called.

moto accepts several of these (a number that is not one, a foreign partition, a start key
outside the key condition, another listing's key), real DynamoDB answers them with a
ValidationException (a 5xx for the client): so "it passes on moto" proves nothing, and
these tests use a client that fails the test if a refused token reaches `query`."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from sitepulse.bookings.repository import EVENT_LISTING, BookingRepository, EventQuery, listing_filters
from sitepulse.common.errors import InvalidInputError
from sitepulse.occupancy.repository import SENSOR_LISTING, OccupancyRepository
from sitepulse.temperature.repository import ROOM_LISTING, TemperatureRepository
from tests.unit.common.tokens import forged, raw_token, tampered, use_test_keys

use_test_keys()  # the cases below are sealed at import; every test runs with the same test secret


class RecordingClient:
    """A DynamoDB client whose Query returns one fixed page and records what it was asked."""

    def __init__(self, items: list[dict[str, Any]], last_key: dict[str, Any] | None) -> None:
        self.items = items
        self.last_key = last_key
        self.queries: list[dict[str, Any]] = []

    def query(self, **request: Any) -> dict[str, Any]:
        self.queries.append(request)
        response: dict[str, Any] = {"Items": self.items}
        if self.last_key:
            response["LastEvaluatedKey"] = self.last_key
        return response


def refused_before_query(call: Any, client: RecordingClient) -> None:
    with pytest.raises(InvalidInputError) as caught:
        call()
    assert caught.value.field == "next_token"
    assert client.queries == []


# ------------------------------------------------------------------ GET /api/sensors
SENSOR_KEY = {
    "pk": {"S": "SENSOR#abc"},
    "sk": {"S": "SUMMARY"},
    "gsi1pk": {"S": "SENSOR"},
    "gsi1sk": {"S": "abc"},
}


def sensors_client() -> RecordingClient:
    return RecordingClient([{"gsi1sk": {"S": "abc"}}], SENSOR_KEY)


def test_sensor_tokens_round_trip() -> None:
    client = sensors_client()
    repository = OccupancyRepository(client, "t")  # type: ignore[arg-type]
    _, token = repository.list_sensors(1, None)
    assert token is not None
    repository.list_sensors(1, token)
    assert client.queries[-1]["ExclusiveStartKey"] == SENSOR_KEY


SENSOR_CRAFTED = {
    "issue's example (old format, number in S)": (
        "eyJwayI6eyJTIjoxfSwic2siOnsiUyI6IngifSwiZ3NpMXBrIjp7IlMiOiJTRU5TT1IifSwiZ3NpMXNrIjp7IlMiOiJ4In19"
    ),
    "wrong type": forged("sensors", {**SENSOR_KEY, "pk": {"S": 1}}),
    "N abc": forged("sensors", {**SENSOR_KEY, "gsi1sk": {"N": "abc"}}),
    "foreign partition": forged("sensors", {**SENSOR_KEY, "gsi1pk": {"S": "OTHER"}}),
    "pk of another sensor": forged("sensors", {**SENSOR_KEY, "pk": {"S": "SENSOR#zzz"}}),
    "not a summary item": forged("sensors", {**SENSOR_KEY, "sk": {"S": "M#2024-01"}}),
    "sensor name with #": forged(
        "sensors", {**SENSOR_KEY, "pk": {"S": "SENSOR#a#b"}, "gsi1sk": {"S": "a#b"}}
    ),
    "rooms token": forged("rooms", {"pk": {"S": "BLDG#b"}, "sk": {"S": "ROOM#r"}}, {"building": "b"}),
    "events token": forged("hotel-events", SENSOR_KEY),
    "digest of filters": forged("sensors", SENSOR_KEY, {"x": 1}),
    "truncated": forged("sensors", SENSOR_KEY)[:-7],
    "tampered": tampered(forged("sensors", SENSOR_KEY)),
}


@pytest.mark.parametrize("token", SENSOR_CRAFTED.values(), ids=SENSOR_CRAFTED.keys())
def test_sensor_listing_refuses_crafted_tokens(token: str) -> None:
    client = sensors_client()
    repository = OccupancyRepository(client, "t")  # type: ignore[arg-type]
    refused_before_query(lambda: repository.list_sensors(10, token), client)


# ------------------------------------------------------------------ GET /api/v1/buildings/{b}/rooms
ROOM_KEY = {"pk": {"S": "BLDG#b1"}, "sk": {"S": "ROOM#r1"}}
ROOM_ITEM = {
    "pk": {"S": "BLDG#b1"},
    "sk": {"S": "ROOM#r1"},
    "room": {"S": "r1"},
    "readings": {"N": "1"},
    "latest_t": {"N": "21.5"},
    "latest_at": {"S": "2024-01-01T00:00:00.000000Z"},
}


def rooms_client() -> RecordingClient:
    return RecordingClient([ROOM_ITEM, {**ROOM_ITEM, "sk": {"S": "ROOM#r2"}, "room": {"S": "r2"}}], None)


def test_room_tokens_round_trip_and_are_bound_to_the_building() -> None:
    client = rooms_client()
    repository = TemperatureRepository(client, "t")  # type: ignore[arg-type]
    _, token = repository.list_rooms("b1", 1, None)
    assert token is not None and b"BLDG" not in token.encode()
    repository.list_rooms("b1", 1, token)
    assert client.queries[-1]["ExclusiveStartKey"] == ROOM_KEY
    refused_before_query(lambda: repository.list_rooms("b2", 1, token), RecordingClient([], None))
    other = TemperatureRepository(empty := RecordingClient([], None), "t")  # type: ignore[arg-type]
    refused_before_query(lambda: other.list_rooms("b2", 1, token), empty)


B1 = {"building": "b1"}
ROOM_CRAFTED = {
    "wrong type": forged("rooms", {**ROOM_KEY, "sk": {"N": "1"}}, B1),
    "N abc": forged("rooms", {**ROOM_KEY, "sk": {"N": "abc"}}, B1),
    "number in S": forged("rooms", {**ROOM_KEY, "sk": {"S": 5}}, B1),
    "foreign partition, right digest": forged("rooms", {**ROOM_KEY, "pk": {"S": "BLDG#b2"}}, B1),
    "a reading, not a room": forged("rooms", {"pk": {"S": "BLDG#b1"}, "sk": {"S": "T#2024"}}, B1),
    "room id too long": forged("rooms", {**ROOM_KEY, "sk": {"S": "ROOM#" + "x" * 1200}}, B1),
    "sensors token": SENSOR_LISTING.token(SENSOR_KEY, None),
    "events token with a rooms key": forged("hotel-events", ROOM_KEY, B1),
    "old format": raw_token(ROOM_KEY),
    "truncated": (ROOM_LISTING.token(ROOM_KEY, B1) or "")[:20],
    "tampered digest": forged("rooms", ROOM_KEY, B1, f="0123456789abcdef"),
    "tampered": tampered(ROOM_LISTING.token(ROOM_KEY, B1) or ""),
}


@pytest.mark.parametrize("token", ROOM_CRAFTED.values(), ids=ROOM_CRAFTED.keys())
def test_room_listing_refuses_crafted_tokens(token: str) -> None:
    client = rooms_client()
    repository = TemperatureRepository(client, "t")  # type: ignore[arg-type]
    refused_before_query(lambda: repository.list_rooms("b1", 10, token), client)


# ------------------------------------------------------------------ GET /api/events
EVENT_POSITION = "2024-03-01T10:00:00.000000Z#0000000000000017"
EVENT_KEY = {
    "pk": {"S": "E#17"},
    "sk": {"S": "EVENT"},
    "gsi1pk": {"S": "HOTEL#1"},
    "gsi1sk": {"S": EVENT_POSITION},
}
MARCH = EventQuery(
    hotel_id=1,
    updated_from=datetime(2024, 3, 1, tzinfo=UTC),
    updated_to=datetime(2024, 3, 31, tzinfo=UTC),
    night_from=date(2024, 5, 1),
)


def march_filters() -> dict[str, Any]:
    return listing_filters(MARCH)


def events_client() -> RecordingClient:
    item = {
        "id": {"N": "17"},
        "hotel_id": {"N": "1"},
        "ts": {"S": "2024-03-01T10:00:00.000000Z"},
        "rpg_status": {"N": "1"},
        "room_id": {"S": "r"},
        "night_of_stay": {"S": "2024-05-01"},
    }
    return RecordingClient([item], EVENT_KEY)


def test_event_tokens_round_trip_and_are_bound_to_every_filter() -> None:
    client = events_client()
    repository = BookingRepository(client, "t")  # type: ignore[arg-type]
    _, token = repository.list_events(MARCH, 1, None)
    assert token is not None
    asked = len(client.queries)
    repository.list_events(MARCH, 5, token)  # another page size is fine
    assert client.queries[asked]["ExclusiveStartKey"] == EVENT_KEY
    for other in (
        EventQuery(hotel_id=1, updated_from=MARCH.updated_from, updated_to=MARCH.updated_to),
        EventQuery(**{**MARCH.__dict__, "rpg_status": 1}),
        EventQuery(**{**MARCH.__dict__, "room_id": "r"}),
        EventQuery(**{**MARCH.__dict__, "night_to": date(2024, 6, 1)}),
        EventQuery(**{**MARCH.__dict__, "hotel_id": 2}),
    ):
        fresh = RecordingClient([], None)
        again = BookingRepository(fresh, "t")  # type: ignore[arg-type]
        refused_before_query(lambda query=other, repo=again: repo.list_events(query, 1, token), fresh)


def event_token(key: dict[str, Any]) -> str:
    return forged(EVENT_LISTING.name, key, march_filters())


EVENT_CRAFTED = {
    "wrong type": lambda: event_token({**EVENT_KEY, "pk": {"N": "17"}}),
    "N abc": lambda: event_token({**EVENT_KEY, "gsi1sk": {"N": "abc"}}),
    "foreign hotel": lambda: event_token({**EVENT_KEY, "gsi1pk": {"S": "HOTEL#2"}}),
    "before the range": lambda: event_token(
        {**EVENT_KEY, "gsi1sk": {"S": "2024-02-01T10:00:00.000000Z#0000000000000017"}}
    ),
    "after the range": lambda: event_token(
        {**EVENT_KEY, "gsi1sk": {"S": "2024-04-01T10:00:00.000000Z#0000000000000017"}}
    ),
    "ids disagree": lambda: event_token({**EVENT_KEY, "pk": {"S": "E#18"}}),
    "not an event item": lambda: event_token({**EVENT_KEY, "sk": {"S": "STATE"}}),
    "position not sortable": lambda: event_token({**EVENT_KEY, "gsi1sk": {"S": "2024-03-05#17"}}),
    "sensors token": lambda: SENSOR_LISTING.token(SENSOR_KEY, None),
    "rooms token": lambda: ROOM_LISTING.token(ROOM_KEY, B1),
    "old format": lambda: raw_token(EVENT_KEY),
    "truncated": lambda: event_token(EVENT_KEY)[:-12],
    "tampered": lambda: tampered(event_token(EVENT_KEY)),
}


@pytest.mark.parametrize("make", EVENT_CRAFTED.values(), ids=EVENT_CRAFTED.keys())
def test_event_listing_refuses_crafted_tokens(make: Any) -> None:
    client = events_client()
    repository = BookingRepository(client, "t")  # type: ignore[arg-type]
    token = make()
    refused_before_query(lambda: repository.list_events(MARCH, 10, token), client)


def test_a_valid_forged_event_position_is_just_a_position() -> None:
    """An insider holding the secret can seal any position; one inside the same query is as good as any."""
    client = events_client()
    repository = BookingRepository(client, "t")  # type: ignore[arg-type]
    inside = {
        **EVENT_KEY,
        "pk": {"S": "E#5"},
        "gsi1sk": {"S": "2024-03-02T00:00:00.000000Z#0000000000000005"},
    }
    repository.list_events(MARCH, 10, event_token(inside))
    assert client.queries[0]["ExclusiveStartKey"] == inside
