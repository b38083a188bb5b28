"""The `from` / `to` / `step` of every time-series read, checked once.

A series cuts `[from, to)` into consecutive steps `[from + k·step, from + (k+1)·step)`;
the last one is cut short at `to`. Both ends are floored to the grain of the aggregates
behind the series (a minute for occupancy, an hour for temperature), so that every step
is a whole number of stored buckets and every answer is exact. Steps are half-open like
the buckets themselves: a reading stamped exactly on a boundary belongs to the next step's
average. (An occupancy point is a reading *at* the step's end instead, and counts the events
up to and including that instant.)

`sitepulse.common.series_params` declares the matching HTTP query parameters.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sitepulse.common.durations import parse_duration
from sitepulse.common.errors import InvalidInputError
from sitepulse.common.timestamps import parse_instant

MAX_POINTS = 1000
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass(frozen=True)
class SeriesRange:
    start: datetime
    end: datetime
    step: timedelta

    def steps(self) -> list[tuple[datetime, datetime]]:
        bounds = []
        begin = self.start
        while begin < self.end:
            finish = min(begin + self.step, self.end)
            bounds.append((begin, finish))
            begin = finish
        return bounds


@dataclass(frozen=True)
class SeriesRules:
    grain: timedelta  # ends are floored to it; the step must be a multiple of it
    min_step: timedelta
    max_step: timedelta
    default_span: timedelta  # `from` defaults to `to` − default_span
    default_step: str


def floor_to(moment: datetime, grain: timedelta) -> datetime:
    micros = (moment - EARLIEST) // timedelta(microseconds=1)
    return EARLIEST + timedelta(microseconds=micros - micros % (grain // timedelta(microseconds=1)))


def series_range(
    rules: SeriesRules,
    start: str | None,
    end: str | None,
    step: str | None,
    clock: Callable[[], datetime],
) -> SeriesRange:
    """Validate the query; InvalidInputError (422) names the parameter at fault."""
    length = _step(rules, step if step is not None else rules.default_step)
    finish = floor_to(_instant("to", end) if end is not None else clock(), rules.grain)
    begin = (
        floor_to(_instant("from", start), rules.grain) if start is not None else finish - rules.default_span
    )
    if begin >= finish:
        raise InvalidInputError("to", f"must be later than from by at least {_human(rules.grain)}")
    points = -(-(finish - begin) // length)  # ceiling: the last step may be shorter
    if points > MAX_POINTS:
        raise InvalidInputError(
            "step", f"{points} points asked for, at most {MAX_POINTS}: use a longer step or a shorter range"
        )
    return SeriesRange(begin, finish, length)


def _step(rules: SeriesRules, text: str) -> timedelta:
    try:
        length = parse_duration(text)
    except ValueError as exc:
        raise InvalidInputError("step", str(exc)) from None
    if length % rules.grain:
        raise InvalidInputError("step", f"must be a multiple of {_human(rules.grain)}, got {text!r}")
    if not rules.min_step <= length <= rules.max_step:
        raise InvalidInputError(
            "step", f"must be between {_human(rules.min_step)} and {_human(rules.max_step)}, got {text!r}"
        )
    return length


def _instant(field: str, text: str) -> datetime:
    if not (text.isascii() and text.isprintable()):
        raise InvalidInputError(field, "contains control or non-ASCII characters")
    try:
        moment = parse_instant(text.replace(" ", "+") if "T" in text else text)
    except ValueError as exc:
        raise InvalidInputError(field, str(exc)) from None
    if not EARLIEST <= moment < LATEST:
        raise InvalidInputError(field, "must be between 1970-01-01T00:00:00Z and 9999-12-31T00:00:00Z")
    return moment


def _human(length: timedelta) -> str:
    for unit, size in (
        ("day", timedelta(days=1)),
        ("hour", timedelta(hours=1)),
        ("minute", timedelta(minutes=1)),
    ):
        if length % size == timedelta(0):
            count = length // size
            return f"1 {unit}" if count == 1 else f"{count} {unit}s"
    return str(length)
