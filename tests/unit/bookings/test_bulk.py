"""Bulk CSV rows (`incoming/booking_events/`) through `ingest_booking_rows`."""

from __future__ import annotations

from typing import Any

import pytest

from sitepulse.bookings.bulk import BulkOutcome, ingest_booking_rows, parse_row
from sitepulse.bookings.service import BookingService
from sitepulse.bookings.wiring import booking_service

HEADER = ["id", "hotel_id", "event_timestamp", "status", "room_reservation_id", "night_of_stay"]


def rows(*lines: str, first_line: int = 2) -> list[tuple[int, dict[str, str]]]:
    """Physical lines after the header, as the ingestion hands them over."""
    return [(first_line + n, dict(zip(HEADER, line.split(","), strict=True))) for n, line in enumerate(lines)]


GOOD = rows(
    "1,7,2024-03-01 10:00:00,1,0013e338-0158-4d5c-8698-aebe00cba360,2024-05-01",
    "2,7,2024-03-02T10:00:00Z,2,0013e338-0158-4d5c-8698-aebe00cba360,2024-05-01",
    " 3 , 7 ,2024-03-01T09:00:00+00:00, 1 ,room-b,2024-05-01",
    ",7,2024-03-03 08:00:00.5 UTC,1,room-c,2024-05-02",
)


def dashboard_days(service: BookingService, hotel_id: int) -> dict[str, int]:
    values = service.dashboard(hotel_id, 2024, "day").values
    return {v.period: v.bookings for v in values if v.bookings}


def test_rows_are_ingested_with_csv_spellings(service: BookingService) -> None:
    outcome = ingest_booking_rows(GOOD, service)
    assert outcome == BulkOutcome(accepted=4, replayed=0, rejected=[])
    assert dashboard_days(service, 7) == {"2024-05-01": 1, "2024-05-02": 1}  # room of ids 1–2 is cancelled
    events = service.events(7).events
    assert [(e.id, e.room_id) for e in events[:3]] == [
        (3, "room-b"),
        (1, "0013e338-0158-4d5c-8698-aebe00cba360"),
        (2, "0013e338-0158-4d5c-8698-aebe00cba360"),
    ]
    assert events[-1].timestamp == "2024-03-03T08:00:00.500000Z"
    assert events[-1].id >= 2**52  # the empty id was derived


def test_a_rerun_of_the_same_rows_changes_nothing(service: BookingService) -> None:
    ingest_booking_rows(GOOD, service)
    before = (service.events(7).model_dump(), dashboard_days(service, 7))
    outcome = ingest_booking_rows(GOOD, service)
    assert outcome == BulkOutcome(accepted=0, replayed=4, rejected=[])
    assert (service.events(7).model_dump(), dashboard_days(service, 7)) == before


def test_a_conflicting_row_is_rejected_and_the_rest_stored(service: BookingService) -> None:
    ingest_booking_rows(GOOD[:1], service)
    outcome = ingest_booking_rows(
        rows(
            "1,7,2024-03-01 10:00:00,2,0013e338-0158-4d5c-8698-aebe00cba360,2024-05-01",  # id 1, other status
            "5,7,2024-03-01 10:00:00,1,room-z,2024-05-03",
        ),
        service,
    )
    assert outcome.accepted == 1
    assert len(outcome.rejected) == 1
    line, reason = outcome.rejected[0]
    assert line == 2
    assert "event id 1" in reason
    assert dashboard_days(service, 7) == {"2024-05-01": 1, "2024-05-03": 1}


def test_within_one_file_the_earlier_line_of_an_id_wins(service: BookingService) -> None:
    lines = [f"{n},7,2024-03-01 10:00:00,1,room-{n},2024-05-01" for n in range(1, 60)]
    lines.append("30,7,2024-03-01 10:00:00,2,room-30,2024-05-01")  # same id as line 31, other status
    outcome = ingest_booking_rows(rows(*lines), service, workers=8)
    assert (outcome.accepted, outcome.replayed) == (59, 0)
    assert [line for line, _ in outcome.rejected] == [61]
    assert dashboard_days(service, 7) == {"2024-05-01": 59}


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ({"id": "x1"}, "id: expected an integer"),
        ({"id": "-4"}, "id: expected an integer"),
        ({"id": "1.0"}, "id: expected an integer"),
        ({"hotel_id": ""}, "hotel_id: expected an integer"),
        ({"status": "3"}, "status: must be 1 (booking) or 2 (cancellation)"),
        ({"status": "booked"}, "status: expected an integer"),
        ({"event_timestamp": "yesterday"}, "timestamp"),
        ({"event_timestamp": ""}, "timestamp"),
        ({"night_of_stay": "2024-02-30"}, "night_of_stay"),
        ({"room_reservation_id": "a b"}, "room_reservation_id: String should match pattern"),
        ({"id": "9" * 30}, "id: expected an integer"),
        ({"id": "9007199254740992"}, "id: Input should be less than or equal to"),
    ],
)
def test_bad_rows_are_rejected_with_line_and_reason(
    service: BookingService, row: dict[str, str], reason: str
) -> None:
    good = dict(GOOD[0][1])
    outcome = ingest_booking_rows([(2, good), (3, {**good, "id": "2", **row})], service)
    assert outcome.accepted == 1
    assert len(outcome.rejected) == 1
    assert outcome.rejected[0][0] == 3
    assert reason in outcome.rejected[0][1]


def test_missing_columns_and_odd_values_never_raise() -> None:
    hostile: list[dict[str, Any]] = [
        {},
        {"id": None},
        {"hotel_id": "1", "status": "1\x00"},
        {"nonsense": "1"},
    ]
    for row in hostile:
        assert isinstance(parse_row(row), str)


def test_alias_and_canonical_columns_must_agree() -> None:
    row = {**GOOD[0][1], "rpg_status": "2"}
    reason = parse_row(row)
    assert isinstance(reason, str) and "rpg_status" in reason and "disagree" in reason
    assert not isinstance(parse_row({**GOOD[0][1], "rpg_status": "1"}), str)


def test_factory_builds_the_service_from_bookings_table(
    tables: dict[str, str], function_env: dict[str, str]
) -> None:
    assert function_env["BOOKINGS_TABLE"] == tables["BookingsTable"]
    service = booking_service()
    assert ingest_booking_rows(GOOD[:1], service).accepted == 1


def test_a_rejected_row_reads_like_the_api_error_without_pydantic_prefixes() -> None:
    # The same wording as the 422 of POST /api/events (`common.errors.validation_message`).
    reason = parse_row({**GOOD[0][1], "status": "3"})
    assert reason == "status: must be 1 (booking) or 2 (cancellation)"
