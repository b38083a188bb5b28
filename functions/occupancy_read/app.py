"""Occupancy reads: the sensor list, and people inside now or at an instant."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from sitepulse.access.edge import current_limits
from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.openapi_responses import api_responses, linked
from sitepulse.common.pagination import DEFAULT_PAGE_SIZE, TOKEN_QUERY, PageLimit
from sitepulse.common.series_params import series_params
from sitepulse.common.timestamps import DESCRIPTION as INSTANT_DESCRIPTION
from sitepulse.common.timestamps import INSTANT_QUERY, MAX_LENGTH
from sitepulse.occupancy.models import SENSOR_PATTERN, Occupancy, OccupancySeries, SensorList
from sitepulse.occupancy.wiring import occupancy_service

service = occupancy_service()
app = create_app()

SensorPath = Annotated[str, Path(pattern=SENSOR_PATTERN)]
AtInstant = Annotated[
    str | None,
    Query(
        alias="atInstant",
        max_length=MAX_LENGTH,
        description=f"Counts events with ts <= atInstant. {INSTANT_DESCRIPTION}",
        json_schema_extra=INSTANT_QUERY,
    ),
]
SeriesFrom, SeriesTo, SeriesStep = series_params(
    grain="minute",
    default_span="24 h",
    steps="5m … 1d, a whole number of minutes (15m, 1h, PT30M); default 1h",
)
OCCUPANCY_RESPONSES = api_responses({200: "People inside (never negative)"}, not_found="Unknown sensor")


@app.get(
    "/api/sensors",
    summary="List sensors (sorted, paginated)",
    operation_id="listSensors",
    responses=api_responses(
        {
            200: linked(
                "One page of sensor names; `next_token` is null on the last page",
                {
                    "NextPage": ("listSensors", {"next_token": "$response.body#/next_token"}),
                    "Occupancy": ("getOccupancy", {"sensor": "$response.body#/sensors/0"}),
                },
            )
        }
    ),
    tags=["occupancy"],
)
def list_sensors(
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: Annotated[str | None, TOKEN_QUERY] = None,
) -> SensorList:
    # A key limited to sensor prefixes lists only those sensors.
    return service.sensors(limit, next_token, current_limits().sensors)


@app.get(
    "/api/sensors/<sensor>/occupancy",
    summary="People inside now or at an instant",
    operation_id="getOccupancy",
    responses=OCCUPANCY_RESPONSES,
    tags=["occupancy"],
)
def occupancy(sensor: SensorPath, at_instant: AtInstant = None) -> Occupancy:
    return service.occupancy(sensor, at_instant)


@app.get(
    "/api/sensors/<sensor>/occupancy/series",
    summary="People inside at the end of each step of [from, to) (at most 1000 points)",
    operation_id="getOccupancySeries",
    responses=api_responses({200: "One point per step"}, not_found="Unknown sensor"),
    tags=["occupancy"],
)
def occupancy_series(
    sensor: SensorPath,
    from_: SeriesFrom = None,
    to: SeriesTo = None,
    step: SeriesStep = None,
) -> OccupancySeries:
    return service.series(sensor, from_, to, step)


@app.get(
    "/sensors/<sensor>/occupancy",
    summary="Alias of /api/sensors/{sensor}/occupancy",
    responses=OCCUPANCY_RESPONSES,
    tags=["occupancy"],
)
def occupancy_alias(sensor: SensorPath, at_instant: AtInstant = None) -> Occupancy:
    return service.occupancy(sensor, at_instant)


handler = lambda_entry(app)
init_phase.end()
