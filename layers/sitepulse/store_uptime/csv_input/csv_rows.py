"""Streaming, header-driven parsing of the store CSV files (status polls, business hours, timezones).

Input is a *binary* file-like object with `read(n)`: an S3 `StreamingBody` or `open(path, "rb")`.
Lines come from the ingestion's one line splitter (`sitepulse.ingest.csv_lines`): read in 1 MiB
chunks and decoded as UTF-8 (a leading BOM is dropped), so memory stays flat however large
the file.

Rules shared by the three parsers:

* Line 1 is the header. Columns may come in any order and are matched case-insensitively
  after trimming; `day` and `dayOfWeek` are aliases. A missing required column raises
  `MissingColumnsError` for the whole file (nothing can be parsed without it).
* Records are physical lines (`\\n` or `\\r\\n`): line numbers are 1-based physical lines,
  header = line 1. Quoted fields are honoured inside a line; a quoted field cannot span
  lines (no value in these files needs a newline), so such a line is rejected.
* Blank lines are skipped silently. Every other bad line yields a `RowError(line_number,
  reason, raw_line)` instead of a record; parsing never raises because of one row.
  `raw_line` keeps at most 1000 characters; a line still unfinished after 1 MiB is rejected
  without being buffered, so a file without newlines cannot exhaust memory.
* Field values are trimmed of surrounding whitespace.

`read_polls_by_store` is the hot path of ingestion: it parses the poller's own layout with
string slicing and falls back to the general row parser for anything else, so both paths
accept and reject exactly the same rows. The offline report reads polls with numpy instead
(`poll_array_reader`, built on `PollHeader` and `load_poll_row` here, same rules).
"""

from __future__ import annotations

import csv
from array import array
from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sitepulse.ingest.csv_lines import (
    BinaryReader,
    MissingColumnsError,
    RowError,
    iter_line_blocks,
    raw_text,
    unreadable_reason,
)
from sitepulse.store_uptime.engine.business_hours import WeeklyInterval, parse_local_time
from sitepulse.store_uptime.engine.timestamps import (
    POLLER_FORMAT_SCALE,
    US_PER_MINUTE,
    parse_poller_timestamp_us,
    parse_timestamp_us,
)

__all__ = [  # RowError, MissingColumnsError and BinaryReader are the parsers' contract too
    "BinaryReader",
    "BusinessHoursRow",
    "MissingColumnsError",
    "PollHeader",
    "RowError",
    "StatusPoll",
    "StoreTimezone",
    "is_known_timezone",
    "iter_business_hours",
    "iter_status_polls",
    "iter_timezones",
    "load_poll_lines",
    "load_poll_row",
    "read_hours_by_store",
    "read_polls_by_store",
    "read_timezones_by_store",
]

MAX_STORE_ID_LENGTH = 256


class StatusPoll(NamedTuple):
    store_id: str
    is_active: bool
    epoch_us: int


class BusinessHoursRow(NamedTuple):
    store_id: str
    day: int
    start_s: int
    end_s: int

    @property
    def interval(self) -> WeeklyInterval:
        return WeeklyInterval(self.day, self.start_s, self.end_s)


class StoreTimezone(NamedTuple):
    store_id: str
    timezone: str


class _BadRow(Exception):
    """Internal: a row is rejected with this reason."""


# Column name -> accepted header spellings (lower case), first match wins.
_POLL_COLUMNS = {"store_id": ("store_id",), "status": ("status",), "timestamp_utc": ("timestamp_utc",)}
_HOURS_COLUMNS = {
    "store_id": ("store_id",),
    "day": ("dayofweek", "day"),
    "start_time_local": ("start_time_local",),
    "end_time_local": ("end_time_local",),
}
_TIMEZONE_COLUMNS = {"store_id": ("store_id",), "timezone_str": ("timezone_str",)}

_STATUS_IS_ACTIVE = {"active": True, "inactive": False}


def _split_fields(line: str) -> list[str]:
    if '"' not in line:
        return line.split(",")
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error as exc:
        raise _BadRow(f"malformed CSV ({exc})") from None


