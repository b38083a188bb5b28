"""Report rows of store uptime/downtime and their CSV text.

One row per store with at least one poll at or before `now`, sorted by `store_id` as a plain
string sort (Python `str` order, i.e. by code point: "10" sorts before "9"). Columns:

    store_id,uptime_last_hour,uptime_last_day,uptime_last_week,downtime_last_hour,downtime_last_day,downtime_last_week

`*_last_hour` in minutes, `*_last_day` and `*_last_week` in hours, with 2 decimals.

Rounding: the window's business time and its uptime (integer microseconds) are each rounded
half-up to a hundredth of the unit; downtime is the rounded business time minus the rounded
uptime. So the printed `uptime + downtime` is exactly the rounded business time, and
downtime differs from its own unrounded value by at most 0.01.

The rows are computed by the one engine the layer ships, `report.array_rows` over
`engine.uptime_arrays`; this module holds what a row is, its rounding and its CSV text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import NamedTuple, TextIO

from sitepulse.store_uptime.engine.timestamps import (
    US_PER_HOUR,
    US_PER_MINUTE,
)
from sitepulse.store_uptime.engine.uptime import (
    StoreUptime,
    WindowTime,
)

REPORT_COLUMNS = (
    "store_id",
    "uptime_last_hour",
    "uptime_last_day",
    "uptime_last_week",
    "downtime_last_hour",
    "downtime_last_day",
    "downtime_last_week",
)
REPORT_HEADER = ",".join(REPORT_COLUMNS)

# Hundredths of a minute / of an hour, in microseconds.
_CENTI_MINUTE_US = US_PER_MINUTE // 100
_CENTI_HOUR_US = US_PER_HOUR // 100


class ReportRow(NamedTuple):
    """One CSV row; the six values are already rounded to 2 decimals (minutes, then hours)."""

    store_id: str
    uptime_last_hour: float
    uptime_last_day: float
    uptime_last_week: float
    downtime_last_hour: float
    downtime_last_day: float
    downtime_last_week: float

    def to_csv_line(self) -> str:
        """The row as one CSV line, without line terminator."""
        values = ",".join(f"{value:.2f}" for value in self[1:])
        return f"{_csv_field(self.store_id)},{values}"


def _round_half_up(duration_us: int, unit_us: int) -> int:
    return (2 * duration_us + unit_us) // (2 * unit_us)


def _rounded(window: WindowTime, unit_us: int) -> tuple[float, float]:
    business = _round_half_up(window.business_us, unit_us)
    uptime = _round_half_up(window.active_us, unit_us)
    return uptime / 100, (business - uptime) / 100


def report_row(store_id: str, uptime: StoreUptime) -> ReportRow:
    """Round a store's window times into a report row (see the module docstring for the rule)."""
    up_hour, down_hour = _rounded(uptime.last_hour, _CENTI_MINUTE_US)
    up_day, down_day = _rounded(uptime.last_day, _CENTI_HOUR_US)
    up_week, down_week = _rounded(uptime.last_week, _CENTI_HOUR_US)
    return ReportRow(store_id, up_hour, up_day, up_week, down_hour, down_day, down_week)


def latest_poll_us(polls_by_store: Mapping[str, Sequence[int]]) -> int | None:
    """The latest poll instant over all stores (the default `now`), from packed polls."""
    latest = max((max(polls) for polls in polls_by_store.values() if polls), default=None)
    return None if latest is None else latest >> 1


def _csv_field(value: str) -> str:
    if any(char in value for char in ',"\r\n'):
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="").writerow([value])
        return buffer.getvalue()
    return value


def iter_report_csv_lines(rows: Iterable[ReportRow]) -> Iterator[str]:
    """The report CSV, header first, one `\\n`-terminated line at a time."""
    yield REPORT_HEADER + "\n"
    for row in rows:
        yield row.to_csv_line() + "\n"


def write_report_csv(rows: Iterable[ReportRow], out: TextIO) -> int:
    """Write the report CSV to a text stream; returns the number of data rows."""
    out.write(REPORT_HEADER + "\n")
    count = 0
    for row in rows:
        out.write(row.to_csv_line() + "\n")
        count += 1
    return count


def report_csv_bytes(rows: Iterable[ReportRow]) -> bytes:
    """The whole report CSV as UTF-8 bytes (for an S3 put)."""
    return "".join(iter_report_csv_lines(rows)).encode("utf-8")
