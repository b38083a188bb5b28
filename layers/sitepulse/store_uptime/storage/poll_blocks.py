"""Binary packing of many stores' polls into one DynamoDB item ("poll block").

Polls travel as the engine's packed ints (`epoch_us * 2 + is_active`). A block is
`b"\\x01" + zlib(records)`, a record being `<u16 id length><u32 poll count><id utf-8>
<count × i64 little-endian>`; polls are sorted, so zlib shrinks them about 3×, and the item
size (what DynamoDB bills) is a few bytes per poll instead of ~80 for an item per poll.

Packing is deterministic (stores sorted, polls sorted, fixed compression level): the same
polls always give the same bytes, which is what makes a re-run of an ingestion overwrite
identical items.
"""

from __future__ import annotations

import struct
import sys
import zlib
from array import array
from collections.abc import Iterator, Mapping, Sequence

FORMAT_VERSION = 1
MAX_RAW_BYTES = 300_000
"""Uncompressed payload per block; zlib never grows it past DynamoDB's 400 KB item limit."""

_RECORD_HEADER = struct.Struct("<HI")
_SWAP = sys.byteorder != "little"


class CorruptBlockError(ValueError):
    """A stored poll block cannot be decoded."""


def _polls_bytes(polls: Sequence[int]) -> bytes:
    values = array("q", polls)
    if _SWAP:
        values.byteswap()
    return values.tobytes()


def _record(store_id: bytes, polls: Sequence[int]) -> bytes:
    return _RECORD_HEADER.pack(len(store_id), len(polls)) + store_id + _polls_bytes(polls)


def pack_blocks(polls_by_store: Mapping[str, Sequence[int]]) -> list[bytes]:
    """The polls as one or more blocks of at most MAX_RAW_BYTES uncompressed each.

    A store with more polls than fit in one block is split across consecutive blocks.
    """
    blocks: list[bytes] = []
    pending: list[bytes] = []
    size = 0
    for store_id in sorted(polls_by_store):
        polls = sorted(polls_by_store[store_id])
        encoded_id = store_id.encode("utf-8")
        per_record = MAX_RAW_BYTES - _RECORD_HEADER.size - len(encoded_id)
        step = max(1, per_record // 8)
        for start in range(0, len(polls), step):
            record = _record(encoded_id, polls[start : start + step])
            if pending and size + len(record) > MAX_RAW_BYTES:
                blocks.append(_finish(pending))
                pending, size = [], 0
            pending.append(record)
            size += len(record)
    if pending:
        blocks.append(_finish(pending))
    return blocks


def _finish(records: list[bytes]) -> bytes:
    return bytes([FORMAT_VERSION]) + zlib.compress(b"".join(records), 6)


def unpack_block(block: bytes) -> Iterator[tuple[str, array[int]]]:
    """(store_id, packed polls) records of a block; raises CorruptBlockError."""
    if not block or block[0] != FORMAT_VERSION:
        raise CorruptBlockError(f"unknown block format {block[:1]!r}")
    try:
        raw = zlib.decompress(block[1:])
    except zlib.error as exc:
        raise CorruptBlockError(f"cannot decompress ({exc})") from None
    offset = 0
    while offset < len(raw):
        if offset + _RECORD_HEADER.size > len(raw):
            raise CorruptBlockError("truncated record header")
        id_length, count = _RECORD_HEADER.unpack_from(raw, offset)
        offset += _RECORD_HEADER.size
        end = offset + id_length + 8 * count
        if end > len(raw):
            raise CorruptBlockError("truncated record")
        try:
            store_id = raw[offset : offset + id_length].decode("utf-8")
        except UnicodeDecodeError:
            raise CorruptBlockError("store id is not UTF-8") from None
        polls = array("q")
        polls.frombytes(raw[offset + id_length : end])
        if _SWAP:
            polls.byteswap()
        offset = end
        yield store_id, polls
