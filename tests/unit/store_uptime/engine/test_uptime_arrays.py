"""The vectorised engine (`uptime_arrays`, `array_rows`) against the per-store reference engine.

Exactness is the contract: every window's business and active microseconds, and so every report
row, must equal `StatusTimeline` / `store_uptime` / `rows.build_report` on the same polls —
ties, duplicates, contradicting polls at one instant, one poll, polls after `now`, polls long
before the week, DST weeks, stores without hours or timezone.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitepulse.store_uptime.engine.business_hours import WeeklyInterval, business_intervals_utc
from sitepulse.store_uptime.engine.poll_arrays import PollArrays
from sitepulse.store_uptime.engine.timestamps import (
    US_PER_DAY,
    US_PER_MINUTE,
    US_PER_WEEK,
    datetime_to_us,
    parse_timestamp_us,
)
from sitepulse.store_uptime.engine.uptime import pack_poll
from sitepulse.store_uptime.engine.uptime_arrays import sorted_polls, timelines, window_times
from sitepulse.store_uptime.report.array_rows import build_array_report
from tests.unit.store_uptime.engine.scalar_oracle import (
    StatusTimeline,
    build_report,
    compute_store_uptime_packed,
    polls_up_to,
)

# Weeks around DST changes (New York 2023-03-12 and 2023-11-05, Berlin 2023-03-26, Lord Howe's
# half-hour shift 2023-04-02) and a quiet January week.
_NOWS = [
    parse_timestamp_us(text)
    for text in (
        "2023-01-25T18:13:22.123457Z",
        "2023-03-14T03:00:00Z",
        "2023-11-07T12:30:00Z",
        "2023-03-28T00:00:00Z",
        "2023-04-05T11:00:00.5Z",
    )
]
_ZONES = st.sampled_from(
    [
        None,
        "UTC",
        "America/New_York",
        "Europe/Berlin",
        "Australia/Lord_Howe",
        "Asia/Kolkata",
        "America/St_Johns",
    ]
)
_SECOND_OF_DAY = st.one_of(st.integers(0, 86_399), st.sampled_from([0, 3600, 7200, 9000, 86_400]))
_WEEKLY = st.builds(WeeklyInterval, st.integers(0, 6), _SECOND_OF_DAY, _SECOND_OF_DAY)
_HOURS = st.one_of(st.none(), st.lists(_WEEKLY, max_size=6))


@st.composite
def _store_polls(draw: st.DrawFn, now_us: int) -> list[int]:
    """Polls around the week before `now_us`: on a coarse grid (ties and duplicates), some after
    `now`, some long before the week, odd spacings so that midpoints round."""
    step = draw(st.sampled_from([1, 7, US_PER_MINUTE + 1, 3 * 3_600_000_001]))
    offsets = draw(st.lists(st.integers(-70, 5), min_size=1, max_size=30))
    polls = [
        pack_poll(now_us + offset * step * 1000 + draw(st.integers(0, 1)), draw(st.booleans()))
        for offset in offsets
    ]
    if draw(st.booleans()):  # a contradicting poll at the same instant as another
        polls.append(polls[0] ^ 1)
    if draw(st.booleans()):  # one far before the week
        polls.append(
            pack_poll(now_us - 3 * US_PER_WEEK - draw(st.integers(0, US_PER_DAY)), draw(st.booleans()))
        )
    return polls


@st.composite
def _stores(
    draw: st.DrawFn,
) -> tuple[dict[str, list[int]], dict[str, list[WeeklyInterval]], dict[str, str], int]:
    now_us = draw(st.sampled_from(_NOWS))
    names = draw(
        st.lists(st.sampled_from(["1", "2", "10", "9", "a", "b b", "é"]), min_size=1, max_size=6, unique=True)
    )
    polls = {name: draw(_store_polls(now_us)) for name in names}
    hours = {name: weekly for name in names if (weekly := draw(_HOURS))}
    zones = {name: zone for name in names if (zone := draw(_ZONES))}
    return polls, hours, zones, now_us


def _per_store_windows(
    polls: dict[str, list[int]], hours: dict[str, list[WeeklyInterval]], zones: dict[str, str], now_us: int
) -> dict[str, list[tuple[int, int]]]:
    expected: dict[str, list[tuple[int, int]]] = {}
    for store, packed in polls.items():
        uptime = compute_store_uptime_packed(packed, hours.get(store), zones.get(store), now_us)
        if uptime is not None:
            expected[store] = [(window.business_us, window.active_us) for window in uptime]
    return expected


def _array_windows(
    polls: dict[str, list[int]], hours: dict[str, list[WeeklyInterval]], zones: dict[str, str], now_us: int
) -> dict[str, list[tuple[int, int]]]:
    arrays = PollArrays.from_packed(polls)
    since = now_us - US_PER_WEEK
    timeline = timelines(arrays, since, now_us)
    codes, opens, closes = [], [], []
    for code in np.flatnonzero(timeline.has_polls).tolist():
        store = arrays.store_ids[code]
        for start, end in business_intervals_utc(hours.get(store), zones.get(store), since, now_us):
            codes.append(code)
            opens.append(start)
            closes.append(end)
    as_array = np.array
    business, active = window_times(
        timeline, as_array(codes, np.int64), as_array(opens, np.int64), as_array(closes, np.int64)
    )
    return {
        arrays.store_ids[code]: [(int(business[w, code]), int(active[w, code])) for w in range(3)]
        for code in np.flatnonzero(timeline.has_polls).tolist()
    }


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_stores())
def test_window_times_equal_the_per_store_engine(
    stores: tuple[dict[str, list[int]], dict[str, list[WeeklyInterval]], dict[str, str], int],
) -> None:
    polls, hours, zones, now_us = stores
    assert _array_windows(polls, hours, zones, now_us) == _per_store_windows(polls, hours, zones, now_us)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_stores())
def test_report_rows_equal_build_report(
    stores: tuple[dict[str, list[int]], dict[str, list[WeeklyInterval]], dict[str, str], int],
) -> None:
    polls, hours, zones, now_us = stores
    arrays = PollArrays.from_packed(polls)
    assert build_array_report(arrays, hours, zones, now_us) == build_report(polls, hours, zones, now_us)
    assert build_array_report(arrays, hours, zones) == build_report(polls, hours, zones)  # now = latest poll


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 40), st.booleans()), min_size=1, max_size=40), st.integers(-1, 42))
def test_active_time_equals_the_status_timeline_at_every_instant(
    polls: list[tuple[int, bool]], now_offset: int
) -> None:
    base = parse_timestamp_us("2023-01-22T12:00:00Z")
    step = 1_500_001  # odd, so midpoints round
    packed = [pack_poll(base + offset * step, active) for offset, active in polls]
    now_us = base + now_offset * step
    since_us = base - 2 * step
    timeline = timelines(PollArrays.from_packed({"s": packed}), since_us, now_us)
    kept = polls_up_to(packed, now_us)
    assert bool(timeline.has_polls[0]) == bool(kept)
    if not kept:
        return
    reference = StatusTimeline(kept)
    instants = np.arange(since_us, now_us + 1, step // 3, dtype=np.int64)
    got = timeline.active_until(np.zeros(len(instants), dtype=np.int64), instants).tolist()
    assert got == [reference.active_between(since_us, int(x)) for x in instants]


def test_polls_over_centuries_take_the_two_key_sort() -> None:
    # Offsets need more bits than an int64 key leaves next to the store codes.
    # (Year 1 is refused as input text; the engine itself takes any instant it is handed.)
    first = datetime_to_us(datetime(1, 1, 1, tzinfo=UTC))
    last = parse_timestamp_us("9999-12-31T00:00:00Z")
    polls = {
        str(store): [pack_poll(first, True), pack_poll(last - store, store % 2 == 0)] for store in range(4)
    }
    polls["x"] = [pack_poll(last, False), pack_poll(last - 10 * US_PER_DAY, True), pack_poll(last, True)]
    arrays = PollArrays.from_packed(polls)
    codes, packed = sorted_polls(arrays, last)
    assert list(zip(codes.tolist(), packed.tolist(), strict=True)) == sorted(
        zip(arrays.codes.tolist(), arrays.packed.tolist(), strict=True)
    )
    assert build_array_report(arrays, {}, {}, last) == build_report(polls, {}, {}, last)


def test_no_polls_up_to_now_gives_an_empty_report() -> None:
    now = _NOWS[0]
    assert build_array_report(PollArrays.from_packed({}), {}, {}) == []
    assert build_array_report(PollArrays.from_packed({}), {}, {}, now) == []
    later = PollArrays.from_packed({"s": [pack_poll(now + 1, True)]})
    assert build_array_report(later, {}, {}, now) == []


def test_too_many_stores_for_one_key_is_refused() -> None:
    arrays = PollArrays(["s"] * 20_000_000, np.zeros(1, np.int64), np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="too many stores"):
        timelines(arrays, 0, US_PER_WEEK)
