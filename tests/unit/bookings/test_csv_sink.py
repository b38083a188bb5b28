"""The bookings sink of ingestion: lines from the shared splitter, line numbers of the object."""

from __future__ import annotations

import io
from typing import Any

import pytest

from sitepulse.bookings.csv_sink import BookingEventSink
from sitepulse.bookings.models import BookingEventIn
from sitepulse.ingest import csv_lines
from sitepulse.ingest.csv_lines import RowError
from sitepulse.ingest.objects import IncomingObject
from sitepulse.ingest.segments import Position, header_of, iter_segments

HEADER = "id,hotel_id,timestamp,rpg_status,room_id,night_of_stay"


def row(event_id: int) -> str:
    return f"{event_id},7,2024-03-01T10:00:00Z,1,room-{event_id},2024-05-01"


class RecordingService:
    """Stands in for BookingService: records what the sink hands over (every id is new)."""

    def __init__(self) -> None:
        self.recorded: list[int] = []

    def record(self, event: BookingEventIn) -> tuple[Any, bool]:
        assert event.id is not None
        self.recorded.append(event.id)
        return event, True


def ingest(data: bytes, segment_bytes: int) -> tuple[RecordingService, int, list[RowError]]:
    service = RecordingService()
    sink = BookingEventSink(service)  # type: ignore[arg-type]  # duck-typed service
    obj = IncomingObject("incoming/booking_events/x.csv", "etag", len(data), None, "booking_events")  # type: ignore[arg-type]
    header = header_of(data[:65536], len(data))
    accepted, errors = 0, []
    body = io.BytesIO(data[len(header) :])
    for segment in iter_segments(body, header, Position(len(header), 2, 0), len(data), segment_bytes):
        result = sink.ingest(obj, segment)
        accepted += result.accepted
        errors.extend(result.rejected)
    return service, accepted, errors


@pytest.mark.parametrize("segment_bytes", [1, 120, 1 << 20])
def test_rows_and_rejections_keep_the_objects_line_numbers(segment_bytes: int) -> None:
    lines = [HEADER, row(1), "", "2,7,x", row(3), '4,"unterminated', row(5)]
    data = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode() + b"6,7,caf\xff\n" + row(7).encode()
    service, accepted, errors = ingest(data, segment_bytes)
    assert sorted(service.recorded) == [1, 3, 5, 7]
    assert accepted == 4
    assert [(e.line_number, e.reason.split(" (")[0]) for e in sorted(errors)] == [
        (4, "expected 6 fields, found 3"),
        (6, "malformed CSV"),
        (8, "invalid UTF-8"),
    ]
    assert sorted(errors)[2].raw_line == "6,7,caf\\xff"


def test_an_overlong_line_is_rejected_without_being_buffered(monkeypatch: pytest.MonkeyPatch) -> None:
    # The splitter shared with the store files: a line without end cannot exhaust memory.
    monkeypatch.setattr(csv_lines, "CHUNK_BYTES", 16)
    monkeypatch.setattr(csv_lines, "MAX_LINE_BYTES", 64)
    monkeypatch.setattr(csv_lines, "RAW_LINE_LIMIT", 10)
    data = f"{HEADER}\n{row(1)}\n{'x' * 300}\n{row(2)}\n".encode()
    service, accepted, errors = ingest(data, 1 << 20)
    assert service.recorded == [1, 2]
    assert accepted == 2
    assert errors == [RowError(3, "line longer than 64 bytes", "xxxxxxxxxx…")]
