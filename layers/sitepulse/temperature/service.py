"""Temperature use cases: record a reading, average over a window, list a building's rooms."""

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from sitepulse.common.durations import DEFAULT_DURATION, parse_duration
from sitepulse.common.errors import ConflictError, InvalidInputError, KeyTakenError, NotFoundError
from sitepulse.common.series_range import SeriesRules, series_range
from sitepulse.common.timestamps import format_instant, parse_instant, utc_now
from sitepulse.temperature.models import (
    AverageTemperature,
    BuildingList,
    Reading,
    ReadingIn,
    RoomList,
    RoomSummary,
    TemperaturePoint,
    TemperatureSeries,
    exact_temperature,
)
from sitepulse.temperature.repository import StoredReading, TemperatureRepository
from sitepulse.temperature.windows import HOUR, Aggregate, Window, bucket_name, mean, plan

FUTURE_TOLERANCE = timedelta(minutes=5)
# Steps are whole hour buckets; a range of at most 366 days keeps the one bucket Query ≤ 3 pages.
TEMPERATURE_SERIES = SeriesRules(
    grain=HOUR, min_step=HOUR, max_step=timedelta(days=366), default_span=timedelta(days=7), default_step="1h"
)
MAX_SERIES_RANGE = timedelta(days=366)
# `end=2024-12-10T16:45:00+01:00` typed into a URL arrives as "... 01:00": '+' means space in a query.
_OFFSET_AFTER_SPACE = re.compile(r"(.+T.+\d) (\d{2}(?::?\d{2})?)")


class TemperatureService:
    def __init__(self, repository: TemperatureRepository, clock: Callable[[], datetime] = utc_now) -> None:
        self._repository = repository
        self._clock = clock

    def record(self, building: str, room: str, reading: ReadingIn) -> tuple[Reading, bool]:
        """Returns the stored reading and whether this call created it."""
        now = self._clock()
        if reading.recorded_at > now + FUTURE_TOLERANCE:
            raise InvalidInputError(
                "recorded_at",
                f"{format_instant(reading.recorded_at)} is more than 5 minutes in the future "
                f"(server time {format_instant(now)})",
            )
        stored = StoredReading(building, room, reading.recorded_at, exact_temperature(reading.temperature))
        try:
            outcome = self._repository.record(stored)
        except KeyTakenError as taken:
            raise ConflictError(
                f"room {room!r} of building {building!r} already has a reading at "
                f"{format_instant(reading.recorded_at)}: {taken.stored.temperature} °C"
            ) from None
        return _reading_out(outcome.value), outcome.created

    def average(
        self, building: str, room: str, duration: str | None = None, end: str | None = None
    ) -> AverageTemperature:
        asked = DEFAULT_DURATION if duration is None else duration
        try:
            length = parse_duration(asked)
        except ValueError as exc:
            raise InvalidInputError("duration", str(exc)) from None
        moment = self._clock() if end is None else _parse_end(end)
        window = Window(start=moment - length, end=moment)
        aggregate = self._repository.aggregate(building, room, plan(window))
        # Only an empty window can hide an unknown room: the common case costs no extra request.
        if aggregate.count == 0 and not self._repository.room_exists(building, room):
            raise NotFoundError(f"unknown room {room!r} in building {building!r}")
        average = mean(aggregate)
        return AverageTemperature(
            building=building,
            room=room,
            duration=asked,
            from_=format_instant(window.start),
            to=format_instant(window.end),
            average_temperature=None if average is None else float(average),
            readings=aggregate.count,
        )

    def series(
        self, building: str, room: str, start: str | None, end: str | None, step: str | None
    ) -> TemperatureSeries:
        """Average and count per step from the hour buckets alone: one Query (+ one GetItem when empty)."""
        span = series_range(TEMPERATURE_SERIES, start, end, step, self._clock)
        if span.end - span.start > MAX_SERIES_RANGE:
            raise InvalidInputError("from", f"the range may span at most {MAX_SERIES_RANGE.days} days")
        buckets = self._repository.hour_buckets(building, room, span.start, span.end - HOUR)
        if not buckets and not self._repository.room_exists(building, room):
            raise NotFoundError(f"unknown room {room!r} in building {building!r}")
        points = []
        for first, finish in span.steps():
            total = Aggregate()
            hour = first
            while hour < finish:
                total += buckets.get(bucket_name(hour), Aggregate())
                hour += HOUR
            average = mean(total)
            points.append(
                TemperaturePoint(
                    from_=format_instant(first),
                    to=format_instant(finish),
                    average_temperature=None if average is None else float(average),
                    readings=total.count,
                )
            )
        return TemperatureSeries(
            building=building,
            room=room,
            from_=format_instant(span.start),
            to=format_instant(span.end),
            step=step if step is not None else TEMPERATURE_SERIES.default_step,
            points=points,
        )

    def buildings(self, limit: int, next_token: str | None, allowed: list[str] | None = None) -> BuildingList:
        """`allowed`: a key's building limits — then only those buildings are read."""
        if allowed is not None:
            names, token = self._repository.list_allowed_buildings(allowed, limit, next_token)
        else:
            names, token = self._repository.list_buildings(limit, next_token)
        return BuildingList(buildings=names, next_token=token)

    def rooms(self, building: str, limit: int, next_token: str | None) -> RoomList:
        rooms, token = self._repository.list_rooms(building, limit, next_token)
        if not rooms and next_token is None:
            raise NotFoundError(f"unknown building {building!r}")
        return RoomList(
            building=building,
            rooms=[
                RoomSummary(
                    room=room.room,
                    readings=room.readings,
                    latest_temperature=float(room.latest_temperature),
                    latest_recorded_at=format_instant(room.latest_at),
                )
                for room in rooms
            ],
            next_token=token,
        )


def _reading_out(reading: StoredReading) -> Reading:
    return Reading(
        building=reading.building,
        room=reading.room,
        temperature=float(reading.temperature),
        recorded_at=format_instant(reading.recorded_at),
    )


def _parse_end(value: str) -> datetime:
    unescaped = _OFFSET_AFTER_SPACE.fullmatch(value)
    if unescaped:
        value = f"{unescaped[1]}+{unescaped[2]}"
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise InvalidInputError("end", str(exc)) from None
