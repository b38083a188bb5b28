"""Weekly business hours in a store's local time, turned into UTC intervals of epoch microseconds.

A store's hours are `WeeklyInterval(day, start_s, end_s)` rows: `day` 0 = Monday … 6 = Sunday,
`start_s` / `end_s` seconds after local midnight. For each local date, an interval of that
date's weekday becomes:

* `start < end`: from `start` to `end` on that date;
* `end < start`: from `start` on that date to `end` on the next date (runs past midnight);
* `end == start`: from `start` on that date to `start` on the next date ("open 24 hours").

Ends are wall-clock times, so on a DST day an `end == start` interval lasts 23 or 25 real
hours and consecutive days still tile without gap or overlap. `end_s` may be 86 400
("24:00"), meaning the following midnight.

DST resolution follows PEP 495 with `fold=0`, i.e. what `datetime(..., tzinfo=ZoneInfo(tz))`
does:

* an *ambiguous* local time (the repeated hour when clocks go back) is its **first**
  occurrence: 01:30 in New York on 2023-11-05 is 05:30Z (EDT);
* a *nonexistent* local time (the skipped hour when clocks go forward) is read with the
  offset in force **before** the transition: 02:30 in New York on 2023-03-12 is 07:30Z,
  the same instant as 03:30 EDT. An interval lying wholly inside the gap is empty.

All intervals of the needed local dates are clipped to the requested UTC range, sorted and
merged, so overlapping intervals (several per day, an overnight one running into the next
day's hours) are never counted twice.

A store with no hours rows at all is open 24×7; a store with rows for some weekdays only is
closed on the others. A store without a timezone is in `DEFAULT_TIMEZONE`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import NamedTuple
from zoneinfo import ZoneInfo

from sitepulse.store_uptime.engine.timestamps import datetime_to_us, us_to_datetime

DEFAULT_TIMEZONE = "America/Chicago"
SECONDS_PER_DAY = 86_400

type UtcInterval = tuple[int, int]
"""Half-open `[start_us, end_us)` in epoch microseconds."""

_LOCAL_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?", re.ASCII)


class WeeklyInterval(NamedTuple):
    """Opening interval on a weekday, in local time: 0 = Monday; seconds after local midnight."""

    day: int
    start_s: int
    end_s: int


# A business-hours file repeats a few hundred distinct times over ~100k rows.
@lru_cache(maxsize=4096)
def parse_local_time(text: str) -> int:
    """Seconds after midnight of `HH:MM` or `HH:MM:SS` (hour may be one digit); `24:00[:00]` is 86 400."""
    match = _LOCAL_TIME.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"invalid local time {text!r}")
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3] or 0)
    if (hours, minutes, seconds) == (24, 0, 0):
        return SECONDS_PER_DAY
    if hours > 23 or minutes > 59 or seconds > 59:
        raise ValueError(f"invalid local time {text!r}")
    return hours * 3600 + minutes * 60 + seconds


def business_intervals_utc(
    weekly: Iterable[tuple[int, int, int]] | None, timezone: str | None, start_us: int, end_us: int
) -> tuple[UtcInterval, ...]:
    """Merged, sorted business intervals within `[start_us, end_us)`.

    `weekly`: `WeeklyInterval`s or plain `(day, start_s, end_s)` tuples; None or empty means
    open 24×7. `timezone` None means `DEFAULT_TIMEZONE`.
    Raises `zoneinfo.ZoneInfoNotFoundError` for an unknown timezone (ingestion rejects
    those rows, so one here is a programming error, not bad data).
    """
    if end_us <= start_us:
        return ()
    schedule = tuple(sorted(set(weekly))) if weekly else ()
    if not schedule:
        return ((start_us, end_us),)
    return _business_intervals(schedule, timezone or DEFAULT_TIMEZONE, start_us, end_us)


# Stores share a handful of (timezone, schedule) pairs, and every store of one report asks
# for the same range, so a cache turns ~14k conversions into a few thousand.
@lru_cache(maxsize=16_384)
def _business_intervals(
    schedule: tuple[tuple[int, int, int], ...], timezone: str, start_us: int, end_us: int
) -> tuple[UtcInterval, ...]:
    zone = ZoneInfo(timezone)
    by_weekday: dict[int, list[tuple[int, int]]] = {}
    for day, start_s, end_s in schedule:
        by_weekday.setdefault(day, []).append((start_s, end_s))
    # An interval starting on local date D ends by D+2 00:00 at the latest, so the day
    # before the range's first local date is the earliest that can reach into the range.
    first = _local_date(start_us, zone) - timedelta(days=1)
    last = _local_date(end_us, zone)
    clipped: list[UtcInterval] = []
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        local_date = date.fromordinal(ordinal)
        for start_s, end_s in by_weekday.get(local_date.weekday(), ()):
            # end <= start: the interval closes on the next date (at `start` itself when equal).
            closes_next_day = end_s <= start_s
            opens = max(_local_to_us(local_date, start_s, zone), start_us)
            closes = min(_local_to_us(local_date, end_s + (86_400 if closes_next_day else 0), zone), end_us)
            if opens < closes:
                clipped.append((opens, closes))
    return tuple(merge_intervals(clipped))


# Beyond year 9999 (a report `now` on 9999-12-31 in a zone east of UTC): past any range end.
_BEYOND_DATETIME_US = 1 << 62


def _local_date(epoch_us: int, zone: ZoneInfo) -> date:
    try:
        return us_to_datetime(epoch_us).astimezone(zone).date()
    except OverflowError:  # the local date is in year 10000
        return date.max


def _local_to_us(local_date: date, seconds: int, zone: ZoneInfo) -> int:
    return _local_ordinal_to_us(local_date.toordinal(), seconds, zone)


# Thousands of (schedule, timezone) pairs share a few hundred opening times on the same
# handful of dates, so each local instant is converted once per zone.
@lru_cache(maxsize=65_536)
def _local_ordinal_to_us(ordinal: int, seconds: int, zone: ZoneInfo) -> int:
    # Adding a timedelta to an aware datetime is wall-clock arithmetic (fold stays 0), which
    # is what local opening hours mean.
    local_date = date.fromordinal(ordinal)
    try:
        midnight = datetime(local_date.year, local_date.month, local_date.day, tzinfo=zone)
        return datetime_to_us(midnight + timedelta(seconds=seconds))
    except OverflowError:  # after 9999-12-31T23:59:59.999999 local time
        return _BEYOND_DATETIME_US


def merge_intervals(intervals: Iterable[UtcInterval]) -> list[UtcInterval]:
    """Sorted union of half-open intervals; touching intervals are joined."""
    merged: list[UtcInterval] = []
    for opens, closes in sorted(intervals):
        if merged and opens <= merged[-1][1]:
            if closes > merged[-1][1]:
                merged[-1] = (merged[-1][0], closes)
        elif opens < closes:
            merged.append((opens, closes))
    return merged
