"""Occupancy use cases: record a sensor report, answer "how many inside (at t)"."""

from collections.abc import Callable
from datetime import datetime

from sitepulse.common.errors import ConflictError, InvalidInputError, KeyTakenError, NotFoundError
from sitepulse.common.series_range import series_range
from sitepulse.common.timestamps import format_instant, parse_instant, utc_now
from sitepulse.occupancy.buckets import floor_at_zero, net_before_hour
from sitepulse.occupancy.models import (
    Occupancy,
    OccupancyPoint,
    OccupancySeries,
    SensorEventIn,
    SensorEventOut,
    SensorList,
)
from sitepulse.occupancy.repository import OccupancyRepository, StoredEvent
from sitepulse.occupancy.series import OCCUPANCY_SERIES, aggregate_keys, inside_at


class OccupancyService:
    def __init__(self, repository: OccupancyRepository, clock: Callable[[], datetime] = utc_now) -> None:
        self._repository = repository
        self._clock = clock

    def record(self, report: SensorEventIn) -> tuple[SensorEventOut, bool]:
        """Returns the stored event and whether this call created it."""
        event = StoredEvent(report.sensor, report.ts, report.in_, report.out)
        try:
            outcome = self._repository.record(event)
        except KeyTakenError as taken:
            raise ConflictError(
                f"sensor {report.sensor!r} already reported at {format_instant(report.ts)} "
                f"with in={taken.stored.in_count}, out={taken.stored.out_count}"
            ) from None
        stored = outcome.value
        return SensorEventOut.of(stored.sensor, stored.ts, stored.in_count, stored.out_count), outcome.created

    def occupancy(self, sensor: str, at_instant: str | None = None) -> Occupancy:
        moment = _parse_at_instant(at_instant) if at_instant is not None else None
        summary = self._repository.summary(sensor)
        if summary is None:
            raise NotFoundError(f"unknown sensor {sensor!r}")
        if moment is None:
            return Occupancy(sensor=sensor, inside=floor_at_zero(int(summary["in"]) - int(summary["out"])))
        inputs = self._repository.instant_inputs(sensor, moment, summary)
        net = net_before_hour(moment, inputs.summary, inputs.month_item, inputs.day_item)
        net += sum(in_count - out_count for in_count, out_count in inputs.hour_events)
        return Occupancy(sensor=sensor, inside=floor_at_zero(net), at=format_instant(moment))

    def series(self, sensor: str, start: str | None, end: str | None, step: str | None) -> OccupancySeries:
        """People inside at the end of each step (events with ts <= the point's instant, as
        `occupancy(at_instant=...)` counts them): 1 GetItem + ⌈(aggregate keys + points) / 100⌉
        BatchGetItem."""
        span = series_range(OCCUPANCY_SERIES, start, end, step, self._clock)
        summary = self._repository.summary(sensor)
        if summary is None:
            raise NotFoundError(f"unknown sensor {sensor!r}")
        ends = [finish for _, finish in span.steps()]
        items, exact = self._repository.series_inputs(
            sensor, [key for at in ends for key in aggregate_keys(at)], ends
        )
        return OccupancySeries(
            sensor=sensor,
            from_=format_instant(span.start),
            to=format_instant(span.end),
            step=step if step is not None else OCCUPANCY_SERIES.default_step,
            points=[
                OccupancyPoint(at=format_instant(at), inside=inside_at(at, summary, items, exact.get(at, 0)))
                for at in ends
            ],
        )

    def sensors(self, limit: int, next_token: str | None, prefixes: list[str] | None = None) -> SensorList:
        names, token = self._repository.list_sensors(limit, next_token, prefixes)
        return SensorList(sensors=names, next_token=token)


def _parse_at_instant(value: str) -> datetime:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise InvalidInputError("atInstant", str(exc)) from None
