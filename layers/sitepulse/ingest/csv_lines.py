"""Physical lines of an ingested CSV file, read in a stream: the one line splitter of every kind.

Input is a *binary* file-like object with `read(n)`: an S3 `StreamingBody`, an ingestion
segment or `open(path, "rb")`. It is read in `CHUNK_BYTES` chunks, a leading UTF-8 BOM is
dropped, lines end at `\\n` or `\\r\\n`, and each line comes as `str` when it is UTF-8 and as
`bytes` when it is not, so a caller rejects that line alone. A line still unfinished after
`MAX_LINE_BYTES` comes as an `OverlongLine` holding its first bytes only: a file without
newlines cannot make a reader buffer all of it.

Also here, because every kind of file shares them with the ingestion runner: `RowError` (a
rejected row, for `rejected/<key>.errors.csv`) and `MissingColumnsError` (no row of the file
can be read). Stdlib only: the offline report CLI uses this module too.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple, Protocol

CHUNK_BYTES = 1 << 20
MAX_LINE_BYTES = 1 << 20
RAW_LINE_LIMIT = 1000  # characters of a rejected line kept in its RowError
UTF8_BOM = b"\xef\xbb\xbf"


class BinaryReader(Protocol):
    def read(self, size: int = ..., /) -> bytes: ...


class RowError(NamedTuple):
    """A rejected data row: where it was, why, and its text (for `rejected/….errors.csv`)."""

    line_number: int
    reason: str
    raw_line: str


class MissingColumnsError(ValueError):
    """The header lacks required columns, so no row of the file can be read."""

    def __init__(self, missing: list[str], header: list[str]) -> None:
        self.missing = missing
        self.header = header
        super().__init__(f"missing required column(s) {', '.join(missing)}; header is {','.join(header)!r}")


class OverlongLine(bytes):
    """The first bytes of a line longer than `MAX_LINE_BYTES`, which is rejected, not buffered."""


def iter_line_blocks(binary: BinaryReader) -> Iterator[Sequence[str | bytes]]:
    """Physical lines, chunk by chunk, without terminators; `bytes` for a line that is not UTF-8.

    Lists per chunk (rather than one yield per line) keep the per-line cost of the hot path low.
    A line longer than `MAX_LINE_BYTES` comes as an `OverlongLine` so that a file without
    newlines cannot make the reader buffer all of it.
    """
    for block in iter_byte_blocks(binary):
        yield [block] if isinstance(block, OverlongLine) else decode_lines(block)


def iter_byte_blocks(binary: BinaryReader) -> Iterator[bytes]:
    """The file's bytes as blocks of whole lines joined by `\\n` (no final newline), BOM dropped.

    The undecoded form of `iter_line_blocks`, for a parser that checks a whole block at C
    speed before splitting it (`decode_lines` splits a block as `iter_line_blocks` does). An
    `OverlongLine` item stands alone for a line longer than `MAX_LINE_BYTES`.
    """
    pending = b""
    first = True
    overlong: OverlongLine | None = None  # head of the overlong line being skipped
    while True:
        chunk = binary.read(CHUNK_BYTES)
        if not chunk:
            break
        data = pending + chunk if pending else chunk
        if first:
            if len(data) < len(UTF8_BOM) and UTF8_BOM.startswith(data):
                pending = data
                continue
            data = data.removeprefix(UTF8_BOM)
            first = False
        cut = data.rfind(b"\n")
        if overlong is not None:
            ends = data.find(b"\n")
            if ends < 0:
                pending = b""
                continue
            yield overlong
            overlong = None
            data = data[ends + 1 :]
            cut -= ends + 1
        if cut < 0:
            if len(data) > MAX_LINE_BYTES:
                overlong = OverlongLine(data[:RAW_LINE_LIMIT])
                data = b""
            pending = data
            continue
        pending = data[cut + 1 :]
        yield data[:cut]
    if overlong is not None:
        yield overlong
    if first:
        pending = pending.removeprefix(UTF8_BOM)
    if pending:
        yield pending


def iter_lines(binary: BinaryReader) -> Iterator[str | bytes]:
    """`iter_line_blocks`, one line at a time (for parsers not on a hot path)."""
    for block in iter_line_blocks(binary):
        yield from block


def decode_lines(block: bytes) -> Sequence[str | bytes]:
    """The lines of a block from `iter_byte_blocks`: `str` each, or `bytes` for one not UTF-8."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError:
        return [decode_line(raw) for raw in block.split(b"\n")]
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if text.endswith("\r"):
            text = text[:-1]
    return text.split("\n")


def decode_line(raw: bytes) -> str | bytes:
    """One line (CR of a CRLF end dropped) as `str`, or as `bytes` when it is not UTF-8."""
    raw = raw.removesuffix(b"\r")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw


def unreadable_reason(line: str | bytes) -> str | None:
    """Why a line cannot be parsed at all (too long, not UTF-8), or None for a text line."""
    if isinstance(line, OverlongLine):
        return f"line longer than {MAX_LINE_BYTES} bytes"
    if isinstance(line, bytes):
        return "invalid UTF-8"
    return None


def raw_text(line: str | bytes) -> str:
    """The line as kept in a RowError: undecodable bytes escaped, at most `RAW_LINE_LIMIT` characters."""
    text = line.decode("utf-8", "backslashreplace") if isinstance(line, bytes) else line
    if len(text) > RAW_LINE_LIMIT or isinstance(line, OverlongLine):
        return text[:RAW_LINE_LIMIT] + "…"
    return text
