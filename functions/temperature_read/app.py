"""Temperature reads: average over a window, and a building's rooms with their latest reading."""

from typing import Annotated

from aws_lambda_powertools.event_handler.openapi.params import Path, Query

from sitepulse.common.http import create_app, lambda_entry
from sitepulse.temperature.models import ID_DESCRIPTION, ID_PATTERN, AverageTemperature, RoomList
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