def _column_positions(header_line: str | bytes, columns: dict[str, tuple[str, ...]]) -> tuple[list[int], int]:
    """Index of each required column in the header, and the header's field count."""
    if isinstance(header_line, bytes):
        header_line = header_line.decode("utf-8", "replace")
    try:
        names = [name.strip().lower() for name in _split_fields(header_line)]
    except _BadRow:
        names = []
    positions: list[int] = []
    missing: list[str] = []
    for column, aliases in columns.items():
        found = next((names.index(alias) for alias in aliases if alias in names), None)
        if found is None:
            missing.append(column)
        else:
            positions.append(found)
    if missing:
        raise MissingColumnsError(missing, names)
    return positions, len(names)


def _iter_rows(
    binary: BinaryReader, columns: dict[str, tuple[str, ...]]
) -> Iterator[tuple[int, str | bytes, list[str] | None, int]]:
    """(line_number, raw line, required field values or None when unsplittable, field count).

    The header is consumed and validated before the first row is produced.
    """
    blocks = iter_line_blocks(binary)
    positions: list[int] | None = None
    width = 0
    line_number = 0
    for block in blocks:
        for line in block:
            line_number += 1
            if positions is None:
                positions, width = _column_positions(line, columns)
                continue
            yield line_number, line, _pick(line, positions, width), width
    if positions is None:
        raise MissingColumnsError(list(columns), [])


def _pick(line: str | bytes, positions: list[int], width: int) -> list[str] | None:
    """The required values of a line, or None if the line is blank, undecodable or malformed."""
    if isinstance(line, bytes) or not line.strip():
        return None
    try:
        fields = _split_fields(line)
    except _BadRow:
        return None
    if len(fields) != width:
        return None
    return [fields[i].strip() for i in positions]


def _row_problem(line: str | bytes, width: int) -> str | None:
    """Why `_pick` returned None: a reason to reject, or None for a blank line to skip."""
    if isinstance(line, bytes):
        return unreadable_reason(line)
    if not line.strip():
        return None
    try:
        fields = _split_fields(line)
    except _BadRow as exc:
        return str(exc)
    return f"expected {width} fields, found {len(fields)}"


def _require(value: str, column: str) -> str:
    if not value:
        raise _BadRow(f"missing {column}")
    return value


def _store_id(value: str) -> str:
    _require(value, "store_id")
    if len(value) > MAX_STORE_ID_LENGTH:
        raise _BadRow(f"store_id longer than {MAX_STORE_ID_LENGTH} characters")
    return value


def _parse_poll(values: list[str]) -> StatusPoll:
    store_id = _store_id(values[0])
    status = _require(values[1], "status").lower()
    is_active = _STATUS_IS_ACTIVE.get(status)
    if is_active is None:
        raise _BadRow(f"unknown status {values[1]!r} (expected active or inactive)")
    try:
        epoch_us = parse_timestamp_us(_require(values[2], "timestamp_utc"))
    except ValueError:
        raise _BadRow(f"bad timestamp_utc {values[2]!r}") from None
    return StatusPoll(store_id, is_active, epoch_us)


def _parse_day(value: str) -> int:
    _require(value, "day")
    if len(value) != 1 or value not in "0123456":
        raise _BadRow(f"bad day {value!r} (expected 0-6, 0 = Monday)")
    return int(value)


def _parse_time(value: str, column: str, *, is_end: bool) -> int:
    _require(value, column)
    try:
        seconds = parse_local_time(value)
    except ValueError:
        raise _BadRow(f"bad {column} {value!r} (expected HH:MM or HH:MM:SS)") from None
    if seconds == 86_400 and not is_end:
        raise _BadRow(f"bad {column} {value!r} (24:00 is only valid as an end time)")
    return seconds


def _parse_hours(values: list[str]) -> BusinessHoursRow:
    return BusinessHoursRow(
        _store_id(values[0]),
        _parse_day(values[1]),
        _parse_time(values[2], "start_time_local", is_end=False),
        _parse_time(values[3], "end_time_local", is_end=True),
    )


