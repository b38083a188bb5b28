"""Nearest-poll interpolation and window uptime, pinned against the contract and a brute-force reference."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitepulse.store_uptime.engine.business_hours import WeeklyInterval
from sitepulse.store_uptime.engine.timestamps import (
    US_PER_DAY,
    US_PER_HOUR,
    US_PER_MINUTE,
    US_PER_SECOND,
    US_PER_WEEK,
    parse_timestamp_us,
)
from sitepulse.store_uptime.engine.uptime import (
    StoreUptime,
    WindowTime,
    pack_poll,
    poll_read_range,
    unpack_poll,
)
from tests.unit.store_uptime.engine.reference import NearestPoll, reference_uptime
from tests.unit.store_uptime.engine.scalar_oracle import (
    StatusTimeline,
    compute_store_uptime_packed,
    polls_up_to,
)

H = 3600


def us(text: str) -> int:
    return parse_timestamp_us(text)


def timeline(*polls: tuple[int, bool]) -> StatusTimeline:
    return StatusTimeline(sorted(pack_poll(t, a) for t, a in polls))


def uptime(
    polls: list[tuple[int, bool]], hours: list[WeeklyInterval] | None, tz: str | None, now_us: int
) -> StoreUptime | None:
    return compute_store_uptime_packed([pack_poll(t, a) for t, a in polls], hours, tz, now_us)


def last_day(polls: list[tuple[int, bool]], hours: list[WeeklyInterval] | None, now_us: int) -> WindowTime:
    result = uptime(polls, hours, None, now_us)
    assert result is not None
    return result.last_day


# --- the status timeline ------------------------------------------------------------------


def test_pack_and_unpack() -> None:
    assert unpack_poll(pack_poll(123, True)) == (123, True)
    assert unpack_poll(pack_poll(-5, False)) == (-5, False)
    assert sorted([pack_poll(7, True), pack_poll(7, False), pack_poll(3, True)]) == [
        pack_poll(3, True),
        pack_poll(7, False),
        pack_poll(7, True),
    ]


def test_single_poll_rules_forever_in_both_directions() -> None:
    assert timeline((50, True)).active_between(-1000, 1000) == 2000
    assert timeline((50, False)).active_between(-1000, 1000) == 0


def test_exact_midpoint_belongs_to_the_later_poll() -> None:
    line = timeline((0, True), (10, False))
    assert line.is_active_at(4)
    assert not line.is_active_at(5)  # equidistant: the later poll (inactive) wins
    assert line.active_between(0, 10) == 5


def test_odd_gap_hands_over_at_the_ceiling_of_the_midpoint() -> None:
    line = timeline((0, True), (11, False))
    assert line.is_active_at(5)  # 5 from the first poll, 6 from the second
    assert not line.is_active_at(6)
    assert line.active_between(0, 11) == 6


def test_same_instant_active_and_inactive_inactive_wins_in_any_order() -> None:
    for polls in ([(10, True), (10, False)], [(10, False), (10, True)]):
        line = timeline((0, True), *polls, (20, True))
        assert [line.is_active_at(t) for t in (4, 5, 14, 15)] == [True, False, False, True]
        assert line.active_between(0, 20) == 10


def test_first_and_last_poll_extend_without_limit() -> None:
    line = timeline((100, False), (200, True))
    assert line.active_between(-(10**12), 150) == 0
    assert line.active_between(150, 10**12) == 10**12 - 150


@st.composite
def small_polls(draw: st.DrawFn) -> list[tuple[int, bool]]:
    times = draw(st.lists(st.integers(-40, 40), min_size=1, max_size=12))
    return [(t, draw(st.booleans())) for t in times]


@settings(max_examples=400)
@given(small_polls(), st.integers(-60, 60), st.integers(0, 60))
def test_timeline_matches_tick_by_tick_nearest_poll(
    polls: list[tuple[int, bool]], start: int, length: int
) -> None:
    nearest = NearestPoll(polls, now_us=10**9)
    line = timeline(*polls)
    expected = sum(nearest.status_at(tick) for tick in range(start, start + length))
    assert line.active_between(start, start + length) == expected
    assert [line.is_active_at(t) for t in range(start, start + length)] == [
        nearest.status_at(t) for t in range(start, start + length)
    ]


def test_polls_up_to_sorts_and_drops_later_polls() -> None:
    packed = [pack_poll(30, True), pack_poll(10, False), pack_poll(20, True), pack_poll(20, False)]
    assert polls_up_to(packed, 20) == [pack_poll(10, False), pack_poll(20, False), pack_poll(20, True)]
    assert polls_up_to(packed, 9) == []


# --- the contract, end to end -------------------------------------------------------------

# 2023-01-23 is a Monday; America/Chicago (the default timezone) is UTC-6 in January.
MONDAY_9_TO_12 = [WeeklyInterval(0, 9 * H, 12 * H)]
POLL_1014 = us("2023-01-23T16:14:00Z")  # 10:14 local
POLL_1115 = us("2023-01-23T17:15:00Z")  # 11:15 local


def test_statement_example_two_polls_fill_the_whole_interval() -> None:
    # 10:14 active rules 09:00-10:44:30 (104.5 min), 11:15 inactive rules 10:44:30-12:00 (75.5 min).
    polls = [(POLL_1014, True), (POLL_1115, False)]
    now = us("2023-01-24T06:00:00Z")  # Tuesday 00:00 local
    result = uptime(polls, MONDAY_9_TO_12, None, now)
    assert result == StoreUptime(
        last_hour=WindowTime(0, 0),
        last_day=WindowTime(3 * US_PER_HOUR, 104 * US_PER_MINUTE + 30 * US_PER_SECOND),
        last_week=WindowTime(3 * US_PER_HOUR, 104 * US_PER_MINUTE + 30 * US_PER_SECOND),
    )


def test_statement_example_with_now_inside_the_interval() -> None:
    polls = [(POLL_1014, True), (POLL_1115, False)]
    result = uptime(polls, MONDAY_9_TO_12, None, us("2023-01-23T17:30:00Z"))  # 11:30 local
    assert result is not None
    # last hour [10:30, 11:30): active 10:30-10:44:30
    assert result.last_hour == WindowTime(US_PER_HOUR, 14 * US_PER_MINUTE + 30 * US_PER_SECOND)
    # last day: business 09:00-11:30
    assert result.last_day == WindowTime(150 * US_PER_MINUTE, 104 * US_PER_MINUTE + 30 * US_PER_SECOND)


def test_polls_outside_business_hours_decide_the_status_inside() -> None:
    nine_to_ten = [WeeklyInterval(0, 9 * H, 10 * H)]
    now = us("2023-01-24T06:00:00Z")
    # 07:00 inactive and 13:00 active local: midpoint 10:00, so 09:00-10:00 is all inactive.
    before_and_after = [(us("2023-01-23T13:00:00Z"), False), (us("2023-01-23T19:00:00Z"), True)]
    assert last_day(before_and_after, nine_to_ten, now) == WindowTime(US_PER_HOUR, 0)
    # 08:00 inactive and 10:30 active: midpoint 09:15, so 45 min active.
    around = [(us("2023-01-23T14:00:00Z"), False), (us("2023-01-23T16:30:00Z"), True)]
    assert last_day(around, nine_to_ten, now) == WindowTime(US_PER_HOUR, 45 * US_PER_MINUTE)


def test_polls_after_now_are_ignored_and_a_poll_at_now_counts() -> None:
    now = us("2023-01-23T12:00:00Z")
    active_before = (now - 50 * US_PER_MINUTE, True)
    inactive_after = (now + 10 * US_PER_MINUTE, False)
    result = uptime([active_before, inactive_after], None, "UTC", now)
    assert result is not None and result.last_hour == WindowTime(US_PER_HOUR, US_PER_HOUR)
    inactive_at_now = (now, False)
    result = uptime([active_before, inactive_at_now], None, "UTC", now)
    assert result is not None and result.last_hour == WindowTime(US_PER_HOUR, 35 * US_PER_MINUTE)


def test_store_with_polls_only_after_now_has_no_result() -> None:
    now = us("2023-01-23T12:00:00Z")
    assert uptime([(now + 1, True)], None, "UTC", now) is None


def test_windows_are_half_open_and_end_at_now() -> None:
    now = us("2023-01-23T12:00:00Z")
    result = uptime([(now, True)], None, "UTC", now)
    assert result == StoreUptime(
        WindowTime(US_PER_HOUR, US_PER_HOUR),
        WindowTime(US_PER_DAY, US_PER_DAY),
        WindowTime(US_PER_WEEK, US_PER_WEEK),
    )


def test_week_with_a_spring_forward_sunday() -> None:
    sunday_0_to_5 = [WeeklyInterval(6, 0, 5 * H)]
    now = us("2023-03-13T12:00:00Z")
    result = uptime([(now - US_PER_WEEK, True)], sunday_0_to_5, "America/New_York", now)
    assert result is not None
    assert result.last_week == WindowTime(4 * US_PER_HOUR, 4 * US_PER_HOUR)  # 00:00-05:00 lasts 4 real hours


def test_store_without_hours_or_timezone_is_open_all_week_in_chicago() -> None:
    now = us("2023-01-23T12:00:00Z")
    polls = [(now - 3 * US_PER_DAY, False), (now - 1 * US_PER_DAY, True)]
    result = uptime(polls, None, None, now)
    assert result is not None
    assert result.last_week == WindowTime(US_PER_WEEK, 2 * US_PER_DAY)


# --- random stores against the brute-force reference --------------------------------------

# Timezones and dates (January 2023) without a DST transition, where sampling is exact.
_ZONES = st.sampled_from(
    [
        None,
        "UTC",
        "America/New_York",
        "Asia/Kolkata",
        "America/St_Johns",
        "Australia/Sydney",
        "Pacific/Kiritimati",
    ]
)
_MINUTE_OF_DAY = st.integers(0, 24 * 60 - 1).map(lambda minute: minute * 60)
_WEEKLY = st.builds(
    WeeklyInterval,
    st.integers(0, 6),
    _MINUTE_OF_DAY,
    st.one_of(_MINUTE_OF_DAY, st.just(86_400)),
)
JAN_10 = us("2023-01-10T00:00:00Z")


@st.composite
def random_store(
    draw: st.DrawFn,
) -> tuple[list[tuple[int, bool]], list[WeeklyInterval] | None, str | None, int]:
    now = JAN_10 + draw(st.integers(0, 10 * 24 * 60)) * US_PER_MINUTE
    # Polls on even minutes so that every midpoint is a whole minute; some after now.
    offsets = draw(st.lists(st.integers(-9 * 24 * 30, 24 * 30), min_size=1, max_size=40))
    polls = [(now + offset * 2 * US_PER_MINUTE, draw(st.booleans())) for offset in offsets]
    if draw(st.booleans()):  # a contradicting duplicate
        instant, active = polls[0]
        polls.append((instant, not active))
    hours = draw(st.one_of(st.none(), st.lists(_WEEKLY, max_size=8)))
    return polls, hours, draw(_ZONES), now


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_store())
def test_random_stores_match_the_minute_by_minute_reference(
    store: tuple[list[tuple[int, bool]], list[WeeklyInterval] | None, str | None, int],
) -> None:
    polls, hours, tz, now = store
    result = uptime(polls, hours, tz, now)
    assert result == reference_uptime(polls, hours, tz, now)
    if result is not None:
        for window in result:
            assert 0 <= window.active_us <= window.business_us
            assert window.active_us + window.inactive_us == window.business_us


# --- the bounded read a storage-backed caller may do --------------------------------------


def bounded_polls(polls: list[tuple[int, bool]], now: int) -> list[tuple[int, bool]]:
    """Exactly what `poll_read_range` documents: polls in [since, now] plus the latest before since."""
    since, until = poll_read_range(now)
    inside = [(t, a) for t, a in polls if since <= t <= until]
    earlier = [t for t, _ in polls if t < since]
    if earlier:
        latest = max(earlier)
        inside += [(t, a) for t, a in polls if t == latest]  # every poll at that instant
    return inside


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(-20 * 24 * 60, 60), st.booleans()), min_size=1, max_size=30),
    st.one_of(st.none(), st.lists(_WEEKLY, max_size=6)),
    _ZONES,
)
def test_bounded_poll_read_gives_the_same_result(
    minute_polls: list[tuple[int, bool]], hours: list[WeeklyInterval] | None, tz: str | None
) -> None:
    now = us("2023-01-20T12:00:00Z")
    polls = [(now + minute * US_PER_MINUTE + 7, active) for minute, active in minute_polls]
    assert uptime(bounded_polls(polls, now), hours, tz, now) == uptime(polls, hours, tz, now)
