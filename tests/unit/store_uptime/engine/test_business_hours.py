"""Business hours → UTC intervals: overnight, 24 h, DST days, merging, defaults."""

from __future__ import annotations

import pytest

from sitepulse.store_uptime.engine.business_hours import (
    WeeklyInterval,
    business_intervals_utc,
    merge_intervals,
    parse_local_time,
)
from sitepulse.store_uptime.engine.timestamps import US_PER_HOUR, format_timestamp_us, parse_timestamp_us

H = 3600  # seconds in an hour, for readable local times


def us(text: str) -> int:
    return parse_timestamp_us(text)


def intervals(
    hours: list[WeeklyInterval] | None, tz: str | None, start: str, end: str
) -> list[tuple[str, str]]:
    """Business intervals in a range, as ISO texts for readable assertions."""
    return [
        (format_timestamp_us(a), format_timestamp_us(b))
        for a, b in business_intervals_utc(hours, tz, us(start), us(end))
    ]


def test_one_interval_in_the_stores_timezone() -> None:
    # 2023-01-23 is a Monday; Chicago is UTC-6 in January.
    monday_9_to_12 = [WeeklyInterval(0, 9 * H, 12 * H)]
    assert intervals(monday_9_to_12, "America/Chicago", "2023-01-22T00:00Z", "2023-01-25T00:00Z") == [
        ("2023-01-23T15:00:00Z", "2023-01-23T18:00:00Z")
    ]


def test_default_timezone_is_america_chicago() -> None:
    monday_9_to_12 = [WeeklyInterval(0, 9 * H, 12 * H)]
    assert intervals(monday_9_to_12, None, "2023-01-22T00:00Z", "2023-01-25T00:00Z") == intervals(
        monday_9_to_12, "America/Chicago", "2023-01-22T00:00Z", "2023-01-25T00:00Z"
    )


def test_intervals_are_clipped_to_the_range() -> None:
    monday_9_to_12 = [WeeklyInterval(0, 9 * H, 12 * H)]
    assert intervals(monday_9_to_12, "UTC", "2023-01-23T10:30Z", "2023-01-23T11:00Z") == [
        ("2023-01-23T10:30:00Z", "2023-01-23T11:00:00Z")
    ]
    assert intervals(monday_9_to_12, "UTC", "2023-01-23T12:00Z", "2023-01-23T13:00Z") == []


def test_overnight_interval_runs_into_the_next_local_date() -> None:
    # Friday 22:00 → Saturday 02:00 in New York (UTC-5): 2023-01-27 is a Friday.
    friday_night = [WeeklyInterval(4, 22 * H, 2 * H)]
    assert intervals(friday_night, "America/New_York", "2023-01-23T00:00Z", "2023-01-30T00:00Z") == [
        ("2023-01-28T03:00:00Z", "2023-01-28T07:00:00Z")
    ]


def test_overnight_interval_from_the_day_before_the_range_is_included() -> None:
    # Sunday 2023-01-22 20:00 → Monday 04:00 UTC; the range starts on Monday.
    sunday_night = [WeeklyInterval(6, 20 * H, 4 * H)]
    assert intervals(sunday_night, "UTC", "2023-01-23T00:00Z", "2023-01-23T12:00Z") == [
        ("2023-01-23T00:00:00Z", "2023-01-23T04:00:00Z")
    ]


def test_end_equal_to_start_is_open_24_hours_from_start() -> None:
    tuesday_from_10 = [WeeklyInterval(1, 10 * H, 10 * H)]
    assert intervals(tuesday_from_10, "UTC", "2023-01-23T00:00Z", "2023-01-30T00:00Z") == [
        ("2023-01-24T10:00:00Z", "2023-01-25T10:00:00Z")
    ]


def test_24h_every_day_tiles_into_one_interval() -> None:
    always = [WeeklyInterval(day, 0, 0) for day in range(7)]
    assert intervals(always, "America/New_York", "2023-01-23T00:00Z", "2023-01-30T00:00Z") == [
        ("2023-01-23T00:00:00Z", "2023-01-30T00:00:00Z")
    ]


def test_end_of_day_written_as_24_00() -> None:
    monday_all_day = [WeeklyInterval(0, 0, parse_local_time("24:00:00"))]
    assert intervals(monday_all_day, "UTC", "2023-01-22T00:00Z", "2023-01-25T00:00Z") == [
        ("2023-01-23T00:00:00Z", "2023-01-24T00:00:00Z")
    ]


def test_overlapping_and_touching_intervals_are_merged() -> None:
    monday = [
        WeeklyInterval(0, 9 * H, 12 * H),
        WeeklyInterval(0, 11 * H, 14 * H),  # overlaps the first
        WeeklyInterval(0, 10 * H, 11 * H),  # inside both
        WeeklyInterval(0, 14 * H, 15 * H),  # touches
        WeeklyInterval(0, 18 * H, 19 * H),  # separate
        WeeklyInterval(0, 9 * H, 12 * H),  # duplicate row
    ]
    assert intervals(monday, "UTC", "2023-01-23T00:00Z", "2023-01-24T00:00Z") == [
        ("2023-01-23T09:00:00Z", "2023-01-23T15:00:00Z"),
        ("2023-01-23T18:00:00Z", "2023-01-23T19:00:00Z"),
    ]


