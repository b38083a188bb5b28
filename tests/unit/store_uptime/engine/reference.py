"""Brute-force reference for the uptime contract, written independently of the engine.

Where the engine converts local business intervals to UTC and measures intervals, this
samples instants: each sample is converted UTC → local and tested against the weekly
hours, and its status is the nearest poll found by direct comparison. It is exact when
every boundary (poll midpoints, business hours, window starts) lies on the sampling grid,
which the tests guarantee by placing polls on even minutes and hours on whole minutes, and
only valid on dates without a DST transition (the engine resolves DST gaps with fold=0,
a sampler cannot see that).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sitepulse.store_uptime.engine.business_hours import WeeklyInterval
from sitepulse.store_uptime.engine.timestamps import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_WEEK,
    us_to_datetime,
)
from sitepulse.store_uptime.engine.uptime import StoreUptime, WindowTime


def is_business_instant(epoch_us: int, hours: Sequence[WeeklyInterval] | None, timezone: str | None) -> bool:
    if not hours:
        return True
    local = us_to_datetime(epoch_us).astimezone(ZoneInfo(timezone or "America/Chicago"))
    weekday = local.weekday()
    second = local.hour * 3600 + local.minute * 60 + local.second
    for day, start, end in hours:
        if start < end:
            if weekday == day and start <= second < end:
                return True
        else:  # runs past midnight; end == start means the full 24 hours
            closing = end if end < start else start
            if weekday == day and second >= start:
                return True
            if (weekday - 1) % 7 == day and second < closing:
                return True
    return False


class NearestPoll:
    """Status of the nearest poll at or before `now_us` (tie → later; same instant → inactive)."""

    def __init__(self, polls: Sequence[tuple[int, bool]], now_us: int) -> None:
        status_by_instant: dict[int, bool] = {}
        for instant, active in polls:
            if instant <= now_us:
                status_by_instant[instant] = status_by_instant.get(instant, True) and active
        self.status_by_instant = status_by_instant
        self.instants = sorted(status_by_instant)

    def status_at(self, epoch_us: int) -> bool:
        index = bisect_left(self.instants, epoch_us)
        candidates = self.instants[max(index - 1, 0) : index + 1]
        nearest = min(candidates, key=lambda instant: (abs(epoch_us - instant), -instant))
        return self.status_by_instant[nearest]


def reference_uptime(
    polls: Sequence[tuple[int, bool]],
    hours: Sequence[WeeklyInterval] | None,
    timezone: str | None,
    now_us: int,
    step_us: int = US_PER_MINUTE,
) -> StoreUptime | None:
    """Window times by sampling every `step_us` over the week (the day and hour are its tail)."""
    nearest = NearestPoll(polls, now_us)
    if not nearest.instants:
        return None
    samples = []  # (is business, is active) per step, oldest first
    for sample in range(now_us - US_PER_WEEK, now_us, step_us):
        business = is_business_instant(sample, hours, timezone)
        samples.append((business, business and nearest.status_at(sample)))
    windows = []
    for length in (US_PER_HOUR, US_PER_DAY, US_PER_WEEK):
        tail = samples[-(length // step_us) :]
        windows.append(WindowTime(sum(b for b, _ in tail) * step_us, sum(a for _, a in tail) * step_us))
    return StoreUptime(*windows)
