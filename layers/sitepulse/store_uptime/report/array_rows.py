"""Report rows of many stores at once with the layer's one engine (`engine.uptime_arrays`).

The same rows as the per-store oracle of the tests (`scalar_oracle.build_report`), byte for byte (same
integer microseconds, same half-up rounding to hundredths, the row's floats made by the same
`int / 100`): the offline CLI computes a whole report with it, and a Step Functions shard its
stores. Business hours stay per store in Python (`business_intervals_utc`, cached per schedule
and zone: a few thousand conversions for 13.6k stores); everything per poll is array work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain

import numpy as np

from sitepulse.store_uptime.engine.business_hours import WeeklyInterval, business_intervals_utc
from sitepulse.store_uptime.engine.poll_arrays import Int64Array, PollArrays
from sitepulse.store_uptime.engine.timestamps import US_PER_HOUR, US_PER_MINUTE, US_PER_WEEK
from sitepulse.store_uptime.engine.uptime_arrays import timelines, window_times
from sitepulse.store_uptime.report.rows import ReportRow

# Hundredths of a minute (last hour) and of an hour (last day, last week), in microseconds.
_CENTI_UNITS_US = np.array(
    [[US_PER_MINUTE // 100], [US_PER_HOUR // 100], [US_PER_HOUR // 100]], dtype=np.int64
)


def build_array_report(
    polls: PollArrays,
    hours_by_store: Mapping[str, Sequence[WeeklyInterval]],
    timezone_by_store: Mapping[str, str],
    now_us: int | None = None,
) -> list[ReportRow]:
    """Rows of every store with a poll at or before `now_us`, sorted by store_id.

    `now_us` defaults to the latest poll; with no polls at all the report is empty.
    """
    if now_us is None:
        now_us = polls.latest_us()
        if now_us is None:
            return []
    since_us = now_us - US_PER_WEEK
    timeline = timelines(polls, since_us, now_us)
    reported = np.flatnonzero(timeline.has_polls).tolist()
    store_ids = [polls.store_ids[code] for code in reported]
    # Stores share schedules: each distinct (hours, timezone) is converted once.
    business_of: dict[tuple[tuple[WeeklyInterval, ...], str | None], tuple[tuple[int, int], ...]] = {}
    week_business = []
    for store in store_ids:
        key = (tuple(hours_by_store.get(store, ())), timezone_by_store.get(store))
        intervals = business_of.get(key)
        if intervals is None:
            intervals = business_of[key] = business_intervals_utc(*key, since_us, now_us)
        week_business.append(intervals)
    codes, opens, closes = _flat_intervals(reported, week_business)
    business, active = window_times(timeline, codes, opens, closes)
    business = _round_half_up(business[:, reported])
    uptime = _round_half_up(active[:, reported])
    downtime = business - uptime
    # Float division of integers below 2**53 is correctly rounded in numpy as in Python's
    # `int / 100`, so the printed values are those of `rows.report_row`.
    return list(
        map(
            ReportRow._make,
            zip(
                store_ids,
                *(np.divide(uptime, 100).tolist()),
                *(np.divide(downtime, 100).tolist()),
                strict=True,
            ),
        )
    )


def _flat_intervals(
    codes: list[int], intervals: list[tuple[tuple[int, int], ...]]
) -> tuple[Int64Array, Int64Array, Int64Array]:
    counts = list(map(len, intervals))
    total = sum(counts)
    bounds = np.fromiter(chain.from_iterable(chain.from_iterable(intervals)), np.int64, 2 * total)
    return np.repeat(np.array(codes, dtype=np.int64), counts), bounds[0::2], bounds[1::2]


def _round_half_up(durations_us: Int64Array) -> Int64Array:
    """Hundredths of each window's unit, half up (`rows._round_half_up`), per window row."""
    return (2 * durations_us + _CENTI_UNITS_US) // (2 * _CENTI_UNITS_US)
