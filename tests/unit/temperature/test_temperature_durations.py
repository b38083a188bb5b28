"""Duration parsing: the short form, ISO 8601, and every way it can be wrong."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from sitepulse.common.durations import DURATION_PATTERN, MAX_DURATION, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("15m", timedelta(minutes=15)),
        ("2h", timedelta(hours=2)),
        ("7d", timedelta(days=7)),
        ("366d", timedelta(days=366)),
        ("1s", timedelta(seconds=1)),
        ("PT15M", timedelta(minutes=15)),
        ("pt15m", timedelta(minutes=15)),
        ("P1D", timedelta(days=1)),
        ("P1DT2H", timedelta(days=1, hours=2)),
        ("P2W", timedelta(weeks=2)),
        ("P1W2D", timedelta(days=9)),
        ("PT1H30M", timedelta(hours=1, minutes=30)),
        ("PT0.5S", timedelta(milliseconds=500)),
        ("PT1,25S", timedelta(seconds=1, milliseconds=250)),
        ("PT0.000001S", timedelta(microseconds=1)),
        ("P1DT1H1M1.000001S", timedelta(days=1, hours=1, minutes=1, seconds=1, microseconds=1)),
        ("PT90M", timedelta(minutes=90)),
        ("P366D", MAX_DURATION),
        ("PT8784H", MAX_DURATION),
    ],
)
def test_valid_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("0m", "longer than zero"),
        ("PT0S", "longer than zero"),
        ("P0D", "longer than zero"),
        ("367d", "at most 366 days"),
        ("P367D", "at most 366 days"),
        ("PT8784H1S", "at most 366 days"),
        ("P53W", "at most 366 days"),
        ("999999999999d", "at most 366 days"),
        ("P1Y", "years and months"),
        ("P1M", "years and months"),
        ("P1Y2M3D", "years and months"),
        ("", "expected"),
        ("15", "expected"),
        ("m", "expected"),
        ("15M", "expected"),  # upper-case M could mean months: only ISO (PT15M) says minutes
        ("15 m", "expected"),
        (" 15m", "expected"),
        ("-15m", "expected"),
        ("1.5h", "expected"),
        ("1h30m", "expected"),
        ("P", "expected"),
        ("PT", "expected"),
        ("P1DT", "expected"),
        ("P1H", "expected"),
        ("PT1D", "expected"),
        ("PT0.0000001S", "expected"),
        ("PT0.5M", "expected"),
        ("-PT15M", "expected"),
        ("1234567890123m", "expected"),
        ("15m\x00", "expected"),
        ("１５m", "expected"),  # full-width digits
    ],
)
def test_invalid_durations_say_why(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_duration(text)


@pytest.mark.parametrize(
    ("text", "accepted"),
    [
        ("0d", False),
        ("0s", False),
        ("000000000000m", False),
        ("PT0S", False),
        ("P0D", False),
        ("P0W0DT0H0M0.000000S", False),
        ("1s", True),
        ("10d", True),
        ("PT0.5S", True),
        ("PT0.000001S", True),
        ("P0DT1H", True),
        ("P1W", True),
        ("P", False),
        ("P1DT", False),
        ("15", False),
    ],
)
def test_the_openapi_pattern_refuses_zero_like_the_parser(text: str, accepted: bool) -> None:
    """The document's pattern must not promise what the API refuses (a client generating data
    from it, e.g. schemathesis, sends `0d` otherwise)."""
    assert (re.search(DURATION_PATTERN, text) is not None) is accepted
    if accepted:
        assert parse_duration(text) > timedelta(0)
    else:
        with pytest.raises(ValueError):
            parse_duration(text)
