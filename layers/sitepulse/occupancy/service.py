"""Occupancy use cases: record a sensor report, answer "how many inside (at t)"."""

from datetime import datetime

from sitepulse.common.errors import ConflictError, InvalidInputError, KeyTakenError, NotFoundError
from sitepulse.common.timestamps import format_instant, parse_instant
from sitepulse.occupancy.buckets import floor_at_zero, net_before_hour
from sitepulse.occupancy.models import Occupancy, SensorEventIn, SensorEventOut, SensorList
from sitepulse.occupancy.repository import OccupancyRepository, StoredEvent


class OccupancyService:
    def __init__(self, repository: OccupancyRepository) -> None:
        self._repository = repository

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

    def sensors(self, limit: int, next_token: str | None, prefixes: list[str] | None = None) -> SensorList:
        names, token = self._repository.list_sensors(limit, next_token, prefixes)
        return SensorList(sensors=names, next_token=token)


def _parse_at_instant(value: str) -> datetime:
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise InvalidInputError("atInstant", str(exc)) from None
