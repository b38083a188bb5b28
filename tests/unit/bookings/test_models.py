"""Validation of posted events: strict types, ranges, patterns, aliases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from sitepulse.bookings.models import MAX_EVENT_ID, BookingEventIn

VALID = {
    "id": 17,
    "hotel_id": 1,
    "timestamp": "2024-03-01T10:00:00Z",
    "rpg_status": 1,
    "room_id": "0013e338-0158-4d5c-8698-aebe00cba360",
    "night_of_stay": "2024-05-01",
}


def fields_rejected(**changes: Any) -> set[str]:
    body = {**VALID, **changes}
    body = {key: value for key, value in body.items() if value is not ...}
    with pytest.raises(ValidationError) as caught:
        BookingEventIn.model_validate(body)
    return {str(err["loc"][0]) if err["loc"] else "body" for err in caught.value.errors()}


def test_spec_example_is_valid() -> None:
    event = BookingEventIn.model_validate(VALID)
    assert event.id == 17
    assert event.timestamp == datetime(2024, 3, 1, 10, tzinfo=UTC)
    assert event.night_of_stay == date(2024, 5, 1)


def test_aliases_are_accepted() -> None:
    body = {
        "hotel_id": 1,
        "event_timestamp": "2024-03-01T10:00:00",
        "status": 2,
        "room_reservation_id": "r-1",
        "night_of_stay": "2024-05-01",
    }
    event = BookingEventIn.model_validate(body)
    assert (event.id, event.rpg_status, event.room_id) == (None, 2, "r-1")
    assert event.timestamp == datetime(2024, 3, 1, 10, tzinfo=UTC)  # naive means UTC


def test_offsets_are_converted_to_utc() -> None:
    event = BookingEventIn.model_validate({**VALID, "timestamp": "2024-03-01T12:00:00+02:00"})
    assert event.timestamp == datetime(2024, 3, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize(
    ("name", "alias"),
    [("timestamp", "event_timestamp"), ("rpg_status", "status"), ("room_id", "room_reservation_id")],
)
def test_disagreeing_alias_names_the_field(name: str, alias: str) -> None:
    other = {"timestamp": "2024-03-01T11:00:00Z", "rpg_status": 2, "room_id": "other"}[name]
    assert fields_rejected(**{alias: other}) == {name}


def test_agreeing_alias_is_fine() -> None:
    assert BookingEventIn.model_validate({**VALID, "status": 1}).rpg_status == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("id", "17"),
        ("id", 17.5),
        ("id", True),
        ("id", 0),
        ("id", MAX_EVENT_ID + 1),
        ("hotel_id", "1"),
        ("hotel_id", 0),
        ("hotel_id", 2**31),
        ("hotel_id", None),
        ("rpg_status", 0),
        ("rpg_status", 3),
        ("rpg_status", "1"),
        ("rpg_status", True),
        ("rpg_status", 2.5),
        ("room_id", ""),
        ("room_id", "a" * 129),
        ("room_id", "room 1"),
        ("room_id", "room\n1"),
        ("room_id", "r#1"),
        ("room_id", 13),
        ("timestamp", "yesterday"),
        ("timestamp", 1709287200),
        ("timestamp", "1969-12-31T23:59:59Z"),
        ("timestamp", "0001-01-01T00:00:00+01:00"),
        ("timestamp", "9999-12-31T23:59:59-01:00"),
        ("night_of_stay", "2024-02-30"),
        ("night_of_stay", "20240501"),
        ("night_of_stay", "2024-05-01T00:00:00"),
        ("night_of_stay", "1969-12-31"),
        ("night_of_stay", "0999-01-01"),
        ("timestamp", "0999-06-01T00:00:00Z"),
        ("timestamp", "2024-03-01"),
        ("night_of_stay", 20240501),
    ],
)
def test_bad_values_are_rejected_naming_the_field(field: str, value: Any) -> None:
    assert fields_rejected(**{field: value}) == {field}


@pytest.mark.parametrize("field", ["hotel_id", "timestamp", "rpg_status", "room_id", "night_of_stay"])
def test_required_fields(field: str) -> None:
    assert fields_rejected(**{field: ...}) == {field}


def test_integral_numbers_are_integers_as_in_json_schema() -> None:
    event = BookingEventIn.model_validate({**VALID, "id": 17.0, "hotel_id": 1e0, "rpg_status": 2.0})
    assert (event.id, event.hotel_id, event.rpg_status) == (17, 1, 2)


def test_nights_span_the_api_range() -> None:
    assert BookingEventIn.model_validate({**VALID, "night_of_stay": "9999-12-31"}).night_of_stay.year == 9999
    assert BookingEventIn.model_validate({**VALID, "night_of_stay": "1970-01-01"}).night_of_stay.year == 1970


def test_id_is_optional_and_limits_are_inclusive() -> None:
    body = {**VALID, "id": MAX_EVENT_ID, "hotel_id": 2**31 - 1, "room_id": "a" * 128}
    assert BookingEventIn.model_validate(body).id == MAX_EVENT_ID
    assert BookingEventIn.model_validate({k: v for k, v in VALID.items() if k != "id"}).id is None


def test_timestamp_at_most_a_day_ahead() -> None:
    soon = (datetime.now(UTC) + timedelta(hours=23)).isoformat()
    later = (datetime.now(UTC) + timedelta(hours=25)).isoformat()
    assert BookingEventIn.model_validate({**VALID, "timestamp": soon})
    assert fields_rejected(timestamp=later) == {"timestamp"}
