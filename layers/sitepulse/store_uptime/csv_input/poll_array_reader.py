"""A status-poll file read into `PollArrays` with numpy: the offline report's parser.

Same accept/reject rules, same rejected rows and line numbers as `csv_rows.read_polls_by_store`
(`tests/unit/store_uptime/csv_input/test_csv_rows.py` checks it against the general parser).
Each block of lines from the one line splitter (`ingest.csv_lines.iter_byte_blocks`, ~1 MiB, so
BOM, CRLF and overlong lines follow the ingestion's rules) is parsed columnar when the header is
the poller's (`store_id,status,timestamp_utc`):

* line ends with `np.flatnonzero` over the block's bytes (a CRLF's CR is dropped);
* each row is read from its end (`poller_row_words`): the last 30 bytes must be the canonical
  stamp `YYYY-MM-DD HH:MM:SS.ffffff UTC`, valid as `datetime` has it; before it `,active,` or
  `,inactive,`; before that, from the line's start, the store id, which must be 1-19 ASCII
  digits without a leading zero: then it is its own uint64 key and, byte for byte, the id the
  general parser keeps. Such a row has exactly two commas and nothing to trim or unquote.

Any other row (quotes, blank lines, spaces to trim, other spellings, short fractions, other
store ids, bad values) goes alone through `csv_rows.load_poll_row`, the general parser, with its
own line number, into a dict merged at the end.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable

import numpy as np

from sitepulse.ingest.csv_lines import (
    BinaryReader,
    OverlongLine,
    RowError,
    decode_line,
    decode_lines,
    iter_byte_blocks,
)
from sitepulse.store_uptime.csv_input.csv_rows import PollHeader, load_poll_lines, load_poll_row
from sitepulse.store_uptime.csv_input.poller_row_words import (
    ID_BYTES,
    STAMP_BYTES,
    TAIL_BYTES,
    stamp_us,
    status_words,
    store_keys,
)
from sitepulse.store_uptime.engine.poll_arrays import Int64Array, PollArrays

_PAD = 64  # bytes around a block, so that the fixed-width gathers never leave the buffer
_PADDING = b"\n" * _PAD
_CONTENT_END = TAIL_BYTES - 2  # where the line's content ends in its gathered tail


def read_poll_arrays(
    binary: BinaryReader, on_error: Callable[[RowError], object] | None = None
) -> PollArrays:
    """All valid polls of a status file as `PollArrays`; rejected rows go to `on_error`, in line order."""
    header = PollHeader()
    columns = _Columns()
    others: dict[str, array[int]] = {}
    for block in iter_byte_blocks(binary):
        if header.positions is None:
            ends = -1 if isinstance(block, OverlongLine) else block.find(b"\n")
            header.read(decode_line(block if ends < 0 else block[:ends]))
            if ends < 0:
                continue
            block = block[ends + 1 :]
        if isinstance(block, OverlongLine) or not header.is_poller_layout:
            lines = [block] if isinstance(block, OverlongLine) else decode_lines(block)
            load_poll_lines(lines, 0, header, others, on_error)
            continue
        rows, leftovers = columns.take_block(block)
        for row, raw in leftovers:
            load_poll_row(decode_line(raw), header.line_number + 1 + row, header, others, on_error)
        header.line_number += rows
    header.require()
    return columns.poll_arrays(others)


class _Columns:
    """The rows taken columnar so far: store ids as uint64 keys, polls packed as int64."""

    def __init__(self) -> None:
        self.keys: list[np.ndarray] = []
        self.packed: list[Int64Array] = []

    def take_block(self, block: bytes) -> tuple[int, list[tuple[int, bytes]]]:
        """Take the block's rows in the exact poller layout.

        Returns the block's row count and the rows not taken, as (row index, line bytes).
        """
        size = len(block)
        buffer = np.frombuffer(_PADDING + block + _PADDING, np.uint8)
        newlines = np.flatnonzero(buffer[_PAD : _PAD + size] == ord("\n"))
        starts = np.concatenate(([0], newlines + 1))
        line_ends = np.append(newlines, size)
        # Content ends before the CR of a CRLF line end (as `decode_line` drops it).
        ends = line_ends - ((line_ends > starts) & (buffer[line_ends + _PAD - 1] == ord("\r")))
        # Anchored at the content end: `<store id>,inactive,<stamp>` or `<store id>,active,<stamp>`.
        tail = _gather(buffer, ends + _PAD - _CONTENT_END, TAIL_BYTES)
        is_active, is_inactive = status_words(tail)
        id_ends = ends - STAMP_BYTES - np.where(is_inactive, 10, 8)
        keys, plain_id = store_keys(_gather(buffer, id_ends + _PAD - ID_BYTES, ID_BYTES), id_ends - starts)
        instants, canonical = stamp_us(tail)
        taken = (is_active | is_inactive) & plain_id & canonical
        self.keys.append(keys[taken])
        self.packed.append(instants[taken] * 2 + is_active[taken])
        others = [(int(row), block[starts[row] : line_ends[row]]) for row in np.flatnonzero(~taken)]
        return len(starts), others

    def poll_arrays(self, others: dict[str, array[int]]) -> PollArrays:
        """All polls, the columnar ones and the general parser's (`others`), with store codes."""
        keys = np.concatenate(self.keys) if self.keys else np.zeros(0, np.uint64)
        # A sort and a search cost far less than `np.unique(return_inverse=True)`'s argsort.
        unique_keys = np.sort(keys)
        if len(unique_keys):
            unique_keys = unique_keys[np.append(True, unique_keys[1:] != unique_keys[:-1])]
        key_index = np.searchsorted(unique_keys, keys)
        key_ids = list(map(str, unique_keys.tolist()))
        other = PollArrays.from_packed(others)
        store_ids = sorted(set(key_ids).union(other.store_ids))
        code_of = {store: code for code, store in enumerate(store_ids)}
        key_codes = np.array([code_of[store] for store in key_ids], dtype=np.int64)
        other_codes = np.array([code_of[store] for store in other.store_ids], dtype=np.int64)
        return PollArrays(
            store_ids,
            np.concatenate([key_codes[key_index], other_codes[other.codes]]),
            np.concatenate([*self.packed, other.packed]),
        )


def _gather(buffer: np.ndarray, offsets: Int64Array, width: int) -> np.ndarray:
    """`width` bytes (a multiple of 8) at each offset, as little-endian words (rows, width / 8)."""
    windows = np.ndarray((len(buffer) - width + 1,), np.dtype((np.void, width)), buffer, strides=(1,))
    return windows[offsets].view("<u8").reshape(-1, width // 8)
