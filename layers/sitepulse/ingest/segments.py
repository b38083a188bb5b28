"""Stream an S3 object as line-aligned segments that can be resumed from a byte offset.

A segment is the header line followed by the data lines starting at `offset`, up to the
first line end at or after `offset + segment_bytes`. Each segment is parsed as a file of
its own (so `csv_rows` sees a header every time) and its rows are written under keys
derived from its index: after a crash, ingestion resumes with a ranged GET at the
checkpointed offset and rebuilds exactly the segments it had not finished.

Memory stays flat: bytes flow from the S3 body to the parser in the parser's own read
sizes; nothing holds a whole segment.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

HEADER_PROBE_BYTES = 64 * 1024


class HeaderTooLongError(ValueError):
    pass


@dataclass(frozen=True)
class Position:
    """Where the next unread data line starts: byte offset, 1-based line number, segment index."""

    offset: int
    line: int
    index: int


def header_of(prefix: bytes, object_size: int) -> bytes:
    """The header line (with its line end) from the first bytes of an object."""
    cut = prefix.find(b"\n")
    if cut >= 0:
        return prefix[: cut + 1]
    if len(prefix) >= object_size:
        return prefix  # a file holding only a header, without a final line end
    raise HeaderTooLongError(f"no line end in the first {len(prefix)} bytes: not a CSV header")


class _Source:
    """A binary stream that can take back bytes read past a segment's end."""

    def __init__(self, body: Any) -> None:
        self._body = body
        self._pushed = b""

    def read(self, size: int) -> bytes:
        if self._pushed:
            out, self._pushed = self._pushed[:size], self._pushed[size:]
            return out
        return self._body.read(size)

    def unread(self, data: bytes) -> None:
        self._pushed = data + self._pushed


class Segment:
    """One segment as a binary reader (`read(n)`), header line first."""

    def __init__(self, source: _Source, header: bytes, start: Position, budget: int) -> None:
        self.start = start
        self._source = source
        self._prefix = header
        self._budget = budget
        self._consumed = 0
        self._newlines = 0
        self._done = False

    @property
    def index(self) -> int:
        return self.start.index

    def file_line(self, segment_line: int) -> int:
        """Line number in the object of a line number reported by a parser of this segment."""
        return segment_line - 2 + self.start.line

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            size = 1 << 20
        if self._prefix:
            out, self._prefix = self._prefix[:size], self._prefix[size:]
            return out
        if self._done or size == 0:
            return b""
        if self._consumed < self._budget:
            data = self._source.read(min(size, self._budget - self._consumed))
        else:
            data = self._source.read(size)
            cut = data.find(b"\n")
            if cut >= 0:
                self._source.unread(data[cut + 1 :])
                data = data[: cut + 1]
                self._done = True
        if not data:
            self._done = True
            return b""
        self._consumed += len(data)
        self._newlines += data.count(b"\n")
        return data

    def drain(self) -> None:
        while self.read(1 << 20):
            pass

    def end(self) -> Position:
        """Where the next segment starts (valid once the segment has been read to its end)."""
        return Position(
            self.start.offset + self._consumed, self.start.line + self._newlines, self.start.index + 1
        )


def iter_segments(
    body: Any, header: bytes, start: Position, size: int, segment_bytes: int
) -> Iterator[Segment]:
    """Segments from `start` to the end of an object of `size` bytes; `body` streams from `start.offset`.

    Each segment must be read (or drained) before the next one is taken.
    """
    source = _Source(body)
    position = start
    while position.offset < size:
        segment = Segment(source, header, position, segment_bytes)
        yield segment
        segment.drain()
        if segment.end().offset == position.offset:
            return  # the object is shorter than listed (truncated by a concurrent overwrite)
        position = segment.end()