@lru_cache(maxsize=1024)
def is_known_timezone(name: str) -> bool:
    """True when `name` is an IANA timezone key that zoneinfo can load."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _parse_timezone(values: list[str]) -> StoreTimezone:
    store_id = _store_id(values[0])
    name = _require(values[1], "timezone_str")
    if not is_known_timezone(name):
        raise _BadRow(f"unknown timezone {name!r}")
    return StoreTimezone(store_id, name)


def _iter_parsed[T](
    binary: BinaryReader, columns: dict[str, tuple[str, ...]], parse: Callable[[list[str]], T]
) -> Iterator[T | RowError]:
    for line_number, line, values, width in _iter_rows(binary, columns):
        if values is None:
            reason = _row_problem(line, width)
            if reason is not None:
                yield RowError(line_number, reason, raw_text(line))
            continue
        try:
            yield parse(values)
        except _BadRow as exc:
            yield RowError(line_number, str(exc), raw_text(line))


def iter_status_polls(binary: BinaryReader) -> Iterator[StatusPoll | RowError]:
    """One `StatusPoll` or `RowError` per non-blank data row of a status file."""
    return _iter_parsed(binary, _POLL_COLUMNS, _parse_poll)


def iter_business_hours(binary: BinaryReader) -> Iterator[BusinessHoursRow | RowError]:
    """One `BusinessHoursRow` or `RowError` per non-blank data row of a business-hours file."""
    return _iter_parsed(binary, _HOURS_COLUMNS, _parse_hours)


def iter_timezones(binary: BinaryReader) -> Iterator[StoreTimezone | RowError]:
    """One `StoreTimezone` or `RowError` per non-blank data row of a timezones file."""
    return _iter_parsed(binary, _TIMEZONE_COLUMNS, _parse_timezone)


def read_polls_by_store(
    binary: BinaryReader, on_error: Callable[[RowError], object] | None = None
) -> dict[str, array[int]]:
    """All valid polls of a status file, grouped by store as packed ints (see `uptime.pack_poll`).

    Per store an `array("q")`, in no particular order (the engine sorts): 8 bytes a poll
    instead of ~40 for a list of ints, which matters at 2M polls. Rejected rows go to
    `on_error` (dropped when None), in line order.

    Same accept/reject rules as `iter_status_polls`, only faster: rows in the poller's own
    layout (`store_id,status,timestamp_utc`, unquoted, `… UTC` timestamps) are parsed by
    slicing, without building a record per row; any other row takes the general parser.
    """
    polls_by_store: dict[str, array[int]] = {}
    header = PollHeader()
    for lines in iter_line_blocks(binary):
        start = 0
        if header.positions is None:
            header.read(lines[0])
            start = 1
        load_poll_lines(lines, start, header, polls_by_store, on_error)
    header.require()
    return polls_by_store


class PollHeader:
    """The status file's column positions, and the number of the last line read so far."""

    def __init__(self) -> None:
        self.positions: list[int] | None = None
        self.width = 0
        self.line_number = 0
        self.is_poller_layout = False

    def read(self, line: str | bytes) -> None:
        """Read the header line (line 1)."""
        self.positions, self.width = _column_positions(line, _POLL_COLUMNS)
        self.is_poller_layout = self.positions == [0, 1, 2] and self.width == 3
        self.line_number = 1

    def require(self) -> None:
        if self.positions is None:
            raise MissingColumnsError(list(_POLL_COLUMNS), [])


def load_poll_lines(
    lines: Sequence[str | bytes],
    start: int,
    header: PollHeader,
    polls_by_store: dict[str, array[int]],
    on_error: Callable[[RowError], object] | None,
) -> None:
    """Add the polls of `lines[start:]` to `polls_by_store` as packed ints; rejected rows to `on_error`."""
    if header.positions is None:
        return
    line_number = header.line_number  # of the line before lines[start]
    if header.is_poller_layout:
        leftovers = _load_poller_layout(lines, start, polls_by_store)
    else:
        leftovers = range(start, len(lines))
    for index in leftovers:
        load_poll_row(lines[index], line_number + index - start + 1, header, polls_by_store, on_error)
    header.line_number += len(lines) - start


