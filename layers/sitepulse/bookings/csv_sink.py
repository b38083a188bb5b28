"""The bookings sink of ingestion: `incoming/booking_events/` rows go through `bulk`, that is
the same validation and write path as `POST /api/events` (idempotent per event id)."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from sitepulse.bookings.bulk import ingest_booking_rows
from sitepulse.bookings.service import BookingService
from sitepulse.ingest.csv_lines import RowError, iter_lines, raw_text, unreadable_reason
from sitepulse.ingest.objects import IncomingObject
from sitepulse.ingest.segments import Segment
from sitepulse.ingest.sink import SegmentResult


class BookingEventSink:
    """Booking events go through the bookings module (idempotent per event id)."""

    ordered = False

    def __init__(self, service: BookingService) -> None:
        self._service = service

    def segment_bytes(self, default: int) -> int:
        return min(default, 8 << 20)  # raw lines are kept per segment for the errors file

    def check_header(self, header: bytes) -> None:
        return None

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult:
        raw_lines: dict[int, str] = {}
        errors: list[RowError] = []
        outcome = ingest_booking_rows(self._rows(segment, raw_lines, errors), self._service)
        errors.extend(RowError(line, reason, raw_lines.get(line, "")) for line, reason in outcome.rejected)
        errors.sort()
        return SegmentResult(outcome.accepted + outcome.replayed, errors, replayed=outcome.replayed)

    def _rows(
        self, segment: Segment, raw_lines: dict[int, str], errors: list[RowError]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        names: list[str] | None = None
        for number, line in enumerate(iter_lines(segment), 1):
            if names is None:
                header = line.decode("utf-8", "replace") if isinstance(line, bytes) else line
                names = [name.strip().lower() for name in next(csv.reader([header]), [])]
                continue
            line_number = segment.file_line(number)
            if isinstance(line, bytes):
                reason = unreadable_reason(line) or "invalid UTF-8"
                errors.append(RowError(line_number, reason, raw_text(line)))
                continue
            if not line.strip():
                continue
            try:
                fields = next(csv.reader([line], strict=True))
            except csv.Error as exc:
                errors.append(RowError(line_number, f"malformed CSV ({exc})", line))
                continue
            if len(fields) != len(names):
                errors.append(
                    RowError(line_number, f"expected {len(names)} fields, found {len(fields)}", line)
                )
                continue
            raw_lines[line_number] = line
            yield line_number, dict(zip(names, fields, strict=True))
