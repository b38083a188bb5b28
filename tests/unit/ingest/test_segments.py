"""Line-aligned, resumable segments of an object: together they are the whole file, once."""

from __future__ import annotations

import io

import pytest

from sitepulse.ingest.segments import HeaderTooLongError, Position, header_of, iter_segments
from sitepulse.store_uptime.csv_input.csv_rows import iter_status_polls


def _file(rows: int, *, bom: bool = False, crlf: bool = False, final_newline: bool = True) -> bytes:
    end = "\r\n" if crlf else "\n"
    lines = ["store_id,status,timestamp_utc"] + [
        f"s{i % 7},{'active' if i % 3 else 'inactive'},2023-01-2{i % 5} 10:{i % 60:02d}:00 UTC"
        for i in range(rows)
    ]
    text = end.join(lines) + (end if final_newline else "")
    return (b"\xef\xbb\xbf" if bom else b"") + text.encode()


def _segments(data: bytes, start: Position | None, segment_bytes: int) -> list[tuple[Position, bytes]]:
    header = header_of(data[:65536], len(data))
    start = start or Position(len(header), 2, 0)
    body = io.BytesIO(data[start.offset :])
    out = []
    for segment in iter_segments(body, header, start, len(data), segment_bytes):
        out.append((segment.start, _read_all(segment)))
    return out


def _read_all(reader: object) -> bytes:
    chunks = []
    while chunk := reader.read(7):  # small reads: the parser's read size must not matter
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.mark.parametrize("segment_bytes", [1, 50, 333, 10_000])
@pytest.mark.parametrize("variant", [{}, {"bom": True}, {"crlf": True}, {"final_newline": False}])
def test_segments_cover_every_line_once_with_the_header_first(segment_bytes: int, variant: dict) -> None:
    data = _file(120, **variant)
    header = header_of(data, len(data))
    segments = _segments(data, None, segment_bytes)
    assert all(content.startswith(header) for _, content in segments)
    assert b"".join(content[len(header) :] for _, content in segments) == data[len(header) :]
    assert [start.index for start, _ in segments] == list(range(len(segments)))
    assert all(content.endswith(b"\n") for _, content in segments[:-1])  # cuts only at line ends
    if segment_bytes >= len(data):
        assert len(segments) == 1


def test_line_numbers_map_back_to_the_file() -> None:
    bad_lines = {7, 58, 99}
    lines = ["timestamp_utc,store_id,status"]
    for number in range(2, 121):
        status = "broken" if number in bad_lines else "active"
        lines.append(f"2023-01-20 10:00:00 UTC,s{number},{status}")
    data = ("\n".join(lines) + "\n").encode()
    header = header_of(data, len(data))
    found = []
    for segment in iter_segments(
        io.BytesIO(data[len(header) :]), header, Position(len(header), 2, 0), len(data), 200
    ):
        found += [
            segment.file_line(r.line_number) for r in iter_status_polls(segment) if hasattr(r, "reason")
        ]
    assert found == sorted(bad_lines)


def test_resuming_at_a_checkpoint_rebuilds_the_same_following_segments() -> None:
    data = _file(200, bom=True)
    whole = _segments(data, None, 300)
    checkpoint = whole[3][0]
    assert _segments(data, checkpoint, 300) == whole[3:]


def test_header_must_end_within_the_probe() -> None:
    assert header_of(b"a,b\nrest", 100) == b"a,b\n"
    assert header_of(b"a,b", 3) == b"a,b"  # header-only file without a line end
    with pytest.raises(HeaderTooLongError):
        header_of(b"x" * 100, 1000)