def load_poll_row(
    line: str | bytes,
    line_number: int,
    header: PollHeader,
    polls_by_store: dict[str, array[int]],
    on_error: Callable[[RowError], object] | None,
) -> None:
    """Add one data line's poll to `polls_by_store` with the general parser, or reject it."""
    if header.positions is None:
        return
    values = _pick(line, header.positions, header.width)
    if values is None:
        reason = _row_problem(line, header.width)
        if reason is not None and on_error is not None:
            on_error(RowError(line_number, reason, raw_text(line)))
        return
    try:
        poll = _parse_poll(values)
    except _BadRow as exc:
        if on_error is not None:
            on_error(RowError(line_number, str(exc), raw_text(line)))
        return
    polls = polls_by_store.get(poll.store_id)
    if polls is None:
        polls = polls_by_store[poll.store_id] = array("q")
    polls.append(poll.epoch_us * 2 + poll.is_active)


# The hot loop below works on doubled values so that a packed poll is one addition away.
_DOUBLED_POLLER_SCALE = {length: 2 * scale for length, scale in POLLER_FORMAT_SCALE.items()}
_DOUBLED_WHOLE_SECOND = 2 * POLLER_FORMAT_SCALE[23]
_STATUS_BIT = {"active": 1, "inactive": 0}


def _load_poller_layout(
    block: Sequence[str | bytes], start: int, polls_by_store: dict[str, array[int]]
) -> list[int]:
    """Parse the rows of a block that are in the poller's exact layout; return the other indexes.

    A row is taken here only if the general parser would read it identically: exact status,
    a store id that needs no trimming or unquoting, and a timestamp in the exact poller form.
    This loop runs once per poll (2M+ times for a real file), hence its flat shape: the
    lookups raise KeyError for a store or minute not seen yet, and `_first_sight_poll`
    validates such a row fully and primes the caches for the rows that follow.
    """
    leftovers: list[int] = []
    doubled_scales = _DOUBLED_POLLER_SCALE
    status_bits = _STATUS_BIT
    doubled_minutes = _doubled_minute_us
    index = start - 1
    for line in block[start:] if start else block:
        index += 1
        try:
            store_id, status, stamp = line.split(",")  # type: ignore[arg-type]  # bytes lines fail here
            doubled_scale = doubled_scales[len(stamp)]
            bit = status_bits[status]
            minute = doubled_minutes[stamp[:17]]  # known prefixes end with the ":" at [16]
            polls = polls_by_store[store_id]
        except (ValueError, TypeError, KeyError):
            if not _first_sight_poll(line, polls_by_store):
                leftovers.append(index)
            continue
        if stamp.endswith(" UTC") and stamp[19] == ("." if doubled_scale != _DOUBLED_WHOLE_SECOND else " "):
            seconds = stamp[17:19]
            digits = seconds + stamp[20:-4]
            if digits.isdigit() and digits.isascii() and seconds <= "59":
                polls.append(minute + int(digits) * doubled_scale + bit)
                continue
        leftovers.append(index)
    if len(doubled_minutes) > _DOUBLED_MINUTE_LIMIT:
        doubled_minutes.clear()
    return leftovers


def _first_sight_poll(line: str | bytes, polls_by_store: dict[str, array[int]]) -> bool:
    """Take a poller-layout row whose store or minute is new to the caches; False to leave it."""
    if isinstance(line, bytes):
        return False
    fields = line.split(",")
    if len(fields) != 3:
        return False
    store_id, status, stamp = fields
    bit = _STATUS_BIT.get(status)
    epoch_us = parse_poller_timestamp_us(stamp)
    if bit is None or epoch_us is None:
        return False
    polls = polls_by_store.get(store_id)
    if polls is None:
        if not _is_plain_store_id(store_id):
            return False
        polls = polls_by_store[store_id] = array("q")
    _doubled_minute_us[stamp[:17]] = 2 * (epoch_us - epoch_us % US_PER_MINUTE)
    polls.append(2 * epoch_us + bit)
    return True


