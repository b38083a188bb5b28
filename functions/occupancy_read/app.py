"""Occupancy reads: the sensor list, and people inside now or at an instant."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from sitepulse.access.edge import current_limits
from sitepulse.common.http import create_app, lambda_entry
from sitepulse.occupancy.models import SENSOR_PATTERN, Occupancy, OccupancySeries, SensorList
from sitepulse.occupancy.wiring import occupancy_service

service = occupancy_service()
app = create_app()

SensorPath = Annotated[str, Path(pattern=SENSOR_PATTERN)]
AtInstant = Annotated[
    str | None,
    Query(alias="atInstant", description="ISO 8601 instant; counts events with ts <= atInstant"),
]


@app.get("/api/sensors", summary="List sensors (sorted, paginated)", tags=["occupancy"])
def list_sensors(
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> SensorList:
    # A key limited to sensor prefixes lists only those sensors.
    return service.sensors(limit, next_token, current_limits().sensors)


@app.get("/api/sensors/<sensor>/occupancy", summary="People inside now or at an instant", tags=["occupancy"])
def occupancy(sensor: SensorPath, at_instant: AtInstant = None) -> Occupancy:
    return service.occupancy(sensor, at_instant)


@app.get(
    "/api/sensors/<sensor>/occupancy/series",
    summary="People inside at the end of each step of [from, to) (at most 1000 points)",
    tags=["occupancy"],
)
def occupancy_series(
    sensor: SensorPath,
    from_: Annotated[
        str | None,
        Query(alias="from", max_length=40, description="ISO 8601, floored to the minute; default to − 24 h"),
    ] = None,
    to: Annotated[
        str | None, Query(max_length=40, description="ISO 8601, floored to the minute; default now")
    ] = None,
    step: Annotated[
        str | None,
        Query(max_length=32, description="5m … 1d, a whole number of minutes (15m, 1h, PT30M); default 1h"),
    ] = None,
) -> OccupancySeries:
    return service.series(sensor, from_, to, step)


@app.get(
    "/sensors/<sensor>/occupancy", summary="Alias of /api/sensors/{sensor}/occupancy", tags=["occupancy"]
)
def occupancy_alias(sensor: SensorPath, at_instant: AtInstant = None) -> Occupancy:
    return service.occupancy(sensor, at_instant)


handler = lambda_entry(app)
