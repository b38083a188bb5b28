"""Pure arithmetic behind bounded-cost occupancy queries.

Every event adds its net (in − out) to four running sums, kept atomically with
the event itself:

* the sensor's summary item: one attribute per year (`y2018`) and per month
  (`m2018_11`), plus the totals;
* one item per month holding one attribute per day (`d14`);
* one item per day holding one attribute per hour (`h13`).

The net at an instant t is then: years before t's year + months of that year
before t's month (summary item) + days of the month before t's day (month
item) + hours of the day before t's hour (day item) + the raw events of t's
hour up to t. Three requests whatever the history length: GetItem, BatchGetItem
(2 keys), Query over at most one hour of events. Sums are commutative, so
arrival order never matters.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


@dataclass(frozen=True)
class BucketNames:
    year_attr: str
    month_attr: str
    month_key: str
    day_attr: str
    day_key: str
    hour_attr: str
    hour_start: datetime


def buckets_of(moment: datetime) -> BucketNames:
    moment = moment.astimezone(UTC)
    return BucketNames(
        year_attr=f"y{moment.year:04d}",
        month_attr=f"m{moment.year:04d}_{moment.month:02d}",
        month_key=f"MONTH#{moment.year:04d}-{moment.month:02d}",
        day_attr=f"d{moment.day:02d}",
        day_key=f"DAY#{moment:%Y-%m-%d}",
        hour_attr=f"h{moment.hour:02d}",
        hour_start=moment.replace(minute=0, second=0, microsecond=0),
    )


def _sum_before(values: Mapping[str, Any], prefix: str, limit_attr: str) -> int:
    """Σ of attributes `<prefix>NN…` whose name sorts before `limit_attr` (same width)."""
    return sum(
        int(value)
        for name, value in values.items()
        if name.startswith(prefix) and len(name) == len(limit_attr) and name < limit_attr
    )


def net_before_hour(
    moment: datetime,
    summary: Mapping[str, Any],
    month_item: Mapping[str, Any],
    day_item: Mapping[str, Any],
) -> int:
    """Net count of all events strictly before the start of `moment`'s UTC hour."""
    names = buckets_of(moment)
    years = _sum_before(summary, "y", names.year_attr)
    month_prefix = names.month_attr[: len("m2018_")]
    months = _sum_before(summary, month_prefix, names.month_attr)
    days = _sum_before(month_item, "d", names.day_attr)
    hours = _sum_before(day_item, "h", names.hour_attr)
    return years + months + days + hours


def floor_at_zero(net: int) -> int:
    """People inside can't be negative: sensors miss entries, the answer doesn't."""
    return max(net, 0)
