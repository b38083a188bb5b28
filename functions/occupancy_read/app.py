"""Occupancy reads: the sensor list, and people inside now or at an instant."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from sitepulse.access.edge import current_limits
from sitepulse.common.aws import dynamodb
from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.settings import load_settings
from sitepulse.occupancy.models import SENSOR_PATTERN, Occupancy, SensorList
from sitepulse.occupancy.repository import OccupancyRepository
from sitepulse.occupancy.service import OccupancyService, OccupancySettings

settings = load_settings(OccupancySettings)
service = OccupancyService(OccupancyRepository(dynamodb(), settings.occupancy_table))
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
    "/sensors/<sensor>/occupancy", summary="Alias of /api/sensors/{sensor}/occupancy", tags=["occupancy"]
)
def occupancy_alias(sensor: SensorPath, at_instant: AtInstant = None) -> Occupancy:
    return service.occupancy(sensor, at_instant)


handler = lambda_entry(app)
