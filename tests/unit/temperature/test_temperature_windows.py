"""Window planning and aggregate arithmetic, without AWS.

The plan must partition (start, end] exactly: every instant of the window is
read once (raw span or whole-hour bucket), no instant outside it is read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sitepulse.temperature.windows import (
    HOUR,
    RAW_ONLY_UP_TO,
    TICK,
    Aggregate,
    Plan,
    Window,
    bucket_name,
    floor_hour,
    mean,
    plan,
)

T0 = datetime(2024, 12, 10, 16, 0, tzinfo=UTC)


def covered(p: Plan, moment: datetime) -> int:
    """How many parts of the plan read `moment` (a reading at that instant)."""
    hits = sum(span.first <= moment <= span.last for span in p.raw)
    if p.hours is not None and p.hours.first <= floor_hour(moment) <= p.hours.last:
        hits += 1
    return hits


def probes(window: Window, p: Plan) -> list[datetime]:
    """Instants where an off-by-one would show: around both window ends and every part's edges."""
    edges = [window.start, window.end]
    for span in p.raw:
        edges += [span.first, span.last]
    if p.hours is not None:
        edges += [p.hours.first, p.hours.last + HOUR]
    return [edge + delta for edge in edges for delta in (-TICK, timedelta(0), TICK)]


instants = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
)
durations = st.one_of(
    st.timedeltas(min_value=TICK, max_value=timedelta(hours=6)),
    st.timedeltas(min_value=TICK, max_value=timedelta(days=366)),
    st.integers(1, 366 * 24).map(lambda h: timedelta(hours=h)),  # aligned lengths
)


@given(end=instants, duration=durations, align=st.booleans())
def test_plan_partitions_the_window(end: datetime, duration: timedelta, align: bool) -> None:
    if align:
        end = floor_hour(end)
    window = Window(end - duration, end)
    p = plan(window)
    for moment in probes(window, p):
        inside = window.start < moment <= window.end
        assert covered(p, moment) == (1 if inside else 0), (window, p, moment)


@given(end=instants, duration=durations)
def test_plan_costs_at_most_three_queries_and_one_for_short_windows(
    end: datetime, duration: timedelta
) -> None:
    p = plan(Window(end - duration, end))
    assert 1 <= p.requests <= 3
    if duration <= RAW_ONLY_UP_TO:
        assert p.hours is None and p.requests == 1
    for span in p.raw:  # edges never read more than an hour of raw readings
        assert span.last - span.first < HOUR or p.hours is None


def test_boundaries_start_is_outside_end_is_inside() -> None:
    end = T0 + timedelta(days=2, minutes=7, seconds=3, microseconds=5)
    for duration in (timedelta(minutes=15), timedelta(days=2)):
        window = Window(end - duration, end)
        p = plan(window)
        assert covered(p, window.start) == 0
        assert covered(p, window.start + TICK) == 1
        assert covered(p, window.end) == 1
        assert covered(p, window.end + TICK) == 0


def test_long_window_uses_buckets_between_partial_hours() -> None:
    end = datetime(2024, 12, 10, 16, 45, 30, 123456, tzinfo=UTC)
    p = plan(Window(end - timedelta(days=30), end))
    assert p.hours is not None
    assert p.hours.first == datetime(2024, 11, 10, 17, tzinfo=UTC)
    assert p.hours.last == datetime(2024, 12, 10, 15, tzinfo=UTC)
    assert [(s.first, s.last) for s in p.raw] == [
        (end - timedelta(days=30) + TICK, datetime(2024, 11, 10, 16, 59, 59, 999999, tzinfo=UTC)),
        (datetime(2024, 12, 10, 16, tzinfo=UTC), end),
    ]


def test_edges_falling_on_hour_boundaries_need_no_raw_query() -> None:
    end = datetime(2024, 12, 10, 16, 59, 59, 999999, tzinfo=UTC)
    whole_hours = plan(Window(end - timedelta(days=1), end))
    assert whole_hours.hours is not None and whole_hours.hours.last == datetime(2024, 12, 10, 16, tzinfo=UTC)
    assert whole_hours.raw == () and whole_hours.requests == 1
    with_head = plan(Window(end - timedelta(days=1, minutes=30), end))
    assert [s.first for s in with_head.raw] == [datetime(2024, 12, 9, 16, 30, tzinfo=UTC)]
    assert with_head.requests == 2


def test_hour_aligned_window_excludes_its_start_instant() -> None:
    end = datetime(2024, 12, 10, 12, tzinfo=UTC)
    p = plan(Window(end - timedelta(days=1), end))
    # The start hour's bucket would include the start instant: it is read raw, without it.
    assert p.hours is not None and p.hours.first == datetime(2024, 12, 9, 13, tzinfo=UTC)
    assert covered(p, datetime(2024, 12, 9, 12, tzinfo=UTC)) == 0
    assert covered(p, end) == 1


def test_bucket_names_are_utc_and_sortable() -> None:
    from datetime import timezone

    paris = timezone(timedelta(hours=1))
    assert bucket_name(datetime(2024, 12, 10, 17, 59, 59, 999999, tzinfo=paris)) == "2024-12-10T16"
    assert bucket_name(datetime(1970, 1, 1, tzinfo=UTC)) < bucket_name(datetime(2024, 1, 1, tzinfo=UTC))


def exact_half_even(total: Fraction, count: int) -> Decimal:
    scaled = total / count * 100
    floor = scaled.numerator // scaled.denominator
    rest = scaled - floor
    rounded = floor + (1 if rest > Fraction(1, 2) or (rest == Fraction(1, 2) and floor % 2) else 0)
    return Decimal(rounded) / 100


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (["10.5"], "10.50"),
        (["21.125"], "21.12"),  # tie → even
        (["21.135"], "21.14"),  # tie → even
        (["1", "2", "2"], "1.67"),
        (["-0.001"], "0.00"),  # never -0.00
        (["-0.005"], "0.00"),
        (["-0.015"], "-0.02"),
        (["150", "150"], "150.00"),
        (["-90", "-90", "-90"], "-90.00"),
        (["0.000001", "0.000002", "0.000002"], "0.00"),
        (["21.005000", "21.004999"], "21.00"),
    ],
)
def test_mean_rounds_half_even_to_two_decimals(values: list[str], expected: str) -> None:
    aggregate = Aggregate()
    for value in values:
        aggregate += Aggregate(Decimal(value), 1)
    result = mean(aggregate)
    assert result == Decimal(expected) and str(result) == expected


def test_mean_of_nothing_is_none() -> None:
    assert mean(Aggregate()) is None


@given(
    st.lists(
        st.decimals(min_value=-90, max_value=150, places=6, allow_nan=False, allow_infinity=False),
        min_size=1,
        max_size=200,
    )
)
def test_mean_matches_exact_rational_arithmetic(values: list[Decimal]) -> None:
    aggregate = Aggregate()
    for value in values:
        aggregate += Aggregate(value, 1)
    assert aggregate.total == sum(values, Decimal(0))
    assert mean(aggregate) == exact_half_even(sum(map(Fraction, values), Fraction(0)), len(values))
