"""Pure period arithmetic of the dashboard: every day/month/year of a year, with the
bookings of its nights summed from per-day counts (missing days count 0)."""

from collections.abc import Mapping
from datetime import date, timedelta

from sitepulse.bookings.models import Period


def days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    count = (date(year, 12, 31) - first).days + 1  # not date(year + 1, …): 9999 is the last year
    return [first + timedelta(days=offset) for offset in range(count)]


def period_label(night: date, period: Period) -> str:
    if period == "day":
        return night.isoformat()
    if period == "month":
        return f"{night.year:04d}-{night.month:02d}"
    return f"{night.year:04d}"


def bookings_per_period(year: int, period: Period, per_day: Mapping[date, int]) -> list[tuple[str, int]]:
    """(label, bookings) for every period of `year` in order, zeros included."""
    totals: dict[str, int] = {}
    for night in days_of(year):
        label = period_label(night, period)
        totals[label] = totals.get(label, 0) + per_day.get(night, 0)
    return list(totals.items())