# "YYYY-MM-DD HH:MM" → 2 × its epoch microseconds; bounded like the cache in `timestamps`.
_DOUBLED_MINUTE_LIMIT = 100_000
_doubled_minute_us: dict[str, int] = {}


def _is_plain_store_id(store_id: str) -> bool:
    """A store id the general parser would keep as is (checked once per new store, not per row)."""
    return 0 < len(store_id) <= MAX_STORE_ID_LENGTH and store_id.strip() == store_id and '"' not in store_id


def read_hours_by_store(
    binary: BinaryReader, on_error: Callable[[RowError], object] | None = None
) -> dict[str, list[WeeklyInterval]]:
    """Valid business-hours rows of a file grouped by store; rejected rows go to `on_error`.

    Same records as `iter_business_hours`, in line order per store. Rows in the usual layout
    (`store_id,day,start,end`, unquoted, untrimmed) whose `day,start,end` text was already
    seen take two dict lookups (a new store id is checked once); any other row takes the
    general parser, which primes those lookups when the row is plain.
    """
    hours_by_store: dict[str, list[WeeklyInterval]] = {}
    positions: list[int] | None = None
    width = 0
    line_number = 0
    intervals_of: dict[str, WeeklyInterval] = {}  # plain "day,start,end" text → its interval
    known: dict[str, list[WeeklyInterval]] = {}  # plain store ids (as they appear in a line)
    for block in iter_line_blocks(binary):
        start = 0
        if positions is None:
            positions, width = _column_positions(block[0], _HOURS_COLUMNS)
            start = line_number = 1
        plain_layout = positions == [0, 1, 2, 3] and width == 4
        for line in block[start:] if start else block:
            line_number += 1
            if plain_layout:
                try:
                    store_id, rest = line.split(",", 1)  # type: ignore[arg-type]  # bytes fail
                    interval = intervals_of[rest]
                except (ValueError, TypeError, KeyError):
                    pass
                else:
                    intervals = known.get(store_id)
                    if intervals is None and _is_plain_store_id(store_id):
                        intervals = known[store_id] = hours_by_store.setdefault(store_id, [])
                    if intervals is not None:
                        intervals.append(interval)
                        continue
            parsed = _parse_hours_line(line, line_number, positions, width, on_error)
            if parsed is None:
                continue
            row, values = parsed
            intervals = hours_by_store.setdefault(row.store_id, [])
            intervals.append(row.interval)
            if plain_layout and isinstance(line, str) and line.split(",") == values:
                known[row.store_id] = intervals
                intervals_of[line.split(",", 1)[1]] = row.interval
    if positions is None:
        raise MissingColumnsError(list(_HOURS_COLUMNS), [])
    return hours_by_store


def _parse_hours_line(
    line: str | bytes,
    line_number: int,
    positions: list[int],
    width: int,
    on_error: Callable[[RowError], object] | None,
) -> tuple[BusinessHoursRow, list[str]] | None:
    """A business-hours line through the general parser: the row and its values, or None (rejected
    to `on_error`, or blank)."""
    values = _pick(line, positions, width)
    if values is None:
        reason = _row_problem(line, width)
        if reason is not None and on_error is not None:
            on_error(RowError(line_number, reason, raw_text(line)))
        return None
    try:
        return _parse_hours(values), values
    except _BadRow as exc:
        if on_error is not None:
            on_error(RowError(line_number, str(exc), raw_text(line)))
        return None


def read_timezones_by_store(
    binary: BinaryReader, on_error: Callable[[RowError], object] | None = None
) -> dict[str, str]:
    """Timezone per store (the last valid row of a store wins); rejected rows go to `on_error`."""
    timezone_by_store: dict[str, str] = {}
    for record in iter_timezones(binary):
        if isinstance(record, RowError):
            if on_error is not None:
                on_error(record)
        else:
            timezone_by_store[record.store_id] = record.timezone
    return timezone_by_store