def test_overnight_interval_overlapping_next_mornings_hours_is_not_double_counted() -> None:
    hours = [WeeklyInterval(6, 22 * H, 6 * H), WeeklyInterval(0, 5 * H, 9 * H)]
    assert intervals(hours, "UTC", "2023-01-22T00:00Z", "2023-01-24T00:00Z") == [
        ("2023-01-22T22:00:00Z", "2023-01-23T09:00:00Z")
    ]


def test_plain_tuples_work_like_weekly_intervals() -> None:
    as_tuples = [(0, 9 * H, 12 * H), (6, 22 * H, 2 * H)]
    as_intervals = [WeeklyInterval(*interval) for interval in as_tuples]
    start, end = us("2023-01-20T00:00Z"), us("2023-01-27T00:00Z")
    expected = business_intervals_utc(as_intervals, "Asia/Kolkata", start, end)
    assert business_intervals_utc(as_tuples, "Asia/Kolkata", start, end) == expected
    assert len(expected) == 2


def test_no_hours_means_open_all_week() -> None:
    for hours in (None, []):
        assert business_intervals_utc(hours, "Asia/Tokyo", 100, 500) == ((100, 500),)


def test_hours_for_some_weekdays_only_are_closed_on_the_others() -> None:
    monday_only = [WeeklyInterval(0, 0, 0)]
    week = business_intervals_utc(monday_only, "UTC", us("2023-01-22T00:00Z"), us("2023-01-29T00:00Z"))
    assert sum(b - a for a, b in week) == 24 * US_PER_HOUR


def test_empty_or_inverted_range_has_no_business_time() -> None:
    assert business_intervals_utc(None, "UTC", 500, 500) == ()
    assert business_intervals_utc([WeeklyInterval(0, 0, 0)], "UTC", 500, 100) == ()


# --- DST (America/New_York: clocks go forward 2023-03-12 02:00, back 2023-11-05 02:00; both Sundays)


def test_spring_forward_day_is_23_hours_long() -> None:
    sunday_all_day = [WeeklyInterval(6, 0, 0)]
    assert intervals(sunday_all_day, "America/New_York", "2023-03-11T00:00Z", "2023-03-14T00:00Z") == [
        ("2023-03-12T05:00:00Z", "2023-03-13T04:00:00Z")
    ]


def test_spring_forward_interval_across_the_gap_loses_an_hour() -> None:
    sunday_0_to_5 = [WeeklyInterval(6, 0, 5 * H)]
    assert intervals(sunday_0_to_5, "America/New_York", "2023-03-11T00:00Z", "2023-03-14T00:00Z") == [
        ("2023-03-12T05:00:00Z", "2023-03-12T09:00:00Z")  # 4 real hours
    ]


def test_nonexistent_local_time_uses_the_offset_before_the_transition() -> None:
    # 02:30 does not exist on 2023-03-12; fold=0 reads it as EST: 07:30Z (= 03:30 EDT).
    sunday_0230_to_0400 = [WeeklyInterval(6, 2 * H + 1800, 4 * H)]
    assert intervals(sunday_0230_to_0400, "America/New_York", "2023-03-11T00:00Z", "2023-03-14T00:00Z") == [
        ("2023-03-12T07:30:00Z", "2023-03-12T08:00:00Z")
    ]
    # An interval wholly inside the gap is empty: 02:00 EST and 03:00 EDT are both 07:00Z.
    in_the_gap = [WeeklyInterval(6, 2 * H, 3 * H)]
    assert intervals(in_the_gap, "America/New_York", "2023-03-11T00:00Z", "2023-03-14T00:00Z") == []


def test_fall_back_day_is_25_hours_long() -> None:
    sunday_all_day = [WeeklyInterval(6, 0, 0)]
    assert intervals(sunday_all_day, "America/New_York", "2023-11-04T00:00Z", "2023-11-07T00:00Z") == [
        ("2023-11-05T04:00:00Z", "2023-11-06T05:00:00Z")
    ]


def test_ambiguous_local_time_is_its_first_occurrence() -> None:
    # 01:30 happens twice on 2023-11-05; fold=0 takes the first one (EDT, 05:30Z).
    sunday_0130_to_0300 = [WeeklyInterval(6, H + 1800, 3 * H)]
    assert intervals(sunday_0130_to_0300, "America/New_York", "2023-11-04T00:00Z", "2023-11-07T00:00Z") == [
        ("2023-11-05T05:30:00Z", "2023-11-05T08:00:00Z")  # 2.5 real hours
    ]


def test_overnight_into_the_spring_forward_night() -> None:
    saturday_22_to_04 = [WeeklyInterval(5, 22 * H, 4 * H)]
    assert intervals(saturday_22_to_04, "America/New_York", "2023-03-10T00:00Z", "2023-03-14T00:00Z") == [
        ("2023-03-12T03:00:00Z", "2023-03-12T08:00:00Z")  # 22:00 EST → 04:00 EDT: 5 real hours
    ]


def test_merge_intervals() -> None:
    assert merge_intervals([(5, 7), (1, 3), (3, 4), (2, 2), (6, 9)]) == [(1, 4), (5, 9)]
    assert merge_intervals([]) == []


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("00:00:00", 0), ("09:30", 34_200), ("9:30:15", 34_215), ("23:59:59", 86_399), ("24:00", 86_400)],
)
def test_parse_local_time(text: str, seconds: int) -> None:
    assert parse_local_time(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "9", "24:00:01", "25:00", "12:60", "12:00:60", "12:00:00.5", "noon", "١٢:٠٠"]
)
def test_parse_local_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="invalid local time"):
        parse_local_time(text)
