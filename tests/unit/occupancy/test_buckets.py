"""The bucket arithmetic alone, against a brute-force sum over raw events."""

import random
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sitepulse.occupancy.buckets import buckets_of, floor_at_zero, net_before_hour


def _aggregate(events: list[tuple[datetime, int]]) -> tuple[dict, dict, dict]:
    """Build summary / month / day attributes exactly as the write transaction does."""
    summary: dict[str, int] = defaultdict(int)
    months: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    days: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for ts, net in events:
        names = buckets_of(ts)
        summary[names.year_attr] += net
        summary[names.month_attr] += net
        months[names.month_key][names.day_attr] += net
        days[names.day_key][names.hour_attr] += net
    return summary, months, days


def test_net_before_hour_matches_brute_force_over_years() -> None:
    rng = random.Random(42)
    start = datetime(2022, 11, 20, tzinfo=UTC)
    events = [
        (start + timedelta(seconds=rng.randrange(0, 3 * 365 * 86400)), rng.randint(-5, 8))
        for _ in range(3000)
    ]
    summary, months, days = _aggregate(events)
    summary.update({"in": 999, "out": 1})  # unrelated attributes must not leak into the sums
    for _ in range(300):
        moment = start + timedelta(seconds=rng.randrange(-86400, 3 * 365 * 86400 + 86400))
        names = buckets_of(moment)
        expected = sum(net for ts, net in events if ts < names.hour_start)
        got = net_before_hour(moment, summary, months.get(names.month_key, {}), days.get(names.day_key, {}))
        assert got == expected, moment


def test_bucket_names_are_utc_and_fixed_width() -> None:
    names = buckets_of(datetime.fromisoformat("2018-01-02T03:04:05+05:00"))
    assert names.year_attr == "y2018"
    assert names.month_attr == "m2018_01"
    assert (names.month_key, names.day_attr) == ("MONTH#2018-01", "d01")
    assert (names.day_key, names.hour_attr) == ("DAY#2018-01-01", "h22")
    assert names.hour_start == datetime(2018, 1, 1, 22, tzinfo=UTC)


def test_floor_at_zero() -> None:
    assert floor_at_zero(-3) == 0
    assert floor_at_zero(0) == 0
    assert floor_at_zero(7) == 7
