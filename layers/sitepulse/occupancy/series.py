"""People inside at the end of each step of a series, from the aggregates alone.

The value at an instant t on a minute boundary is the net of every event with
ts <= t, like the instant reading `?atInstant=t`: years and months before t
(summary item), days before t's day (month item), hours before t's hour (day
item), minutes before t's minute (hour item), and the one event at exactly t, if
any ((sensor, ts) is the idempotency key, so there is at most one). A series
needs, per point, at most those three sub-year items — fewer when t falls on an
hour, day or month boundary — and that one event item, all fetched by
BatchGetItem: the cost is bounded by the number of points, not by the history or
the event rate.
"""

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sitepulse.common.series_range import SeriesRules
from sitepulse.occupancy.buckets import buckets_of, floor_at_zero, net_before_minute

OCCUPANCY_SERIES = SeriesRules(
    grain=timedelta(minutes=1),
    min_step=timedelta(minutes=5),
    max_step=timedelta(days=1),
    default_span=timedelta(days=1),
    default_step="1h",
)


def aggregate_keys(moment: datetime) -> list[str]:
    """Sort keys of the aggregate items the net before `moment` (a minute boundary) reads."""
    names = buckets_of(moment)
    keys = []
    if moment.day != 1:
        keys.append(names.month_key)  # days of the month before moment's day
    if moment.hour != 0:
        keys.append(names.day_key)  # hours of the day before moment's hour
    if moment.minute != 0:
        keys.append(names.hour_key)  # minutes of the hour before moment's minute
    return keys


def inside_at(
    moment: datetime,
    summary: Mapping[str, Any],
    items: Mapping[str, Mapping[str, Any]],
    net_at_moment: int = 0,
) -> int:
    """People inside at `moment`: Σ(in − out) of events with ts <= moment, floored at 0.

    `items` are the aggregates of `aggregate_keys(moment)` (events before moment's minute and
    its coarser buckets); `net_at_moment` is the net of the event at exactly `moment`.
    """
    names = buckets_of(moment)
    net = net_before_minute(
        moment,
        summary,
        items.get(names.month_key, {}),
        items.get(names.day_key, {}),
        items.get(names.hour_key, {}),
    )
    return floor_at_zero(net + net_at_moment)
