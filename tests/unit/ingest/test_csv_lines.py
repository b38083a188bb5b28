"""The one line splitter of ingested files, and the generic folder → kind rule."""

from __future__ import annotations

import io

import pytest

from sitepulse.ingest import csv_lines
from sitepulse.ingest.csv_lines import (
    OverlongLine,
    decode_lines,
    iter_byte_blocks,
    iter_lines,
    raw_text,
    unreadable_reason,
)
from sitepulse.ingest.objects import kind_of


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_lines_drop_the_bom_and_line_ends_whatever_the_chunk_size(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(csv_lines, "CHUNK_BYTES", chunk)
    data = b"\xef\xbb\xbfa,b\r\n1,2\n\ncaf\xff\r\nlast"
    assert list(iter_lines(io.BytesIO(data))) == ["a,b", "1,2", "", b"caf\xff", "last"]


def test_an_overlong_line_comes_as_its_head_and_the_next_lines_are_intact(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(csv_lines, "CHUNK_BYTES", 8)
    monkeypatch.setattr(csv_lines, "MAX_LINE_BYTES", 32)
    monkeypatch.setattr(csv_lines, "RAW_LINE_LIMIT", 5)
    lines = list(iter_lines(io.BytesIO(b"h\n" + b"z" * 100 + b"\nok\n" + b"y" * 100)))
    assert lines == ["h", b"zzzzz", "ok", b"yyyyy"]
    assert all(isinstance(line, OverlongLine) for line in (lines[1], lines[3]))
    assert unreadable_reason(lines[1]) == "line longer than 32 bytes"
    assert raw_text(lines[1]) == "zzzzz…"


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 40])
def test_byte_blocks_hold_whole_lines_and_decode_to_the_same_lines(
    monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(csv_lines, "CHUNK_BYTES", chunk)
    monkeypatch.setattr(csv_lines, "MAX_LINE_BYTES", 32)
    monkeypatch.setattr(csv_lines, "RAW_LINE_LIMIT", 4)
    data = b"\xef\xbb\xbfa,b\r\n1,2\n\ncaf\xff\r\n" + b"z" * 100 + b"\nlast"
    blocks = list(iter_byte_blocks(io.BytesIO(data)))
    # No block splits a line: joined back with newlines they are the file, BOM and overlong line gone.
    assert [block for block in blocks if isinstance(block, OverlongLine)] == [b"zzzz"]
    text = b"\n".join(block for block in blocks if not isinstance(block, OverlongLine))
    assert text == b"a,b\r\n1,2\n\ncaf\xff\r\nlast"
    lines = [
        line
        for block in blocks
        for line in ([block] if isinstance(block, OverlongLine) else decode_lines(block))
    ]
    assert lines == list(iter_lines(io.BytesIO(data))) == ["a,b", "1,2", "", b"caf\xff", b"zzzz", "last"]


def test_unreadable_reason_and_raw_text() -> None:
    assert unreadable_reason("a,b") is None
    assert unreadable_reason(b"caf\xff") == "invalid UTF-8"
    assert raw_text(b"caf\xff") == "caf\\xff"
    assert raw_text("x" * 1001) == "x" * 1000 + "…"


@pytest.mark.parametrize(
    ("key", "kind"),
    [
        ("incoming/store_status/2023-01-25.csv", "store_status"),
        ("incoming/anything/sub/file.csv", "anything"),
        ("incoming/store_status/", None),
        ("incoming/file.csv", None),
        ("incoming//file.csv", None),
        ("elsewhere/store_status/file.csv", None),
    ],
)
def test_the_kind_is_the_folder_under_incoming(key: str, kind: str | None) -> None:
    assert kind_of(key) == kind
