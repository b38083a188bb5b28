"""Per kind of file: parse one segment with the store engine's CSV readers (or the bookings
module) and store its rows. A sink returns what it accepted and the rows it rejected, with
line numbers in the original object."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from sitepulse.ingest.objects import IncomingObject
from sitepulse.ingest.segments import Segment
from sitepulse.store_uptime.csv_input.csv_rows import (
    RowError,
    iter_timezones,
    read_hours_by_store,
    read_polls_by_store,
    read_timezones_by_store,
)
from sitepulse.store_uptime.storage.writer import StoreDataWriter, WriteCounts

WHOLE_OBJECT = 1 << 62
"""Segment size of kinds that must see a whole file before writing (replace/upsert per store)."""


@dataclass
class SegmentResult:
    accepted: int
    rejected: list[RowError]
    replayed: int = 0
    writes: WriteCounts = field(default_factory=WriteCounts)


class Sink(Protocol):
    def segment_bytes(self, default: int) -> int: ...

    def check_header(self, header: bytes) -> None:
        """Raise `MissingColumnsError` when no row of a file with this header can be read."""

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult: ...


def _collector(segment: Segment, errors: list[RowError]) -> Callable[[RowError], None]:
    def collect(error: RowError) -> None:
        errors.append(error._replace(line_number=segment.file_line(error.line_number)))

    return collect


class StatusPollSink:
    """Status files are appended: each segment's polls are stored under that segment's keys."""

    def __init__(self, writer: StoreDataWriter) -> None:
        self._writer = writer

    def segment_bytes(self, default: int) -> int:
        return default

    def check_header(self, header: bytes) -> None:
        read_polls_by_store(io.BytesIO(header))

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult:
        errors: list[RowError] = []
        polls = read_polls_by_store(segment, _collector(segment, errors))
        writes = self._writer.store_polls(obj.object_id, segment.index, polls)
        return SegmentResult(sum(map(len, polls.values())), errors, writes=writes)


class BusinessHoursSink:
    """A business-hours file replaces the whole week of every store it has a valid row for."""

    def __init__(self, writer: StoreDataWriter) -> None:
        self._writer = writer

    def segment_bytes(self, default: int) -> int:
        return WHOLE_OBJECT

    def check_header(self, header: bytes) -> None:
        read_hours_by_store(io.BytesIO(header))

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult:
        errors: list[RowError] = []
        hours = read_hours_by_store(segment, _collector(segment, errors))
        writes = self._writer.replace_hours(obj.object_id, hours)
        return SegmentResult(sum(map(len, hours.values())), errors, writes=writes)


class TimezoneSink:
    """A timezones file upserts the stores it mentions (the last row of a store wins)."""

    def __init__(self, writer: StoreDataWriter) -> None:
        self._writer = writer

    def segment_bytes(self, default: int) -> int:
        return WHOLE_OBJECT

    def check_header(self, header: bytes) -> None:
        read_timezones_by_store(io.BytesIO(header))

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult:
        errors: list[RowError] = []
        timezones: dict[str, str] = {}
        accepted = 0
        for record in iter_timezones(segment):
            if isinstance(record, RowError):
                errors.append(record._replace(line_number=segment.file_line(record.line_number)))
            else:
                timezones[record.store_id] = record.timezone
                accepted += 1
        writes = self._writer.upsert_timezones(obj.object_id, timezones)
        return SegmentResult(accepted, errors, writes=writes)


def iter_lines(binary: Any, chunk: int = 1 << 20) -> Iterator[bytes]:
    """Physical lines without their `\\n` / `\\r\\n`."""
    pending = b""
    while True:
        data = binary.read(chunk)
        if not data:
            break
        pending += data
        *lines, pending = pending.split(b"\n")
        for line in lines:
            yield line.removesuffix(b"\r")
    if pending:
        yield pending.removesuffix(b"\r")


class BookingEventSink:
    """Booking events go through the bookings module (idempotent per event id)."""

    def __init__(self, service_factory: Callable[[], Any], ingest_rows: Callable[..., Any]) -> None:
        self._service_factory = service_factory
        self._ingest_rows = ingest_rows
        self._service: Any = None

    def segment_bytes(self, default: int) -> int:
        return min(default, 8 << 20)  # raw lines are kept per segment for the errors file

    def check_header(self, header: bytes) -> None:
        return None

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult:
        if self._service is None:
            self._service = self._service_factory()
        raw_lines: dict[int, str] = {}
        errors: list[RowError] = []
        outcome = self._ingest_rows(self._rows(segment, raw_lines, errors), self._service)
        errors.extend(RowError(line, reason, raw_lines.get(line, "")) for line, reason in outcome.rejected)
        errors.sort()
        return SegmentResult(outcome.accepted + outcome.replayed, errors, replayed=outcome.replayed)

    def _rows(
        self, segment: Segment, raw_lines: dict[int, str], errors: list[RowError]
    ) -> Iterator[tuple[int, dict[str, str]]]:
        names: list[str] | None = None
        for number, raw in enumerate(iter_lines(segment), 1):
            if names is None:
                header = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
                names = [name.strip().lower() for name in next(csv.reader([header]), [])]
                continue
            line_number = segment.file_line(number)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                errors.append(RowError(line_number, "invalid UTF-8", raw.decode("utf-8", "backslashreplace")))
                continue
            if not text.strip():
                continue
            try:
                fields = next(csv.reader([text], strict=True))
            except csv.Error as exc:
                errors.append(RowError(line_number, f"malformed CSV ({exc})", text))
                continue
            if len(fields) != len(names):
                errors.append(
                    RowError(line_number, f"expected {len(names)} fields, found {len(fields)}", text)
                )
                continue
            raw_lines[line_number] = text
            yield line_number, dict(zip(names, fields, strict=True))
