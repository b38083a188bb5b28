"""Temperature reads: average over a window, and a building's rooms with their latest reading."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from sitepulse.access.edge import current_limits
from sitepulse.common.http import create_app, lambda_entry
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


@app.get(
    "/api/v1/buildings/<building>/rooms/<room>/temperatures/average",
    summary="Average temperature over the window (end − duration, end]",
    tags=["temperature"],
)
def average_temperature(
    building: IdPath,
    room: IdPath,
    duration: Annotated[
        str | None,
        Query(
            max_length=64, description="<n>s|m|h|d or ISO 8601 (PT15M, P1DT2H); > 0, ≤ 366 days; default 15m"
        ),
    ] = None,
    end: Annotated[
        str | None,
        Query(
            max_length=64, description="ISO 8601 instant (naive = UTC), included in the window; default now"
        ),
    ] = None,
) -> AverageTemperature:
    return service.average(building, room, duration, end)


@app.get(
    "/api/v1/buildings/<building>/rooms/<room>/temperatures/series",
    summary="Average and count per step of [from, to), from hourly buckets (at most 1000 points)",
    tags=["temperature"],
)
def temperature_series(
    building: IdPath,
    room: IdPath,
    from_: Annotated[
        str | None,
        Query(alias="from", max_length=40, description="ISO 8601, floored to the hour; default to − 7 days"),
    ] = None,
    to: Annotated[
        str | None, Query(max_length=40, description="ISO 8601, floored to the hour; default now")
    ] = None,
    step: Annotated[
        str | None, Query(max_length=32, description="A whole number of hours (1h, 6h, 1d, PT2H); default 1h")
    ] = None,
) -> TemperatureSeries:
    return service.series(building, room, from_, to, step)


@app.get("/api/v1/buildings", summary="Buildings with readings (sorted, paginated)", tags=["temperature"])
def list_buildings(
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> BuildingList:
    # A key limited to buildings lists only those.
    return service.buildings(limit, next_token, current_limits().buildings)


@app.get(
    "/api/v1/buildings/<building>/rooms",
    summary="Rooms of a building with their latest reading (sorted, paginated)",
    tags=["temperature"],
)
def list_rooms(
    building: IdPath,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    next_token: Annotated[str | None, Query(max_length=2048)] = None,
) -> RoomList:
    return service.rooms(building, limit, next_token)


handler = lambda_entry(app)
