"""Timestamp parsing: the poller's `… UTC` form (0-6 fraction digits) and ISO 8601, as epoch µs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sitepulse.common.timestamps import parse_instant
from sitepulse.store_uptime.engine.timestamps import (
    datetime_to_us,
    format_timestamp_us,
    parse_poller_timestamp_us,
    parse_timestamp_us,
)

BASE_US = datetime_to_us(datetime(2023, 1, 22, 12, 9, 39, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "micros"),
    [
        ("2023-01-22 12:09:39 UTC", 0),
        ("2023-01-22 12:09:39.3 UTC", 300_000),
        ("2023-01-22 12:09:39.38 UTC", 380_000),
        ("2023-01-22 12:09:39.388 UTC", 388_000),
        ("2023-01-22 12:09:39.3888 UTC", 388_800),
        ("2023-01-22 12:09:39.46544 UTC", 465_440),
        ("2023-01-22 12:09:39.388884 UTC", 388_884),
        ("2023-01-22 12:09:39.000001 UTC", 1),
    ],
)
def test_poller_format_with_0_to_6_fraction_digits(text: str, micros: int) -> None:
    assert parse_timestamp_us(text) == BASE_US + micros
    assert parse_poller_timestamp_us(text) == BASE_US + micros


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2023-01-22T12:09:39Z", BASE_US),
        ("2023-01-22T12:09:39.5Z", BASE_US + 500_000),
        ("2023-01-22T12:09:39", BASE_US),  # naive = UTC
        ("2023-01-22 12:09:39", BASE_US),
        ("2023-01-22T14:09:39+02:00", BASE_US),
        ("2023-01-22T06:39:39-05:30", BASE_US),
        ("  2023-01-22 12:09:39.388884 UTC  ", BASE_US + 388_884),
    ],
)
def test_iso_8601_and_surrounding_whitespace(text: str, expected: int) -> None:
    assert parse_timestamp_us(text) == expected


def test_epoch_and_pre_epoch_instants() -> None:
    """The API's rule: before 1970 a clock is unset, in either form."""
    assert parse_timestamp_us("1970-01-01 00:00:00 UTC") == 0
    for text in ("1969-12-31 23:59:59.999999 UTC", "1969-12-31T23:59:59.999999Z", "0001-01-01 00:00:00 UTC"):
        with pytest.raises(ValueError, match="invalid timestamp"):
            parse_timestamp_us(text)


@settings(max_examples=400, deadline=None)
@given(
    moment=st.datetimes(
        min_value=datetime(1970, 1, 1), max_value=datetime(9999, 12, 31, 23, 59, 59, 999_999)
    ),
    digits=st.integers(min_value=0, max_value=6),
)
def test_the_poller_fast_path_equals_the_common_parser(moment: datetime, digits: int) -> None:
    """`parse_poller_timestamp_us` is a fast path of `sitepulse.common.timestamps.parse_instant`:
    the same date and time give the same instant (fractions cut to `digits` digits)."""
    moment = moment.replace(microsecond=moment.microsecond // 10 ** (6 - digits) * 10 ** (6 - digits))
    fraction = f".{moment.microsecond:06d}"[: digits + 1] if digits else ""
    wall = f"{moment.year:04d}-{moment:%m-%d %H:%M:%S}{fraction}"
    fast = parse_poller_timestamp_us(f"{wall} UTC")
    assert fast is not None
    assert fast == datetime_to_us(parse_instant(wall + "Z")) == parse_timestamp_us(f"{wall} UTC")
    assert parse_timestamp_us(wall.replace(" ", "T") + "Z") == fast


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "yesterday",
        "2023-01-22 12:09:39.1234567 UTC",  # 7 fraction digits
        "2023-01-22 12:09:39. UTC",
        "2023-01-22 12:09:60 UTC",
        "2023-01-22 12:60:00 UTC",
        "2023-01-22 24:00:00 UTC",
        "2023-02-30 12:00:00 UTC",
        "2023-01-22 12:09:3x UTC",
        "2023-01-22 12:09:٣٩ UTC",  # non-ASCII digits
        "2023-01-22 12:09:+9 UTC",
        "2023-01-22 12:09:39.1_2 UTC",
        "2023-01-22T12:09:39 UTC",
        "2023-01-22 12:09:39 utc",
        "2023-01-22 12:09:39 PST",
        "2023-13-01T00:00:00Z",
    ],
)
def test_invalid_timestamps_raise_value_error(text: str) -> None:
    with pytest.raises(ValueError, match="invalid timestamp"):
        parse_timestamp_us(text)


def test_format_is_iso_utc_with_z_and_round_trips() -> None:
    assert format_timestamp_us(BASE_US) == "2023-01-22T12:09:39Z"
    assert format_timestamp_us(BASE_US + 388_884) == "2023-01-22T12:09:39.388884Z"
    for value in (0, 1, BASE_US + 5, BASE_US + 999_999):
        assert parse_timestamp_us(format_timestamp_us(value)) == value
