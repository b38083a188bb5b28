"""The three store-file sinks are one `StoreFileSink`: what each parses, counts, rejects and writes."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from sitepulse.ingest.csv_lines import MissingColumnsError
from sitepulse.ingest.objects import IncomingObject
from sitepulse.ingest.segments import Position, header_of, iter_segments
from sitepulse.ingest.sink import WHOLE_OBJECT, SegmentResult
from sitepulse.store_uptime.csv_input.sinks import (
    StoreFileSink,
    business_hours_sink,
    status_poll_sink,
    timezone_sink,
)
from sitepulse.store_uptime.storage.writer import WriteCounts

OBJ = IncomingObject("incoming/x/f.csv", "etag", 0, datetime(2024, 1, 1, tzinfo=UTC), "x")


class RecordingWriter:
    """Stands for `StoreDataWriter`: records each write (method, object id, [segment,] rows)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def __getattr__(self, name: str) -> Any:
        def write(*args: Any) -> WriteCounts:
            self.calls.append((name, *args))
            return WriteCounts(items=7)

        return write


def ingest(sink: StoreFileSink, text: str, segment_bytes: int) -> list[SegmentResult]:
    data = text.encode()
    header = header_of(data, len(data))
    body = io.BytesIO(data[len(header) :])
    segments = iter_segments(
        body, header, Position(len(header), 2, 0), len(data), sink.segment_bytes(segment_bytes)
    )
    return [sink.ingest(OBJ, segment) for segment in segments]


def test_a_timezone_file_counts_every_valid_row_and_keeps_the_last_of_a_store() -> None:
    writer = RecordingWriter()
    text = "store_id,timezone_str\nA,America/Denver\nB,Mars/Olympus\nA,Europe/Paris\n"
    (result,) = ingest(timezone_sink(writer), text, segment_bytes=10)  # type: ignore[arg-type]
    assert (result.accepted, [e.line_number for e in result.rejected]) == (2, [3])
    assert writer.calls == [("upsert_timezones", OBJ.object_id, {"A": "Europe/Paris"})]
    assert result.writes["items"] == 7


def test_a_business_hours_file_is_read_whole_and_replaces_each_store_week() -> None:
    writer = RecordingWriter()
    sink = business_hours_sink(writer)  # type: ignore[arg-type]
    assert sink.ordered and sink.segment_bytes(10) == WHOLE_OBJECT
    text = (
        "store_id,dayOfWeek,start_time_local,end_time_local\n"
        "A,0,09:00:00,17:00:00\nA,1,09:00:00,17:00:00\nB,9,09:00:00,17:00:00\n"
    )
    (result,) = ingest(sink, text, segment_bytes=10)
    assert (result.accepted, [e.line_number for e in result.rejected]) == (2, [4])
    ((method, source, hours),) = writer.calls
    assert (method, source, list(hours), len(hours["A"])) == ("replace_hours", OBJ.object_id, ["A"], 2)


def test_a_status_file_is_cut_in_segments_with_rejected_lines_numbered_in_the_file() -> None:
    writer = RecordingWriter()
    sink = status_poll_sink(writer)  # type: ignore[arg-type]
    assert not sink.ordered and sink.segment_bytes(40) == 40
    rows = [f"S{i},active,2023-01-18 10:00:0{i}.0 UTC" for i in range(6)]
    rows[4] = "S4,asleep,2023-01-18 10:00:04.0 UTC"
    results = ingest(sink, "store_id,status,timestamp_utc\n" + "\n".join(rows) + "\n", segment_bytes=40)
    assert len(results) > 1
    assert sum(r.accepted for r in results) == 5
    assert [e.line_number for r in results for e in r.rejected] == [6]
    assert [call[:3] for call in writer.calls] == [
        ("store_polls", OBJ.object_id, index) for index in range(len(results))
    ]


@pytest.mark.parametrize("make", [status_poll_sink, business_hours_sink, timezone_sink])
def test_a_header_without_the_columns_is_refused_before_any_row(make: Any) -> None:
    with pytest.raises(MissingColumnsError):
        make(RecordingWriter()).check_header(b"store,when\n")
