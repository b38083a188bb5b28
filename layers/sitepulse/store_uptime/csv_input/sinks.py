"""The store-uptime sinks of ingestion: status, business-hours and timezone files parsed with
`csv_rows` and stored by the storage writer. A sink returns what it accepted and the rows it
rejected, with line numbers in the original object (see `sitepulse.ingest.sink`)."""

from __future__ import annotations

import io
from dataclasses import asdict

from sitepulse.ingest.csv_lines import RowError
from sitepulse.ingest.objects import IncomingObject
from sitepulse.ingest.segments import Segment
from sitepulse.ingest.sink import WHOLE_OBJECT, SegmentResult, collector
from sitepulse.store_uptime.csv_input.csv_rows import (
    iter_timezones,
    read_hours_by_store,
    read_polls_by_store,
    read_timezones_by_store,
)
from sitepulse.store_uptime.storage.writer import StoreDataWriter


class StatusPollSink:
    """Status files are appended: each segment's polls are stored under that segment's keys."""

    ordered = False

    def __init__(self, writer: StoreDataWriter) -> None:
        self._writer = writer

    def segment_bytes(self, default: int) -> int:
        return default

    def check_header(self, header: bytes) -> None:
        read_polls_by_store(io.BytesIO(header))

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult:
        errors: list[RowError] = []
        polls = read_polls_by_store(segment, collector(segment, errors))
        writes = self._writer.store_polls(obj.object_id, segment.index, polls)
        return SegmentResult(sum(map(len, polls.values())), errors, writes=asdict(writes))


class BusinessHoursSink:
    """A business-hours file replaces the whole week of every store it has a valid row for."""

    ordered = True

    def __init__(self, writer: StoreDataWriter) -> None:
        self._writer = writer

    def segment_bytes(self, default: int) -> int:
        return WHOLE_OBJECT

    def check_header(self, header: bytes) -> None:
        read_hours_by_store(io.BytesIO(header))

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult:
        errors: list[RowError] = []
        hours = read_hours_by_store(segment, collector(segment, errors))
        writes = self._writer.replace_hours(obj.object_id, hours)
        return SegmentResult(sum(map(len, hours.values())), errors, writes=asdict(writes))


class TimezoneSink:
    """A timezones file upserts the stores it mentions (the last row of a store wins)."""

    ordered = True

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
        return SegmentResult(accepted, errors, writes=asdict(writes))
