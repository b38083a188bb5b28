"""The store-uptime sinks of ingestion: status, business-hours and timezone files parsed with
`csv_rows` and stored by the storage writer. A sink returns what it accepted and the rows it
rejected, with line numbers in the original object (see `sitepulse.ingest.sink`).

The three kinds differ only in their parser, their write and whether a file overwrites what
earlier files wrote, so they are one `StoreFileSink` given those three things."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sized
from dataclasses import asdict

from sitepulse.ingest.csv_lines import RowError
from sitepulse.ingest.objects import IncomingObject
from sitepulse.ingest.segments import Segment
from sitepulse.ingest.sink import WHOLE_OBJECT, SegmentResult, collector
from sitepulse.store_uptime.csv_input.csv_rows import (
    BinaryReader,
    StoreTimezone,
    iter_timezones,
    read_hours_by_store,
    read_polls_by_store,
)
from sitepulse.store_uptime.storage.writer import StoreDataWriter, WriteCounts

type OnError = Callable[[RowError], object] | None
type Reader[T] = Callable[[BinaryReader, OnError], tuple[int, T]]
"""Parse a file (or segment): (rows accepted, what to store); rejected rows go to `on_error`."""
type Store[T] = Callable[[str, int, T], WriteCounts]
"""Store one segment's rows: (object id, segment index, rows)."""


class StoreFileSink[T]:
    def __init__(self, read: Reader[T], store: Store[T], *, ordered: bool) -> None:
        self.ordered = ordered
        self._read = read
        self._store = store

    def segment_bytes(self, default: int) -> int:
        # A file that overwrites per store is read whole: a store's rows are never split
        # across segments, so the last row of a store (or its whole week) is the one kept.
        return WHOLE_OBJECT if self.ordered else default

    def check_header(self, header: bytes) -> None:
        self._read(io.BytesIO(header), None)

    def ingest(self, obj: IncomingObject, segment: Segment) -> SegmentResult:
        errors: list[RowError] = []
        accepted, rows = self._read(segment, collector(segment, errors))
        writes = self._store(obj.object_id, segment.index, rows)
        return SegmentResult(accepted, errors, writes=asdict(writes))


def status_poll_sink(writer: StoreDataWriter) -> StoreFileSink:
    """Status files are appended: each segment's polls are stored under that segment's keys."""
    return StoreFileSink(_rows_by_store(read_polls_by_store), writer.store_polls, ordered=False)


def business_hours_sink(writer: StoreDataWriter) -> StoreFileSink:
    """A business-hours file replaces the whole week of every store it has a valid row for."""
    return StoreFileSink(
        _rows_by_store(read_hours_by_store),
        lambda source, _segment, hours: writer.replace_hours(source, hours),
        ordered=True,
    )


def timezone_sink(writer: StoreDataWriter) -> StoreFileSink:
    """A timezones file upserts the stores it mentions (the last row of a store wins)."""
    return StoreFileSink(
        _read_timezones,
        lambda source, _segment, timezones: writer.upsert_timezones(source, timezones),
        ordered=True,
    )


def _rows_by_store[R: Sized](
    read: Callable[[BinaryReader, OnError], dict[str, R]],
) -> Reader[dict[str, R]]:
    def counted(binary: BinaryReader, on_error: OnError) -> tuple[int, dict[str, R]]:
        by_store = read(binary, on_error)
        return sum(map(len, by_store.values())), by_store

    return counted


def _read_timezones(binary: BinaryReader, on_error: OnError) -> tuple[int, Mapping[str, str]]:
    # Not `read_timezones_by_store`: a store's earlier rows are accepted too (then overwritten),
    # and that count is lost once rows are grouped by store.
    valid: list[StoreTimezone] = []
    for record in iter_timezones(binary):
        if not isinstance(record, RowError):
            valid.append(record)
        elif on_error is not None:
            on_error(record)
    return len(valid), {row.store_id: row.timezone for row in valid}
