"""Pure period arithmetic: every period listed, zeros included, days summed correctly."""

from __future__ import annotations

from datetime import date

from sitepulse.bookings.dashboard import bookings_per_period, days_of


def test_every_day_of_leap_and_common_years() -> None:
    assert len(days_of(2024)) == 366
    assert len(days_of(2023)) == 365
    assert days_of(9999)[-1].isoformat() == "9999-12-31" and days_of(1970)[0].isoformat() == "1970-01-01"
    labels = [label for label, _ in bookings_per_period(2024, "day", {})]
    assert labels[0] == "2024-01-01"
    assert labels[59] == "2024-02-29"
    assert labels[-1] == "2024-12-31"
    assert len(labels) == 366


def test_months_and_year_sum_the_days() -> None:
    per_day = {date(2024, 1, 1): 2, date(2024, 1, 31): 1, date(2024, 2, 29): 4, date(2024, 12, 31): 3}
    months = dict(bookings_per_period(2024, "month", per_day))
    assert list(months) == [f"2024-{m:02d}" for m in range(1, 13)]
    assert months == {**{f"2024-{m:02d}": 0 for m in range(1, 13)}, "2024-01": 3, "2024-02": 4, "2024-12": 3}
    assert bookings_per_period(2024, "year", per_day) == [("2024", 10)]
    days = dict(bookings_per_period(2024, "day", per_day))
    assert days["2024-02-29"] == 4
    assert days["2024-03-01"] == 0


def test_days_of_other_years_are_ignored() -> None:
    per_day = {date(2023, 12, 31): 5, date(2025, 1, 1): 7}
    assert bookings_per_period(2024, "year", per_day) == [("2024", 0)]
