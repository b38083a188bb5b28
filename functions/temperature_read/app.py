"""Temperature reads: average over a window, and a building's rooms with their latest reading."""

from sitepulse.common import init_phase  # first: the collector stays off while the modules below load

# isort: split
from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from sitepulse.access.edge import current_limits
from sitepulse.common.durations import DURATION_PATTERN
from sitepulse.common.http import create_app, lambda_entry
from sitepulse.common.openapi_responses import api_responses, linked
from sitepulse.common.pagination import DEFAULT_PAGE_SIZE, TOKEN_QUERY, PageLimit
from sitepulse.common.series_params import series_params
from sitepulse.common.timestamps import DESCRIPTION as INSTANT_DESCRIPTION
from sitepulse.common.timestamps import INSTANT_QUERY, MAX_LENGTH
from sitepulse.temperature.models import (
    ID_DESCRIPTION,
    ID_PATTERN,
    AverageTemperature,
    BuildingList,
    RoomList,
    TemperatureSeries,
)
from sitepulse.temperature.wiring import temperature_service

service = temperature_service()
app = create_app()

IdPath = Annotated[str, Path(pattern=ID_PATTERN, description=ID_DESCRIPTION)]
SeriesFrom, SeriesTo, SeriesStep = series_params(
    grain="hour", default_span="7 days", steps="A whole number of hours (1h, 6h, 1d, PT2H); default 1h"
)


@app.get(
    "/api/v1/buildings/<building>/rooms/<room>/temperatures/average",
    summary="Average temperature over the window (end − duration, end]",
    operation_id="getAverageTemperature",
    responses=api_responses(
        {200: "The exact mean (null without readings) and the window"}, not_found="Unknown room or building"
    ),
    tags=["temperature"],
)
def average_temperature(
    building: IdPath,
    room: IdPath,
    duration: Annotated[
        str | None,
        Query(
            max_length=64,
            description="<n>s|m|h|d or ISO 8601 (PT15M, P1DT2H, P2W); > 0, ≤ 366 days; default 15m",
            json_schema_extra={"pattern": DURATION_PATTERN},
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            max_length=MAX_LENGTH,
            description=f"Window end, included; default now. {INSTANT_DESCRIPTION}",
            json_schema_extra=INSTANT_QUERY,
        ),
    ] = None,
) -> AverageTemperature:
    return service.average(building, room, duration, end)


@app.get(
    "/api/v1/buildings/<building>/rooms/<room>/temperatures/series",
    summary="Average and count per step of [from, to), from hourly buckets (at most 1000 points)",
    operation_id="getTemperatureSeries",
    responses=api_responses({200: "One point per step (null average when empty)"}, not_found="Unknown room"),
    tags=["temperature"],
)
def temperature_series(
    building: IdPath,
    room: IdPath,
    from_: SeriesFrom = None,
    to: SeriesTo = None,
    step: SeriesStep = None,
) -> TemperatureSeries:
    return service.series(building, room, from_, to, step)


@app.get(
    "/api/v1/buildings",
    summary="Buildings with readings (sorted, paginated)",
    operation_id="listBuildings",
    responses=api_responses(
        {
            200: linked(
                "One page of buildings; `next_token` is null on the last page",
                {
                    "NextPage": ("listBuildings", {"next_token": "$response.body#/next_token"}),
                    "Rooms": ("listRooms", {"building": "$response.body#/buildings/0"}),
                },
            )
        }
    ),
    tags=["temperature"],
)
def list_buildings(
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: Annotated[str | None, TOKEN_QUERY] = None,
) -> BuildingList:
    # A key limited to buildings lists only those.
    return service.buildings(limit, next_token, current_limits().buildings)


@app.get(
    "/api/v1/buildings/<building>/rooms",
    summary="Rooms of a building with their latest reading (sorted, paginated)",
    operation_id="listRooms",
    responses=api_responses(
        {
            200: linked(
                "One page of rooms; `next_token` is null on the last page",
                {
                    "NextPage": (
                        "listRooms",
                        {"building": "$request.path.building", "next_token": "$response.body#/next_token"},
                    )
                },
            )
        },
        not_found="Unknown building",
    ),
    tags=["temperature"],
)
def list_rooms(
    building: IdPath,
    limit: PageLimit = DEFAULT_PAGE_SIZE,
    next_token: Annotated[str | None, TOKEN_QUERY] = None,
) -> RoomList:
    return service.rooms(building, limit, next_token)


handler = lambda_entry(app)
init_phase.end()
